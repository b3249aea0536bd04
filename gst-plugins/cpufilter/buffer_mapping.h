/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file buffer_mapping.h
 * \brief One CPU access to a video buffer: each GstMemory mapped exactly once
 * (so a dma-buf gets one DMA_BUF_IOCTL_SYNC START/END pair however many
 * planes it holds), plane pointers computed from GstVideoMeta.
 *
 * Foreign dma-bufs (not from a DbkAllocator, e.g. v4l2src io-mode=dmabuf)
 * are imported once into a DbkAllocator and the import is kept on the
 * foreign memory as qdata: the stock fd allocator would mmap and munmap on
 * every map, ours maps once per dma-buf and syncs on every access.
 */
#pragma once

#include <cerrno>
#include <vector>

#include <dmabufkit/base/result.h>
#include <dmabufkit/dbk_allocator.h>
#include <gst/video/video.h>

#include "kernels/video_frame.h"

namespace dmabufkit::cpufilter {

/** \brief Error code of BufferMapping::map() for a malformed buffer (too small for the frame). */
constexpr int kBadInput = EINVAL;

class BufferMapping
{
public:
	/* \a importer: allocator for foreign dma-bufs (nullptr maps them the stock way). */
	explicit BufferMapping(DbkAllocator *importer) : importer_(importer) {}
	~BufferMapping() { unmap(); }
	BufferMapping(const BufferMapping &) = delete;
	BufferMapping &operator=(const BufferMapping &) = delete;

	/**
	 * \brief Map \a buf for \a flags and describe it as \a info says, with
	 * the strides and offsets of its GstVideoMeta when present.
	 * \return the frame, valid until unmap(); or why not, with the code
	 * kBadInput for a malformed buffer (too small for the frame) and EIO for
	 * a failing import or map.
	 */
	Result<FrameView> map(GstBuffer *buf, const GstVideoInfo &info, KernelFormat format,
			      GstMapFlags flags);
	void unmap();

	/* gst_memory_map calls made by the last map(). */
	unsigned memoryMaps() const { return static_cast<unsigned>(maps_.size()); }
	bool usedDmaBuf() const { return dmabuf_; }

private:
	struct Mapped {
		guint index;	/* memory index in the buffer */
		GstMemory *mem; /* what was mapped: the memory or its import */
		GstMapInfo info;
		gsize offset; /* where the buffer memory starts inside info.data */
		gsize size;   /* the buffer memory's size */
	};

	Result<const Mapped *> mapMemory(GstBuffer *buf, guint index, GstMapFlags flags);

	DbkAllocator *importer_;
	std::vector<Mapped> maps_;
	bool dmabuf_ = false;
};

/* The frame size \a info needs, in bytes, for error messages. */
gsize frameBytes(const GstVideoInfo &info);

} /* namespace dmabufkit::cpufilter */
