/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file output_queue.h
 * \brief A video output node's OUTPUT queue as a sink uses it: the format it
 *        shows, its own MMAP buffers exported as dma-bufs for upstream to
 *        write into, and waiting for the device to give buffers back.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "dmabufkit/base/result.h"
#include "dmabufkit/base/unique_fd.h"
#include "dmabufkit/v4l2/buffer_queue.h"
#include "dmabufkit/v4l2/device_format.h"
#include "dmabufkit/v4l2/video_device.h"

namespace dmabufkit::v4l2 {

/**
 * \brief VIDIOC_S_FMT on the OUTPUT queue of \a dev, checked.
 *
 * \return The driver's answer; EINVAL naming the device, what was asked and
 *         what it answered when the driver changed the fourcc or the size
 *         (it cannot show that format), or the ioctl's error (EBUSY when
 *         another process owns the queue).
 */
Result<DeviceFormat> setOutputFormat(const VideoDevice &dev, const DeviceFormat &want);

/**
 * \brief Wait up to \a timeoutMs for the device to be done with an OUTPUT buffer.
 *
 * \return ETIMEDOUT naming the device when it showed nothing for that long,
 *         ECANCELED when \a wakeFd became readable (flush, shutdown), EIO when
 *         the queue is in error (poll reported POLLERR).
 */
Result<void> waitForOutputDone(const VideoDevice &dev, int timeoutMs, int wakeFd);

/**
 * \brief MMAP buffers on an OUTPUT queue, each exported as dma-bufs
 *        (VIDIOC_EXPBUF) and queued by index once upstream filled them.
 */
class ExportedOutputQueue
{
public:
	explicit ExportedOutputQueue(const VideoDevice &dev);
	~ExportedOutputQueue();
	ExportedOutputQueue(const ExportedOutputQueue &) = delete;
	ExportedOutputQueue &operator=(const ExportedOutputQueue &) = delete;

	/**
	 * \brief REQBUFS \a count MMAP buffers and export each, naming its
	 *        dma-bufs "PREFIX:N" (DMA_BUF_SET_NAME) so bufinfo tells who made them.
	 * \return How many the driver granted.
	 */
	Result<unsigned> allocate(unsigned count, const std::string &namePrefix);
	unsigned count() const { return static_cast<unsigned>(fds_.size()); }
	/** \brief The dma-buf fds (one per plane) of buffer \a index, owned by the queue. */
	const std::vector<UniqueFD> &fds(unsigned index) const { return fds_[index]; }
	/** \brief The buffer whose first plane is the dma-buf \a inode, or nullopt. */
	std::optional<unsigned> indexOfInode(uint64_t inode) const;

	/** \brief Queue buffer \a index with \a bytesUsed per plane, stamped \a timestampNs. */
	Result<void> queue(unsigned index, const std::vector<uint32_t> &bytesUsed,
			   uint64_t timestampNs);
	/** \brief DQBUF without waiting; nullopt when the device holds every queued buffer. */
	Result<std::optional<DequeuedBuffer>> dequeue() { return queue_.dequeue(); }
	BufferQueue &bufferQueue() { return queue_; }
	/** \brief STREAMOFF and REQBUFS 0; exported dma-bufs stay valid for their holders. */
	Result<void> release();

private:
	const VideoDevice &dev_;
	BufferQueue queue_;
	std::vector<std::vector<UniqueFD>> fds_;
	std::unordered_map<uint64_t, unsigned> byInode_;
};

} /* namespace dmabufkit::v4l2 */
