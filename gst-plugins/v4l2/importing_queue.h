/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A V4L2_MEMORY_DMABUF queue fed with GstBuffers of dma-bufs: each is queued
 * at the index the dma-buf had last time (DmaBufIndexCache) and held until
 * the driver gives it back.
 */
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gst/gst.h>

#include "dmabufkit/v4l2/buffer_queue.h"
#include "dmabufkit/v4l2/dmabuf_index_cache.h"
#include "dmabufkit/v4l2/video_device.h"

namespace dmabufkit::gstv4l2 {

class ImportingQueue
{
public:
	ImportingQueue(const v4l2::VideoDevice &dev, uint32_t type);
	~ImportingQueue();

	/** \brief REQBUFS \a count DMABUF buffers. */
	Result<unsigned> allocate(unsigned count);
	/**
	 * \brief Why \a buf cannot be queued here without a copy, or nullopt if it can.
	 * \param minSize the size the driver needs in the (single) plane
	 */
	std::optional<std::string> whyNotImportable(GstBuffer *buf, size_t minSize) const;
	/** \brief Queue \a buf (a ref is taken), \a bytesUsed 0 meaning its whole size. */
	Result<void> queue(GstBuffer *buf, uint64_t timestampNs, uint32_t bytesUsed = 0);
	/** \brief DQBUF without waiting: the driver's report and our buffer (transfer full). */
	Result<std::optional<std::pair<v4l2::DequeuedBuffer, GstBuffer *>>> dequeue();
	bool hasFreeIndex() const { return cache_.busyCount() < cache_.slots(); }
	unsigned queuedCount() const { return cache_.busyCount(); }
	Result<void> streamOn() { return queue_.streamOn(); }
	bool streaming() const { return queue_.streaming(); }
	/** \brief Whether \a buf is queued in the driver now. */
	bool holds(GstBuffer *buf) const;
	/** \brief STREAMOFF and drop every held buffer. */
	Result<void> flush();
	/** \brief STREAMOFF, drop buffers, REQBUFS 0. */
	Result<void> release();
	const v4l2::DmaBufIndexCache &cache() const { return cache_; }
	v4l2::BufferQueue &queue() { return queue_; }
	const v4l2::VideoDevice &device() const { return dev_; }
	/** \brief dma-buf inode of every memory of \a buf (0 for non-dma-buf memory). */
	static std::vector<uint64_t> inodesOf(GstBuffer *buf);

private:
	void dropAll();

	const v4l2::VideoDevice &dev_;
	v4l2::BufferQueue queue_;
	v4l2::DmaBufIndexCache cache_;
	std::vector<GstBuffer *> held_;
};

} /* namespace dmabufkit::gstv4l2 */
