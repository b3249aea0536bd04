/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/v4l2/dmabuf_index_cache.h"

namespace dmabufkit::v4l2 {

void DmaBufIndexCache::reset(unsigned slots)
{
	slots_.assign(slots, Slot{});
	byInode_.clear();
	clock_ = 0;
}

std::optional<unsigned> DmaBufIndexCache::acquire(uint64_t inode)
{
	++clock_;
	auto it = byInode_.find(inode);
	if (it != byInode_.end() && !slots_[it->second].busy) {
		Slot &s = slots_[it->second];
		s.busy = true;
		s.lastUse = clock_;
		++hits_;
		return it->second;
	}
	/* Least recently used free slot; never-used slots (lastUse 0) first. */
	std::optional<unsigned> best;
	for (unsigned i = 0; i < slots_.size(); ++i) {
		if (slots_[i].busy)
			continue;
		if (!best || slots_[i].lastUse < slots_[*best].lastUse)
			best = i;
	}
	if (!best)
		return std::nullopt;
	Slot &s = slots_[*best];
	if (s.inode) {
		auto old = byInode_.find(s.inode);
		if (old != byInode_.end() && old->second == *best)
			byInode_.erase(old);
	}
	/* A dma-buf busy in another slot keeps its binding there. */
	if (it == byInode_.end())
		byInode_[inode] = *best;
	s.inode = inode;
	s.busy = true;
	s.lastUse = clock_;
	++misses_;
	return best;
}

std::optional<unsigned> DmaBufIndexCache::boundIndex(uint64_t inode) const
{
	auto it = byInode_.find(inode);
	if (it == byInode_.end())
		return std::nullopt;
	return it->second;
}

void DmaBufIndexCache::release(unsigned index)
{
	if (index < slots_.size())
		slots_[index].busy = false;
}

void DmaBufIndexCache::releaseAll()
{
	for (auto &s : slots_)
		s.busy = false;
}

unsigned DmaBufIndexCache::busyCount() const
{
	unsigned n = 0;
	for (const auto &s : slots_)
		n += s.busy;
	return n;
}

} /* namespace dmabufkit::v4l2 */
