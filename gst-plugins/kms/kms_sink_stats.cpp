/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kms_sink_stats.h"

namespace dmabufkit::kms {

GstStructure *buildStatsStructure(const SinkStats &s)
{
	return gst_structure_new(
		"dmabufkmssink-stats", "frames-shown", G_TYPE_UINT64, guint64(s.framesShown),
		"flips", G_TYPE_UINT64, guint64(s.flips), "commits", G_TYPE_UINT64,
		guint64(s.commits), "test-commits", G_TYPE_UINT64, guint64(s.testCommits),
		"dropped", G_TYPE_UINT64, guint64(s.lateDrops + s.failedFrames), "late-drops",
		G_TYPE_UINT64, guint64(s.lateDrops), "failed-frames", G_TYPE_UINT64,
		guint64(s.failedFrames), "imports", G_TYPE_UINT64, guint64(s.imports), "cache-hits",
		G_TYPE_UINT64, guint64(s.cacheHits), "import-failures", G_TYPE_UINT64,
		guint64(s.importFailures), "framebuffers", G_TYPE_UINT64, guint64(s.framebuffers),
		"copies", G_TYPE_UINT64, guint64(s.copies), "copy-reason", G_TYPE_STRING,
		s.copyReason.c_str(), "last-flip-latency-us", G_TYPE_UINT64,
		guint64(s.lastFlipLatencyUs), "flip-interval-mean-us", G_TYPE_DOUBLE,
		s.intervalMeanUs, "flip-interval-jitter-us", G_TYPE_DOUBLE, s.intervalStddevUs,
		"flip-interval-max-us", G_TYPE_UINT64, guint64(s.intervalMaxUs),
		"writeback-captures", G_TYPE_UINT64, guint64(s.writebackCaptures),
		"writeback-failures", G_TYPE_UINT64, guint64(s.writebackFailures), "mode",
		G_TYPE_STRING, s.mode.c_str(), "output", G_TYPE_STRING, s.output.c_str(), "device",
		G_TYPE_STRING, s.device.c_str(), nullptr);
}

} /* namespace dmabufkit::kms */
