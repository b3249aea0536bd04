/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-dmabufv4l2slfwhtdec
 * @title: dmabufv4l2slfwhtdec
 *
 * Decodes FWHT on a stateless V4L2 decoder (vicodec's "stateless-decoder")
 * through the media request API: each frame's header is parsed here and
 * sent as V4L2_CID_STATELESS_FWHT_PARAMS in a request with the frame's
 * payload; P frames name their reference (the previous frame) by
 * timestamp, and the element keeps that frame's buffer out of the driver
 * until it is no longer referred to. Decoded frames are the CAPTURE
 * buffers exported as dma-bufs with a #GstVideoMeta. A new frame size or
 * sampling restarts the decoder at the next intra frame and renegotiates.
 * A malformed header is an error naming what is wrong; P frames with no
 * reference (stream start, after a seek or a corrupt frame) are skipped
 * and counted. The payload is copied into the decoder's bitstream buffers
 * (the OUTPUT queue takes it without its header), counted in
 * #bitstream-copies. Before reading a dma-buf the element waits for the
 * devices still writing it, at most #GstDmabufV4l2SlFwhtDec:fence-timeout
 * ms (past it, RESOURCE BUSY naming the buffer instead of a hang).
 *
 * ## Example
 * |[
 * gst-launch-1.0 dmabufv4l2src num-buffers=60 ! video/x-raw,format=NV12,width=640,height=480 \
 *     ! dmabufv4l2enc ! dmabufv4l2slfwhtdec ! fakesink
 * ]|
 */
#include <memory>
#include <string>

#include <dmabufkit/dmabufkit.h>
#include <gst/video/gstvideodecoder.h>
#include <gst/video/video.h>

#include "../elements.h"
#include "caps_probe.h"
#include "fence_gate.h"
#include "format_map.h"
#include "slfwhtdec_support.h"
#include "stateless_fwht_stream.h"

GST_DEBUG_CATEGORY_STATIC(dmabuf_v4l2_slfwht_dec_debug);
#define GST_CAT_DEFAULT dmabuf_v4l2_slfwht_dec_debug
static GstDebugCategory *perf_cat;

using namespace dmabufkit;
using namespace dmabufkit::gstv4l2;

#define GST_TYPE_DMABUF_V4L2_SLFWHT_DEC (gst_dmabuf_v4l2_slfwht_dec_get_type())
G_DECLARE_FINAL_TYPE(GstDmabufV4l2SlFwhtDec, gst_dmabuf_v4l2_slfwht_dec, GST,
		     DMABUF_V4L2_SLFWHT_DEC, GstVideoDecoder)

struct _GstDmabufV4l2SlFwhtDec {
	GstVideoDecoder parent;
	SlFwhtDecState *state;
};

G_DEFINE_TYPE(GstDmabufV4l2SlFwhtDec, gst_dmabuf_v4l2_slfwht_dec, GST_TYPE_VIDEO_DECODER)

static gboolean slfwht_start(GstVideoDecoder *dec)
{
	auto *self = GST_DMABUF_V4L2_SLFWHT_DEC(dec);
	SlFwhtDecState *st = self->state;
	st->allocator = dbk_allocator_new();
	st->warnedCopy = st->warnedSkip = false;
	std::string path = st->device;
	if (path.empty()) {
		auto node = v4l2::StatelessFwhtSession::find();
		if (!node) {
			GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
					  ("No stateless FWHT decoder found"),
					  ("%s", node.error().message.c_str()));
			return FALSE;
		}
		path = node->path;
	}
	auto session = v4l2::StatelessFwhtSession::open(path);
	if (!session) {
		postOpenError(GST_ELEMENT(self), path, session.error());
		return FALSE;
	}
	{
		std::lock_guard<std::mutex> g(st->lifetime);
		st->session = std::move(session).value();
	}
	st->deviceUsed = path;
	st->mediaUsed = st->session->media().path();
	GST_INFO_OBJECT(self, "decoding on %s, requests on %s", path.c_str(),
			st->mediaUsed.c_str());
	return TRUE;
}

