/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-dmabufv4l2enc
 * @title: dmabufv4l2enc
 *
 * Encodes video on a stateful V4L2 memory-to-memory encoder found by the
 * codec downstream asks for (video/x-fwht finds vicodec; nothing here is
 * specific to FWHT). The OUTPUT queue imports upstream's dma-bufs as they
 * are (V4L2_MEMORY_DMABUF); the element states the device's needs (packed
 * stride, one dma-buf per frame) in the ALLOCATION query so upstream
 * allocates buffers it can import. Only when a frame cannot be imported
 * (system memory, another stride) is it copied, counted in #copies, and
 * reported once with a warning message naming the reason; the copy first
 * waits for the devices still writing the frame, at most
 * #GstDmabufV4l2Enc:fence-timeout ms (past it, RESOURCE BUSY naming the
 * buffer instead of a hang). The CAPTURE
 * queue's buffers are exported downstream as dma-bufs. EOS drains the
 * encoder (V4L2_ENC_CMD_STOP); a flush restarts streaming.
 *
 * ## Example
 * |[
 * gst-launch-1.0 dmabufv4l2src num-buffers=60 ! video/x-raw,format=NV12,width=640,height=480 \
 *     ! dmabufv4l2enc ! video/x-fwht ! dmabufv4l2dec ! fakesink
 * ]|
 */
#include <atomic>
#include <cerrno>
#include <memory>
#include <optional>
#include <string>

#include <dmabufkit/dbk_constraints_convert.h>
#include <dmabufkit/dmabufkit.h>
#include <gst/video/gstvideoencoder.h>
#include <gst/video/video.h>

#include "../elements.h"
#include "caps_probe.h"
#include "codec_common.h"
#include "fence_gate.h"
#include "format_map.h"
#include "frame_copy.h"
#include "m2m_stream.h"
#include "dmabufkit/v4l2/import_capability.h"

GST_DEBUG_CATEGORY_STATIC(dmabuf_v4l2_enc_debug);
#define GST_CAT_DEFAULT dmabuf_v4l2_enc_debug
static GstDebugCategory *perf_cat;

using namespace dmabufkit;
using namespace dmabufkit::gstv4l2;

#define GST_TYPE_DMABUF_V4L2_ENC (gst_dmabuf_v4l2_enc_get_type())
G_DECLARE_FINAL_TYPE(GstDmabufV4l2Enc, gst_dmabuf_v4l2_enc, GST, DMABUF_V4L2_ENC, GstVideoEncoder)

namespace {

struct EncState : CodecElementState {
	bool forceCopy = false; /* property: benchmarks the copy path */
	GstVideoInfo inInfo{};	/* upstream's caps */
	GstVideoInfo devInfo{}; /* the layout the device reads */
	v4l2::DeviceFormat rawFmt, codedFmt;
	/* From the ALLOCATION query: buffers downstream keeps (decide_allocation). */
	unsigned downstreamHolds = 0;
};

} /* namespace */

struct _GstDmabufV4l2Enc {
	GstVideoEncoder parent;
	EncState *state;
};

enum { PROP_FORCE_COPY = PROP_CODEC_N };

G_DEFINE_TYPE(GstDmabufV4l2Enc, gst_dmabuf_v4l2_enc, GST_TYPE_VIDEO_ENCODER)

static gboolean gst_dmabuf_v4l2_enc_start(GstVideoEncoder *enc)
{
	auto *self = GST_DMABUF_V4L2_ENC(enc);
	self->state->allocator = dbk_allocator_new();
	self->state->warnedCopy = false;
	return TRUE;
}

static gboolean gst_dmabuf_v4l2_enc_stop(GstVideoEncoder *enc)
{
	auto *self = GST_DMABUF_V4L2_ENC(enc);
	self->state->closeDevice(StreamLock::Free); /* the base class calls stop unlocked */
	if (self->state->allocator)
		gst_object_unref(self->state->allocator);
	self->state->allocator = nullptr;
	return TRUE;
}

