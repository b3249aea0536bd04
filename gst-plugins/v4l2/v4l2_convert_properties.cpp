/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dmabufv4l2convert's properties and its stats structure. */
#include "v4l2_convert_private.h"

using namespace dmabufkit;
using namespace dmabufkit::gstv4l2;

namespace dmabufkit::gstv4l2 {

void ConvertState::stopStream()
{
	if (task)
		task->stop();
	std::unique_ptr<ConvertStream> old;
	{
		std::lock_guard l(streamLifetime);
		if (!stream)
			return;
		if (const auto *c = stream->outputCache()) {
			counters.outputHits += c->hits();
			counters.outputMisses += c->misses();
		}
		if (const auto *c = stream->captureCache()) {
			counters.captureHits += c->hits();
			counters.captureMisses += c->misses();
		}
		old = std::move(stream);
	}
	old.reset(); /* stats() may run on any thread: not under its lock */
}

void ConvertState::setStream(std::unique_ptr<ConvertStream> s)
{
	std::lock_guard l(streamLifetime);
	stream = std::move(s);
}

void ConvertState::dropCapture()
{
	stopStream();
	if (capturePool) {
		gst_buffer_pool_set_active(capturePool, FALSE);
		gst_object_unref(capturePool);
		capturePool = nullptr;
	}
}

GstStructure *ConvertState::stats() const
{
	std::lock_guard l(streamLifetime);
	const auto *oc = stream ? stream->outputCache() : nullptr;
	const auto *cc = stream ? stream->captureCache() : nullptr;
	return gst_structure_new(
		"dmabufv4l2convert/stats", "converted", G_TYPE_UINT64, counters.converted.load(),
		"passthrough", G_TYPE_UINT64, counters.passthrough.load(), "imported",
		G_TYPE_UINT64, counters.imported.load(), "copies", G_TYPE_UINT64,
		counters.copies.load(), "output-index-cache-hits", G_TYPE_UINT64,
		counters.outputHits + (oc ? oc->hits() : 0), "output-index-cache-misses",
		G_TYPE_UINT64, counters.outputMisses + (oc ? oc->misses() : 0),
		"capture-index-cache-hits", G_TYPE_UINT64,
		counters.captureHits + (cc ? cc->hits() : 0), "capture-index-cache-misses",
		G_TYPE_UINT64, counters.captureMisses + (cc ? cc->misses() : 0), "capture-mode",
		G_TYPE_STRING, stream ? stream->captureMode() : "none", "device", G_TYPE_STRING,
		deviceUsed.c_str(), nullptr);
}

} /* namespace dmabufkit::gstv4l2 */

void v4l2_convert_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
	ConvertState *st = GST_DMABUF_V4L2_CONVERT(object)->state;
	switch (id) {
	case PROP_CONVERT_DEVICE: {
		const gchar *s = g_value_get_string(value);
		st->device = s ? s : "";
		break;
	}
	case PROP_CONVERT_CAPTURE_IO_MODE:
		st->captureIoMode = static_cast<GstDmabufV4l2IoMode>(g_value_get_enum(value));
		break;
	case PROP_CONVERT_TIMEOUT_MS:
		st->timeoutMs = g_value_get_uint(value);
		break;
	case PROP_CONVERT_CAPTURE_BUFFERS:
		st->captureBuffers = g_value_get_uint(value);
		break;
	case PROP_CONVERT_FORCE_COPY:
		st->forceCopy = g_value_get_boolean(value);
		break;
	case PROP_CONVERT_FENCE_TIMEOUT:
		st->fenceTimeoutMs = g_value_get_int(value);
		break;
	case PROP_CONVERT_EXTRA_CONTROLS:
		if (st->extraControls)
			gst_structure_free(st->extraControls);
		st->extraControls = static_cast<GstStructure *>(g_value_dup_boxed(value));
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
}

void v4l2_convert_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
	auto *self = GST_DMABUF_V4L2_CONVERT(object);
	ConvertState *st = self->state;
	switch (id) {
	case PROP_CONVERT_DEVICE:
		g_value_set_string(value, st->device.c_str());
		break;
	case PROP_CONVERT_CAPTURE_IO_MODE:
		g_value_set_enum(value, st->captureIoMode);
		break;
	case PROP_CONVERT_TIMEOUT_MS:
		g_value_set_uint(value, st->timeoutMs);
		break;
	case PROP_CONVERT_CAPTURE_BUFFERS:
		g_value_set_uint(value, st->captureBuffers);
		break;
	case PROP_CONVERT_FORCE_COPY:
		g_value_set_boolean(value, st->forceCopy);
		break;
	case PROP_CONVERT_FENCE_TIMEOUT:
		g_value_set_int(value, st->fenceTimeoutMs);
		break;
	case PROP_CONVERT_EXTRA_CONTROLS:
		g_value_set_boxed(value, st->extraControls);
		break;
	case PROP_CONVERT_DEVICE_USED:
		g_value_set_string(value, st->deviceUsed.c_str());
		break;
	case PROP_CONVERT_CAPTURE_DECISION:
		GST_OBJECT_LOCK(self);
		g_value_set_string(value, st->captureDecision.c_str());
		GST_OBJECT_UNLOCK(self);
		break;
	case PROP_CONVERT_CONVERTED:
		g_value_set_uint64(value, st->counters.converted);
		break;
	case PROP_CONVERT_PASSTHROUGH:
		g_value_set_uint64(value, st->counters.passthrough);
		break;
	case PROP_CONVERT_IMPORTED:
		g_value_set_uint64(value, st->counters.imported);
		break;
	case PROP_CONVERT_COPIES:
		g_value_set_uint64(value, st->counters.copies);
		break;
	case PROP_CONVERT_STATS:
		g_value_take_boxed(value, st->stats());
		break;
	case PROP_CONVERT_DEVICE_LATENCY:
		g_value_set_uint64(value, st->latency.reported());
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
}

