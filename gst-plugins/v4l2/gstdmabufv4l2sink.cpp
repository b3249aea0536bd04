/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-dmabufv4l2sink
 * @title: dmabufv4l2sink
 *
 * Shows video on a V4L2 video output node (vivid's vid-out here; the
 * output side of real capture/output boards alike), without copying. In
 * export mode the device's own buffers (MMAP, exported with VIDIOC_EXPBUF)
 * are offered upstream as the pool, so a CPU writer draws straight into the
 * memory the device reads; in import mode upstream's dma-bufs are queued as
 * they are (V4L2_MEMORY_DMABUF, each kept at the same V4L2 index), and the
 * ALLOCATION query states what the device can import (its stride, one
 * dma-buf per frame, contiguous memory for vb2-dma-contig devices) so
 * producers allocate accordingly. io-mode=auto lets the first frame decide.
 * A frame that cannot be shown as it is gets copied, counted in #copies and
 * reported once (GST_PERFORMANCE and a warning message naming the reason).
 * Before the copy reads a dma-buf the sink waits for the devices still
 * writing it, at most #GstDmabufV4l2Sink:fence-timeout ms; past it, RESOURCE
 * BUSY naming the buffer instead of a hang.
 *
 * It is a GstVideoSink: frames are shown at their running time (sync, QoS,
 * preroll), EOS waits until the device has shown every queued frame, a
 * flush takes them all back, and new caps reconfigure the device.
 *
 * ## Example
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=120 ! video/x-raw,format=YUY2,width=640,height=480 \
 *     ! dmabufv4l2sink device-name=vivid-000-vid-out
 * ]|
 */
#include <cerrno>
#include <utility>
#include <sys/eventfd.h>
#include <unistd.h>

#include <dmabufkit/dmabufkit.h>

#include "../elements.h"
#include "caps_probe.h"
#include "format_map.h"
#include "v4l2_sink_private.h"
#include "dmabufkit/v4l2/device_finder.h"
#include "dmabufkit/v4l2/import_capability.h"

GST_DEBUG_CATEGORY(dmabuf_v4l2_sink_debug);
#define GST_CAT_DEFAULT dmabuf_v4l2_sink_debug

using namespace dmabufkit;
using namespace dmabufkit::gstv4l2;

G_DEFINE_TYPE(GstDmabufV4l2Sink, gst_dmabuf_v4l2_sink, GST_TYPE_VIDEO_SINK)

/* Take every frame back from the device and free the queues and pools. */
static void teardown(GstDmabufV4l2Sink *self)
{
	SinkState *st = self->state;
	GST_OBJECT_LOCK(self);
	std::unique_ptr<FrameSink> sink = std::move(st->sink);
	if (sink && sink->indexCache()) {
		st->cacheHits += sink->indexCache()->hits();
		st->cacheMisses += sink->indexCache()->misses();
	}
	GST_OBJECT_UNLOCK(self);
	sink.reset();
	v4l2_sink_release_allocation(self);
}

static gboolean gst_dmabuf_v4l2_sink_start(GstBaseSink *bsink)
{
	auto *self = GST_DMABUF_V4L2_SINK(bsink);
	SinkState *st = self->state;
	std::string path = st->device;
	if (path.empty()) {
		v4l2::VideoNodeQuery q;
		q.output = true;
		q.name = st->deviceName;
		auto n = v4l2::findVideoNode(q);
		if (!n) {
			v4l2_sink_post_device_error(self, n.error(), "No V4L2 output device found");
			return FALSE;
		}
		path = n->path;
	}
	auto dev = v4l2::VideoDevice::open(path);
	if (!dev) {
		v4l2_sink_post_device_error(self, dev.error(), ("Cannot open " + path).c_str());
		return FALSE;
	}
	if (!(*dev)->info().isOutput() || (*dev)->info().isMemToMem()) {
		GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
				  ("%s is not a video output device; set device to an output node",
				   path.c_str()),
				  ("driver %s, capabilities 0x%08x", (*dev)->info().driver.c_str(),
				   (*dev)->info().deviceCaps));
		return FALSE;
	}
	st->dev = std::move(dev).value();
	st->probed = cachedRawCaps(*st->dev, st->dev->outputType());
	st->wake.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	st->allocator = dbk_allocator_new();
	st->warnedCopy = false;
	st->setString(st->deviceUsed, path);
	GST_INFO_OBJECT(self, "opened %s (%s), caps %" GST_PTR_FORMAT, path.c_str(),
			st->dev->info().name.c_str(), st->probed);
	return TRUE;
}

