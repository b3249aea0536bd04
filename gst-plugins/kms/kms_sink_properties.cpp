/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kms_sink_properties.h"

#include <gst/video/videooverlay.h>

#include "kms_sink_private.h"
#include "kms_sink_stats.h"
#include "kms_writeback.h"

#define GST_CAT_DEFAULT dmabuf_kms_sink_debug

using namespace dmabufkit;
using namespace dmabufkit::kms;

enum {
	PROP_0,
	PROP_DEVICE,
	PROP_DRIVER_NAME,
	PROP_CONNECTOR_ID,
	PROP_CRTC_ID,
	PROP_PLANE_ID,
	PROP_MODE,
	PROP_WRITEBACK,
	PROP_WRITEBACK_LOCATION,
	PROP_STRIDE_ALIGN,
	PROP_STATS,
	PROP_FRAMES_SHOWN,
	PROP_FRAMES_DROPPED,
	PROP_IMPORTS,
	PROP_CACHE_HITS,
	PROP_COPIES,
	PROP_LAST_FLIP_LATENCY,
	PROP_LAST_WRITEBACK,
	PROP_FENCE_TIMEOUT,
	PROP_LAST,
};

GstStructure *kms_sink_collect_stats(GstDmabufKmsSink *self)
{
	KmsSinkState *st = self->state;
	GstStructure *base = gst_base_sink_get_stats(GST_BASE_SINK(self));
	SinkStats s;
	if (base) {
		guint64 lateDrops = 0;
		gst_structure_get_uint64(base, "dropped", &lateDrops);
		s.lateDrops = lateDrops;
		gst_structure_free(base);
	}
	std::lock_guard run(st->runLock);
	if (st->presenter) {
		const Presenter::Stats ps = st->presenter->stats();
		s.framesShown = ps.framesShown;
		s.flips = ps.flips;
		s.commits = ps.commits;
		s.testCommits = ps.testCommits;
		s.lastFlipLatencyUs = ps.lastFlipLatencyUs;
		s.intervalMeanUs = ps.intervalMeanUs;
		s.intervalStddevUs = ps.intervalStddevUs;
		s.intervalMaxUs = ps.intervalMaxUs;
		s.writebackCaptures = ps.writebackCaptures;
		s.writebackFailures = ps.writebackFailures;
		if (auto active = st->presenter->active()) {
			s.mode = modeName(active->mode) + " (" + active->reason + ")";
			s.output = active->displayAttached ? "display" : "writeback-only";
		}
	}
	if (st->cache) {
		const FramebufferCache::Stats cs = st->cache->stats();
		s.imports = cs.imports;
		s.cacheHits = cs.hits;
		s.framebuffers = cs.live;
	}
	s.failedFrames = st->failedFrames;
	s.importFailures = st->importFailures;
	s.copies = st->copies;
	s.copyReason = st->copyReason;
	if (st->dev)
		s.device = st->dev->describe();
	return buildStatsStructure(s);
}

static guint64 stats_field(GstDmabufKmsSink *self, const char *field)
{
	GstStructure *s = kms_sink_collect_stats(self);
	guint64 v = 0;
	gst_structure_get_uint64(s, field, &v);
	gst_structure_free(s);
	return v;
}

static GstSample *last_writeback(GstDmabufKmsSink *self)
{
	Capture c;
	{
		std::lock_guard run(self->state->runLock);
		GST_OBJECT_LOCK(self);
		const gint fenceTimeoutMs = self->state->fenceTimeoutMs;
		GST_OBJECT_UNLOCK(self);
		if (!self->state->presenter)
			return nullptr;
		auto r = self->state->presenter->latestCapture(&c, fenceTimeoutMs);
		if (!r) {
			GST_WARNING_OBJECT(self, "no last-writeback: %s",
					   r.error().message.c_str());
			return nullptr;
		}
		if (!*r)
			return nullptr;
	}
	GstBuffer *b = gst_buffer_new_allocate(nullptr, c.pixels.size(), nullptr);
	gst_buffer_fill(b, 0, c.pixels.data(), c.pixels.size());
	GstCaps *caps =
		gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "BGRx", "width",
				    G_TYPE_INT, gint(c.width), "height", G_TYPE_INT, gint(c.height),
				    "framerate", GST_TYPE_FRACTION, 0, 1, nullptr);
	GstStructure *info = gst_structure_new("dmabufkmssink-writeback", "sequence", G_TYPE_UINT64,
					       guint64(c.sequence), nullptr);
	GstSample *s = gst_sample_new(b, caps, nullptr, info);
	gst_buffer_unref(b);
	gst_caps_unref(caps);
	return s;
}

