/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The streaming half of a stateful memory-to-memory codec: an OUTPUT queue
 * importing dma-bufs, a CAPTURE queue exporting them, frames matched by
 * timestamp, events, drain and the dequeue watchdog. The encoder and the
 * decoder elements drive it.
 */
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <dmabufkit/dbk_allocator.h>

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

	M2mStream(v4l2::VideoDevice &dev, std::string name, FrameReady ready,
		  SourceChanged changed);
	~M2mStream();

	/** \brief REQBUFS on OUTPUT (DMABUF, \a slots indices). */
	Result<void> setupOutput(unsigned slots);
	/** \brief New CAPTURE buffers (MMAP, exported), queued and streaming. */
	Result<void> setupCapture(unsigned count);
	bool captureReady() const { return capture_ != nullptr; }

	/** \brief Queue a dma-buf frame on OUTPUT, waiting for a free slot. */
	Result<void> queueInput(GstBuffer *buf, uint32_t frameNumber, uint32_t bytesUsed);
	/** \brief Dequeue whatever is ready without waiting. */
	Result<void> service();
	/** \brief Send the drain command and collect every frame up to the LAST buffer. */
	Result<void> drain(bool encoder);
	/** \brief STREAMOFF both queues, free all buffers. */
	void stop();

	/** \brief Why \a buf cannot be queued on OUTPUT without a copy, or nullopt if it can. */
	std::optional<std::string> whyNotImportable(GstBuffer *buf, size_t minSize) const;
	const v4l2::DmaBufIndexCache *outputCache() const;
	unsigned timeoutMs = 2000;
	DbkAllocator *allocator = nullptr;
	/** \brief Whether the element is flushing: ends waits for downstream. */
	std::function<bool()> flushing;

	/** \brief Timestamp that carries a frame number through the driver. */
	static uint64_t frameTimestamp(uint32_t frameNumber)
	{
		return (uint64_t(frameNumber) + 1) * 1000;
	}

private:
	enum class Progress { None, Some, Last };
	Result<Progress> step();
	Result<void> waitAndStep(bool *sawLast);
	Result<void> waitForDownstream();

	v4l2::VideoDevice &dev_;
	std::string name_;
	FrameReady ready_;
	SourceChanged changed_;
	std::unique_ptr<ImportingQueue> output_;
	std::shared_ptr<ExportingQueue> capture_;
	bool outputStreaming_ = false;
	bool sourceChangePending_ = false;
	uint64_t cacheHits_ = 0, cacheMisses_ = 0;
};

} /* namespace dmabufkit::gstv4l2 */
