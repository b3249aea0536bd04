/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file filter_stats.h
 * \brief dmabufcpufilter's counters and the "stats" property structure
 * (dmabufcpufilter/stats) built from them.
 */
#pragma once

#include <atomic>

#include <dmabufkit/dbk_allocator.h>
#include <gst/gst.h>

namespace dmabufkit::cpufilter {

/** \brief What the element counts; updated by the streaming and writer threads. */
struct FilterCounters {
	std::atomic<guint64> frames{ 0 };
	std::atomic<guint64> passthroughFrames{ 0 };
	std::atomic<guint64> inPlaceFrames{ 0 };
	std::atomic<guint64> inputMaps{ 0 };
	std::atomic<guint64> outputMaps{ 0 };
	std::atomic<guint64> dmabufInputs{ 0 };
	std::atomic<guint64> invalidDropped{ 0 };
	std::atomic<guint64> snapshotsWritten{ 0 };
	std::atomic<guint64> snapshotsFailed{ 0 };
	std::atomic<guint64> snapshotsDropped{ 0 };

	/**
	 * \brief The dmabufcpufilter/stats structure: these counters, the CPU
	 * access counters \a imports of the imported input dma-bufs and the
	 * SIMD target.
	 * \return a new structure (transfer full)
	 */
	GstStructure *toStructure(const DbkAccessStats &imports) const;
};

} /* namespace dmabufkit::cpufilter */
