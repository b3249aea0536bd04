/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dmabufv4l2sink's properties: installation, set and get. */
#include "v4l2_sink_private.h"

using namespace dmabufkit;
using namespace dmabufkit::gstv4l2;

GType gst_dmabuf_v4l2_sink_io_mode_get_type(void)
{
	static GType type = 0;
	static const GEnumValue values[] = {
		{ GST_DMABUF_V4L2_SINK_IO_MODE_AUTO,
		  "The first frame decides: the sink's own buffers, else upstream's dma-bufs",
		  "auto" },
		{ GST_DMABUF_V4L2_SINK_IO_MODE_EXPORT,
		  "Offer the device's buffers (MMAP + EXPBUF) as upstream's pool", "export" },
		{ GST_DMABUF_V4L2_SINK_IO_MODE_IMPORT,
		  "Queue upstream's dma-bufs (V4L2_MEMORY_DMABUF)", "import" },
		{ 0, nullptr, nullptr },
	};
	if (g_once_init_enter(&type)) {
		GType t = g_enum_register_static("GstDmabufV4l2SinkIoMode", values);
		g_once_init_leave(&type, t);
	}
	return type;
}

void v4l2_sink_install_properties(GObjectClass *oc)
{
	const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
						 GST_PARAM_MUTABLE_READY);
	const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
	g_object_class_install_property(
		oc, PROP_SINK_DEVICE,
		g_param_spec_string("device", "Device",
				    "V4L2 output node (/dev/videoN); empty: found by device-name",
				    "", rw));
	g_object_class_install_property(
		oc, PROP_SINK_DEVICE_NAME,
		g_param_spec_string("device-name", "Device name",
				    "Name of the output node in sysfs (e.g. vivid-000-vid-out), "
				    "used when device is empty; empty: the first video output node",
				    "", rw));
	g_object_class_install_property(
		oc, PROP_SINK_IO_MODE,
		g_param_spec_enum("io-mode", "I/O mode",
				  "Show the sink's own exported buffers, import upstream's "
				  "dma-bufs, or let the first frame decide",
				  GST_TYPE_DMABUF_V4L2_SINK_IO_MODE,
				  GST_DMABUF_V4L2_SINK_IO_MODE_AUTO, rw));
	g_object_class_install_property(
		oc, PROP_SINK_TIMEOUT_MS,
		g_param_spec_uint("timeout-ms", "Device timeout",
				  "Post an error when the device gives no buffer back for this "
				  "long (ms)",
				  1, G_MAXUINT, 2000, rw));
	g_object_class_install_property(
		oc, PROP_SINK_NUM_BUFFERS,
		g_param_spec_uint("num-v4l2-buffers", "V4L2 buffers",
				  "Buffers (export) or dma-buf slots (import) on the OUTPUT queue; "
				  "export needs room for the frame the device keeps showing, the "
				  "one upstream draws and the sink's last-sample",
				  4, 32, 6, rw));
	g_object_class_install_property(
		oc, PROP_SINK_FORCE_COPY,
		g_param_spec_boolean("force-copy", "Force copy",
				     "Copy every frame even when it could be shown as it is (to "
				     "measure what zero-copy saves)",
				     FALSE, rw));
	g_object_class_install_property(oc, PROP_SINK_FENCE_TIMEOUT,
					dbk_param_spec_fence_timeout());
	g_object_class_install_property(oc, PROP_SINK_DEVICE_USED,
					g_param_spec_string("device-used", "Device used",
							    "The node in use (or last used)", "",
							    ro));
	g_object_class_install_property(
		oc, PROP_SINK_ACTIVE_IO_MODE,
		g_param_spec_string("active-io-mode", "Active I/O mode",
				    "export or import once the first frame decided; none before",
				    "none", ro));
	g_object_class_install_property(oc, PROP_SINK_FRAMES,
					g_param_spec_uint64("frames", "Frames",
							    "Frames queued on the device", 0,
							    G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_SINK_COPIES,
		g_param_spec_uint64("copies", "Copies",
				    "Frames copied because they could not be shown as they were", 0,
				    G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_SINK_COPY_REASON,
		g_param_spec_string("copy-reason", "Copy reason",
				    "Why the first copied frame could not be shown as it was", "",
				    ro));
	g_object_class_install_property(
		oc, PROP_SINK_IMPORTED,
		g_param_spec_uint64("imported", "Imported",
				    "Upstream dma-bufs queued without a copy (import mode)", 0,
				    G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_SINK_OWN_BUFFERS,
		g_param_spec_uint64("own-buffers", "Own buffers",
				    "Frames upstream drew into the sink's exported buffers "
				    "(export mode), queued without a copy",
				    0, G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_SINK_CACHE_HITS,
		g_param_spec_uint64("index-cache-hits", "Index cache hits",
				    "Imports that reused the dma-buf's V4L2 index (no remap)", 0,
				    G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_SINK_CACHE_MISSES,
		g_param_spec_uint64("index-cache-misses", "Index cache misses",
				    "Imports that bound a dma-buf to a new V4L2 index (a remap)", 0,
				    G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_SINK_ALLOCATION_DECISION,
		g_param_spec_string("allocation-decision", "Allocation decision",
				    "What the sink offered upstream in the ALLOCATION query and "
				    "what the device can import",
				    "", ro));
}

void v4l2_sink_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
	SinkState *st = GST_DMABUF_V4L2_SINK(object)->state;
	switch (id) {
	case PROP_SINK_DEVICE: {
		const gchar *s = g_value_get_string(value);
		st->device = s ? s : "";
		break;
	}
	case PROP_SINK_DEVICE_NAME: {
		const gchar *s = g_value_get_string(value);
		st->deviceName = s ? s : "";
		break;
	}
	case PROP_SINK_IO_MODE:
		st->ioMode = static_cast<GstDmabufV4l2SinkIoMode>(g_value_get_enum(value));
		break;
	case PROP_SINK_TIMEOUT_MS:
		st->timeoutMs = g_value_get_uint(value);
		break;
	case PROP_SINK_NUM_BUFFERS:
		st->numBuffers = g_value_get_uint(value);
		break;
	case PROP_SINK_FORCE_COPY:
		st->forceCopy = g_value_get_boolean(value);
		break;
	case PROP_SINK_FENCE_TIMEOUT:
		st->fenceTimeoutMs = g_value_get_int(value);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
}

void v4l2_sink_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
	SinkState *st = GST_DMABUF_V4L2_SINK(object)->state;
	const v4l2::DmaBufIndexCache *cache = nullptr;
	if (id == PROP_SINK_CACHE_HITS || id == PROP_SINK_CACHE_MISSES) {
		GST_OBJECT_LOCK(object);
		cache = st->sink ? st->sink->indexCache() : nullptr;
		const guint64 v = id == PROP_SINK_CACHE_HITS
					  ? st->cacheHits + (cache ? cache->hits() : 0)
					  : st->cacheMisses + (cache ? cache->misses() : 0);
		GST_OBJECT_UNLOCK(object);
		g_value_set_uint64(value, v);
		return;
	}
	switch (id) {
	case PROP_SINK_DEVICE:
		g_value_set_string(value, st->device.c_str());
		break;
	case PROP_SINK_DEVICE_NAME:
		g_value_set_string(value, st->deviceName.c_str());
		break;
	case PROP_SINK_IO_MODE:
		g_value_set_enum(value, st->ioMode);
		break;
	case PROP_SINK_TIMEOUT_MS:
		g_value_set_uint(value, st->timeoutMs);
		break;
	case PROP_SINK_NUM_BUFFERS:
		g_value_set_uint(value, st->numBuffers);
		break;
	case PROP_SINK_FORCE_COPY:
		g_value_set_boolean(value, st->forceCopy);
		break;
	case PROP_SINK_FENCE_TIMEOUT:
		g_value_set_int(value, st->fenceTimeoutMs);
		break;
	case PROP_SINK_DEVICE_USED:
		g_value_set_string(value, st->getString(st->deviceUsed).c_str());
		break;
	case PROP_SINK_ACTIVE_IO_MODE:
		g_value_set_string(value, st->getString(st->activeMode).c_str());
		break;
	case PROP_SINK_FRAMES:
		g_value_set_uint64(value, st->frames);
		break;
	case PROP_SINK_COPIES:
		g_value_set_uint64(value, st->copies);
		break;
	case PROP_SINK_COPY_REASON:
		g_value_set_string(value, st->getString(st->copyReason).c_str());
		break;
	case PROP_SINK_IMPORTED:
		g_value_set_uint64(value, st->imported);
		break;
	case PROP_SINK_OWN_BUFFERS:
		g_value_set_uint64(value, st->ownBuffers);
		break;
	case PROP_SINK_ALLOCATION_DECISION:
		g_value_set_string(value, st->getString(st->decision).c_str());
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
}
