/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file dma_heap_exporter.h
 * \brief Allocation from a dma-buf heap (/dev/dma_heap/NAME).
 */
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "exporter.h"
#include "dmabufkit/base/unique_fd.h"

namespace dmabufkit {

/**
 * \brief Allocates with DMA_HEAP_IOCTL_ALLOC from one heap.
 *
 * The "system" heap gives scattered pages; CMA heaps ("linux,cma",
 * "reserved", ...) give physically contiguous memory. The contiguous trait is
 * measured when the heap is opened (see contiguity_probe.h); the name is
 * only the fallback when the kernel hides page frames.
 */
class DmaHeapExporter : public Exporter
{
public:
	/** \brief Open /dev/dma_heap/\a heap (or \a heap if it is a path). */
	static Result<std::unique_ptr<DmaHeapExporter>> open(const std::string &heap);
	/** \brief Names of the heaps present under /dev/dma_heap. */
	static std::vector<std::string> availableHeaps(const std::string &dir = "/dev/dma_heap");
	/** \brief Whether a heap of this name is usually a CMA heap (a fallback guess). */
	static bool isContiguousHeap(const std::string &name);

	const ExporterTraits &traits() const override { return traits_; }
	Result<DmaBuf> allocate(const AllocationRequest &request) override;

private:
	DmaHeapExporter(UniqueFD fd, std::string heap);

	UniqueFD fd_;
	std::string heap_;
	ExporterTraits traits_;
};

} /* namespace dmabufkit */
