/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-dmabufv4l2convert
 * @title: dmabufv4l2convert
 *
 * Converts and scales raw video on a V4L2 memory-to-memory converter
 * (vim2m, an ISP or scaler block), found by its queues (raw frames in and
 * out) or named by #GstDmabufV4l2Convert:device. The OUTPUT queue imports
 * upstream's dma-bufs as they are; the element states the device's needs
 * (packed stride, one dma-buf per frame, what it imports) in the ALLOCATION
 * query so upstream allocates buffers it can import. Frames that cannot be
 * imported are copied into dma-bufs, counted in #GstDmabufV4l2Convert:copies
 * and reported on GST_PERFORMANCE; before a copy reads a dma-buf the
 * element waits for the devices still writing it, at most
 * #GstDmabufV4l2Convert:fence-timeout ms (past it, RESOURCE BUSY naming the
 * buffer instead of a hang). Converted frames are the CAPTURE
 * queue's buffers exported as dma-bufs, or dma-bufs of downstream's (or our
 * own) pool the device writes into (#GstDmabufV4l2Convert:capture-io-mode).
 * The caps it offers are what the device lists (VIDIOC_ENUM_FMT and
 * VIDIOC_ENUM_FRAMESIZES on both queues); when the caps on both sides are
 * equal it is a passthrough and the device is not used.
 *
 * ## Example
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=60 ! video/x-raw,format=RGB,width=640,height=480 \
 *     ! dmabufv4l2convert ! video/x-raw,format=BGR,width=320,height=240 ! fakesink
 * ]|
 */
#include <cerrno>

#include <gst/video/video.h>

#include "../elements.h"
#include "caps_probe.h"
#include "convert_caps.h"
#include "fence_gate.h"
#include "format_map.h"
#include "v4l2_convert_private.h"

GST_DEBUG_CATEGORY(dmabuf_v4l2_convert_debug);
#define GST_CAT_DEFAULT dmabuf_v4l2_convert_debug
static GstDebugCategory *perf_cat;

using namespace dmabufkit;
using namespace dmabufkit::gstv4l2;

G_DEFINE_TYPE(GstDmabufV4l2Convert, gst_dmabuf_v4l2_convert, GST_TYPE_BASE_TRANSFORM)

namespace {
constexpr unsigned kOutputSlots = 4;
} /* namespace */

static GstCaps *gst_dmabuf_v4l2_convert_transform_caps(GstBaseTransform *trans,
						       GstPadDirection direction, GstCaps *caps,
						       GstCaps *filter)
{
	ConvertState *st = GST_DMABUF_V4L2_CONVERT(trans)->state;
	GST_OBJECT_LOCK(trans);
	/* Before the device is open: anything raw (the templates). */
	GstCaps *in = st->deviceIn ? gst_caps_ref(st->deviceIn) : allRawCaps();
	GstCaps *out = st->deviceOut ? gst_caps_ref(st->deviceOut) : allRawCaps();
	GST_OBJECT_UNLOCK(trans);
	GstCaps *r = convertTransformCaps(direction, caps, in, out, filter);
	gst_caps_unref(in);
	gst_caps_unref(out);
	GST_DEBUG_OBJECT(trans, "%s %" GST_PTR_FORMAT " -> %" GST_PTR_FORMAT,
			 direction == GST_PAD_SINK ? "sink" : "src", caps, r);
	return r;
}

static GstCaps *gst_dmabuf_v4l2_convert_fixate_caps(GstBaseTransform *, GstPadDirection direction,
						    GstCaps *caps, GstCaps *othercaps)
{
	if (direction == GST_PAD_SINK)
		return convertFixateCaps(caps, othercaps);
	return gst_caps_fixate(othercaps);
}