static gboolean gst_dmabuf_v4l2_sink_stop(GstBaseSink *bsink)
{
	auto *self = GST_DMABUF_V4L2_SINK(bsink);
	SinkState *st = self->state;
	teardown(self);
	st->prerolled = nullptr;
	gst_clear_caps(&st->probed);
	gst_clear_caps(&st->configuredCaps);
	if (st->allocator)
		gst_object_unref(st->allocator);
	st->allocator = nullptr;
	st->capability.reset();
	st->wake.reset();
	st->dev.reset();
	return TRUE;
}

static GstCaps *gst_dmabuf_v4l2_sink_get_caps(GstBaseSink *bsink, GstCaps *filter)
{
	auto *self = GST_DMABUF_V4L2_SINK(bsink);
	GstCaps *caps = self->state->probed
				? gst_caps_ref(self->state->probed)
				: gst_pad_get_pad_template_caps(GST_BASE_SINK_PAD(bsink));
	if (filter) {
		GstCaps *tmp = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
		gst_caps_unref(caps);
		caps = tmp;
	}
	return caps;
}

static gboolean gst_dmabuf_v4l2_sink_set_caps(GstBaseSink *bsink, GstCaps *caps)
{
	auto *self = GST_DMABUF_V4L2_SINK(bsink);
	SinkState *st = self->state;
	if (st->configuredCaps && gst_caps_is_equal(st->configuredCaps, caps))
		return TRUE;
	GstVideoInfo info;
	if (!gst_video_info_from_caps(&info, caps)) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Invalid caps"),
				  ("%" GST_PTR_FORMAT, caps));
		return FALSE;
	}
	if (st->sink) {
		/* New caps mid-stream: show what is queued, then reconfigure. */
		if (auto r = v4l2_sink_drain(self); !r)
			GST_WARNING_OBJECT(self, "draining before new caps: %s",
					   r.error().message.c_str());
		teardown(self);
	}
	v4l2::DeviceFormat want;
	want.fourcc =
		v4l2::fourccFromVideoFormat(GST_VIDEO_INFO_FORMAT(&info), st->dev->multiPlanar());
	want.width = GST_VIDEO_INFO_WIDTH(&info);
	want.height = GST_VIDEO_INFO_HEIGHT(&info);
	auto got = v4l2::setOutputFormat(*st->dev, want);
	if (!got) {
		if (got.error().code == EINVAL)
			GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
					  ("%s cannot show %s %ux%u; pick a format and size it "
					   "supports (see the caps of this element)",
					   st->dev->label(),
					   gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&info)),
					   want.width, want.height),
					  ("%s", got.error().message.c_str()));
		else
			v4l2_sink_post_device_error(self, got.error(),
						    "Cannot set the output format");
		return FALSE;
	}
	GstVideoInfo devInfo = info;
	if (auto r = v4l2::videoInfoFromFormat(*got, &devInfo); !r) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Unusable format from the driver"),
				  ("%s", r.error().message.c_str()));
		return FALSE;
	}
	st->fmt = *got;
	st->info = info;
	st->devInfo = devInfo;
	/* What the OUTPUT queue imports, learnt once per device before it has buffers. */
	if (st->ioMode != GST_DMABUF_V4L2_SINK_IO_MODE_EXPORT && !st->capability)
		st->capability = v4l2::importCapability(*st->dev, st->dev->outputType(), st->fmt);
	gst_caps_replace(&st->configuredCaps, caps);
	GST_INFO_OBJECT(self, "showing %s on %s", st->fmt.toString().c_str(), st->dev->label());
	return TRUE;
}

static gboolean gst_dmabuf_v4l2_sink_propose_allocation(GstBaseSink *bsink, GstQuery *query)
{
	return v4l2_sink_propose_allocation(GST_DMABUF_V4L2_SINK(bsink), query);
}

/* GstVideoSink shows the preroll frame, then renders the same buffer when
 * PLAYING starts: queue it once. */
static GstFlowReturn gst_dmabuf_v4l2_sink_preroll(GstBaseSink *bsink, GstBuffer *buf)
{
	auto *self = GST_DMABUF_V4L2_SINK(bsink);
	gboolean show = FALSE;
	g_object_get(self, "show-preroll-frame", &show, nullptr);
	GstFlowReturn ret =
		GST_BASE_SINK_CLASS(gst_dmabuf_v4l2_sink_parent_class)->preroll(bsink, buf);
	self->state->prerolled = show && ret == GST_FLOW_OK ? buf : nullptr;
	self->state->prerolledPts = GST_BUFFER_PTS(buf);
	return ret;
}

static GstFlowReturn gst_dmabuf_v4l2_sink_render(GstBaseSink *bsink, GstBuffer *buf)
{
	auto *self = GST_DMABUF_V4L2_SINK(bsink);
	/* Pool buffers are recycled objects: the pointer alone could be a newer frame
	 * (the preroll frame itself may have been dropped as late). */
	if (buf == std::exchange(self->state->prerolled, nullptr) &&
	    GST_BUFFER_PTS(buf) == self->state->prerolledPts) {
		self->state->prerollRepeats++;
		return GST_FLOW_OK;
	}
	return GST_BASE_SINK_CLASS(gst_dmabuf_v4l2_sink_parent_class)->render(bsink, buf);
}