void v4l2_convert_install_properties(GObjectClass *oc)
{
	const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
						 GST_PARAM_MUTABLE_READY);
	const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
	g_object_class_install_property(
		oc, PROP_CONVERT_DEVICE,
		g_param_spec_string("device", "Device",
				    "V4L2 memory-to-memory converter node; empty: the first node "
				    "that takes and gives raw video",
				    "", rw));
	g_object_class_install_property(
		oc, PROP_CONVERT_CAPTURE_IO_MODE,
		g_param_spec_enum("capture-io-mode", "CAPTURE I/O mode",
				  "How converted frames reach downstream: exported driver buffers, "
				  "or dma-bufs of downstream's (or our own) pool the device writes",
				  GST_TYPE_DMABUF_V4L2_IO_MODE, GST_DMABUF_V4L2_IO_MODE_AUTO, rw));
	g_object_class_install_property(
		oc, PROP_CONVERT_TIMEOUT_MS,
		g_param_spec_uint("timeout-ms", "Device timeout",
				  "Post an error when the device converts nothing for this long "
				  "(ms)",
				  1, G_MAXUINT, 2000, rw));
	g_object_class_install_property(
		oc, PROP_CONVERT_CAPTURE_BUFFERS,
		g_param_spec_uint("capture-buffers", "CAPTURE buffers",
				  "CAPTURE buffers besides those downstream asks to hold", 1, 32, 4,
				  rw));
	g_object_class_install_property(
		oc, PROP_CONVERT_FORCE_COPY,
		g_param_spec_boolean("force-copy", "Force copy",
				     "Copy every input frame even when it could be imported (to "
				     "measure what zero-copy saves)",
				     FALSE, rw));
	g_object_class_install_property(oc, PROP_CONVERT_FENCE_TIMEOUT,
					dbk_param_spec_fence_timeout());
	g_object_class_install_property(
		oc, PROP_CONVERT_EXTRA_CONTROLS,
		g_param_spec_boxed("extra-controls", "Extra controls",
				   "Device controls set when the device opens, by name as "
				   "v4l2-ctl --list-ctrls shows it (\"c,horizontal_flip=1\")",
				   GST_TYPE_STRUCTURE, rw));
	g_object_class_install_property(oc, PROP_CONVERT_DEVICE_USED,
					g_param_spec_string("device-used", "Device used",
							    "The node in use (or last used)", "",
							    ro));
	g_object_class_install_property(
		oc, PROP_CONVERT_CAPTURE_DECISION,
		g_param_spec_string("capture-decision", "CAPTURE decision",
				    "Where converted frames are written and why", "", ro));
	g_object_class_install_property(oc, PROP_CONVERT_CONVERTED,
					g_param_spec_uint64("converted", "Converted",
							    "Frames converted by the device", 0,
							    G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_CONVERT_PASSTHROUGH,
		g_param_spec_uint64("passthrough-frames", "Passthrough frames",
				    "Frames pushed untouched (caps equal on both sides)", 0,
				    G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_CONVERT_IMPORTED,
		g_param_spec_uint64("imported", "Imported",
				    "Input frames imported as dma-bufs without a copy", 0,
				    G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_CONVERT_COPIES,
		g_param_spec_uint64("copies", "Copies",
				    "Input frames copied because they could not be imported", 0,
				    G_MAXUINT64, 0, ro));
	g_object_class_install_property(
		oc, PROP_CONVERT_STATS,
		g_param_spec_boxed("stats", "Statistics",
				   "dmabufv4l2convert/stats: frame counters, index caches, "
				   "CAPTURE mode and device",
				   GST_TYPE_STRUCTURE, ro));
	g_object_class_install_property(
		oc, PROP_CONVERT_DEVICE_LATENCY,
		g_param_spec_uint64("device-latency", "Device latency",
				    "The longest a frame has spent in the device so far (queued "
				    "on OUTPUT to pushed from CAPTURE), plus a quarter, in ns: "
				    "the latency this element adds to the latency query",
				    0, G_MAXUINT64, 0, ro));
}