/* S_FMT on \a type; false (error posted) unless the device took exactly \a want. */
static bool set_device_format(GstDmabufV4l2Convert *self, uint32_t type, const GstVideoInfo &want,
			      v4l2::DeviceFormat *got)
{
	ConvertState *st = self->state;
	v4l2::DeviceFormat f;
	f.fourcc = v4l2::fourccFromVideoFormat(GST_VIDEO_INFO_FORMAT(&want));
	f.width = GST_VIDEO_INFO_WIDTH(&want);
	f.height = GST_VIDEO_INFO_HEIGHT(&want);
	const char *side = v4l2::isOutputType(type) ? "read" : "write";
	auto r = st->dev->setFormat(type, f);
	if (!r) {
		v4l2_convert_post_device_error(self, r.error(), "The converter refused a format");
		return false;
	}
	if (r->fourcc != f.fourcc || r->width != f.width || r->height != f.height) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
				  ("%s cannot %s %s %ux%u; ask for a format and size it lists "
				   "(v4l2-ctl -d %s --list-formats-ext)",
				   st->dev->path().c_str(), side,
				   gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&want)),
				   f.width, f.height, st->dev->path().c_str()),
				  ("VIDIOC_S_FMT answered %s", r->toString().c_str()));
		return false;
	}
	*got = *r;
	return true;
}

static gboolean gst_dmabuf_v4l2_convert_set_caps(GstBaseTransform *trans, GstCaps *incaps,
						 GstCaps *outcaps)
{
	auto *self = GST_DMABUF_V4L2_CONVERT(trans);
	ConvertState *st = self->state;
	st->setCapsCalled = true;
	st->dropCapture();
	if (st->copier)
		st->copier->reset();
	st->configured = false;
	if (!gst_video_info_from_caps(&st->inInfo, incaps) ||
	    !gst_video_info_from_caps(&st->outInfo, outcaps))
		return FALSE;
	const bool same = gst_caps_is_equal(incaps, outcaps);
	gst_base_transform_set_passthrough(trans, same);
	if (same) {
		GST_INFO_OBJECT(self, "passthrough: %" GST_PTR_FORMAT, incaps);
		return TRUE;
	}
	if (!st->dev)
		return FALSE;
	if (!set_device_format(self, st->dev->outputType(), st->inInfo, &st->inFmt) ||
	    !set_device_format(self, st->dev->captureType(), st->outInfo, &st->outFmt))
		return FALSE;
	st->devInInfo = st->inInfo;
	st->devOutInfo = st->outInfo;
	auto a = v4l2::videoInfoFromFormat(st->inFmt, &st->devInInfo);
	auto b = a ? v4l2::videoInfoFromFormat(st->outFmt, &st->devOutInfo) : a;
	if (!b) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Unusable converter format"),
				  ("%s", b.error().message.c_str()));
		return FALSE;
	}
	st->configured = true;
	GST_INFO_OBJECT(self, "converting on %s: %s -> %s", st->dev->path().c_str(),
			st->inFmt.toString().c_str(), st->outFmt.toString().c_str());
	return TRUE;
}

/* Caps nothing can be made of: say so, with what the device does. */
static gboolean gst_dmabuf_v4l2_convert_sink_event(GstBaseTransform *trans, GstEvent *event)
{
	auto *self = GST_DMABUF_V4L2_CONVERT(trans);
	if (GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP)
		self->state->stopStream();
	else if ((GST_EVENT_TYPE(event) & int(GST_EVENT_TYPE_SERIALIZED)) && self->state->task)
		self->state->task->drain(); /* frames in the device go out before the event */
	GstCaps *caps = nullptr;
	if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
		gst_event_parse_caps(event, &caps);
		caps = gst_caps_ref(caps);
	}
	self->state->setCapsCalled = false;
	gboolean ok = GST_BASE_TRANSFORM_CLASS(gst_dmabuf_v4l2_convert_parent_class)
			      ->sink_event(trans, event);
	/* set_caps posts its own errors; this is for caps no transform was found for. */
	if (caps && !ok && !self->state->setCapsCalled) {
		GstCaps *peer = gst_pad_peer_query_caps(GST_BASE_TRANSFORM_SRC_PAD(trans), nullptr);
		gchar *in = gst_caps_to_string(caps);
		gchar *down = gst_caps_to_string(peer);
		gchar *reads = self->state->deviceIn ? gst_caps_to_string(self->state->deviceIn)
						     : g_strdup("(not open)");
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
				  ("%s cannot convert %s into anything downstream accepts; feed "
				   "a format and size it reads, or let downstream take what it "
				   "writes",
				   self->state->deviceUsed.c_str(), in),
				  ("downstream accepts %s; the device reads %s", down, reads));
		g_free(in);
		g_free(down);
		g_free(reads);
		gst_caps_unref(peer);
	}
	if (caps)
		gst_caps_unref(caps);
	return ok;
}

