/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file exporter.h
 * \brief The interface every dma-buf exporter implements.
 */
#pragma once

#include <cstdint>
#include <string>

#include "dma_buf.h"
#include "dmabufkit/base/result.h"

namespace dmabufkit {

/** \brief What kind of memory an exporter hands out; used for selection. */
struct ExporterTraits {
	std::string name;	 /**< e.g. "dma-heap:system", "udmabuf", "drm-dumb:vkms" */
	bool cpuMappable = true; /**< mmap on the dma-buf fd works */
	bool contiguous = false; /**< physically contiguous memory */
	bool scanout = false;	 /**< a display controller can scan it out */
	uint64_t maxSize = 0;	 /**< largest single allocation, 0 for no known limit */
};

/** \brief One allocation: how large, what for, and an optional 2D shape. */
struct AllocationRequest {
	uint64_t size = 0;
	/** Name set with DMA_BUF_SET_NAME; say who allocates and for what. */
	std::string name;
	/** Row pitch in bytes the caller's layout uses (0 if none); exporters
	 *  with their own pitch rules (DRM dumb) must honour it or fail. */
	uint32_t stride = 0;
};

/**
 * \brief Allocates dma-bufs from one kernel exporter.
 */
class Exporter
{
public:
	virtual ~Exporter() = default;

	virtual const ExporterTraits &traits() const = 0;
	/** \brief Allocate one named dma-buf of at least request.size bytes. */
	virtual Result<DmaBuf> allocate(const AllocationRequest &request) = 0;
};

/** \brief Reject size 0 and sizes beyond \a traits.maxSize with a clear message. */
Result<void> checkAllocationSize(const ExporterTraits &traits, uint64_t size);

/** \brief Name \a buf, logging (not failing) if the kernel refuses. */
void nameDmaBuf(DmaBuf &buf, const std::string &name, const char *category);

} /* namespace dmabufkit */
