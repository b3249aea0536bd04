/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-dmabufv4l2dec
 * @title: dmabufv4l2dec
 *
 * Decodes video on a stateful V4L2 memory-to-memory decoder found by the
 * codec of its input caps (video/x-fwht finds vicodec). Bitstream buffers
 * that are dma-bufs (from dmabufv4l2enc, for one) are imported on the
 * OUTPUT queue; others, and dma-bufs smaller than the OUTPUT format's
 * sizeimage (vb2 refuses those whatever their payload), are copied into
 * dma-bufs of the decoder's own, counted in #copies and reported on
 * GST_PERFORMANCE with the reason. A copy first waits for the devices still
 * writing the buffer, at most #GstDmabufV4l2Dec:fence-timeout ms (past it,
 * RESOURCE BUSY naming the buffer instead of a hang).
 * Decoded frames are the CAPTURE queue's buffers exported as dma-bufs, with
 * a #GstVideoMeta giving the driver's layout. The decoder follows the
 * stream's resolution: on V4L2_EVENT_SOURCE_CHANGE it drains the old
 * frames, renegotiates and reallocates. The CAPTURE side runs on its own
 * task: bitstream is queued as it arrives and each frame is pushed as soon
 * as the device has decoded it, so no queue is needed around the element.
 * EOS drains (V4L2_DEC_CMD_STOP); a flush restarts streaming. Corrupt input is reported through the
 * decoder's max-errors logic and ends in an error message, never a hang.
 *
 * ## Example
 * |[
 * gst-launch-1.0 dmabufv4l2src num-buffers=60 ! video/x-raw,format=YUY2,width=640,height=480 \
 *     ! dmabufv4l2enc ! dmabufv4l2dec ! kmssink driver-name=vkms
 * ]|
 */
#include <atomic>
#include <cerrno>
#include <memory>
#include <optional>
#include <string>

#include <dmabufkit/dbk_constraints_convert.h>
#include <dmabufkit/dmabufkit.h>
#include <gst/video/gstvideodecoder.h>
#include <gst/video/video.h>

#include "../elements.h"
#include "caps_probe.h"
#include "codec_common.h"
#include "decoded_format.h"
#include "fence_gate.h"
#include "format_map.h"
#include "m2m_stream.h"
#include "dmabufkit/v4l2/import_capability.h"

GST_DEBUG_CATEGORY_STATIC(dmabuf_v4l2_dec_debug);
#define GST_CAT_DEFAULT dmabuf_v4l2_dec_debug
static GstDebugCategory *perf_cat;

using namespace dmabufkit;
using namespace dmabufkit::gstv4l2;

#define GST_TYPE_DMABUF_V4L2_DEC (gst_dmabuf_v4l2_dec_get_type())
G_DECLARE_FINAL_TYPE(GstDmabufV4l2Dec, gst_dmabuf_v4l2_dec, GST, DMABUF_V4L2_DEC, GstVideoDecoder)

namespace {

struct DecState : CodecElementState {
	GstVideoCodecState *input = nullptr;
	v4l2::DeviceFormat codedFmt;
	GstVideoInfo outInfo{};
	std::atomic<guint64> resolutionChanges{ 0 };
};

} /* namespace */

struct _GstDmabufV4l2Dec {
	GstVideoDecoder parent;
	DecState *state;
};

enum { PROP_RES_CHANGES = PROP_CODEC_N };

G_DEFINE_TYPE(GstDmabufV4l2Dec, gst_dmabuf_v4l2_dec, GST_TYPE_VIDEO_DECODER)

static gboolean gst_dmabuf_v4l2_dec_start(GstVideoDecoder *dec)
{
	auto *self = GST_DMABUF_V4L2_DEC(dec);
	self->state->allocator = dbk_allocator_new();
	self->state->warnedCopy = false;
	return TRUE;
}

static gboolean gst_dmabuf_v4l2_dec_stop(GstVideoDecoder *dec)
{
	auto *self = GST_DMABUF_V4L2_DEC(dec);
	self->state->closeDevice(StreamLock::Free); /* the base class calls stop unlocked */
	if (self->state->input)
		gst_video_codec_state_unref(self->state->input);
	self->state->input = nullptr;
	if (self->state->allocator)
		gst_object_unref(self->state->allocator);
	self->state->allocator = nullptr;
	return TRUE;
}