static Result<void> frame_ready(GstDmabufV4l2Enc *self, uint32_t number, GstBuffer *buf,
				const v4l2::DequeuedBuffer &d)
{
	GstVideoEncoder *enc = GST_VIDEO_ENCODER(self);
	GstVideoCodecFrame *frame = gst_video_encoder_get_frame(enc, static_cast<int>(number));
	if (!frame) {
		GST_WARNING_OBJECT(self, "driver returned frame %u we do not know", number);
		if (buf)
			gst_buffer_unref(buf);
		return {};
	}
	if (!buf) {
		GST_WARNING_OBJECT(self, "driver flagged encoded frame %u as corrupt; dropped",
				   number);
		frame->output_buffer = nullptr;
		gst_video_encoder_finish_frame(enc, frame);
		return {};
	}
	if (d.flags & V4L2_BUF_FLAG_KEYFRAME)
		GST_VIDEO_CODEC_FRAME_SET_SYNC_POINT(frame);
	frame->output_buffer = buf;
	EncState *st = self->state;
	if (auto l = st->latencyToReport()) {
		GST_INFO_OBJECT(self, "the device takes up to %" GST_TIME_FORMAT " per frame",
				GST_TIME_ARGS(*l));
		gst_video_encoder_set_latency(
			enc, *l, std::max(*l, framesLatency(st->inInfo, kOutputSlots)));
	}
	GstFlowReturn ret =
		st->task->pushUnlocked([&] { return gst_video_encoder_finish_frame(enc, frame); });
	if (ret != GST_FLOW_OK) {
		st->task->setFlow(ret);
		return Error{ EPIPE,
			      std::string("pushing downstream failed: ") + gst_flow_get_name(ret) };
	}
	return {};
}

static gboolean post_error(GstDmabufV4l2Enc *self, const Error &e, const char *what)
{
	if (e.code == ETIMEDOUT)
		GST_ELEMENT_ERROR(self, RESOURCE, READ,
				  ("%s: the encoder stopped delivering", what),
				  ("%s", e.message.c_str()));
	else if (e.code == EBUSY)
		GST_ELEMENT_ERROR(self, RESOURCE, BUSY, ("%s: the encoder is busy", what),
				  ("%s", e.message.c_str()));
	else
		GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("%s", what), ("%s", e.message.c_str()));
	return FALSE;
}

