/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A V4L2 queue of MMAP buffers exported as dma-bufs and handed downstream as
 * GstBuffers; a buffer goes back to the driver when its memory is freed.
 */
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <gst/gst.h>
#include <gst/video/video.h>

#include <dmabufkit/dbk_allocator.h>

#include "dmabufkit/base/unique_fd.h"
#include "dmabufkit/v4l2/buffer_queue.h"
#include "dmabufkit/v4l2/video_device.h"
#include "release_requeuer.h"

namespace dmabufkit::gstv4l2 {

class ExportingQueue : public std::enable_shared_from_this<ExportingQueue>
{
public:
	/**
	 * \brief REQBUFS \a count MMAP buffers on \a type and export each.
	 *
	 * Every dma-buf is named "PREFIX:N" so bufinfo shows who made it.
	 */
	static Result<std::shared_ptr<ExportingQueue>> create(const v4l2::VideoDevice &dev,
							      uint32_t type, unsigned count,
							      const std::string &namePrefix);
	~ExportingQueue();

	unsigned count() const;
	/** \brief Queue every buffer not queued and not downstream. */
	Result<void> queueAllFree();
	Result<void> streamOn();
	/** \brief DQBUF without waiting. */
	Result<std::optional<v4l2::DequeuedBuffer>> dequeue();
	/** \brief Buffers still queued that were queued before \a index, oldest first. */
	std::vector<unsigned> queuedBefore(unsigned index) const;
	/** \brief Take queued buffer \a index if the driver finished it (QUERYBUF). */
	Result<std::optional<v4l2::DequeuedBuffer>> takeIfDone(unsigned index);
	/** \brief Give buffer \a index back to the driver without using it. */
	Result<void> requeue(unsigned index);
	/**
	 * \brief A GstBuffer of the dma-buf(s) of a dequeued buffer, sized to
	 * its payload; when downstream lets go of its memory, the memory is
	 * kept for the next time and the buffer requeued by the queue's
	 * ReleaseRequeuer thread (it counts as downstream until then).
	 *
	 * One GstMemory per buffer and plane lives as long as the queue: a
	 * consumer that maps it (the CPU filter, the tracer's previews) maps
	 * it once, not once per frame (an mmap, a munmap and its TLB
	 * shootdown per frame before).
	 */
	GstBuffer *wrap(const v4l2::DequeuedBuffer &d, DbkAllocator *allocator);
	/** \brief STREAMOFF; buffers downstream are no longer requeued. */
	Result<void> stop();
	/** \brief Buffers downstream now, or released and not yet requeued. */
	unsigned outstanding() const { return outstanding_; }
	/** \brief The dma-buf inode of buffer \a index, plane 0. */
	uint64_t inode(unsigned index) const;
	/** \brief Buffers queued in the driver now. */
	unsigned queuedCount() const;
	/**
	 * \brief An eventfd that becomes readable when a buffer came back from
	 * downstream and was requeued (or kept, once stopped); read it to clear.
	 */
	int releaseFd() const { return releaseFd_.get(); }
	/** \brief The first error a late requeue hit (reported by the next dequeue). */
	std::optional<Error> takeAsyncError();
	/** \brief When buffer \a index was last queued (CLOCK_MONOTONIC ns). */
	uint64_t queuedAtNs(unsigned index) const;

private:
	ExportingQueue(const v4l2::VideoDevice &dev, uint32_t type);
	static gboolean memoryDisposed(GstMiniObject *obj);
	GstMemory *memoryFor(unsigned index, unsigned plane, DbkAllocator *allocator);
	bool parked(unsigned index) const;	/* lock_ held */
	bool requeueable(unsigned index) const; /* lock_ held */
	void requeueReleased(unsigned index);
	void countQueued(); /* deviceLock_ held */

	/* Lock order: deviceLock_, then lock_. deviceLock_ is held across
	 * ioctls, which may last a device's whole job; lock_ never is, so a
	 * release or a wrap() never waits for the device. */
	mutable std::mutex deviceLock_; /* queue_ */
	mutable std::mutex lock_;	/* the bookkeeping: downstream_ to asyncError_ */
	const v4l2::VideoDevice &dev_;
	/* For the log of a release, which may come after the device is closed. */
	const std::string label_;
	v4l2::BufferQueue queue_;
	std::atomic<unsigned> queued_{ 0 }; /* queue_.queuedCount(), read without waiting */
	std::vector<std::vector<UniqueFD>> fds_;
	std::vector<uint64_t> inodes_;
	std::vector<bool> downstream_;
	std::vector<bool> parked_; /* taken by takeIfDone(): no QBUF before STREAMOFF */
	/* Per buffer and plane, its memory while it is back with us (one ref
	 * ours): handed out again, so its CPU mapping outlives a frame. */
	std::vector<std::vector<GstMemory *>> idle_;
	std::atomic<unsigned> outstanding_{ 0 };
	bool active_ = true;
	bool streaming_ = false;
	std::optional<Error> asyncError_;
	UniqueFD releaseFd_;
	/* Last: stopped first, while everything it uses is alive. */
	std::unique_ptr<ReleaseRequeuer> requeuer_;
};

/** \brief Attach a GstVideoMeta for \a info to \a buf (one or more memories). */
void addVideoMeta(GstBuffer *buf, const GstVideoInfo &info);

/**
 * \brief Convert a driver timestamp (CLOCK_MONOTONIC, ns) to the running time
 * of \a element, so downstream sees when the frame was really captured.
 */
GstClockTime driverTimestampToRunningTime(GstElement *element, uint64_t monotonicNs);

} /* namespace dmabufkit::gstv4l2 */
