/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file buffer_queue.h
 * \brief One V4L2 queue (CAPTURE or OUTPUT): allocation, export, import,
 *        queueing and dequeueing for the single- and multi-planar APIs.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <linux/videodev2.h>

#include "dmabufkit/base/result.h"
#include "dmabufkit/base/unique_fd.h"
#include "dmabufkit/v4l2/device_format.h"

namespace dmabufkit::v4l2 {

class VideoDevice;

/** \brief A dma-buf plane to queue on a V4L2_MEMORY_DMABUF queue. */
struct DmaBufPlane {
	int fd = -1;
	uint32_t length = 0;	 /**< size of the dma-buf (or the part for this plane) */
	uint32_t bytesUsed = 0;	 /**< OUTPUT: payload; 0 means length */
	uint32_t dataOffset = 0; /**< offset of the plane's data in the dma-buf */
};

/** \brief A buffer the driver gave back. */
struct DequeuedBuffer {
	unsigned index = 0;
	uint32_t flags = 0; /**< V4L2_BUF_FLAG_* (ERROR, LAST, KEYFRAME, ...) */
	uint32_t sequence = 0;
	uint64_t timestampNs = 0;
	unsigned numPlanes = 1;
	uint32_t bytesUsed[VIDEO_MAX_PLANES] = {};
	uint32_t dataOffset[VIDEO_MAX_PLANES] = {};

	bool hasError() const { return flags & V4L2_BUF_FLAG_ERROR; }
	bool isLast() const { return flags & V4L2_BUF_FLAG_LAST; }
	uint32_t totalBytesUsed() const;
};

class BufferQueue
{
public:
	/**
	 * \param device the node, which must outlive the queue
	 * \param type V4L2_BUF_TYPE_VIDEO_{CAPTURE,OUTPUT}[_MPLANE]
	 */
	BufferQueue(const VideoDevice &device, uint32_t type);
	~BufferQueue();
	BufferQueue(const BufferQueue &) = delete;
	BufferQueue &operator=(const BufferQueue &) = delete;

	uint32_t type() const { return type_; }
	uint32_t memory() const { return memory_; }
	unsigned count() const { return static_cast<unsigned>(queued_.size()); }
	/** \brief Memory planes per buffer (from the current format). */
	unsigned numPlanes() const { return numPlanes_; }
	bool streaming() const { return streaming_; }
	/**
	 * \brief The format read at allocate(): each plane's sizeimage is the
	 * smallest dma-buf vb2 takes on this queue (its min_length).
	 */
	const DeviceFormat &format() const { return format_; }

	/**
	 * \brief VIDIOC_REQBUFS \a count buffers of \a memory (MMAP or DMABUF).
	 * \return How many the driver allocated (may be more than asked).
	 */
	Result<unsigned> allocate(unsigned count, uint32_t memory);
	/** \brief Stop streaming and free every buffer (REQBUFS 0). Exported fds stay valid. */
	Result<void> release();

	/** \brief VIDIOC_QUERYBUF: per-plane lengths of buffer \a index. */
	Result<std::vector<uint32_t>> planeLengths(unsigned index) const;
	/** \brief VIDIOC_EXPBUF: one dma-buf fd per plane of MMAP buffer \a index. */
	Result<std::vector<UniqueFD>> exportBuffer(unsigned index) const;

	/** \brief Queue MMAP buffer \a index; \a bytesUsed per plane for OUTPUT queues. */
	Result<void> queueMmap(unsigned index, const std::vector<uint32_t> &bytesUsed = {},
			       uint64_t timestampNs = 0);
	/**
	 * \brief Queue MMAP buffer \a index (one plane of \a bytesUsed) into the
	 * media request \a requestFd: the driver sees it when the request is queued.
	 */
	Result<void> queueMmapInRequest(unsigned index, uint32_t bytesUsed, uint64_t timestampNs,
					int requestFd);
	/** \brief Queue DMABUF buffer \a index with \a planes. */
	Result<void> queueDmaBuf(unsigned index, const std::vector<DmaBufPlane> &planes,
				 uint64_t timestampNs = 0);
	/** \brief VIDIOC_DQBUF without waiting; nullopt when nothing is ready (EAGAIN). */
	Result<std::optional<DequeuedBuffer>> dequeue();

	Result<void> streamOn();
	/** \brief STREAMOFF: every queued buffer comes back to us. */
	Result<void> streamOff();

	bool isQueued(unsigned index) const { return index < queued_.size() && queued_[index]; }
	unsigned queuedCount() const;
	/**
	 * \brief When buffer \a index was last queued (CLOCK_MONOTONIC ns, the
	 * clock of V4L2 timestamps), or 0: tells whether a driver that skipped
	 * frames had this buffer to fill.
	 */
	uint64_t queuedAtNs(unsigned index) const
	{
		return index < queuedAtNs_.size() ? queuedAtNs_[index] : 0;
	}
	/** \brief A buffer index we hold (not queued), or nullopt. */
	std::optional<unsigned> freeIndex() const;
	/**
	 * \brief The buffers still queued that were queued before buffer
	 * \a index was last, oldest first.
	 */
	std::vector<unsigned> queuedBefore(unsigned index) const;
	/**
	 * \brief Take queued buffer \a index if the driver is done with it
	 * (VIDIOC_QUERYBUF), or nullopt.
	 *
	 * After a LAST buffer DQBUF only answers EPIPE, but a driver may finish
	 * a buffer queued before the LAST one later than it (a STOP that raced
	 * a job): this is the way to that frame.
	 */
	Result<std::optional<DequeuedBuffer>> takeIfDone(unsigned index);

private:
	Result<void> queue(struct v4l2_buffer &buf, struct v4l2_plane *planes, unsigned index,
			   uint64_t timestampNs);
	DequeuedBuffer dequeuedFrom(const struct v4l2_buffer &buf, const struct v4l2_plane *planes);
	/* VIDIOC_QUERYBUF of buffer \a index, logged when it fails. */
	Result<void> query(unsigned index, struct v4l2_buffer &buf,
			   struct v4l2_plane *planes) const;

	const VideoDevice &device_;
	uint32_t type_;
	uint32_t memory_ = V4L2_MEMORY_MMAP;
	unsigned numPlanes_ = 1;
	DeviceFormat format_; /**< at allocate(): what an import must fit */
	bool streaming_ = false;
	std::vector<bool> queued_;
	std::vector<uint64_t> queuedAtNs_;
	std::vector<uint64_t> queueOrder_; /**< per buffer: the QBUF it was last queued by */
	uint64_t lastQueueOrder_ = 0;
};

} /* namespace dmabufkit::v4l2 */