static gboolean gst_dmabuf_v4l2_enc_set_format(GstVideoEncoder *enc, GstVideoCodecState *state)
{
	auto *self = GST_DMABUF_V4L2_ENC(enc);
	EncState *st = self->state;
	self->state->closeDevice(StreamLock::HeldByCaller);
	st->inInfo = state->info;
	const uint32_t rawFourcc = v4l2::fourccFromVideoFormat(GST_VIDEO_INFO_FORMAT(&state->info));
	if (!rawFourcc) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
				  ("No V4L2 format for %s",
				   gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&state->info))),
				  (nullptr));
		return FALSE;
	}
	GstCaps *allowed = gst_pad_get_allowed_caps(GST_VIDEO_ENCODER_SRC_PAD(enc));
	if (!allowed)
		allowed = gst_pad_get_pad_template_caps(GST_VIDEO_ENCODER_SRC_PAD(enc));
	uint32_t codec = 0;
	std::string path = st->device;
	if (path.empty()) {
		auto node = findCodecDevice(allowed, true, rawFourcc, &codec);
		if (!node) {
			gst_caps_unref(allowed);
			GST_ELEMENT_ERROR(
				self, RESOURCE, NOT_FOUND,
				("No V4L2 encoder can encode %s into what downstream accepts",
				 gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&state->info))),
				("%s", node.error().message.c_str()));
			return FALSE;
		}
		path = node->path;
	}
	auto dev = v4l2::VideoDevice::open(path);
	if (!dev) {
		gst_caps_unref(allowed);
		postCodecOpenError(GST_ELEMENT(self), "encoder", path, dev.error());
		return FALSE;
	}
	st->dev = std::move(dev).value();
	if (!codec) {
		/* device given: the first of its codecs downstream accepts */
		GstCaps *devCaps = probeCodecCaps(*st->dev, st->dev->captureType());
		GstCaps *both = gst_caps_intersect(devCaps, allowed);
		if (!gst_caps_is_empty(both))
			codec = v4l2::codecFourccFromMediaType(
				gst_structure_get_name(gst_caps_get_structure(both, 0)));
		gst_caps_unref(both);
		gst_caps_unref(devCaps);
	}
	gst_caps_unref(allowed);
	if (!codec) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
				  ("%s encodes nothing downstream accepts", path.c_str()),
				  (nullptr));
		return FALSE;
	}

	v4l2::DeviceFormat raw;
	raw.fourcc = rawFourcc;
	raw.width = GST_VIDEO_INFO_WIDTH(&state->info);
	raw.height = GST_VIDEO_INFO_HEIGHT(&state->info);
	auto rawSet = st->dev->setFormat(st->dev->outputType(), raw);
	if (!rawSet)
		return post_error(self, rawSet.error(), "Cannot set the encoder's input format");
	if (rawSet->fourcc != raw.fourcc || rawSet->width != raw.width ||
	    rawSet->height != raw.height) {
		std::string sizes;
		for (const auto &r : st->dev->enumFrameSizes(codec))
			sizes = std::to_string(r.minWidth) + "x" + std::to_string(r.minHeight) +
				".." + std::to_string(r.maxWidth) + "x" +
				std::to_string(r.maxHeight) + " step " +
				std::to_string(r.stepWidth);
		GST_ELEMENT_ERROR(
			self, CORE, NEGOTIATION,
			("%s cannot encode %s %ux%u (it supports %s)", st->dev->path().c_str(),
			 gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&state->info)), raw.width,
			 raw.height, sizes.empty() ? "other sizes" : sizes.c_str()),
			("VIDIOC_S_FMT answered %s", rawSet->toString().c_str()));
		return FALSE;
	}
	st->rawFmt = *rawSet;
	st->devInfo = state->info;
	if (auto r = v4l2::videoInfoFromFormat(*rawSet, &st->devInfo); !r) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Unusable encoder format"),
				  ("%s", r.error().message.c_str()));
		return FALSE;
	}
	v4l2::DeviceFormat coded;
	coded.fourcc = codec;
	coded.width = raw.width;
	coded.height = raw.height;
	auto codedSet = st->dev->setFormat(st->dev->captureType(), coded);
	if (!codedSet)
		return post_error(self, codedSet.error(), "Cannot set the encoder's output format");
	st->codedFmt = *codedSet;
	st->deviceUsed = st->dev->path();
	st->latency.reset();
	gst_video_encoder_set_latency(enc, 0, framesLatency(state->info, kOutputSlots));

	const auto *cm = v4l2::codecFromFourcc(codec);
	std::string capsStr = std::string(cm->mediaType) + cm->extra;
	GstCaps *outCaps = gst_caps_from_string(capsStr.c_str());
	GstVideoCodecState *out = gst_video_encoder_set_output_state(enc, outCaps, state);
	gst_video_codec_state_unref(out);
	GST_INFO_OBJECT(self, "encoding on %s: %s -> %s", st->dev->path().c_str(),
			st->rawFmt.toString().c_str(), st->codedFmt.toString().c_str());
	return gst_video_encoder_negotiate(enc);
}

/* \a in copied into a dma-buf the device imports; ETIMEDOUT when its fences
 * did not signal within fence-timeout, ENOMEM when the copy pool cannot be
 * made. Posts nothing: the caller posts the one error (post_copy_error). */
static Result<GstBuffer *> copy_frame(GstDmabufV4l2Enc *self, GstBuffer *in, const std::string &why)
{
	EncState *st = self->state;
	if (!st->copyPool) {
		DbkConstraints c;
		dbk_constraints_init(&c, GST_OBJECT_NAME(self));
		c.packed_stride = TRUE;
		c.memory_layout = DBK_MEMORY_LAYOUT_SINGLE;
		auto pool = newCopyPool(st->allocator, st->devInfo, c, GST_OBJECT_NAME(self));
		if (!pool)
			return pool.error();
		st->copyPool = *pool;
	}
	if (!st->warnedCopy) {
		st->warnedCopy = true;
		GST_CAT_WARNING_OBJECT(perf_cat, self, "copying input frames: %s", why.c_str());
		GST_ELEMENT_WARNING(
			self, STREAM, ENCODE,
			("Copying every input frame: it cannot be imported without a copy"),
			("%s. Feed dma-bufs laid out as the ALLOCATION query asks (e.g. from "
			 "dmabufv4l2src or dmabufupload) to avoid the copy.",
			 why.c_str()));
	}
	auto out = copyFrame(st->copyPool, in, st->inInfo, st->devInfo, st->fenceTimeoutMs.load());
	if (out)
		st->copies++;
	return out;
}

