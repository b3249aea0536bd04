/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The streaming half of the stateless FWHT decoder element: a session
 * (bitstream buffers and requests, v4l2/stateless_fwht_session.h), the
 * CAPTURE queue exported as dma-bufs (ExportingQueue), the reference frame
 * held by timestamp, geometry changes and flushes.
 *
 * Feeding and collecting are separate steps: queueFrame() submits one
 * request; dequeueCapture() waits for the oldest request, dequeues one
 * CAPTURE buffer and hands it to FrameReady. The element calls them in
 * turn today; a CAPTURE task can run the second on its own thread.
 */
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <dmabufkit/dbk_allocator.h>

#include "dmabufkit/v4l2/stateless_fwht_session.h"
#include "exporting_queue.h"
#include "importing_queue.h"

namespace dmabufkit::gstv4l2 {

class StatelessFwhtStream
{
public:
	/** \brief Frame \a frameNumber decoded (transfer full), or nullptr when the driver flagged
	 * it. */
	using FrameReady = std::function<Result<void>(uint32_t frameNumber, GstBuffer *buf,
						      const v4l2::DequeuedBuffer &d)>;
	/**
	 * \brief A stream of new geometry starts: pick the CAPTURE format among
	 * \a offered (the driver's order; the first is what the stateful decoder writes).
	 */
	using ChooseFormat = std::function<Result<uint32_t>(const v4l2::FwhtHeader &h,
							    const std::vector<uint32_t> &offered)>;
	/** \brief The driver set \a fmt on CAPTURE: negotiate downstream. */
	using Configured = std::function<Result<void>(const v4l2::DeviceFormat &fmt)>;

	StatelessFwhtStream(v4l2::StatelessFwhtSession &session, std::string name, FrameReady ready,
			    ChooseFormat choose, Configured configured);
	~StatelessFwhtStream();

	/**
	 * \brief Submit frame \a frameNumber (parsed as \a f from \a data):
	 * reconfigures first when its geometry differs from the stream's.
	 * \return false when the frame was skipped: a P frame with no reference
	 *         (stream start, after a flush or a corrupt frame).
	 */
	Result<bool> queueFrame(const v4l2::FwhtFrame &f, const uint8_t *data,
				uint32_t frameNumber);
	/** \brief The CAPTURE step: complete the oldest request and push its frame. */
	Result<void> dequeueCapture();
	/** \brief dequeueCapture() until no request is pending. */
	Result<void> drain();
	/** \brief Drop pending requests and the reference; the next frame must be intra. */
	void flush();
	/** \brief Free both queues and the reference. */
	void stop();

	unsigned pending() const { return static_cast<unsigned>(pending_.size()); }
	/** \brief The dma-buf inode of CAPTURE buffer \a index (0 when none). */
	uint64_t captureInode(unsigned index) const;

	/**
	 * \brief Import mode: downstream's negotiated buffer pool (transfer full),
	 * or nullptr. Unset: always export the decoder's own buffers.
	 */
	std::function<GstBufferPool *()> importPool;
	/** \brief Import mode was asked for but cannot work: say why (once per setup). */
	std::function<void(const std::string &why)> importRefused;
	/** \brief Layout of the decoded frames (GstVideoMeta), set when Configured is called. */
	GstVideoInfo videoInfo{};
	unsigned timeoutMs = 2000;
	unsigned captureBuffers = 4;
	DbkAllocator *allocator = nullptr;
	/** \brief Whether the element is flushing: ends waits for downstream. */
	std::function<bool()> flushing;

	uint64_t skippedFrames = 0;
	uint64_t corruptFrames = 0;
	uint64_t geometryChanges = 0;
	uint64_t importedFrames = 0; /**< frames decoded into downstream's buffers */
	bool importing() const { return imported_ != nullptr; }

private:
	struct Pending {
		uint32_t frameNumber;
		uint64_t timestampNs;
	};
	Result<void> reconfigure(const v4l2::FwhtHeader &h);
	Result<void> waitForCaptureBuffer();
	Result<void> setupExport();
	/** \brief Decode into \a pool's buffers; why not, when it cannot. */
	std::optional<std::string> setupImport(GstBufferPool *pool, const v4l2::DeviceFormat &fmt);
	Result<void> queueImportBuffer();
	Result<void> dequeueImported(const Pending &p);
	void dropReference();

	v4l2::StatelessFwhtSession &session_;
	std::string name_;
	FrameReady ready_;
	ChooseFormat choose_;
	Configured configured_;
	std::shared_ptr<ExportingQueue> capture_;
	std::unique_ptr<ImportingQueue> imported_; /* import mode instead of capture_ */
	GstBufferPool *pool_ = nullptr;
	bool haveGeometry_ = false;
	v4l2::FwhtHeader geometry_;
	std::deque<Pending> pending_;
	uint64_t nextTimestamp_ = 0;
	GstBuffer *reference_ = nullptr; /* keeps the reference out of the driver's hands */
	uint64_t referenceTs_ = 0;
	bool haveReference_ = false; /* the last submitted frame can be referred to */
	uint64_t lastTs_ = 0;
};

} /* namespace dmabufkit::gstv4l2 */
