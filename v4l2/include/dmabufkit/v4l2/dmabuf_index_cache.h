/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file dmabuf_index_cache.h
 * \brief Which V4L2 buffer index a dma-buf is queued in, kept stable.
 *
 * vb2 keeps a dma-buf attached and mapped to a buffer index for as long as
 * the same dma-buf is queued at that index again; queueing it at another
 * index (or another dma-buf at this one) costs a detach, attach and map.
 * The cache gives a dma-buf (by inode) the index it had last time when that
 * index is free, and otherwise the least recently used free index.
 */
#pragma once

#include <atomic>

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

namespace dmabufkit::v4l2 {

class DmaBufIndexCache
{
public:
	explicit DmaBufIndexCache(unsigned slots = 0) { reset(slots); }

	/** \brief Forget everything; \a slots indices, all free. */
	void reset(unsigned slots);
	unsigned slots() const { return static_cast<unsigned>(slots_.size()); }

	/**
	 * \brief A free index for the dma-buf \a inode, marked busy.
	 * \return nullopt when every index is busy.
	 */
	std::optional<unsigned> acquire(uint64_t inode);
	/**
	 * \brief The index the dma-buf \a inode is bound to (busy or not), or
	 * nullopt for a dma-buf not seen (or whose index went to another).
	 *
	 * Asked before acquire(), it tells whether the dma-buf is about to be
	 * queued at another index (a remap in vb2).
	 */
	std::optional<unsigned> boundIndex(uint64_t inode) const;
	/** \brief Index \a index is free again (its buffer was dequeued). */
	void release(unsigned index);
	/** \brief Every index free (after STREAMOFF); the inode bindings stay. */
	void releaseAll();

	/** \brief Acquisitions that reused the dma-buf's previous index (no remap). */
	uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
	/** \brief Acquisitions that bound a dma-buf to a new index (a remap in vb2). */
	uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
	unsigned busyCount() const;

private:
	struct Slot {
		uint64_t inode = 0;
		bool busy = false;
		uint64_t lastUse = 0;
	};
	std::vector<Slot> slots_;
	std::unordered_map<uint64_t, unsigned> byInode_;
	uint64_t clock_ = 0;
	/* Read by property getters on other threads. */
	std::atomic<uint64_t> hits_{ 0 };
	std::atomic<uint64_t> misses_{ 0 };
};

} /* namespace dmabufkit::v4l2 */
