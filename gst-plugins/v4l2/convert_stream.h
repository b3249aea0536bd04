/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file convert_stream.h
 * \brief The streaming half of a memory-to-memory converter: an OUTPUT queue
 *        importing upstream's dma-bufs and a CAPTURE FrameSource (exported
 *        driver buffers, or dma-bufs of a pool imported), one converted
 *        frame for every frame queued, matched by timestamp.
 *
 * Queueing a frame and collecting one are separate steps, so the CAPTURE
 * side can run on a thread (GstTask) of its own: queueInput() from the
 * streaming thread, dequeueOutput() ("dequeue one capture buffer") from
 * whichever thread pushes. The two may run at the same time, one thread
 * each (OUTPUT reclaiming and the frame timings are locked).
 */
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <gst/gst.h>

#include "dmabufkit/v4l2/video_device.h"
#include "frame_source.h"
#include "importing_queue.h"

namespace dmabufkit::gstv4l2 {

/** \brief One converted frame. */
struct ConvertedFrame {
	GstBuffer *buffer = nullptr; /**< transfer full, input's timestamps and flags copied */
	uint32_t frameNumber = 0;
	v4l2::DequeuedBuffer info;
};

class ConvertStream
{
public:
	/** \param name the element's name, for log lines */
	ConvertStream(v4l2::VideoDevice &dev, std::string name);
	~ConvertStream();
	ConvertStream(const ConvertStream &) = delete;
	ConvertStream &operator=(const ConvertStream &) = delete;

	/** \brief REQBUFS \a slots DMABUF indices on OUTPUT. */
	Result<void> setupOutput(unsigned slots);
	/** \brief Use \a source as the CAPTURE queue: fill it and STREAMON. */
	Result<void> setupCapture(std::unique_ptr<FrameSource> source);

	/** \brief Why \a buf cannot be queued on OUTPUT as it is, or nullopt. */
	std::optional<std::string> whyNotImportable(GstBuffer *buf, size_t minSize) const;
	/**
	 * \brief Queue \a buf (a ref is taken) as frame \a frameNumber, waiting
	 *        for a free OUTPUT index; the timestamps of \a timingFrom (the
	 *        frame \a buf is a copy of, or null: \a buf) go to the converted frame.
	 */
	Result<void> queueInput(GstBuffer *buf, uint32_t frameNumber, uint32_t bytesUsed,
				GstBuffer *timingFrom = nullptr);
	/**
	 * \brief The CAPTURE step: wait for the next converted frame.
	 *
	 * Waits up to timeoutMs for the device (ETIMEDOUT), without a limit
	 * for downstream to return a buffer when it holds them all; EPIPE when
	 * flushing() turned true meanwhile; EIO when the driver flagged the
	 * frame as broken.
	 */
	Result<ConvertedFrame> dequeueOutput();
	/**
	 * \brief The longest a frame has spent in the device so far (queued on
	 * OUTPUT to dequeued from CAPTURE), ns: what the element adds to latency.
	 */
	uint64_t maxProcessingNs() const { return maxProcessingNs_; }
	/** \brief Frames queued and not collected yet. */
	unsigned pending() const { return pending_.load(); }
	/** \brief STREAMOFF both queues and free their buffers. */
	void stop();

	const v4l2::DmaBufIndexCache *outputCache() const;
	/** \brief The CAPTURE side's index cache (import mode), or nullptr. */
	const v4l2::DmaBufIndexCache *captureCache() const;
	const char *captureMode() const { return capture_ ? capture_->mode() : "none"; }

	unsigned timeoutMs = 2000;
	/** \brief True when the element flushes: ends waits. */
	std::function<bool()> flushing;

private:
	struct Timing {
		GstClockTime pts, dts, duration;
		guint64 offset, offsetEnd;
		guint flags;
		std::chrono::steady_clock::time_point queuedAt;
	};
	Result<void> reclaimOutput();
	Result<void> waitForFreeOutput();
	Result<void> waitForCapture();

	v4l2::VideoDevice &dev_;
	std::string name_;
	std::unique_ptr<ImportingQueue> output_;
	std::unique_ptr<FrameSource> capture_;
	bool outputStreaming_ = false;
	bool sawPollError_ = false;
	std::mutex outputLock_; /* output_, outputStreaming_: both steps reclaim OUTPUT buffers */
	std::mutex lock_;	/* timings_ */
	std::map<uint32_t, Timing> timings_;
	std::atomic<unsigned> pending_{ 0 };
	std::atomic<uint64_t> maxProcessingNs_{ 0 };
};

} /* namespace dmabufkit::gstv4l2 */