static gboolean gst_dmabuf_v4l2_dec_set_format(GstVideoDecoder *dec, GstVideoCodecState *state)
{
	auto *self = GST_DMABUF_V4L2_DEC(dec);
	DecState *st = self->state;
	self->state->closeDevice(StreamLock::HeldByCaller);
	if (st->input)
		gst_video_codec_state_unref(st->input);
	st->input = gst_video_codec_state_ref(state);

	uint32_t codec = 0;
	std::string path = st->device;
	auto node = findCodecDevice(state->caps, false, 0, &codec);
	if (!node && path.empty()) {
		GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
				  ("No V4L2 decoder for %" GST_PTR_FORMAT, state->caps),
				  ("%s", node.error().message.c_str()));
		return FALSE;
	}
	if (path.empty())
		path = node->path;
	if (!codec)
		codec = v4l2::codecFourccFromMediaType(
			gst_structure_get_name(gst_caps_get_structure(state->caps, 0)));
	auto dev = v4l2::VideoDevice::open(path);
	if (!dev) {
		postCodecOpenError(GST_ELEMENT(self), "decoder", path, dev.error());
		return FALSE;
	}
	st->dev = std::move(dev).value();
	for (uint32_t ev : { (uint32_t)V4L2_EVENT_SOURCE_CHANGE, (uint32_t)V4L2_EVENT_EOS }) {
		if (auto r = st->dev->subscribeEvent(ev); !r) {
			GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
					  ("%s is not a stateful decoder", path.c_str()),
					  ("%s", r.error().message.c_str()));
			return FALSE;
		}
	}
	v4l2::DeviceFormat coded;
	coded.fourcc = codec;
	coded.width =
		GST_VIDEO_INFO_WIDTH(&state->info) > 0 ? GST_VIDEO_INFO_WIDTH(&state->info) : 1920;
	coded.height = GST_VIDEO_INFO_HEIGHT(&state->info) > 0 ? GST_VIDEO_INFO_HEIGHT(&state->info)
							       : 1080;
	auto set = st->dev->setFormat(st->dev->outputType(), coded);
	if (!set) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
				  ("%s cannot decode %" GST_PTR_FORMAT, path.c_str(), state->caps),
				  ("%s", set.error().message.c_str()));
		return FALSE;
	}
	if (set->fourcc != codec) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
				  ("%s cannot decode %" GST_PTR_FORMAT, path.c_str(), state->caps),
				  ("VIDIOC_S_FMT answered %s", set->toString().c_str()));
		return FALSE;
	}
	st->codedFmt = *set;
	st->deviceUsed = path;
	st->latency.reset();
	gst_video_decoder_set_latency(dec, 0, framesLatency(state->info, kOutputSlots));
	GST_INFO_OBJECT(self, "decoding on %s: %s", path.c_str(), set->toString().c_str());
	return TRUE;
}

/* Upstream learns what the OUTPUT queue imports (probed once per device, on
 * the coded format, before the queue has buffers) and that a bitstream
 * buffer is one dma-buf; it may be of any stride (no layout to align). */
static gboolean gst_dmabuf_v4l2_dec_propose_allocation(GstVideoDecoder *dec, GstQuery *query)
{
	auto *self = GST_DMABUF_V4L2_DEC(dec);
	DecState *st = self->state;
	Constraints needs;
	if (st->dev && !st->stream)
		needs = v4l2::importCapability(*st->dev, st->dev->outputType(), st->codedFmt)
				.constraints();
	needs.consumer = GST_OBJECT_NAME(self);
	needs.memoryLayout = MemoryLayout::Single;
	DbkConstraints c;
	dmabufkit::gst::fromCore(needs, &c);
	dbk_query_add_constraints(query, &c);
	GST_DEBUG_OBJECT(self, "published OUTPUT import constraints: %s", needs.describe().c_str());
	/* No pool of ours (the input is imported as it comes): how many input
	 * buffers we keep, so an upstream that hands out its own buffers (a
	 * V4L2 encoder's CAPTURE queue) has enough to keep working meanwhile. */
	if (st->dev) {
		const unsigned keep = decoderInputBuffers(*st->dev);
		gst_query_add_allocation_pool(query, nullptr, st->codedFmt.planes[0].sizeImage,
					      keep, 0);
		GST_DEBUG_OBJECT(self, "asked upstream for %u buffers of input", keep);
	}
	return GST_VIDEO_DECODER_CLASS(gst_dmabuf_v4l2_dec_parent_class)
		->propose_allocation(dec, query);
}