/* The one error of a failed copy_frame(), the most specific one. */
static void post_copy_error(GstDmabufV4l2Enc *self, const Error &e, const std::string &why)
{
	if (e.code == ETIMEDOUT)
		postFenceError(GST_ELEMENT(self), "copying an input frame to encode", e);
	else if (e.code == ENOMEM)
		GST_ELEMENT_ERROR(self, RESOURCE, NO_SPACE_LEFT,
				  ("Cannot allocate dma-bufs to copy input frames into"),
				  ("%s (copying because %s); feed dma-bufs laid out as the "
				   "ALLOCATION query asks to avoid the copy",
				   e.message.c_str(), why.c_str()));
	else
		GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("Cannot copy an input frame"),
				  ("%s: %s", why.c_str(), e.message.c_str()));
}

static GstFlowReturn gst_dmabuf_v4l2_enc_handle_frame(GstVideoEncoder *enc,
						      GstVideoCodecFrame *frame)
{
	auto *self = GST_DMABUF_V4L2_ENC(enc);
	EncState *st = self->state;
	if (!st->dev) {
		gst_video_codec_frame_unref(frame);
		return GST_FLOW_NOT_NEGOTIATED;
	}
	if (st->task->flow() != GST_FLOW_OK && st->stream) {
		gst_video_codec_frame_unref(frame);
		return st->task->flow();
	}
	if (!st->stream) {
		st->stream = std::make_unique<M2mStream>(
			*st->dev, GST_OBJECT_NAME(self),
			[self](uint32_t n, GstBuffer *b, const v4l2::DequeuedBuffer &d) {
				return frame_ready(self, n, b, d);
			},
			[]() -> Result<void> { return {}; });
		st->stream->allocator = st->allocator;
		st->stream->timeoutMs = st->timeoutMs;
		st->stream->flushing = [self]() {
			return GST_PAD_IS_FLUSHING(GST_VIDEO_ENCODER_SINK_PAD(self)) != 0;
		};
		Result<void> r = st->stream->setupOutput(kOutputSlots);
		if (r)
			r = st->stream->setupCapture(minBuffers(*st->dev, true, 2) + 2 +
						     st->downstreamHolds);
		if (!r) {
			self->state->stopStream(StreamLock::HeldByCaller);
			gst_video_codec_frame_unref(frame);
			post_error(self, r.error(), "Cannot start the encoder");
			return GST_FLOW_ERROR;
		}
	}
	GstBuffer *in = frame->input_buffer;
	std::optional<std::string> why =
		st->stream->whyNotImportable(in, st->rawFmt.planes[0].sizeImage);
	if (!why)
		why = layoutMismatch(in, st->inInfo, st->devInfo);
	if (!why && st->forceCopy)
		why = "force-copy is set";
	GstBuffer *toQueue = nullptr;
	if (!why) {
		toQueue = gst_buffer_ref(in);
		st->imported++;
	} else {
		auto copy = copy_frame(self, in, *why);
		if (!copy) {
			gst_video_codec_frame_unref(frame);
			post_copy_error(self, copy.error(), *why);
			return GST_FLOW_ERROR;
		}
		toQueue = *copy;
	}
	const uint32_t number = frame->system_frame_number;
	releaseFrameInput(frame); /* the V4L2 queue holds toQueue */
	gst_video_codec_frame_unref(frame);
	auto r = st->queueInput(toQueue, number, st->rawFmt.planes[0].sizeImage);
	gst_buffer_unref(toQueue);
	if (!r) {
		if (auto f = st->taskFlow(r.error()))
			return *f;
		post_error(self, r.error(), "Encoding failed");
		return GST_FLOW_ERROR;
	}
	return GST_FLOW_OK;
}

static GstFlowReturn gst_dmabuf_v4l2_enc_finish(GstVideoEncoder *enc)
{
	auto *self = GST_DMABUF_V4L2_ENC(enc);
	EncState *st = self->state;
	if (!st->stream)
		return GST_FLOW_OK;
	auto r = st->drain(true);
	if (!r) {
		if (auto f = st->taskFlow(r.error()))
			return *f;
		post_error(self, r.error(), "Draining the encoder failed");
		return GST_FLOW_ERROR;
	}
	return GST_FLOW_OK;
}