static gboolean gst_dmabuf_v4l2_sink_event(GstBaseSink *bsink, GstEvent *event)
{
	auto *self = GST_DMABUF_V4L2_SINK(bsink);
	SinkState *st = self->state;
	GST_DEBUG_OBJECT(self, "event %s", GST_EVENT_TYPE_NAME(event));
	switch (GST_EVENT_TYPE(event)) {
	case GST_EVENT_EOS:
		/* EOS once the device has shown every frame. */
		if (auto r = v4l2_sink_drain(self); !r && r.error().code != ECANCELED) {
			v4l2_sink_post_device_error(self, r.error(),
						    "Draining the output at EOS failed");
			gst_event_unref(event);
			return FALSE;
		}
		break;
	case GST_EVENT_FLUSH_STOP:
		st->prerolled = nullptr;
		if (st->sink) {
			if (auto r = st->sink->flush(); !r)
				GST_WARNING_OBJECT(self, "flush: %s", r.error().message.c_str());
		}
		break;
	default:
		break;
	}
	return GST_BASE_SINK_CLASS(gst_dmabuf_v4l2_sink_parent_class)->event(bsink, event);
}

static gboolean gst_dmabuf_v4l2_sink_unlock(GstBaseSink *bsink)
{
	SinkState *st = GST_DMABUF_V4L2_SINK(bsink)->state;
	if (st->wake) {
		uint64_t one = 1;
		(void)!write(st->wake.get(), &one, sizeof(one));
	}
	return TRUE;
}

static gboolean gst_dmabuf_v4l2_sink_unlock_stop(GstBaseSink *bsink)
{
	SinkState *st = GST_DMABUF_V4L2_SINK(bsink)->state;
	if (st->wake) {
		uint64_t v;
		(void)!read(st->wake.get(), &v, sizeof(v));
	}
	return TRUE;
}

static void gst_dmabuf_v4l2_sink_finalize(GObject *object)
{
	delete GST_DMABUF_V4L2_SINK(object)->state;
	G_OBJECT_CLASS(gst_dmabuf_v4l2_sink_parent_class)->finalize(object);
}

static void gst_dmabuf_v4l2_sink_class_init(GstDmabufV4l2SinkClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);
	GstElementClass *ec = GST_ELEMENT_CLASS(klass);
	GstBaseSinkClass *bc = GST_BASE_SINK_CLASS(klass);
	oc->set_property = v4l2_sink_set_property;
	oc->get_property = v4l2_sink_get_property;
	oc->finalize = gst_dmabuf_v4l2_sink_finalize;
	v4l2_sink_install_properties(oc);

	GstCaps *raw = allRawCaps();
	gst_element_class_add_pad_template(
		ec, gst_pad_template_new("sink", GST_PAD_SINK, GST_PAD_ALWAYS, raw));
	gst_caps_unref(raw);
	gst_element_class_set_static_metadata(
		ec, "V4L2 dma-buf video sink", "Sink/Video/Hardware",
		"Shows video on a V4L2 output device, exporting its buffers or importing "
		"dma-bufs without copying",
		"dmabufkit developers");
	bc->start = gst_dmabuf_v4l2_sink_start;
	bc->stop = gst_dmabuf_v4l2_sink_stop;
	bc->get_caps = gst_dmabuf_v4l2_sink_get_caps;
	bc->set_caps = gst_dmabuf_v4l2_sink_set_caps;
	bc->propose_allocation = gst_dmabuf_v4l2_sink_propose_allocation;
	bc->event = gst_dmabuf_v4l2_sink_event;
	bc->preroll = gst_dmabuf_v4l2_sink_preroll;
	bc->render = gst_dmabuf_v4l2_sink_render;
	bc->unlock = gst_dmabuf_v4l2_sink_unlock;
	bc->unlock_stop = gst_dmabuf_v4l2_sink_unlock_stop;
	GST_VIDEO_SINK_CLASS(klass)->show_frame = v4l2_sink_show_frame;
	GST_DEBUG_CATEGORY_INIT(dmabuf_v4l2_sink_debug, "dmabufv4l2sink", 0,
				"dmabufkit V4L2 output sink");
}

static void gst_dmabuf_v4l2_sink_init(GstDmabufV4l2Sink *self)
{
	self->state = new SinkState;
}

gboolean dbk_v4l2sink_register(GstPlugin *plugin)
{
	return gst_element_register(plugin, "dmabufv4l2sink", GST_RANK_NONE,
				    GST_TYPE_DMABUF_V4L2_SINK);
}
