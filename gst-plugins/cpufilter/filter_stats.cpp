/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "filter_stats.h"

#include "kernels/row_kernels.h"

namespace dmabufkit::cpufilter {

GstStructure *FilterCounters::toStructure(const DbkAccessStats &imp) const
{
	return gst_structure_new(
		"dmabufcpufilter/stats", "frames", G_TYPE_UINT64, frames.load(), "passthrough",
		G_TYPE_UINT64, passthroughFrames.load(), "in-place", G_TYPE_UINT64,
		inPlaceFrames.load(), "input-maps", G_TYPE_UINT64, inputMaps.load(), "output-maps",
		G_TYPE_UINT64, outputMaps.load(), "dmabuf-inputs", G_TYPE_UINT64,
		dmabufInputs.load(), "invalid-dropped", G_TYPE_UINT64, invalidDropped.load(),
		"snapshots-written", G_TYPE_UINT64, snapshotsWritten.load(), "snapshots-failed",
		G_TYPE_UINT64, snapshotsFailed.load(), "snapshots-dropped", G_TYPE_UINT64,
		snapshotsDropped.load(), "import-sync-starts", G_TYPE_UINT64, imp.sync_starts,
		"import-sync-ends", G_TYPE_UINT64, imp.sync_ends, "import-mmaps", G_TYPE_UINT64,
		imp.mmaps, "import-munmaps", G_TYPE_UINT64, imp.munmaps, "import-live",
		G_TYPE_UINT64, imp.live, "simd-target", G_TYPE_STRING, simdTargetName(), nullptr);
}

} /* namespace dmabufkit::cpufilter */