static GstFlowReturn gst_dmabuf_v4l2_convert_transform(GstBaseTransform *, GstBuffer *, GstBuffer *)
{
	/* Never called: generate_output does the work (the device gives the output buffer). */
	return GST_FLOW_NOT_SUPPORTED;
}

static Result<void> setup_stream(GstDmabufV4l2Convert *self)
{
	ConvertState *st = self->state;
	/* Set up before stats() (any thread) can see it. */
	auto stream = std::make_unique<ConvertStream>(*st->dev, GST_OBJECT_NAME(self));
	stream->timeoutMs = st->timeoutMs;
	stream->flushing = [self]() {
		return GST_PAD_IS_FLUSHING(GST_BASE_TRANSFORM_SINK_PAD(self)) ||
		       GST_PAD_IS_FLUSHING(GST_BASE_TRANSFORM_SRC_PAD(self));
	};
	if (auto r = stream->setupOutput(kOutputSlots); !r)
		return r;
	auto source = v4l2_convert_capture_source(self);
	if (!source)
		return source.error();
	if (auto r = stream->setupCapture(std::move(source).value()); !r)
		return r;
	st->setStream(std::move(stream));
	return {};
}

/* The frame to queue on OUTPUT: \a in itself, or a copy (counted and reported). */
static Result<GstBuffer *> input_for_device(GstDmabufV4l2Convert *self, GstBuffer *in)
{
	ConvertState *st = self->state;
	auto why = st->stream->whyNotImportable(in, st->inFmt.planes[0].sizeImage);
	if (!why)
		why = layoutMismatch(in, st->inInfo, st->devInInfo);
	if (!why && st->forceCopy)
		why = "force-copy is set";
	if (!why) {
		st->counters.imported++;
		return gst_buffer_ref(in);
	}
	if (!st->warnedCopy) {
		st->warnedCopy = true;
		GST_CAT_WARNING_OBJECT(perf_cat, self, "copying input frames: %s", why->c_str());
		GST_ELEMENT_WARNING(self, STREAM, FORMAT,
				    ("Copying every input frame: it cannot be imported as it is"),
				    ("%s. Feed dma-bufs laid out as the ALLOCATION query asks "
				     "(from dmabufv4l2src, dmabufupload or this element's pool) to "
				     "avoid the copy.",
				     why->c_str()));
	}
	auto copy = st->copier->copy(in, st->inInfo, st->devInInfo, st->fenceTimeoutMs.load());
	if (!copy)
		return copy.error();
	st->counters.copies++;
	GST_CAT_DEBUG_OBJECT(perf_cat, self, "copied input frame %u: %s", st->nextFrame,
			     why->c_str());
	return copy;
}

