/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The streaming half of a stateful memory-to-memory codec: an OUTPUT queue
 * importing dma-bufs, a CAPTURE queue exporting them, frames matched by
 * timestamp, events, drain and the dequeue watchdog.
 *
 * Two threads drive it: the upstream streaming thread queues input
 * (queueInput, drain) and the element's CaptureTask services the device
 * (service): it alone polls, dequeues both queues and hands frames on, so
 * output leaves as soon as the device produces it.
 */
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <dmabufkit/dbk_allocator.h>

#include "dmabufkit/base/unique_fd.h"
#include "exporting_queue.h"
#include "importing_queue.h"

namespace dmabufkit::gstv4l2 {

class M2mStream
{
public:
	/** \brief A CAPTURE buffer for frame \a frameNumber (transfer full), or nullptr with \a
	 * flags ERROR. */
	using FrameReady = std::function<Result<void>(uint32_t frameNumber, GstBuffer *buf,
						      const v4l2::DequeuedBuffer &d)>;
	/** \brief The decoder saw SOURCE_CHANGE and the old CAPTURE buffers are drained. */
	using SourceChanged = std::function<Result<void>()>;

	/** \brief What one service() call achieved. */
	enum class Progress { None, Some, Last };

	M2mStream(v4l2::VideoDevice &dev, std::string name, FrameReady ready,
		  SourceChanged changed);
	~M2mStream();

	/** \brief REQBUFS on OUTPUT (DMABUF, \a slots indices). */
	Result<void> setupOutput(unsigned slots);
	/** \brief New CAPTURE buffers (MMAP, exported), queued and streaming. */
	Result<void> setupCapture(unsigned count);
	bool captureReady() const { return captureUp_; }

	/**
	 * \brief Queue a dma-buf frame on OUTPUT (upstream thread).
	 *
	 * Waits for the capture task to free a slot; ends early with the task's
	 * error, or EPIPE when flushing.
	 */
	Result<void> queueInput(GstBuffer *buf, uint32_t frameNumber, uint32_t bytesUsed);
	/**
	 * \brief One round of device work (capture task): wait up to \a sliceMs
	 * for the device, dequeue both queues and events, hand frames on.
	 *
	 * Returns Last once the drain's LAST buffer is out; ETIMEDOUT when input
	 * sat in the driver for timeoutMs with no progress (the watchdog).
	 */
	Result<Progress> service(int sliceMs);
	/**
	 * \brief Ask for a drain (upstream thread); false when nothing was queued.
	 *
	 * The capture task sends the command once it is safe: every input
	 * consumed, CAPTURE streaming and no resolution change under way.
	 */
	Result<bool> startDrain(bool encoder);
	/** \brief Wait until service() saw the LAST buffer, failed, or a flush began. */
	Result<void> waitDrained();
	/** \brief Record the capture task's error: waiters in queueInput/waitDrained return it. */
	void fail(const Error &e);
	/** \brief Interrupt every wait (flush, stop): they return EPIPE while interrupted. */
	void interrupt(bool on);
	bool interrupted() const;
	/** \brief STREAMOFF both queues, free all buffers (the capture task is stopped). */
	void stop();

	/** \brief Why \a buf cannot be queued on OUTPUT without a copy, or nullopt if it can. */
	std::optional<std::string> whyNotImportable(GstBuffer *buf, size_t minSize) const;
	const v4l2::DmaBufIndexCache *outputCache() const;
	unsigned timeoutMs = 2000;
	DbkAllocator *allocator = nullptr;
	/** \brief Whether the element is flushing: ends waits for downstream. */
	std::function<bool()> flushing;
	/**
	 * \brief Taken around handing frames on (the element's stream lock);
	 * false means the task is stopping and must not hand anything on.
	 */
	std::function<bool()> enterElement;
	std::function<void()> leaveElement;

	/**
	 * \brief The longest a frame has spent in the device so far (from its
	 * QBUF on OUTPUT, which may do the whole job, to its DQBUF from
	 * CAPTURE): what the element adds to latency.
	 */
	uint64_t maxProcessingNs() const { return maxProcessingNs_; }

	/** \brief Timestamp that carries a frame number through the driver. */
	static uint64_t frameTimestamp(uint32_t frameNumber)
	{
		return (uint64_t(frameNumber) + 1) * 1000;
	}

private:
	using Clock = std::chrono::steady_clock;

	Result<Progress> dispatch();
	Result<bool> dequeueOutput();
	Result<bool> takeDoneOutput(std::vector<GstBuffer *> &released);
	static void releaseInputs(std::vector<GstBuffer *> &released);
	Result<Progress> dequeueCapture();
	Result<void> deliver(const v4l2::DequeuedBuffer &b);
	Result<void> deliverLateFrames(unsigned lastIndex);
	Result<bool> dequeueEvents();
	Result<void> waitForDownstream(int sliceMs);
	void idle(int sliceMs);
	Result<void> checkWatchdog();
	void noteProcessed(uint32_t frame);
	Result<bool> sendDrainWhenSafe();

	v4l2::VideoDevice &dev_;
	std::string name_;
	FrameReady ready_;
	SourceChanged changed_;
	std::unique_ptr<ImportingQueue> output_;
	std::shared_ptr<ExportingQueue> capture_;
	bool sourceChangePending_ = false;
	/* A LAST buffer came with no drain sent: its SOURCE_CHANGE is on the way. */
	bool lastBeforeEvent_ = false;
	std::atomic<bool> captureUp_{ false };

	/* Shared between the upstream thread and the capture task. */
	mutable std::mutex lock_;
	std::condition_variable cv_;
	bool outputStreaming_ = false;
	bool drainRequested_ = false;
	bool drainSent_ = false;
	bool drainEncoder_ = false;
	bool drained_ = false;
	bool interrupted_ = false;
	std::optional<Error> error_;
	UniqueFD wakeFd_;
	Clock::time_point lastProgress_;
	/* When each frame was queued, by frame number modulo its size. */
	std::array<Clock::time_point, 64> queuedAt_{};
	std::atomic<uint64_t> maxProcessingNs_{ 0 };
	Clock::time_point captureSetupAt_;
};

} /* namespace dmabufkit::gstv4l2 */