static gboolean slfwht_stop(GstVideoDecoder *dec)
{
	auto *self = GST_DMABUF_V4L2_SLFWHT_DEC(dec);
	self->state->close();
	return TRUE;
}

static gboolean slfwht_set_format(GstVideoDecoder *dec, GstVideoCodecState *state)
{
	SlFwhtDecState *st = GST_DMABUF_V4L2_SLFWHT_DEC(dec)->state;
	if (st->input)
		gst_video_codec_state_unref(st->input);
	st->input = gst_video_codec_state_ref(state);
	return TRUE;
}

/* The driver set \a fmt on CAPTURE: tell downstream. */
static Result<void> slfwht_configured(GstDmabufV4l2SlFwhtDec *self, const v4l2::DeviceFormat &fmt)
{
	SlFwhtDecState *st = self->state;
	GstVideoDecoder *dec = GST_VIDEO_DECODER(self);
	GstVideoInfo info;
	if (!v4l2::videoInfoFromFormat(fmt, &info))
		return Error{ EINVAL, "the decoder produces " + fmt.toString() +
					      ", which has no GStreamer format" };
	GstVideoCodecState *out = gst_video_decoder_set_output_state(
		dec, GST_VIDEO_INFO_FORMAT(&info), GST_VIDEO_INFO_WIDTH(&info),
		GST_VIDEO_INFO_HEIGHT(&info), st->input);
	gst_video_codec_state_unref(out);
	if (!gst_video_decoder_negotiate(dec))
		return Error{ ENOTSUP, "downstream refused " + fmt.toString() };
	st->stream->videoInfo = info;
	GST_INFO_OBJECT(self, "decoding to %s", fmt.toString().c_str());
	return {};
}

static Result<void> slfwht_frame_ready(GstDmabufV4l2SlFwhtDec *self, uint32_t number,
				       GstBuffer *buf, const v4l2::DequeuedBuffer &d)
{
	GstVideoDecoder *dec = GST_VIDEO_DECODER(self);
	SlFwhtDecState *st = self->state;
	GstVideoCodecFrame *frame = gst_video_decoder_get_frame(dec, static_cast<int>(number));
	if (!frame) {
		if (buf)
			gst_buffer_unref(buf);
		return {};
	}
	if (!buf) {
		GstFlowReturn ret = GST_FLOW_OK;
		gst_video_decoder_drop_frame(dec, frame);
		GST_VIDEO_DECODER_ERROR(self, 1, STREAM, DECODE, ("Corrupt FWHT frame"),
					("the decoder flagged frame %u (sequence %u) as an error; "
					 "P frames are skipped until the next intra frame",
					 number, d.sequence),
					ret);
		if (ret != GST_FLOW_OK)
			return Error{ EBADMSG, "too many corrupt frames" };
		return {};
	}
	frame->output_buffer = buf; /* with its GstVideoMeta */
	st->decoded++;
	GstFlowReturn ret = gst_video_decoder_finish_frame(dec, frame);
	if (ret != GST_FLOW_OK) {
		st->lastFlow = ret;
		return Error{ EPIPE,
			      std::string("pushing downstream failed: ") + gst_flow_get_name(ret) };
	}
	return {};
}