static GstFlowReturn gst_dmabuf_v4l2_convert_generate_output(GstBaseTransform *trans,
							     GstBuffer **outbuf)
{
	auto *self = GST_DMABUF_V4L2_CONVERT(trans);
	ConvertState *st = self->state;
	*outbuf = nullptr;
	GstBuffer *in = std::exchange(trans->queued_buf, nullptr);
	if (!in)
		return GST_FLOW_OK;
	if (gst_base_transform_is_passthrough(trans)) {
		st->counters.passthrough++;
		*outbuf = in;
		return GST_FLOW_OK;
	}
	if (!st->configured) {
		gst_buffer_unref(in);
		return GST_FLOW_NOT_NEGOTIATED;
	}
	if (GstFlowReturn f = st->task->flow(); f != GST_FLOW_OK) {
		/* The task stopped (a device error, posted already, or downstream). */
		gst_buffer_unref(in);
		return f;
	}
	if (!st->stream) {
		if (auto r = setup_stream(self); !r) {
			st->stopStream();
			gst_buffer_unref(in);
			if (r.error().code == EPIPE)
				return GST_FLOW_FLUSHING;
			v4l2_convert_post_device_error(self, r.error(),
						       "Cannot start the converter");
			return GST_FLOW_ERROR;
		}
	}
	auto toQueue = input_for_device(self, in);
	if (!toQueue && toQueue.error().code == ETIMEDOUT) {
		gst_buffer_unref(in);
		postFenceError(GST_ELEMENT(self), "copying an input frame for the device",
			       toQueue.error());
		return GST_FLOW_ERROR;
	}
	if (!toQueue) {
		gst_buffer_unref(in);
		GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("Cannot copy an input frame"),
				  ("%s", toQueue.error().message.c_str()));
		return GST_FLOW_ERROR;
	}
	const uint32_t number = st->nextFrame++;
	auto q = st->stream->queueInput(*toQueue, number, st->inFmt.planes[0].sizeImage, in);
	gst_buffer_unref(*toQueue);
	gst_buffer_unref(in);
	if (q) {
		/* The task pushes the converted frame as soon as the device is done. */
		if (!st->task->frameQueued(*st->stream)) {
			GST_ELEMENT_ERROR(self, RESOURCE, FAILED,
					  ("Cannot start the thread that pushes converted frames"),
					  (nullptr));
			return GST_FLOW_ERROR;
		}
		return GST_FLOW_OK;
	}
	if (q.error().code == EPIPE)
		return GST_FLOW_FLUSHING;
	v4l2_convert_post_device_error(self, q.error(), "Converting a frame failed");
	return GST_FLOW_ERROR;
}

/* Upstream's latency plus the time a frame spends in the device. */
static gboolean gst_dmabuf_v4l2_convert_query(GstBaseTransform *trans, GstPadDirection direction,
					      GstQuery *query)
{
	auto *self = GST_DMABUF_V4L2_CONVERT(trans);
	gboolean ok = GST_BASE_TRANSFORM_CLASS(gst_dmabuf_v4l2_convert_parent_class)
			      ->query(trans, direction, query);
	if (!ok || direction != GST_PAD_SRC || GST_QUERY_TYPE(query) != GST_QUERY_LATENCY ||
	    gst_base_transform_is_passthrough(trans))
		return ok;
	gboolean live = FALSE;
	GstClockTime min = 0, max = GST_CLOCK_TIME_NONE;
	gst_query_parse_latency(query, &live, &min, &max);
	const GstClockTime own = self->state->latency.reported();
	gst_query_set_latency(query, live, min + own,
			      GST_CLOCK_TIME_IS_VALID(max) ? max + own : max);
	GST_DEBUG_OBJECT(self, "latency: upstream's %" GST_TIME_FORMAT " plus %" GST_TIME_FORMAT,
			 GST_TIME_ARGS(min), GST_TIME_ARGS(own));
	return ok;
}

/* Frames queued before a reconfiguration leave with the allocation they were made in. */
static GstFlowReturn gst_dmabuf_v4l2_convert_submit_input_buffer(GstBaseTransform *trans,
								 gboolean discont, GstBuffer *input)
{
	ConvertState *st = GST_DMABUF_V4L2_CONVERT(trans)->state;
	if (GST_PAD_NEEDS_RECONFIGURE(GST_BASE_TRANSFORM_SRC_PAD(trans)))
		st->task->drain();
	return GST_BASE_TRANSFORM_CLASS(gst_dmabuf_v4l2_convert_parent_class)
		->submit_input_buffer(trans, discont, input);
}