/* The caps downstream can take for \a format at the stream's size. */
static GstCaps *decoded_caps(GstVideoFormat format, const GstVideoInfo &info)
{
	return gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING,
				   gst_video_format_to_string(format), "width", G_TYPE_INT,
				   GST_VIDEO_INFO_WIDTH(&info), "height", G_TYPE_INT,
				   GST_VIDEO_INFO_HEIGHT(&info), nullptr);
}

/*
 * Agree on the CAPTURE format with downstream: keep the driver's choice if
 * downstream takes it, else switch to a repacking of the same sampling the
 * driver offers (YUYV instead of 4:2:2 planar, say).
 */
static Result<v4l2::DeviceFormat> choose_capture_format(GstDmabufV4l2Dec *self,
							const v4l2::DeviceFormat &native,
							const GstVideoInfo &nativeInfo)
{
	DecState *st = self->state;
	GstPad *srcpad = GST_VIDEO_DECODER_SRC_PAD(self);
	GstCaps *allowed = gst_pad_get_allowed_caps(srcpad);
	if (!allowed) /* not linked: nobody to disagree */
		return native;
	const GstVideoFormat nativeFormat = GST_VIDEO_INFO_FORMAT(&nativeInfo);
	std::vector<GstVideoFormat> offered;
	for (const auto &d : st->dev->enumFormats(st->dev->captureType())) {
		GstVideoFormat f = v4l2::videoFormatFromFourcc(d.fourcc);
		if (f != GST_VIDEO_FORMAT_UNKNOWN &&
		    v4l2::isMultiPlanarFourcc(d.fourcc) == v4l2::isMultiPlanarFourcc(native.fourcc))
			offered.push_back(f);
	}
	GstVideoFormat chosen =
		v4l2::chooseDecodedFormat(nativeFormat, offered, [&](GstVideoFormat f) {
			GstCaps *c = decoded_caps(f, nativeInfo);
			bool ok = gst_caps_can_intersect(c, allowed);
			gst_caps_unref(c);
			return ok;
		});
	if (chosen == GST_VIDEO_FORMAT_UNKNOWN) {
		std::string same;
		for (GstVideoFormat f : offered) {
			if (v4l2::sameSampling(nativeFormat, f))
				same += std::string(same.empty() ? "" : ", ") +
					gst_video_format_to_string(f);
		}
		gchar *a = gst_caps_to_string(allowed);
		Error e{ EINVAL, "the decoder writes this stream as " + same + " at " +
					 std::to_string(GST_VIDEO_INFO_WIDTH(&nativeInfo)) + "x" +
					 std::to_string(GST_VIDEO_INFO_HEIGHT(&nativeInfo)) +
					 "; downstream accepts only " + a +
					 ". Put a converter (dmabufcpufilter operation=convert, "
					 "videoconvert) after the decoder "
					 "or let downstream take one of these formats" };
		g_free(a);
		gst_caps_unref(allowed);
		return e;
	}
	gst_caps_unref(allowed);
	if (chosen == nativeFormat)
		return native;
	v4l2::DeviceFormat want = native;
	want.fourcc = v4l2::fourccFromVideoFormat(chosen, v4l2::isMultiPlanarFourcc(native.fourcc));
	for (auto &p : want.planes)
		p = {};
	auto set = st->dev->setFormat(st->dev->captureType(), want);
	if (!set)
		return set.error();
	if (set->fourcc != want.fourcc || set->width != native.width ||
	    set->height != native.height)
		return Error{ EINVAL, "the decoder refused " + want.toString() + " and answered " +
					      set->toString() };
	GST_INFO_OBJECT(self, "downstream does not take %s, decoding to %s instead",
			gst_video_format_to_string(nativeFormat),
			gst_video_format_to_string(chosen));
	return *set;
}

