/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file kms_framebuffer_cache.h
 * \brief Framebuffers of imported dma-bufs, cached by dma-buf identity.
 *
 * Importing a dma-buf (drmPrimeFDToHandle + drmModeAddFB2) costs two ioctls
 * and kernel work; pooled buffers come back every few frames, so the
 * framebuffer is kept until the dma-buf's memory goes away (forget()) or the
 * device closes (clear()). The key is the dma-buf inode plus the layout, so
 * a buffer re-used with other caps gets its own framebuffer.
 */
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "dmabufkit/base/result.h"

namespace dmabufkit::kms {

/** \brief How a frame lies in up to four dma-bufs. */
struct FrameImport {
	uint32_t fourcc = 0;
	uint32_t width = 0;
	uint32_t height = 0;
	unsigned planes = 0;
	std::array<int, 4> fds{ -1, -1, -1, -1 };
	std::array<uint64_t, 4> inodes{};
	std::array<uint32_t, 4> pitches{};
	std::array<uint32_t, 4> offsets{};
};

class FramebufferCache
{
public:
	struct Stats {
		uint64_t imports = 0;
		uint64_t hits = 0;
		uint64_t failures = 0;
		uint64_t live = 0;
	};

	/**
	 * \brief Cache framebuffers on KMS device \a fd (not owned); \a device
	 *        names it in log messages ("/dev/dri/card0 (vkms)").
	 */
	explicit FramebufferCache(int fd, std::string device = {});
	~FramebufferCache();

	/**
	 * \brief The framebuffer of \a frame, imported on first use.
	 * \param hit set to whether it came from the cache
	 * Fails naming the ioctl, errno and layout.
	 */
	Result<uint32_t> get(const FrameImport &frame, bool *hit = nullptr);
	/** \brief The dma-buf with \a inode is gone: remove its framebuffers. */
	void forget(uint64_t inode);
	/** \brief Remove every framebuffer; later calls do nothing (the device is closing). */
	void clear();
	Stats stats() const;

private:
	struct Key {
		std::array<uint64_t, 4> inodes;
		std::array<uint32_t, 4> pitches, offsets;
		uint32_t fourcc, width, height;
		auto operator<=>(const Key &) const = default;
	};

	mutable std::mutex lock_;
	int fd_;
	std::string device_;
	bool closed_ = false;
	std::map<Key, uint32_t> fbs_;
	Stats stats_;
};

} /* namespace dmabufkit::kms */
