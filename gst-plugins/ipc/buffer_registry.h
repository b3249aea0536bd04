/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The producer's table of shared dma-bufs: inode -> id, with our own fd
 * reference (so the inode cannot be reused while the id stands for it), and
 * the policy for forgetting: dma-bufs the producer dropped once unused for a
 * while, and the least recently used beyond a limit. No sockets, no GStreamer.
 */
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "dmabufkit/base/result.h"
#include "dmabufkit/base/unique_fd.h"

namespace dmabufkit::ipc {

class BufferRegistry
{
public:
	/** \brief Dma-bufs remembered at most. */
	static constexpr size_t kMaxEntries = 32;
	/**
	 * \brief Frames an orphaned dma-buf stays after its last use.
	 *
	 * Not forgotten at once: some producers wrap the same dma-buf in a new
	 * memory per frame, and our reference keeps its inode from being reused.
	 */
	static constexpr uint64_t kStaleFrames = 64;

	/** \brief A registered dma-buf; \a fd is ours, valid until it is forgotten. */
	struct Entry {
		uint32_t id = 0;
		UniqueFD fd;
		uint64_t size = 0;
		uint64_t lastSeq = 0;
		bool orphaned = false;
	};

	/**
	 * \brief The id of dma-buf \a fd (inode \a inode, 0 to look it up), used by frame \a seq.
	 *
	 * A new dma-buf is duplicated and sized (lseek; \a minSize if that fails).
	 */
	Result<uint32_t> add(int fd, uint64_t inode, uint64_t minSize, uint64_t seq);
	/** \brief The entry of \a id, or nullptr. */
	const Entry *find(uint32_t id) const;
	/** \brief The producer freed its memory for \a inode: forget it once stale. */
	void orphan(uint64_t inode);
	/** \brief Forget stale orphans and, beyond kMaxEntries, the least recently used; never
	 *  an id in \a inUse. Returns the ids forgotten. */
	std::vector<uint32_t> evict(uint64_t seq, const std::set<uint32_t> &inUse);
	void clear() { entries_.clear(); }
	size_t size() const { return entries_.size(); }

private:
	std::map<uint64_t, Entry> entries_; /* by inode */
	uint32_t nextId_ = 1;
};

} /* namespace dmabufkit::ipc */