/* SOURCE_CHANGE: read the new format, renegotiate, new CAPTURE buffers. */
static Result<void> source_changed(GstDmabufV4l2Dec *self)
{
	DecState *st = self->state;
	GstVideoDecoder *dec = GST_VIDEO_DECODER(self);
	auto native = st->dev->getFormat(st->dev->captureType());
	if (!native)
		return native.error();
	GstVideoInfo info;
	if (auto r = v4l2::videoInfoFromFormat(*native, &info); !r)
		return Error{ EINVAL, "the decoder produces " + native->toString() +
					      ", which has no GStreamer format" };
	auto fmt = choose_capture_format(self, *native, info);
	if (!fmt)
		return Error{ ENOTSUP, fmt.error().message };
	if (auto r = v4l2::videoInfoFromFormat(*fmt, &info); !r)
		return Error{ EINVAL, "the decoder produces " + fmt->toString() +
					      ", which has no GStreamer format" };
	GstVideoCodecState *out = gst_video_decoder_set_output_state(
		dec, GST_VIDEO_INFO_FORMAT(&info), GST_VIDEO_INFO_WIDTH(&info),
		GST_VIDEO_INFO_HEIGHT(&info), st->input);
	gst_video_codec_state_unref(out);
	if (!gst_video_decoder_negotiate(dec))
		return Error{ ENOTSUP, "downstream refused " + fmt->toString() };
	st->outInfo = info;
	st->resolutionChanges++;
	GST_INFO_OBJECT(self, "source change: decoding to %s", fmt->toString().c_str());
	return st->stream->setupCapture(minBuffers(*st->dev, true, 2) + 2);
}

static Result<void> frame_ready(GstDmabufV4l2Dec *self, uint32_t number, GstBuffer *buf,
				const v4l2::DequeuedBuffer &d)
{
	GstVideoDecoder *dec = GST_VIDEO_DECODER(self);
	DecState *st = self->state;
	GstVideoCodecFrame *frame = gst_video_decoder_get_frame(dec, static_cast<int>(number));
	if (!frame) {
		GST_DEBUG_OBJECT(self, "no pending frame %u (already dropped)", number);
		if (buf)
			gst_buffer_unref(buf);
		return {};
	}
	/* Older frames the driver consumed without output will never come. */
	GList *frames = gst_video_decoder_get_frames(dec);
	for (GList *l = frames; l; l = l->next) {
		auto *f = static_cast<GstVideoCodecFrame *>(l->data);
		if (f->system_frame_number < number)
			gst_video_decoder_release_frame(dec, gst_video_codec_frame_ref(f));
	}
	g_list_free_full(frames, reinterpret_cast<GDestroyNotify>(gst_video_codec_frame_unref));

	if (!buf) {
		GstFlowReturn ret = GST_FLOW_OK;
		gst_video_decoder_drop_frame(dec, frame);
		GST_VIDEO_DECODER_ERROR(self, 1, STREAM, DECODE, ("Corrupt frame"),
					("the driver flagged frame %u (sequence %u) as an error",
					 number, d.sequence),
					ret);
		if (ret != GST_FLOW_OK)
			return Error{ EBADMSG, "too many corrupt frames" };
		return {};
	}
	addVideoMeta(buf, st->outInfo);
	frame->output_buffer = buf;
	if (auto l = st->latencyToReport()) {
		GST_INFO_OBJECT(self, "the device takes up to %" GST_TIME_FORMAT " per frame",
				GST_TIME_ARGS(*l));
		gst_video_decoder_set_latency(
			dec, *l, std::max(*l, framesLatency(st->input->info, kOutputSlots)));
	}
	GstFlowReturn ret =
		st->task->pushUnlocked([&] { return gst_video_decoder_finish_frame(dec, frame); });
	if (ret != GST_FLOW_OK) {
		st->task->setFlow(ret);
		return Error{ EPIPE,
			      std::string("pushing downstream failed: ") + gst_flow_get_name(ret) };
	}
	return {};
}

/* \a in copied into a dma-buf of the copy pool; ETIMEDOUT when the fences
 * of either did not signal within fence-timeout (the CPU touched neither),
 * EMSGSIZE when \a in is larger than the decoder takes. Posts nothing. */