static gboolean gst_dmabuf_v4l2_enc_sink_event(GstVideoEncoder *enc, GstEvent *event)
{
	EncState *st = GST_DMABUF_V4L2_ENC(enc)->state;
	const bool flushStart = GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_START;
	if (flushStart)
		st->beginFlush();
	gboolean ret =
		GST_VIDEO_ENCODER_CLASS(gst_dmabuf_v4l2_enc_parent_class)->sink_event(enc, event);
	if (flushStart)
		st->endFlushStart();
	return ret;
}

static gboolean gst_dmabuf_v4l2_enc_flush(GstVideoEncoder *enc)
{
	GST_DMABUF_V4L2_ENC(enc)->state->stopStream(StreamLock::HeldByCaller);
	return TRUE;
}

/* The coded frames are the CAPTURE queue's own buffers, not a pool's: what
 * matters in downstream's answer is how many of them it keeps (a decoder
 * keeps its input queued on its device), added to the CAPTURE buffers. With
 * too few, the encoder waited for a buffer after nearly every frame, and its
 * next encode ran in the QBUF that gave one back, in series with a decode. */
static gboolean gst_dmabuf_v4l2_enc_decide_allocation(GstVideoEncoder *enc, GstQuery *query)
{
	auto *self = GST_DMABUF_V4L2_ENC(enc);
	self->state->downstreamHolds = downstreamMinBuffers(query);
	GST_INFO_OBJECT(self, "downstream keeps %u coded buffers: as many more CAPTURE buffers",
			self->state->downstreamHolds);
	return GST_VIDEO_ENCODER_CLASS(gst_dmabuf_v4l2_enc_parent_class)
		->decide_allocation(enc, query);
}

static gboolean gst_dmabuf_v4l2_enc_propose_allocation(GstVideoEncoder *enc, GstQuery *query)
{
	auto *self = GST_DMABUF_V4L2_ENC(enc);
	gst_query_add_allocation_meta(query, GST_VIDEO_META_API_TYPE, nullptr);
	/* What the device needs to import a frame: its own packed stride, one
	 * dma-buf, and what its OUTPUT queue proved it imports (probed once per
	 * device, before the queue has buffers). */
	Constraints needs;
	if (self->state->dev && !self->state->stream)
		needs = v4l2::importCapability(*self->state->dev, self->state->dev->outputType(),
					       self->state->rawFmt)
				.constraints();
	needs.consumer = GST_OBJECT_NAME(self);
	needs.packedStride = true;
	needs.memoryLayout = MemoryLayout::Single;
	DbkConstraints c;
	dmabufkit::gst::fromCore(needs, &c);
	dbk_query_add_constraints(query, &c);
	GstCaps *caps = nullptr;
	gboolean needPool = FALSE;
	gst_query_parse_allocation(query, &caps, &needPool);
	GstVideoInfo info;
	if (needPool && caps && gst_video_info_from_caps(&info, caps) && self->state->allocator) {
		GstBufferPool *pool = dbk_buffer_pool_new(self->state->allocator);
		GstStructure *config = gst_buffer_pool_get_config(pool);
		gst_buffer_pool_config_set_params(config, caps, static_cast<guint>(info.size), 4,
						  0);
		gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
		dbk_buffer_pool_config_set_constraints(config, &c);
		dbk_buffer_pool_config_set_name_prefix(config, GST_OBJECT_NAME(self));
		if (gst_buffer_pool_set_config(pool, config))
			gst_query_add_allocation_pool(query, pool, static_cast<guint>(info.size), 4,
						      0);
		gst_object_unref(pool);
	}
	return TRUE;
}

/* Wake the capture task before the base class deactivates the pads, which
 * waits for it. */
static GstStateChangeReturn gst_dmabuf_v4l2_enc_change_state(GstElement *element,
							     GstStateChange transition)
{
	if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
		GST_DMABUF_V4L2_ENC(element)->state->beginFlush();
	return GST_ELEMENT_CLASS(gst_dmabuf_v4l2_enc_parent_class)
		->change_state(element, transition);
}

