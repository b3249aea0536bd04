/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "flow_stats.h"

#include <fcntl.h>

#include <dmabufkit/dbk_allocator.h>
#include <gst/allocators/allocators.h>

namespace dmabufkit::dmabuftrace {

const char *memKindName(MemKind k)
{
	switch (k) {
	case MemKind::None:
		return "none";
	case MemKind::System:
		return "system";
	case MemKind::Memfd:
		return "memfd";
	case MemKind::Fd:
		return "fd";
	case MemKind::DmaBuf:
		return "dmabuf";
	}
	return "none";
}

bool PadStats::noteInode(uint64_t inode)
{
	/* Open addressing; once full we stop counting rather than allocate. */
	size_t h = (inode * 0x9E3779B97F4A7C15ull) >> 56;
	for (size_t i = 0; i < kInodeSlots; ++i) {
		uint64_t &slot = inodes[(h + i) % kInodeSlots];
		if (slot == inode)
			return false;
		if (slot == 0) {
			slot = inode;
			distinctInodes.fetch_add(1, std::memory_order_relaxed);
			return true;
		}
	}
	return false;
}

static MemKind classify(GstMemory *mem, PadStats *stats)
{
	if (stats && mem->allocator == stats->lastAllocator && stats->lastKind != MemKind::Fd &&
	    stats->lastKind != MemKind::Memfd)
		return stats->lastKind;
	MemKind kind = MemKind::System;
	if (gst_is_dmabuf_memory(mem)) {
		kind = MemKind::DmaBuf;
	} else if (gst_is_fd_memory(mem)) {
		/* Only memfds accept seals queries. */
		kind = fcntl(gst_fd_memory_get_fd(mem), F_GET_SEALS) >= 0 ? MemKind::Memfd
									  : MemKind::Fd;
	}
	if (stats) {
		stats->lastAllocator = mem->allocator;
		stats->lastKind = kind;
	}
	return kind;
}

BufferLook lookAt(GstBuffer *buf, PadStats *stats)
{
	BufferLook b;
	b.bytes = gst_buffer_get_size(buf);
	if (GST_BUFFER_PTS_IS_VALID(buf))
		b.key = GST_BUFFER_PTS(buf);
	else if (GST_BUFFER_DTS_IS_VALID(buf))
		b.key = GST_BUFFER_DTS(buf);
	else if (GST_BUFFER_OFFSET_IS_VALID(buf))
		b.key = GST_BUFFER_OFFSET(buf) | (1ull << 63);
	else
		b.key = reinterpret_cast<uintptr_t>(buf);
	if (gst_buffer_n_memory(buf) == 0)
		return b;
	GstMemory *mem = gst_buffer_peek_memory(buf, 0);
	b.kind = classify(mem, stats);
	b.identity = reinterpret_cast<uintptr_t>(mem);
	if (b.kind == MemKind::DmaBuf) {
		uint64_t inode = dbk_memory_get_inode(mem);
		if (inode)
			b.identity = inode;
	}
	return b;
}

void ElementStats::recordIn(const BufferLook &b, uint64_t ts)
{
	buffersIn.fetch_add(1, std::memory_order_relaxed);
	if (G_UNLIKELY(!hasInput.load(std::memory_order_relaxed)))
		hasInput.store(true, std::memory_order_relaxed);
	std::lock_guard lock(mutex);
	ring[head] = { b.key, ts, b.identity, b.kind };
	head = (head + 1) & (kRing - 1);
	if (filled < kRing)
		++filled;
}

int ElementStats::recordOut(const BufferLook &b, uint64_t ts)
{
	const Input *byKey = nullptr;
	bool same = false;
	MemKind inKind = MemKind::None;
	{
		std::lock_guard lock(mutex);
		if (filled == 0)
			return 0; /* a source: nothing came in */
		/* Newest first; most elements match within the first entries. */
		for (size_t i = 0; i < filled && !(byKey && same); ++i) {
			const Input &in = ring[(head - 1 - i) & (kRing - 1)];
			if (!byKey && in.key == b.key)
				byKey = &in;
			same |= in.identity == b.identity;
		}
		const Input &latest = ring[(head - 1) & (kRing - 1)];
		inKind = byKey ? byKey->kind : latest.kind;
		if (byKey && ts >= byKey->ts) {
			uint64_t lat = ts - byKey->ts;
			latencySumNs.fetch_add(lat, std::memory_order_relaxed);
			latencyCount.fetch_add(1, std::memory_order_relaxed);
			uint64_t prev = latencyMaxNs.load(std::memory_order_relaxed);
			while (lat > prev && !latencyMaxNs.compare_exchange_weak(prev, lat))
				;
		}
	}
	if (same) {
		sameMemory.fetch_add(1, std::memory_order_relaxed);
		return 0;
	}
	newMemory.fetch_add(1, std::memory_order_relaxed);
	if (inKind == MemKind::DmaBuf && b.kind != MemKind::DmaBuf) {
		dmabufToOther.fetch_add(1, std::memory_order_relaxed);
		return 1;
	}
	if (inKind != MemKind::DmaBuf && inKind != MemKind::None && b.kind == MemKind::DmaBuf) {
		otherToDmabuf.fetch_add(1, std::memory_order_relaxed);
		return 2;
	}
	return 0;
}

} /* namespace dmabufkit::dmabuftrace */