static Result<GstBuffer *> copy_bitstream(GstDmabufV4l2Dec *self, GstBuffer *in,
					  const std::string &why)
{
	DecState *st = self->state;
	const gsize size =
		std::max<gsize>(gst_buffer_get_size(in), st->codedFmt.planes[0].sizeImage);
	if (!st->copyPool) {
		st->copyPool = gst_buffer_pool_new();
		GstStructure *config = gst_buffer_pool_get_config(st->copyPool);
		gst_buffer_pool_config_set_params(config, nullptr, static_cast<guint>(size), 2, 0);
		gst_buffer_pool_config_set_allocator(config, GST_ALLOCATOR(st->allocator), nullptr);
		if (!gst_buffer_pool_set_config(st->copyPool, config) ||
		    !gst_buffer_pool_set_active(st->copyPool, TRUE))
			return Error{ ENOMEM, "cannot allocate dma-bufs to copy bitstream into" };
	}
	if (!st->warnedCopy) {
		st->warnedCopy = true;
		GST_CAT_WARNING_OBJECT(
			perf_cat, self,
			"copying bitstream into dma-bufs the OUTPUT queue imports: %s",
			why.c_str());
		GST_ELEMENT_WARNING(self, STREAM, DECODE,
				    ("Copying the input bitstream into dma-bufs"),
				    ("%s", why.c_str()));
	}
	GST_CAT_LOG_OBJECT(perf_cat, self, "copying a %zu-byte compressed frame: %s",
			   gst_buffer_get_size(in), why.c_str());
	/* The pool's buffers have the size of the first copy's: a larger frame
	 * would be cut short. */
	guint poolSize = 0, minBuffers = 0, maxBuffers = 0;
	GstStructure *config = gst_buffer_pool_get_config(st->copyPool);
	gst_buffer_pool_config_get_params(config, nullptr, &poolSize, &minBuffers, &maxBuffers);
	gst_structure_free(config);
	if (gst_buffer_get_size(in) > poolSize)
		return Error{ EMSGSIZE, std::to_string(gst_buffer_get_size(in)) +
						" bytes, the decoder takes at most " +
						std::to_string(poolSize) };
	auto target =
		acquireCopyTarget(st->copyPool, in, st->fenceTimeoutMs, "the bitstream to copy",
				  "the dma-buf to copy the bitstream into");
	if (!target)
		return target.error();
	GstBuffer *out = *target;
	GstMapInfo map;
	if (!gst_buffer_map(out, &map, GST_MAP_WRITE)) {
		gst_buffer_unref(out);
		return Error{ EIO, "cannot map the bitstream copy's dma-buf for writing" };
	}
	gsize n = gst_buffer_extract(in, 0, map.data, map.size);
	gst_buffer_unmap(out, &map);
	gst_buffer_set_size(out, static_cast<gssize>(n));
	st->copies++;
	return out;
}

/* Turn a streaming error into the bus message and flow return it calls for. */
static GstFlowReturn post_stream_error(GstDmabufV4l2Dec *self, const Error &e, const char *what)
{
	switch (e.code) {
	case EBADMSG: /* GST_VIDEO_DECODER_ERROR posted the message */
		return GST_FLOW_ERROR;
	case ENOTSUP:
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
				  ("The decoded format is not accepted downstream"),
				  ("%s", e.message.c_str()));
		return GST_FLOW_NOT_NEGOTIATED;
	default:
		GST_ELEMENT_ERROR(self, STREAM, DECODE, ("%s", what), ("%s", e.message.c_str()));
		return GST_FLOW_ERROR;
	}
}