static void gst_dmabuf_v4l2_convert_finalize(GObject *object)
{
	ConvertState *st = GST_DMABUF_V4L2_CONVERT(object)->state;
	st->task.reset();
	if (st->extraControls)
		gst_structure_free(st->extraControls);
	delete st;
	G_OBJECT_CLASS(gst_dmabuf_v4l2_convert_parent_class)->finalize(object);
}

static void gst_dmabuf_v4l2_convert_class_init(GstDmabufV4l2ConvertClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);
	GstElementClass *ec = GST_ELEMENT_CLASS(klass);
	GstBaseTransformClass *bc = GST_BASE_TRANSFORM_CLASS(klass);
	oc->set_property = v4l2_convert_set_property;
	oc->get_property = v4l2_convert_get_property;
	oc->finalize = gst_dmabuf_v4l2_convert_finalize;
	v4l2_convert_install_properties(oc);
	GstCaps *raw = allRawCaps();
	gst_element_class_add_pad_template(
		ec, gst_pad_template_new("sink", GST_PAD_SINK, GST_PAD_ALWAYS, raw));
	gst_element_class_add_pad_template(
		ec, gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, raw));
	gst_caps_unref(raw);
	gst_element_class_set_static_metadata(
		ec, "V4L2 dma-buf converter", "Filter/Converter/Video/Scaler/Hardware",
		"Converts and scales video on a V4L2 memory-to-memory device, importing and "
		"exporting dma-bufs without copying",
		"dmabufkit developers");
	bc->start = v4l2_convert_start;
	bc->stop = v4l2_convert_stop;
	bc->transform_caps = gst_dmabuf_v4l2_convert_transform_caps;
	bc->fixate_caps = gst_dmabuf_v4l2_convert_fixate_caps;
	bc->set_caps = gst_dmabuf_v4l2_convert_set_caps;
	bc->sink_event = gst_dmabuf_v4l2_convert_sink_event;
	bc->propose_allocation = v4l2_convert_propose_allocation;
	bc->decide_allocation = v4l2_convert_decide_allocation;
	bc->transform = gst_dmabuf_v4l2_convert_transform;
	bc->generate_output = gst_dmabuf_v4l2_convert_generate_output;
	bc->submit_input_buffer = gst_dmabuf_v4l2_convert_submit_input_buffer;
	bc->query = gst_dmabuf_v4l2_convert_query;
	bc->passthrough_on_same_caps = FALSE; /* set_caps decides */
	GST_DEBUG_CATEGORY_GET(perf_cat, "GST_PERFORMANCE");
	GST_DEBUG_CATEGORY_INIT(dmabuf_v4l2_convert_debug, "dmabufv4l2convert", 0,
				"dmabufkit V4L2 converter");
}

static void gst_dmabuf_v4l2_convert_init(GstDmabufV4l2Convert *self)
{
	self->state = new ConvertState;
	GstPad *srcpad = GST_BASE_TRANSFORM_SRC_PAD(self);
	self->state->task = std::make_unique<ConvertTask>(
		srcpad,
		[self, srcpad](ConvertedFrame &&frame) {
			ConvertState *st = self->state;
			st->counters.converted++;
			if (auto l = st->latency.update(st->stream->maxProcessingNs())) {
				GST_INFO_OBJECT(self,
						"the device holds a frame up to %" GST_TIME_FORMAT,
						GST_TIME_ARGS(*l));
				gst_element_post_message(GST_ELEMENT(self),
							 gst_message_new_latency(GST_OBJECT(self)));
			}
			return gst_pad_push(srcpad, frame.buffer);
		},
		[self](const Error &e) {
			v4l2_convert_post_device_error(self, e, "Converting a frame failed");
			return GST_FLOW_ERROR;
		});
}

gboolean dbk_v4l2convert_register(GstPlugin *plugin)
{
	return gst_element_register(plugin, "dmabufv4l2convert", GST_RANK_NONE,
				    GST_TYPE_DMABUF_V4L2_CONVERT);
}