void kms_sink_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
	auto *self = GST_DMABUF_KMS_SINK(object);
	KmsSinkState *st = self->state;
	auto str = [&] {
		const gchar *s = g_value_get_string(value);
		return std::string(s ? s : "");
	};
	GST_OBJECT_LOCK(self);
	switch (id) {
	case PROP_DEVICE:
		st->sel.device = str();
		break;
	case PROP_DRIVER_NAME:
		st->sel.driver = str();
		break;
	case PROP_CONNECTOR_ID:
		st->sel.connectorId = g_value_get_uint(value);
		break;
	case PROP_CRTC_ID:
		st->sel.crtcId = g_value_get_uint(value);
		break;
	case PROP_PLANE_ID:
		st->sel.planeId = g_value_get_uint(value);
		break;
	case PROP_MODE:
		st->mode = str();
		break;
	case PROP_WRITEBACK:
		st->writeback = g_value_get_boolean(value);
		break;
	case PROP_WRITEBACK_LOCATION:
		st->writebackLocation = str();
		break;
	case PROP_STRIDE_ALIGN: {
		guint a = g_value_get_uint(value);
		st->strideAlign = (a && !(a & (a - 1))) ? a : 1;
		if (st->strideAlign != a)
			GST_WARNING_OBJECT(self, "stride-align %u is not a power of two; using 1",
					   a);
		break;
	}
	case PROP_FENCE_TIMEOUT:
		st->fenceTimeoutMs = g_value_get_int(value);
		break;
	default:
		GST_OBJECT_UNLOCK(self);
		if (!gst_video_overlay_set_property(object, PROP_LAST, id, value))
			G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
		return;
	}
	GST_OBJECT_UNLOCK(self);
}

void kms_sink_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
	auto *self = GST_DMABUF_KMS_SINK(object);
	KmsSinkState *st = self->state;
	switch (id) {
	case PROP_DEVICE:
		GST_OBJECT_LOCK(self);
		g_value_set_string(value,
				   st->sel.device.empty() ? nullptr : st->sel.device.c_str());
		GST_OBJECT_UNLOCK(self);
		break;
	case PROP_DRIVER_NAME:
		GST_OBJECT_LOCK(self);
		g_value_set_string(value,
				   st->sel.driver.empty() ? nullptr : st->sel.driver.c_str());
		GST_OBJECT_UNLOCK(self);
		break;
	case PROP_CONNECTOR_ID:
		g_value_set_uint(value, st->sel.connectorId);
		break;
	case PROP_CRTC_ID:
		g_value_set_uint(value, st->sel.crtcId);
		break;
	case PROP_PLANE_ID:
		g_value_set_uint(value, st->sel.planeId);
		break;
	case PROP_MODE:
		GST_OBJECT_LOCK(self);
		g_value_set_string(value, st->mode.empty() ? nullptr : st->mode.c_str());
		GST_OBJECT_UNLOCK(self);
		break;
	case PROP_WRITEBACK:
		g_value_set_boolean(value, st->writeback);
		break;
	case PROP_WRITEBACK_LOCATION:
		GST_OBJECT_LOCK(self);
		g_value_set_string(value, st->writebackLocation.empty()
						  ? nullptr
						  : st->writebackLocation.c_str());
		GST_OBJECT_UNLOCK(self);
		break;
	case PROP_STRIDE_ALIGN:
		g_value_set_uint(value, st->strideAlign);
		break;
	case PROP_FENCE_TIMEOUT:
		g_value_set_int(value, st->fenceTimeoutMs);
		break;
	case PROP_STATS:
		g_value_take_boxed(value, kms_sink_collect_stats(self));
		break;
	case PROP_FRAMES_SHOWN:
		g_value_set_uint64(value, stats_field(self, "frames-shown"));
		break;
	case PROP_FRAMES_DROPPED:
		g_value_set_uint64(value, stats_field(self, "dropped"));
		break;
	case PROP_IMPORTS:
		g_value_set_uint64(value, stats_field(self, "imports"));
		break;
	case PROP_CACHE_HITS:
		g_value_set_uint64(value, stats_field(self, "cache-hits"));
		break;
	case PROP_COPIES:
		g_value_set_uint64(value, st->copies);
		break;
	case PROP_LAST_FLIP_LATENCY:
		g_value_set_uint64(value, stats_field(self, "last-flip-latency-us"));
		break;
	case PROP_LAST_WRITEBACK:
		g_value_take_boxed(value, last_writeback(self));
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
}

