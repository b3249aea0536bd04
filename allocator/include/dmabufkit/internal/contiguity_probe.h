/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file contiguity_probe.h
 * \brief Whether an exporter gives physically contiguous memory, from what
 *        its buffers really are rather than from its name.
 */
#pragma once

#include <optional>
#include <string>

#include "dmabufkit/core/dma_buf.h"
#include "dmabufkit/core/exporter.h"
#include "dmabufkit/base/result.h"

namespace dmabufkit {

/** \brief The answer of a contiguity probe and how it was reached. */
struct ContiguityVerdict {
	bool contiguous = false;
	/** "CmaFree" when measured, "name" when the kernel has no CMA accounting. */
	std::string evidence;
};

/**
 * \brief Free bytes in the kernel's CMA areas (CmaFree in /proc/meminfo);
 *        nullopt when the kernel has no CMA.
 */
std::optional<uint64_t> cmaFreeBytes();

/**
 * \brief Probe \a exporter once per process (cached by its name).
 *
 * Allocates a buffer and watches the kernel's CMA accounting: memory drawn
 * from a CMA area (CMA heaps, DMA-API dumb buffers on devices without an
 * IOMMU) is physically contiguous. Page frames cannot tell: dma-buf mappings
 * are PFN maps, which /proc/self/pagemap does not walk. \a byName is the
 * answer used when the kernel has no CMA accounting, and the verdict says so.
 */
ContiguityVerdict probeContiguity(Exporter &exporter, bool byName);

} /* namespace dmabufkit */