static GstFlowReturn gst_dmabuf_v4l2_dec_handle_frame(GstVideoDecoder *dec,
						      GstVideoCodecFrame *frame)
{
	auto *self = GST_DMABUF_V4L2_DEC(dec);
	DecState *st = self->state;
	if (!st->dev) {
		gst_video_decoder_drop_frame(dec, frame);
		return GST_FLOW_NOT_NEGOTIATED;
	}
	if (st->task->flow() != GST_FLOW_OK && st->stream) {
		gst_video_decoder_drop_frame(dec, frame);
		return st->task->flow();
	}
	if (!st->stream) {
		st->stream = std::make_unique<M2mStream>(
			*st->dev, GST_OBJECT_NAME(self),
			[self](uint32_t n, GstBuffer *b, const v4l2::DequeuedBuffer &d) {
				return frame_ready(self, n, b, d);
			},
			[self]() { return source_changed(self); });
		st->stream->allocator = st->allocator;
		st->stream->timeoutMs = st->timeoutMs;
		st->stream->flushing = [self]() {
			return GST_PAD_IS_FLUSHING(GST_VIDEO_DECODER_SINK_PAD(self)) != 0;
		};
		if (auto r = st->stream->setupOutput(kOutputSlots); !r) {
			self->state->stopStream(StreamLock::HeldByCaller);
			gst_video_decoder_drop_frame(dec, frame);
			GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("Cannot start the decoder"),
					  ("%s", r.error().message.c_str()));
			return GST_FLOW_ERROR;
		}
	}
	GstBuffer *in = frame->input_buffer;
	std::optional<std::string> why = st->stream->whyNotImportable(in, 0);
	GstBuffer *toQueue;
	if (!why) {
		toQueue = gst_buffer_ref(in);
		st->imported++;
	} else {
		auto copy = copy_bitstream(self, in, *why);
		if (!copy) {
			gst_video_decoder_drop_frame(dec, frame);
			/* One error per failure: copy_bitstream() posts none. */
			if (copy.error().code == ETIMEDOUT)
				postFenceError(GST_ELEMENT(self), "copying the input bitstream",
					       copy.error());
			else if (copy.error().code == EMSGSIZE)
				GST_ELEMENT_ERROR(self, STREAM, DECODE,
						  ("Compressed frame too large"),
						  ("%s", copy.error().message.c_str()));
			else
				GST_ELEMENT_ERROR(
					self, RESOURCE, FAILED,
					("Cannot copy the bitstream into a dma-buf"),
					("%s: %s", why->c_str(), copy.error().message.c_str()));
			return GST_FLOW_ERROR;
		}
		toQueue = *copy;
	}
	const uint32_t number = frame->system_frame_number;
	releaseFrameInput(frame); /* the V4L2 queue holds toQueue */
	gst_video_codec_frame_unref(frame);
	auto r = st->queueInput(toQueue, number,
				static_cast<uint32_t>(gst_buffer_get_size(toQueue)));
	gst_buffer_unref(toQueue);
	if (!r) {
		if (auto f = st->taskFlow(r.error()))
			return *f;
		return post_stream_error(self, r.error(), "Decoding failed");
	}
	return GST_FLOW_OK;
}

static GstFlowReturn gst_dmabuf_v4l2_dec_finish(GstVideoDecoder *dec)
{
	auto *self = GST_DMABUF_V4L2_DEC(dec);
	DecState *st = self->state;
	if (!st->stream)
		return GST_FLOW_OK;
	auto r = st->drain(false);
	if (!r) {
		if (auto f = st->taskFlow(r.error()))
			return *f;
		return post_stream_error(self, r.error(), "Draining the decoder failed");
	}
	return GST_FLOW_OK;
}

static gboolean gst_dmabuf_v4l2_dec_sink_event(GstVideoDecoder *dec, GstEvent *event)
{
	DecState *st = GST_DMABUF_V4L2_DEC(dec)->state;
	const bool flushStart = GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_START;
	if (flushStart)
		st->beginFlush();
	gboolean ret =
		GST_VIDEO_DECODER_CLASS(gst_dmabuf_v4l2_dec_parent_class)->sink_event(dec, event);
	if (flushStart)
		st->endFlushStart();
	return ret;
}

static gboolean gst_dmabuf_v4l2_dec_flush(GstVideoDecoder *dec)
{
	GST_DMABUF_V4L2_DEC(dec)->state->stopStream(StreamLock::HeldByCaller);
	return TRUE;
}

/* Wake the capture task before the base class deactivates the pads, which
 * waits for it. */
static GstStateChangeReturn gst_dmabuf_v4l2_dec_change_state(GstElement *element,
							     GstStateChange transition)
{
	if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
		GST_DMABUF_V4L2_DEC(element)->state->beginFlush();
	return GST_ELEMENT_CLASS(gst_dmabuf_v4l2_dec_parent_class)
		->change_state(element, transition);
}