void kms_sink_install_properties(GObjectClass *oc)
{
	const auto rwReady = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
						      GST_PARAM_MUTABLE_READY);
	const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
	g_object_class_install_property(
		oc, PROP_DEVICE,
		g_param_spec_string("device", "Device",
				    "KMS device node (e.g. /dev/dri/card0); default: the first KMS "
				    "device with a connected connector",
				    nullptr, rwReady));
	g_object_class_install_property(
		oc, PROP_DRIVER_NAME,
		g_param_spec_string("driver-name", "Driver name",
				    "Only use a KMS device of this driver (e.g. vkms)", nullptr,
				    rwReady));
	g_object_class_install_property(
		oc, PROP_CONNECTOR_ID,
		g_param_spec_uint("connector-id", "Connector ID",
				  "Connector to drive (0: the first connected one)", 0, G_MAXUINT32,
				  0, rwReady));
	g_object_class_install_property(
		oc, PROP_CRTC_ID,
		g_param_spec_uint("crtc-id", "CRTC ID",
				  "CRTC to drive (0: the connector's current one, else the first "
				  "that can drive it)",
				  0, G_MAXUINT32, 0, rwReady));
	g_object_class_install_property(
		oc, PROP_PLANE_ID,
		g_param_spec_uint("plane-id", "Plane ID",
				  "Plane to show the video on (0: the CRTC's primary plane)", 0,
				  G_MAXUINT32, 0, rwReady));
	g_object_class_install_property(
		oc, PROP_MODE,
		g_param_spec_string(
			"mode", "Mode",
			"Display mode as WIDTHxHEIGHT[@HZ] or a mode name (default: the "
			"current mode, else one of the video's size, else the preferred one)",
			nullptr, rwReady));
	g_object_class_install_property(
		oc, PROP_WRITEBACK,
		g_param_spec_boolean(
			"writeback", "Writeback",
			"Attach the device's writeback connector to the CRTC and capture the "
			"frame on screen at EOS (and at stop without EOS); see "
			"last-writeback and writeback-location",
			FALSE, rwReady));
	g_object_class_install_property(
		oc, PROP_WRITEBACK_LOCATION,
		g_param_spec_string(
			"writeback-location", "Writeback location",
			"Save the last captured frame as PNG here at EOS and at stop "
			"(needs writeback=true)",
			nullptr,
			static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
	g_object_class_install_property(
		oc, PROP_STRIDE_ALIGN,
		g_param_spec_uint(
			"stride-align", "Stride alignment",
			"Row pitch alignment in bytes (power of two) stated upstream in the "
			"ALLOCATION query and used by the offered pool",
			1, 1 << 16, 1, rwReady));
	g_object_class_install_property(oc, PROP_FENCE_TIMEOUT, dbk_param_spec_fence_timeout());
	g_object_class_install_property(
		oc, PROP_STATS,
		g_param_spec_boxed(
			"stats", "Statistics",
			"Counters as a dmabufkmssink-stats structure: frames-shown, dropped, "
			"imports, cache-hits, copies, last-flip-latency-us, flip-interval-*, "
			"writeback-captures, ...",
			GST_TYPE_STRUCTURE, ro));
	g_object_class_install_property(oc, PROP_FRAMES_SHOWN,
					g_param_spec_uint64("frames-shown", "Frames shown",
							    "Frames whose page flip completed", 0,
							    G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_FRAMES_DROPPED,
		g_param_spec_uint64(
			"frames-dropped", "Frames dropped",
			"Frames never shown: dropped late by the sink or rejected by the display",
			0, G_MAXUINT64, 0, ro));
	g_object_class_install_property(oc, PROP_IMPORTS,
					g_param_spec_uint64("imports", "Imports",
							    "dma-bufs imported as framebuffers", 0,
							    G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_CACHE_HITS,
		g_param_spec_uint64("cache-hits", "Cache hits",
				    "Frames whose framebuffer came from the cache", 0, G_MAXUINT64,
				    0, ro));
	g_object_class_install_property(
		oc, PROP_COPIES,
		g_param_spec_uint64("copies", "Copies",
				    "Frames copied into scanout buffers because import failed", 0,
				    G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_LAST_FLIP_LATENCY,
		g_param_spec_uint64("last-flip-latency", "Last flip latency",
				    "Microseconds from the last commit to its page-flip event", 0,
				    G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_LAST_WRITEBACK,
		g_param_spec_boxed(
			"last-writeback", "Last writeback",
			"The last frame captured by the writeback connector (BGRx, mode size)",
			GST_TYPE_SAMPLE, ro));
	gst_video_overlay_install_properties(oc, PROP_LAST);
}
