/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file stateless_fwht_session.h
 * \brief The OUTPUT and request half of a stateless FWHT decoder
 *        (vicodec's "stateless-decoder"): formats from the parsed header,
 *        payloads copied into MMAP bitstream buffers, one media request per
 *        frame carrying V4L2_CID_STATELESS_FWHT_PARAMS.
 *
 * The CAPTURE queue (decoded frames) is the caller's, on device(): it is
 * set up after configure() and must hold a queued buffer for a request to
 * run. The caller keeps the reference frame's CAPTURE buffer out of the
 * driver's hands until the frame that refers to it is decoded.
 */
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "dmabufkit/base/result.h"
#include "dmabufkit/core/cpu_access.h"
#include "dmabufkit/v4l2/buffer_queue.h"
#include "dmabufkit/v4l2/fwht_header.h"
#include "dmabufkit/v4l2/media_request.h"
#include "dmabufkit/v4l2/video_device.h"

namespace dmabufkit::v4l2 {

/** \brief Compressed format of a stateless FWHT decoder's OUTPUT queue ('SFWH'). */
constexpr uint32_t kFwhtStatelessFourcc = V4L2_PIX_FMT_FWHT_STATELESS;

class StatelessFwhtSession
{
public:
	~StatelessFwhtSession();

	/** \brief The first memory-to-memory node whose OUTPUT queue offers 'SFWH'. */
	static Result<VideoNodeInfo> find();
	/**
	 * \brief Open \a path and its media device.
	 *
	 * ENOENT/EBUSY from open, ENOTSUP when the node takes no 'SFWH', ENODEV
	 * when it has no media device: each message names the node.
	 */
	static Result<std::unique_ptr<StatelessFwhtSession>> open(const std::string &path);

	VideoDevice &device() { return *dev_; }
	const MediaDevice &media() const { return *media_; }

	/** \brief CAPTURE formats that carry \a s, in the driver's order (before streaming). */
	std::vector<uint32_t> captureFormatsFor(const FwhtSampling &s) const;
	/** \brief Frame sizes the OUTPUT queue takes (VIDIOC_ENUM_FRAMESIZES of 'SFWH'). */
	std::vector<FrameSizeRange> frameSizes() const;

	/**
	 * \brief Set up for frames like \a h decoded to \a captureFourcc: stop
	 * and free the OUTPUT queue, set both formats, allocate \a slots MMAP
	 * bitstream buffers, map them and start OUTPUT streaming. The CAPTURE
	 * queue must have no buffers.
	 * \return The CAPTURE format the driver set.
	 */
	Result<DeviceFormat> configure(const FwhtHeader &h, uint32_t captureFourcc, unsigned slots);

	/**
	 * \brief Decode request for one parsed frame: copy its payload (from
	 * \a data, the whole frame) into a free bitstream buffer, set the
	 * control and the buffer in a request and queue it.
	 * \param timestampNs stamps the OUTPUT buffer and so the CAPTURE buffer
	 *        it decodes into (a multiple of 1000)
	 * \param refTimestampNs the CAPTURE timestamp of the reference (P frames)
	 */
	Result<void> submit(const FwhtFrame &f, const uint8_t *data, uint64_t timestampNs,
			    uint64_t refTimestampNs);
	/** \brief Wait for the oldest queued request, take back its bitstream buffer. */
	Result<void> completeOldest(int timeoutMs);
	/** \brief Requests queued and not yet completed. */
	unsigned pending() const { return static_cast<unsigned>(inFlight_.size()); }
	/** \brief A bitstream buffer is free for submit(). */
	bool canSubmit() const;

	/** \brief STREAMOFF and free the OUTPUT queue; requests in flight are dropped. */
	void stop();

	/** \brief Payload bytes copied into bitstream buffers so far. */
	uint64_t bytesCopied() const { return bytesCopied_; }
	uint64_t requestsQueued() const { return requestsQueued_; }

private:
	StatelessFwhtSession() = default;
	Result<void> setParams(const FwhtHeader &h, uint64_t refTs, int requestFd);

	struct Slot {
		UniqueFD fd; /* the MMAP buffer exported, for mapping */
		CpuMapping map;
		std::unique_ptr<MediaRequest> request;
	};

	std::unique_ptr<VideoDevice> dev_;
	std::unique_ptr<MediaDevice> media_;
	std::unique_ptr<BufferQueue> output_;
	std::vector<Slot> slots_;
	std::deque<unsigned> inFlight_;
	uint64_t bytesCopied_ = 0, requestsQueued_ = 0;
};

} /* namespace dmabufkit::v4l2 */