static void slfwht_make_stream(GstDmabufV4l2SlFwhtDec *self)
{
	SlFwhtDecState *st = self->state;
	auto stream = std::make_unique<StatelessFwhtStream>(
		*st->session, GST_OBJECT_NAME(self),
		[self](uint32_t n, GstBuffer *b, const v4l2::DequeuedBuffer &d) {
			return slfwht_frame_ready(self, n, b, d);
		},
		[self](const v4l2::FwhtHeader &h, const std::vector<uint32_t> &offered) {
			return chooseCaptureFormat(GST_VIDEO_DECODER(self), h, offered);
		},
		[self](const v4l2::DeviceFormat &f) { return slfwht_configured(self, f); });
	stream->allocator = st->allocator;
	stream->timeoutMs = st->timeoutMs;
	stream->flushing = [self]() {
		return GST_PAD_IS_FLUSHING(GST_VIDEO_DECODER_SINK_PAD(self)) != 0;
	};
	if (st->importMode) {
		stream->importPool = [self]() {
			return gst_video_decoder_get_buffer_pool(GST_VIDEO_DECODER(self));
		};
		stream->importRefused = [self](const std::string &why) {
			GST_CAT_WARNING_OBJECT(perf_cat, self, "not importing: %s", why.c_str());
			GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
					    ("Cannot decode into downstream's buffers; exporting "
					     "the decoder's own instead"),
					    ("%s", why.c_str()));
		};
	}
	std::lock_guard<std::mutex> g(st->lifetime);
	st->stream = std::move(stream);
}

static GstFlowReturn slfwht_handle_frame(GstVideoDecoder *dec, GstVideoCodecFrame *frame)
{
	auto *self = GST_DMABUF_V4L2_SLFWHT_DEC(dec);
	SlFwhtDecState *st = self->state;
	if (!st->session) {
		gst_video_decoder_drop_frame(dec, frame);
		return GST_FLOW_NOT_NEGOTIATED;
	}
	if (!st->stream)
		slfwht_make_stream(self);
	st->lastFlow = GST_FLOW_OK;
	if (auto w = waitBeforeCpuAccess(frame->input_buffer, GST_MAP_READ, st->fenceTimeoutMs,
					 "the bitstream buffer");
	    !w) {
		gst_video_decoder_drop_frame(dec, frame);
		postFenceError(GST_ELEMENT(self), "reading an FWHT frame's header and payload",
			       w.error());
		return GST_FLOW_ERROR;
	}
	GstMapInfo map;
	if (!gst_buffer_map(frame->input_buffer, &map, GST_MAP_READ)) {
		gst_video_decoder_drop_frame(dec, frame);
		GST_ELEMENT_ERROR(self, RESOURCE, READ, ("Cannot read the input buffer"),
				  ("mapping the bitstream buffer for reading failed"));
		return GST_FLOW_ERROR;
	}
	const uint32_t number = frame->system_frame_number;
	v4l2::FwhtFrame f = v4l2::parseFwhtFrame(map.data, map.size);
	if (!f.ok()) {
		gst_buffer_unmap(frame->input_buffer, &map);
		gst_video_decoder_drop_frame(dec, frame);
		postHeaderError(GST_ELEMENT(self), f, number);
		return GST_FLOW_ERROR;
	}
	if (auto why = st->unsupportedSize(f.header)) {
		gst_buffer_unmap(frame->input_buffer, &map);
		gst_video_decoder_drop_frame(dec, frame);
		GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("Unsupported FWHT frame size"),
				  ("frame %u: %s", number, why->c_str()));
		return GST_FLOW_ERROR;
	}
	auto r = st->stream->queueFrame(f, map.data, number);
	gst_buffer_unmap(frame->input_buffer, &map);
	if (r && !*r) {
		st->skipped++;
		gst_video_decoder_drop_frame(dec, frame);
		if (!st->warnedSkip) {
			st->warnedSkip = true;
			GST_ELEMENT_WARNING(self, STREAM, DECODE,
					    ("Skipping P frames until an intra frame"),
					    ("frame %u refers to a frame this decoder has not "
					     "decoded (stream start, seek or corrupt frame)",
					     number));
		}
		return GST_FLOW_OK;
	}
	gst_video_codec_frame_unref(frame);
	if (r) {
		st->copiedFrames++;
		if (!st->warnedCopy) {
			st->warnedCopy = true;
			GST_CAT_WARNING_OBJECT(
				perf_cat, self,
				"copying FWHT payloads into the decoder's bitstream "
				"buffers: its OUTPUT queue takes the payload without "
				"the header");
		}
		auto c = st->stream->drain();
		if (c)
			return GST_FLOW_OK;
		return postStreamError(GST_ELEMENT(self), c.error(), st->lastFlow);
	}
	return postStreamError(GST_ELEMENT(self), r.error(), st->lastFlow);
}

