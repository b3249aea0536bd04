/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file constraints.h
 * \brief What a consumer of a buffer needs, and merging several of them.
 *
 * Every consumer of a buffer (an encoder's OUTPUT queue, a display plane, a
 * CPU filter) states its needs. Before allocating, the needs of all consumers
 * are merged; the merged set drives the layout (strides, offsets, memories)
 * and the choice of exporter. This is the user-space form of the
 * "attachment constraints" idea: walk every consumer, then pick an allocator
 * that satisfies all of them.
 */
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dmabufkit/base/result.h"

namespace dmabufkit {

/** \brief How the planes of a frame are spread over dma-bufs. */
enum class MemoryLayout {
	Any,	  /**< no preference */
	Single,	  /**< every plane in one dma-buf (V4L2 single-planar API, vicodec) */
	PerPlane, /**< one dma-buf per plane */
};

/** \brief The needs of one consumer (or the merge of several). */
struct Constraints {
	/** Who states these needs, for error messages ("vicodec OUTPUT"). */
	std::string consumer;
	bool cpuMappable = false;  /**< must be mmap-able by the CPU */
	bool contiguous = false;   /**< must be physically contiguous */
	bool scanout = false;	   /**< must be scanout-capable */
	bool packedStride = false; /**< stride must be exactly width x bytes per pixel */
	uint32_t strideAlign = 1;  /**< row pitch alignment in bytes (power of two) */
	uint32_t offsetAlign = 1;  /**< plane offset alignment in bytes (power of two) */
	MemoryLayout memoryLayout = MemoryLayout::Any;
	uint64_t maxSize = 0; /**< largest acceptable dma-buf, 0 for no limit */

	bool operator==(const Constraints &) const = default;
	/** \brief Human-readable summary, e.g. "cpu-mappable, stride-align=64". */
	std::string describe() const;
};

/**
 * \brief Merge the constraints of several consumers into one set.
 *
 * Booleans are or-ed, alignments take their least common multiple, the
 * maximum size the smallest limit. Fails, naming both consumers, when two
 * needs contradict (Single vs PerPlane memories, packed stride vs a stride
 * alignment is checked later against the actual format, see FrameLayout).
 * Alignments that are not powers of two are rejected.
 */
Result<Constraints> mergeConstraints(const std::vector<Constraints> &all);

} /* namespace dmabufkit */
