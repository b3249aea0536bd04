/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dmabufv4l2src's properties: installation, set and get. */
#include "v4l2_src_private.h"

using namespace dmabufkit;
using namespace dmabufkit::gstv4l2;

void v4l2_src_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
	SrcState *st = GST_DMABUF_V4L2_SRC(object)->state;
	switch (id) {
	case PROP_DEVICE: {
		const gchar *s = g_value_get_string(value);
		st->device = s ? s : "";
		break;
	}
	case PROP_IO_MODE:
		st->ioMode = static_cast<GstDmabufV4l2IoMode>(g_value_get_enum(value));
		break;
	case PROP_TIMEOUT_MS:
		st->timeoutMs = g_value_get_uint(value);
		break;
	case PROP_NUM_V4L2_BUFFERS:
		st->numV4l2Buffers = g_value_get_uint(value);
		break;
	case PROP_EXPORTER: {
		const gchar *s = g_value_get_string(value);
		st->exporter = s && *s ? s : "auto";
		break;
	}
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
}

void v4l2_src_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
	SrcState *st = GST_DMABUF_V4L2_SRC(object)->state;
	switch (id) {
	case PROP_DEVICE:
		g_value_set_string(value, st->device.c_str());
		break;
	case PROP_IO_MODE:
		g_value_set_enum(value, st->ioMode);
		break;
	case PROP_TIMEOUT_MS:
		g_value_set_uint(value, st->timeoutMs);
		break;
	case PROP_NUM_V4L2_BUFFERS:
		g_value_set_uint(value, st->numV4l2Buffers);
		break;
	case PROP_ACTIVE_IO_MODE:
		g_value_set_string(value, st->everActive ? ioModeName(v4l2_src_io_mode(st->active))
							 : "none");
		break;
	case PROP_ERROR_FRAMES:
		g_value_set_uint64(value, st->errorFrames);
		break;
	case PROP_FRAMES_LOST:
		g_value_set_uint64(value, st->gaps.lost());
		break;
	case PROP_FRAMES_LOST_STARVED:
		g_value_set_uint64(value, st->gaps.lostStarved());
		break;
	case PROP_EXPORTER:
		g_value_set_string(value, st->exporter.c_str());
		break;
	case PROP_ALLOCATION_DECISION:
		GST_OBJECT_LOCK(object);
		g_value_set_string(value, st->decision.c_str());
		GST_OBJECT_UNLOCK(object);
		break;
	case PROP_POOL_STATS: {
		/* The import pool's statistics, its decision completed with what
		 * the device imports (the tracer and viewer show it). */
		GstStructure *stats = nullptr;
		/* Read from other threads (the tracer) while the element may stop:
		 * hold a reference, taken under the lock the pool is swapped under. */
		GST_OBJECT_LOCK(object);
		GstBufferPool *pool =
			st->pool ? GST_BUFFER_POOL(gst_object_ref(st->pool)) : nullptr;
		GST_OBJECT_UNLOCK(object);
		if (pool && DBK_IS_BUFFER_POOL(pool)) {
			stats = dbk_buffer_pool_get_stats_structure(DBK_BUFFER_POOL(pool));
			GST_OBJECT_LOCK(object);
			gst_structure_set(stats, "decision", G_TYPE_STRING, st->decision.c_str(),
					  nullptr);
			GST_OBJECT_UNLOCK(object);
		}
		if (pool)
			gst_object_unref(pool);
		g_value_take_boxed(value, stats);
		break;
	}
	case PROP_INDEX_CACHE_HITS:
	case PROP_INDEX_CACHE_MISSES: {
		/* teardown() destroys source under the object lock. */
		const bool hits = id == PROP_INDEX_CACHE_HITS;
		GST_OBJECT_LOCK(object);
		const v4l2::DmaBufIndexCache *c = st->source ? st->source->indexCache() : nullptr;
		g_value_set_uint64(value, (hits ? st->cacheHits : st->cacheMisses) +
						  (c ? (hits ? c->hits() : c->misses()) : 0));
		GST_OBJECT_UNLOCK(object);
		break;
	}
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
}

