/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file frame_source.h
 * \brief Where dmabufv4l2src's frames come from: one interface over the
 *        export mode (driver buffers exported as dma-bufs) and the import
 *        mode (dma-bufs of a pool queued in the driver), so the element's
 *        create() is one path.
 */
#pragma once

#include <memory>
#include <optional>

#include <gst/gst.h>
#include <gst/video/video.h>

#include <dmabufkit/dbk_allocator.h>

#include "dmabufkit/base/result.h"
#include "dmabufkit/v4l2/buffer_queue.h"
#include "dmabufkit/v4l2/dmabuf_index_cache.h"
#include "exporting_queue.h"
#include "importing_queue.h"

namespace dmabufkit::gstv4l2 {

/** \brief A buffer the driver filled. */
struct CapturedFrame {
	v4l2::DequeuedBuffer info;
	/** Import mode: the pool buffer it was captured into (owned); export mode: nullptr. */
	GstBuffer *buffer = nullptr;
};

/**
 * \brief A capture queue the source dequeues frames from.
 *
 * Every failure is a Result whose message names the call and the device;
 * the element posts it with the text of the step that failed.
 */
class FrameSource
{
public:
	virtual ~FrameSource() = default;

	/** \brief "export" or "import". */
	virtual const char *mode() const = 0;

	/**
	 * \brief Give the driver every buffer it can take.
	 * \param starting before STREAMON (export mode queues its buffers then;
	 *        later they come back when downstream frees them)
	 * \return GST_FLOW_OK, or the flow of a pool that stopped (flushing)
	 */
	virtual Result<GstFlowReturn> refill(bool starting) = 0;
	/** \brief The bus message's text when refill() fails. */
	virtual const char *refillFailure() const = 0;

	virtual Result<void> streamOn() = 0;
	/** \brief VIDIOC_DQBUF without waiting; nullopt when nothing is ready. */
	virtual Result<std::optional<CapturedFrame>> dequeue() = 0;
	/**
	 * \brief An eventfd to wait on instead of the device, or -1.
	 *
	 * Export mode: when every buffer is downstream the driver cannot fill
	 * any, so the wait is for downstream (no watchdog); read it to clear.
	 */
	virtual int starvedFd() const = 0;
	/** \brief Give a frame the driver flagged as corrupt back, undelivered. */
	virtual Result<void> drop(CapturedFrame &frame) = 0;
	/**
	 * \brief The buffer to push for \a frame (transfer full).
	 * \return ENOENT when the driver returned a buffer we did not queue, EIO
	 *         when the dma-buf cannot be wrapped; the message is the bus text
	 */
	virtual Result<GstBuffer *> deliver(CapturedFrame &frame) = 0;
	/** \brief STREAMOFF and free the V4L2 buffers. */
	virtual void stop() = 0;
	/** \brief Buffers the driver holds to fill; at 0 a live driver skips frames. */
	virtual unsigned queuedCount() const = 0;
	/** \brief When V4L2 buffer \a index was last queued (CLOCK_MONOTONIC ns, or 0). */
	virtual uint64_t queuedAtNs(unsigned index) const = 0;
	/** \brief Import mode's index cache, or nullptr. */
	virtual const v4l2::DmaBufIndexCache *indexCache() const { return nullptr; }
};

/** \brief Export mode: MMAP buffers exported (VIDIOC_EXPBUF) and wrapped. */
class ExportingFrameSource : public FrameSource
{
public:
	/**
	 * \param queue the exported buffers
	 * \param info the layout of the frames (for their GstVideoMeta)
	 * \param allocator wraps the dma-bufs (not owned, outlives the source)
	 */
	ExportingFrameSource(std::shared_ptr<ExportingQueue> queue, const GstVideoInfo &info,
			     DbkAllocator *allocator);
	~ExportingFrameSource() override;

	const char *mode() const override { return "export"; }
	Result<GstFlowReturn> refill(bool starting) override;
	const char *refillFailure() const override { return "Cannot queue capture buffers"; }
	Result<void> streamOn() override;
	Result<std::optional<CapturedFrame>> dequeue() override;
	int starvedFd() const override;
	Result<void> drop(CapturedFrame &frame) override;
	Result<GstBuffer *> deliver(CapturedFrame &frame) override;
	void stop() override;
	unsigned queuedCount() const override { return queue_->queuedCount(); }
	uint64_t queuedAtNs(unsigned index) const override { return queue_->queuedAtNs(index); }

private:
	std::shared_ptr<ExportingQueue> queue_;
	GstVideoInfo info_;
	DbkAllocator *allocator_;
};

/** \brief Import mode: dma-bufs of a pool queued with V4L2_MEMORY_DMABUF. */
class ImportingFrameSource : public FrameSource
{
public:
	/**
	 * \param queue an allocated DMABUF queue
	 * \param pool the pool (active) the dma-bufs come from; not owned
	 */
	ImportingFrameSource(std::unique_ptr<ImportingQueue> queue, GstBufferPool *pool);
	~ImportingFrameSource() override;

	const char *mode() const override { return "import"; }
	Result<GstFlowReturn> refill(bool starting) override;
	const char *refillFailure() const override { return "Cannot queue a dma-buf for capture"; }
	Result<void> streamOn() override;
	Result<std::optional<CapturedFrame>> dequeue() override;
	int starvedFd() const override { return -1; }
	Result<void> drop(CapturedFrame &frame) override;
	Result<GstBuffer *> deliver(CapturedFrame &frame) override;
	void stop() override;
	unsigned queuedCount() const override { return queue_->queuedCount(); }
	uint64_t queuedAtNs(unsigned index) const override
	{
		return queue_->queue().queuedAtNs(index);
	}
	const v4l2::DmaBufIndexCache *indexCache() const override { return &queue_->cache(); }

private:
	std::unique_ptr<ImportingQueue> queue_;
	GstBufferPool *pool_;
};

} /* namespace dmabufkit::gstv4l2 */