static void gst_dmabuf_v4l2_dec_set_property(GObject *object, guint id, const GValue *value,
					     GParamSpec *pspec)
{
	if (!GST_DMABUF_V4L2_DEC(object)->state->setProperty(id, value))
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void gst_dmabuf_v4l2_dec_get_property(GObject *object, guint id, GValue *value,
					     GParamSpec *pspec)
{
	DecState *st = GST_DMABUF_V4L2_DEC(object)->state;
	if (st->getProperty(id, value))
		return;
	if (id == PROP_RES_CHANGES)
		g_value_set_uint64(value, st->resolutionChanges);
	else
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void gst_dmabuf_v4l2_dec_finalize(GObject *object)
{
	delete GST_DMABUF_V4L2_DEC(object)->state;
	G_OBJECT_CLASS(gst_dmabuf_v4l2_dec_parent_class)->finalize(object);
}

static void gst_dmabuf_v4l2_dec_class_init(GstDmabufV4l2DecClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);
	GstElementClass *ec = GST_ELEMENT_CLASS(klass);
	GstVideoDecoderClass *vc = GST_VIDEO_DECODER_CLASS(klass);
	oc->set_property = gst_dmabuf_v4l2_dec_set_property;
	oc->get_property = gst_dmabuf_v4l2_dec_get_property;
	oc->finalize = gst_dmabuf_v4l2_dec_finalize;
	installCodecProperties(oc, false);
	g_object_class_install_property(
		oc, PROP_RES_CHANGES,
		g_param_spec_uint64(
			"source-changes", "Source changes",
			"Formats the stream announced (V4L2_EVENT_SOURCE_CHANGE), the first "
			"included",
			0, G_MAXUINT64, 0,
			static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

	GstCaps *raw = allRawCaps();
	GstCaps *coded = allCodecCaps();
	gst_element_class_add_pad_template(
		ec, gst_pad_template_new("sink", GST_PAD_SINK, GST_PAD_ALWAYS, coded));
	gst_element_class_add_pad_template(
		ec, gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, raw));
	gst_caps_unref(raw);
	gst_caps_unref(coded);
	gst_element_class_set_static_metadata(
		ec, "V4L2 dma-buf decoder", "Codec/Decoder/Video/Hardware",
		"Decodes on a stateful V4L2 decoder into exported dma-bufs",
		"dmabufkit developers");
	vc->start = gst_dmabuf_v4l2_dec_start;
	vc->stop = gst_dmabuf_v4l2_dec_stop;
	vc->set_format = gst_dmabuf_v4l2_dec_set_format;
	vc->propose_allocation = gst_dmabuf_v4l2_dec_propose_allocation;
	vc->handle_frame = gst_dmabuf_v4l2_dec_handle_frame;
	vc->finish = gst_dmabuf_v4l2_dec_finish;
	vc->flush = gst_dmabuf_v4l2_dec_flush;
	vc->sink_event = gst_dmabuf_v4l2_dec_sink_event;
	ec->change_state = gst_dmabuf_v4l2_dec_change_state;
	GST_DEBUG_CATEGORY_GET(perf_cat, "GST_PERFORMANCE");
	GST_DEBUG_CATEGORY_INIT(dmabuf_v4l2_dec_debug, "dmabufv4l2dec", 0,
				"dmabufkit V4L2 decoder");
}

static void gst_dmabuf_v4l2_dec_init(GstDmabufV4l2Dec *self)
{
	self->state = new DecState;
	gst_video_decoder_set_packetized(GST_VIDEO_DECODER(self), TRUE);
	self->state->streamLock = &GST_VIDEO_DECODER(self)->stream_lock;
	self->state->task = std::make_unique<CaptureTask>(
		GST_VIDEO_DECODER_SRC_PAD(self), self->state->streamLock,
		[self](const Error &e) { return post_stream_error(self, e, "Decoding failed"); });
}

gboolean dbk_v4l2dec_register(GstPlugin *plugin)
{
	return gst_element_register(plugin, "dmabufv4l2dec", GST_RANK_NONE,
				    GST_TYPE_DMABUF_V4L2_DEC);
}