void v4l2_src_install_properties(GObjectClass *oc)
{
	const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
						 GST_PARAM_MUTABLE_READY);
	const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
	g_object_class_install_property(
		oc, PROP_DEVICE,
		g_param_spec_string(
			"device", "Device",
			"V4L2 capture node (e.g. /dev/video4); empty: the first capture "
			"device found",
			"", rw));
	g_object_class_install_property(
		oc, PROP_IO_MODE,
		g_param_spec_enum(
			"io-mode", "I/O mode",
			"How frames reach downstream without copying: export driver buffers, "
			"import downstream's (or our own) dma-bufs, or auto",
			GST_TYPE_DMABUF_V4L2_IO_MODE, GST_DMABUF_V4L2_IO_MODE_AUTO, rw));
	g_object_class_install_property(
		oc, PROP_TIMEOUT_MS,
		g_param_spec_uint(
			"timeout-ms", "Dequeue timeout",
			"Post an error when the driver delivers no frame for this long (ms)", 1,
			G_MAXUINT, 2000, rw));
	g_object_class_install_property(oc, PROP_NUM_V4L2_BUFFERS,
					g_param_spec_uint("num-v4l2-buffers", "V4L2 buffers",
							  "Buffers queued in the driver", 2, 32, 4,
							  rw));
	g_object_class_install_property(
		oc, PROP_ACTIVE_IO_MODE,
		g_param_spec_string("active-io-mode", "Active I/O mode",
				    "The mode in use (or last used): export, import or none",
				    "none", ro));
	g_object_class_install_property(
		oc, PROP_ERROR_FRAMES,
		g_param_spec_uint64("error-frames", "Error frames",
				    "Frames the driver flagged as corrupt (dropped)", 0,
				    G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_FRAMES_LOST,
		g_param_spec_uint64(
			"frames-lost", "Frames lost",
			"Frames the device skipped: gaps in the sequence numbers of the frames it "
			"delivered. Each gap is a QoS message on the bus (format buffers: "
			"processed and dropped so far) and a warning in the debug log saying "
			"whether the driver had buffers queued",
			0, G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_FRAMES_LOST_STARVED,
		g_param_spec_uint64("frames-lost-starved", "Frames lost while starved",
				    "Of frames-lost, those skipped while the driver held no "
				    "buffer: downstream kept every one (the others: the device "
				    "ran late on its own)",
				    0, G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_INDEX_CACHE_HITS,
		g_param_spec_uint64("index-cache-hits", "Index cache hits",
				    "Imports that reused the dma-buf's V4L2 index (no remap)", 0,
				    G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_INDEX_CACHE_MISSES,
		g_param_spec_uint64("index-cache-misses", "Index cache misses",
				    "Imports that bound a dma-buf to a new V4L2 index (a remap)", 0,
				    G_MAXUINT64, 0, ro));

	g_object_class_install_property(
		oc, PROP_EXPORTER,
		g_param_spec_string(
			"exporter", "Exporter",
			"Where io-mode=import allocates its own dma-bufs: \"auto\" picks the "
			"cheapest exporter the device (and downstream) can import, learnt by a "
			"one-time probe; or a name: dma-heap:system, dma-heap:<cma heap>, "
			"udmabuf, drm-dumb",
			"auto", rw));
	g_object_class_install_property(
		oc, PROP_ALLOCATION_DECISION,
		g_param_spec_string("allocation-decision", "Allocation decision",
				    "Which exporter was chosen, for which consumers and because "
				    "of which constraint; what the device imports and refuses",
				    "", ro));

	g_object_class_install_property(
		oc, PROP_POOL_STATS,
		g_param_spec_boxed("pool-stats", "Pool statistics",
				   "Statistics of the dmabufkit pool the driver imports from "
				   "(dmabufkit/pool-stats; its decision includes what the device "
				   "imports), NULL when exporting or importing a foreign pool",
				   GST_TYPE_STRUCTURE, ro));
}
