/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file kms_writeback.h
 * \brief Reading back the composed frame through a writeback connector.
 *
 * A writeback connector attached to the CRTC captures what the CRTC composed
 * in the same atomic commit that presented the frame; its out-fence signals
 * when the capture is complete. Two dumb buffers alternate so that the
 * latest complete capture stays readable while the next one is written.
 */
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "dmabufkit/base/result.h"
#include "dmabufkit/base/unique_fd.h"
#include "dmabufkit/core/cpu_access.h"
#include "dmabufkit/core/dma_buf.h"

namespace dmabufkit::kms {

/**
 * \brief A dumb buffer (from DrmDumbExporter, as a dma-buf) with a
 *        framebuffer and a CPU mapping, all released together.
 */
class DumbFramebuffer
{
public:
	DumbFramebuffer() = default;
	DumbFramebuffer(DumbFramebuffer &&other) noexcept;
	DumbFramebuffer &operator=(DumbFramebuffer &&other) noexcept;
	DumbFramebuffer(const DumbFramebuffer &) = delete;
	DumbFramebuffer &operator=(const DumbFramebuffer &) = delete;
	~DumbFramebuffer();

	/**
	 * \brief Create a \a width x \a height XRGB8888 dumb buffer on \a fd
	 *        (not owned; \a device names it in messages).
	 */
	static Result<DumbFramebuffer> create(int fd, uint32_t width, uint32_t height,
					      const std::string &device = {});

	uint32_t fbId() const { return fb_; }
	uint32_t pitch() const { return pitch_; }
	const uint8_t *data() const { return map_.data(); }
	/** \brief The dma-buf, for CPU access brackets (CpuAccess). */
	int dmaBufFd() const { return buf_.fd(); }

private:
	void release();

	int fd_ = -1;
	uint32_t fb_ = 0;
	uint32_t pitch_ = 0;
	DmaBuf buf_;
	CpuMapping map_;
};

/** \brief A finished capture: XRGB8888 (B, G, R, X bytes), \a stride = width * 4. */
struct Capture {
	uint32_t width = 0;
	uint32_t height = 0;
	uint64_t sequence = 0; /**< the capture's number, 1 for the first */
	std::vector<uint8_t> pixels;
};

/**
 * \brief Two alternating capture buffers and their fences.
 *
 * Not thread-safe: the caller (the presenter) serialises access.
 */
class WritebackCapture
{
public:
	/** \brief (Re)create both buffers at \a width x \a height on \a fd (\a device names it). */
	Result<void> configure(int fd, uint32_t width, uint32_t height,
			       const std::string &device = {});
	bool configured() const { return width_ != 0; }
	void reset();

	/** \brief The buffer for the next commit; UINT32_MAX if none is free. */
	unsigned nextSlot() const;
	uint32_t fbId(unsigned slot) const { return bufs_[slot].fbId(); }
	/** \brief The commit carrying \a slot went through; \a fence signals completion. */
	void queued(unsigned slot, int fence);
	/** \brief Fence fd to wait on, -1 if no capture is in flight. */
	int pendingFence() const;
	/** \brief The in-flight capture's fence signalled (or wait gave up: \a ok false). */
	void completed(bool ok);
	bool hasCapture() const { return latest_ >= 0; }
	uint64_t captures() const { return captures_; }
	uint64_t failures() const { return failures_; }
	/**
	 * \brief Copy the latest complete capture out, after waiting at most
	 * \a fenceTimeoutMs (0: no bound) for the buffer's write fences.
	 * \return false when there is no capture; ETIMEDOUT naming the buffer
	 */
	Result<bool> copyLatest(Capture *out, int fenceTimeoutMs) const;

private:
	uint32_t width_ = 0, height_ = 0;
	std::array<DumbFramebuffer, 2> bufs_;
	int inFlight_ = -1;
	UniqueFD fence_;
	int latest_ = -1;
	uint64_t captures_ = 0;
	uint64_t failures_ = 0;
};

/** \brief Write an XRGB8888 capture as an 8-bit RGB PNG. */
Result<void> writePng(const std::string &path, const Capture &capture);

} /* namespace dmabufkit::kms */