static GstFlowReturn slfwht_finish(GstVideoDecoder *dec)
{
	auto *self = GST_DMABUF_V4L2_SLFWHT_DEC(dec);
	SlFwhtDecState *st = self->state;
	if (!st->stream)
		return GST_FLOW_OK;
	auto r = st->stream->drain();
	if (!r)
		return postStreamError(GST_ELEMENT(self), r.error(), st->lastFlow);
	return GST_FLOW_OK;
}

static gboolean slfwht_flush(GstVideoDecoder *dec)
{
	SlFwhtDecState *st = GST_DMABUF_V4L2_SLFWHT_DEC(dec)->state;
	if (st->stream)
		st->stream->flush();
	st->warnedSkip = false;
	return TRUE;
}

static void slfwht_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
	if (!GST_DMABUF_V4L2_SLFWHT_DEC(object)->state->setProperty(id, value))
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void slfwht_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
	if (!GST_DMABUF_V4L2_SLFWHT_DEC(object)->state->getProperty(id, value))
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void slfwht_finalize(GObject *object)
{
	delete GST_DMABUF_V4L2_SLFWHT_DEC(object)->state;
	G_OBJECT_CLASS(gst_dmabuf_v4l2_slfwht_dec_parent_class)->finalize(object);
}

static void gst_dmabuf_v4l2_slfwht_dec_class_init(GstDmabufV4l2SlFwhtDecClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);
	GstElementClass *ec = GST_ELEMENT_CLASS(klass);
	GstVideoDecoderClass *vc = GST_VIDEO_DECODER_CLASS(klass);
	oc->set_property = slfwht_set_property;
	oc->get_property = slfwht_get_property;
	oc->finalize = slfwht_finalize;
	SlFwhtDecState::installProperties(oc);
	GstCaps *raw = allRawCaps();
	GstCaps *coded = gst_caps_new_empty_simple("video/x-fwht");
	gst_element_class_add_pad_template(
		ec, gst_pad_template_new("sink", GST_PAD_SINK, GST_PAD_ALWAYS, coded));
	gst_element_class_add_pad_template(
		ec, gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, raw));
	gst_caps_unref(raw);
	gst_caps_unref(coded);
	gst_element_class_set_static_metadata(
		ec, "V4L2 stateless FWHT dma-buf decoder", "Codec/Decoder/Video/Hardware",
		"Decodes FWHT on a stateless V4L2 decoder (media requests) into exported "
		"dma-bufs",
		"dmabufkit developers");
	vc->start = slfwht_start;
	vc->stop = slfwht_stop;
	vc->set_format = slfwht_set_format;
	vc->handle_frame = slfwht_handle_frame;
	vc->finish = slfwht_finish;
	vc->flush = slfwht_flush;
	GST_DEBUG_CATEGORY_GET(perf_cat, "GST_PERFORMANCE");
	GST_DEBUG_CATEGORY_INIT(dmabuf_v4l2_slfwht_dec_debug, "dmabufv4l2slfwhtdec", 0,
				"dmabufkit V4L2 stateless FWHT decoder");
}

static void gst_dmabuf_v4l2_slfwht_dec_init(GstDmabufV4l2SlFwhtDec *self)
{
	self->state = new SlFwhtDecState;
	gst_video_decoder_set_packetized(GST_VIDEO_DECODER(self), TRUE);
}

gboolean dbk_v4l2slfwhtdec_register(GstPlugin *plugin)
{
	return gst_element_register(plugin, "dmabufv4l2slfwhtdec", GST_RANK_NONE,
				    GST_TYPE_DMABUF_V4L2_SLFWHT_DEC);
}
