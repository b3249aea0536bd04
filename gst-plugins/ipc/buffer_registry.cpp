/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "buffer_registry.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dmabufkit::ipc {

Result<uint32_t> BufferRegistry::add(int fd, uint64_t inode, uint64_t minSize, uint64_t seq)
{
	if (!inode) {
		struct stat sb {
		};
		if (::fstat(fd, &sb) < 0)
			return Error::fromErrno(errno, "fstat() on a dma-buf to share");
		inode = sb.st_ino;
	}
	if (auto it = entries_.find(inode); it != entries_.end()) {
		it->second.lastSeq = seq;
		it->second.orphaned = false;
		return it->second.id;
	}
	UniqueFD dup(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
	if (!dup)
		return Error::fromErrno(errno, "dup() of a dma-buf to share");
	const off_t end = ::lseek(dup.get(), 0, SEEK_END);
	Entry e;
	e.id = nextId_++;
	e.size = end > 0 ? std::max(uint64_t(end), minSize) : minSize;
	e.fd = std::move(dup);
	e.lastSeq = seq;
	const uint32_t id = e.id;
	entries_.emplace(inode, std::move(e));
	return id;
}

const BufferRegistry::Entry *BufferRegistry::find(uint32_t id) const
{
	for (const auto &[inode, e] : entries_)
		if (e.id == id)
			return &e;
	return nullptr;
}

void BufferRegistry::orphan(uint64_t inode)
{
	if (auto it = entries_.find(inode); it != entries_.end())
		it->second.orphaned = true;
}

std::vector<uint32_t> BufferRegistry::evict(uint64_t seq, const std::set<uint32_t> &inUse)
{
	std::vector<uint32_t> gone;
	for (auto it = entries_.begin(); it != entries_.end();) {
		const Entry &e = it->second;
		if (e.orphaned && e.lastSeq + kStaleFrames < seq && !inUse.count(e.id)) {
			gone.push_back(e.id);
			it = entries_.erase(it);
		} else {
			++it;
		}
	}
	while (entries_.size() > kMaxEntries) {
		auto victim = entries_.end();
		for (auto it = entries_.begin(); it != entries_.end(); ++it)
			if (!inUse.count(it->second.id) &&
			    (victim == entries_.end() ||
			     it->second.lastSeq < victim->second.lastSeq))
				victim = it;
		if (victim == entries_.end())
			break;
		gone.push_back(victim->second.id);
		entries_.erase(victim);
	}
	return gone;
}

} /* namespace dmabufkit::ipc */
