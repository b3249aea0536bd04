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

/** \brief An exporter a consumer's device refused to import, and why. */
struct ExporterRefusal {
	std::string exporter; /**< e.g. "dma-heap:system" */
	/** What the kernel said, naming the device: "vivid-000-vid-cap:
	 *  VIDIOC_QBUF: Bad address (errno 14)". */
	std::string reason;

	bool operator==(const ExporterRefusal &) const = default;
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
	/** Exporters whose buffers the consumer's device refused (learnt by a
	 *  probe import); never chosen. */
	std::vector<ExporterRefusal> refusedExporters;
	/** Exporters whose buffers the device imported; they satisfy \a scanout
	 *  even when not dumb buffers (the display proved it can scan them out). */
	std::vector<std::string> acceptedExporters;

	bool operator==(const Constraints &) const = default;
	/** \brief Human-readable summary, e.g. "cpu-mappable, stride-align=64". */
	std::string describe() const;
	/** \brief The refusal of \a exporter, if a consumer refused it. */
	const ExporterRefusal *refusal(const std::string &exporter) const;
	/** \brief Whether a consumer proved it imports \a exporter's buffers. */
	bool accepts(const std::string &exporter) const;
};

/**
 * \brief Merge the constraints of several consumers into one set.
 *
 * Booleans are or-ed, alignments take their least common multiple, the
 * maximum size the smallest limit, refused and accepted exporters are
 * united (a refusal by one consumer outweighs acceptance by another). Fails, naming both consumers,
 * when two needs contradict (Single vs PerPlane memories, packed stride vs a stride alignment is
 * checked later against the actual format, see FrameLayout). Alignments that are not powers of two
 * are rejected.
 */
Result<Constraints> mergeConstraints(const std::vector<Constraints> &all);

} /* namespace dmabufkit */
