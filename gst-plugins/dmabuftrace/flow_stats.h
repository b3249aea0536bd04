/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the tracer aggregates on the streaming threads: per source pad (one
 * link) and per element. Streaming threads only bump atomics and fill fixed
 * arrays; strings are touched only when a new dma-buf shows up.
 */
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <gst/gst.h>

namespace dmabufkit::dmabuftrace {

enum class MemKind : uint8_t { None = 0, System, Memfd, Fd, DmaBuf };
constexpr size_t kMemKinds = 5;
const char *memKindName(MemKind k);

/* What one buffer looked like, measured from its first memory. */
struct BufferLook {
	MemKind kind = MemKind::None;
	uint64_t identity = 0; /* dma-buf inode, else the GstMemory address */
	uint64_t key = 0;      /* the buffer identity used to match in and out */
	uint64_t bytes = 0;
};

struct ElementStats;

/* One per source pad of a real element (a link seen from its producer). */
struct PadStats {
	explicit PadStats(bool isReal, uint64_t serialNo) : real(isReal), serial(serialNo) {}

	const bool real; /* false for ghost/proxy pads: not counted */
	const uint64_t serial;

	std::atomic<uint64_t> buffers{ 0 };
	std::atomic<uint64_t> bytes{ 0 };
	std::array<std::atomic<uint64_t>, kMemKinds> kinds{};
	std::atomic<uint64_t> distinctInodes{ 0 };
	std::atomic<uint64_t> lastPts{ GST_CLOCK_TIME_NONE };
	/* Fence waits that slept in the element this link feeds (fence_waits.h). */
	std::atomic<uint64_t> fenceWaits{ 0 };
	std::atomic<uint64_t> fenceWaitNs{ 0 };
	std::atomic<uint64_t> fenceWaitMaxNs{ 0 };
	std::atomic<uint64_t> fenceTimeouts{ 0 };

	/* Streaming thread of this pad only (pushes on a pad are serialized). */
	struct ElementStats *owner = nullptr; /* of the pad's element */
	GstPad *cachedPeer = nullptr;	      /* valid while the graph generation holds */
	uint64_t cachedGeneration = 0;
	struct ElementStats *cachedPeerStats = nullptr; /* nullptr: the peer is not a real pad */
	GstAllocator *lastAllocator = nullptr;
	MemKind lastKind = MemKind::None;
	uint64_t journeyFrame = 0; /* a followed frame is being pushed here (journeys) */
	uint64_t journeyKey = 0;
	static constexpr size_t kInodeSlots = 256;
	std::array<uint64_t, kInodeSlots> inodes{};

	/* Guarded by mutex: written rarely (new dma-buf, allocation query). */
	std::mutex mutex;
	std::string exporter;
	std::vector<std::string> names; /* up to kMaxNames distinct dma-buf names */
	static constexpr size_t kMaxNames = 16;
	std::string allocation; /* JSON object of the last ALLOCATION query result */
	std::string lastCaps;	/* still known once the pad is deactivated */
	GWeakRef pool;		/* the pool proposed there, if any */

	bool noteInode(uint64_t inode); /* true when inode was not seen before */
};

/* One per real element. */
struct ElementStats {
	struct Input {
		uint64_t key = 0;
		uint64_t ts = 0;
		uint64_t identity = 0;
		MemKind kind = MemKind::None;
	};
	static constexpr size_t kRing = 32; /* a power of two */

	std::mutex mutex; /* the ring: inputs and outputs may be on different threads */
	std::array<Input, kRing> ring{};
	size_t head = 0;
	size_t filled = 0;

	std::atomic<uint64_t> buffersIn{ 0 };
	std::atomic<bool> hasInput{ false }; /* false: a source (journeys start there) */
	std::atomic<uint64_t> latencySumNs{ 0 };
	std::atomic<uint64_t> latencyCount{ 0 };
	std::atomic<uint64_t> latencyMaxNs{ 0 };
	std::atomic<uint64_t> sameMemory{ 0 };
	std::atomic<uint64_t> newMemory{ 0 };
	std::atomic<uint64_t> dmabufToOther{ 0 };
	std::atomic<uint64_t> otherToDmabuf{ 0 };
	std::atomic<uint64_t> performance{ 0 };
	std::atomic<uint64_t> qos{ 0 };
	std::string lastPerformance; /* guarded by mutex */

	void recordIn(const BufferLook &b, uint64_t ts);
	/** \brief Count \a b leaving; returns 1 for dma-buf in and other memory
	 *  out, 2 for other memory in and dma-buf out (the copies the
	 *  zero-copy contract fails at once), 0 otherwise. */
	int recordOut(const BufferLook &b, uint64_t ts);
};

BufferLook lookAt(GstBuffer *buf, PadStats *stats);

} /* namespace dmabufkit::dmabuftrace */