static void gst_dmabuf_v4l2_enc_set_property(GObject *object, guint id, const GValue *value,
					     GParamSpec *pspec)
{
	EncState *st = GST_DMABUF_V4L2_ENC(object)->state;
	if (st->setProperty(id, value))
		return;
	if (id == PROP_FORCE_COPY)
		st->forceCopy = g_value_get_boolean(value);
	else
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void gst_dmabuf_v4l2_enc_get_property(GObject *object, guint id, GValue *value,
					     GParamSpec *pspec)
{
	EncState *st = GST_DMABUF_V4L2_ENC(object)->state;
	if (st->getProperty(id, value))
		return;
	if (id == PROP_FORCE_COPY)
		g_value_set_boolean(value, st->forceCopy);
	else
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void gst_dmabuf_v4l2_enc_finalize(GObject *object)
{
	delete GST_DMABUF_V4L2_ENC(object)->state;
	G_OBJECT_CLASS(gst_dmabuf_v4l2_enc_parent_class)->finalize(object);
}

static void gst_dmabuf_v4l2_enc_class_init(GstDmabufV4l2EncClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);
	GstElementClass *ec = GST_ELEMENT_CLASS(klass);
	GstVideoEncoderClass *vc = GST_VIDEO_ENCODER_CLASS(klass);
	oc->set_property = gst_dmabuf_v4l2_enc_set_property;
	oc->get_property = gst_dmabuf_v4l2_enc_get_property;
	oc->finalize = gst_dmabuf_v4l2_enc_finalize;
	installCodecProperties(oc, true);
	g_object_class_install_property(
		oc, PROP_FORCE_COPY,
		g_param_spec_boolean(
			"force-copy", "Force copy",
			"Copy every input frame even when it could be imported (to measure "
			"what zero-copy saves)",
			FALSE,
			static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
						 GST_PARAM_MUTABLE_READY)));

	GstCaps *raw = allRawCaps();
	GstCaps *coded = allCodecCaps();
	gst_element_class_add_pad_template(
		ec, gst_pad_template_new("sink", GST_PAD_SINK, GST_PAD_ALWAYS, raw));
	gst_element_class_add_pad_template(
		ec, gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, coded));
	gst_caps_unref(raw);
	gst_caps_unref(coded);
	gst_element_class_set_static_metadata(
		ec, "V4L2 dma-buf encoder", "Codec/Encoder/Video/Hardware",
		"Encodes on a stateful V4L2 encoder, importing dma-bufs without copying",
		"dmabufkit developers");
	vc->start = gst_dmabuf_v4l2_enc_start;
	vc->stop = gst_dmabuf_v4l2_enc_stop;
	vc->set_format = gst_dmabuf_v4l2_enc_set_format;
	vc->handle_frame = gst_dmabuf_v4l2_enc_handle_frame;
	vc->finish = gst_dmabuf_v4l2_enc_finish;
	vc->flush = gst_dmabuf_v4l2_enc_flush;
	vc->sink_event = gst_dmabuf_v4l2_enc_sink_event;
	ec->change_state = gst_dmabuf_v4l2_enc_change_state;
	vc->propose_allocation = gst_dmabuf_v4l2_enc_propose_allocation;
	vc->decide_allocation = gst_dmabuf_v4l2_enc_decide_allocation;
	GST_DEBUG_CATEGORY_GET(perf_cat, "GST_PERFORMANCE");
	GST_DEBUG_CATEGORY_INIT(dmabuf_v4l2_enc_debug, "dmabufv4l2enc", 0,
				"dmabufkit V4L2 encoder");
}

static void gst_dmabuf_v4l2_enc_init(GstDmabufV4l2Enc *self)
{
	self->state = new EncState;
	self->state->streamLock = &GST_VIDEO_ENCODER(self)->stream_lock;
	self->state->task = std::make_unique<CaptureTask>(
		GST_VIDEO_ENCODER_SRC_PAD(self), self->state->streamLock, [self](const Error &e) {
			post_error(self, e, "Encoding failed");
			return GST_FLOW_ERROR;
		});
}

gboolean dbk_v4l2enc_register(GstPlugin *plugin)
{
	return gst_element_register(plugin, "dmabufv4l2enc", GST_RANK_NONE,
				    GST_TYPE_DMABUF_V4L2_ENC);
}
