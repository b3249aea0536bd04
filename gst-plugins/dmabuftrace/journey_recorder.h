/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file journey_recorder.h
 * \brief Frame journeys: for one frame in N leaving a source, when it
 * crossed every link (entering the next element) and when the element it
 * entered gave it back, and which dma-buf carried it.
 *
 * Streaming threads pay, per buffer while journeys are on, a source check
 * and a look at 8 sampled-frame slots; only a sampled frame's hops take a
 * lock (a bounded ring, no allocation). The publisher drains the ring into
 * "journeys" lines (docs/tracer-protocol.md).
 */
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace dmabufkit::dmabuftrace {

/** \brief One crossing of one link by a sampled frame. */
struct JourneyHop {
	uint64_t frame = 0;	 /**< the journey's number, from 1 */
	uint64_t key = 0;	 /**< the frame's identity (PTS, else DTS, else offset) */
	uint64_t linkSerial = 0; /**< the link's source pad (PadStats::serial) */
	uint64_t ts = 0;	 /**< GStreamer tracer time, ns */
	uint64_t inode = 0;	 /**< the dma-buf carrying it, 0 when not a dma-buf */
	bool done = false; /**< false: pushed (entered the consumer); true: the push returned */
};

class JourneyRecorder
{
public:
	/** \brief The sampling the parameter "journeys=on" means: one frame in 30. */
	static constexpr uint32_t kDefaultEvery = 30;
	static constexpr size_t kSlots = 8;	 /**< sampled frames followed at once */
	static constexpr size_t kMaxHops = 8192; /**< kept between two publisher periods */

	/** \brief 0: off; N: one frame in N leaving a source. Before any buffer flows. */
	void configure(uint32_t every) { every_ = every; }
	bool enabled() const { return every_ != 0; }
	uint32_t every() const { return every_; }

	/**
	 * \brief A buffer pushed on a link (streaming thread). \a fromSource: its
	 * producer has no input, so the buffer starts a frame's journey (one in N).
	 * Returns the journey's number when the frame is followed, else 0.
	 */
	uint64_t follow(uint64_t key, bool fromSource);
	/** \brief Ends every journey in flight (a pipeline stopped or starts: its
	 *  frames' timestamps start over and must not match old frames'). */
	void reset();
	/** \brief Records a followed frame's hop (bounded; lost when the ring is full). */
	void record(const JourneyHop &h);

	/** \brief Whether the exporter and name of \a inode are known (any thread). */
	bool knowsInode(uint64_t inode);
	/** \brief Remembers a dma-buf's exporter and name (bounded, first 1024). */
	void noteInode(uint64_t inode, std::string exporter, std::string name);
	/** \brief The exporter and name of \a inode, empty when unknown. */
	std::pair<std::string, std::string> inodeNames(uint64_t inode);

	/** \brief The hops since the last call (publisher), and how many were lost to a full ring.
	 */
	std::vector<JourneyHop> drain(uint64_t *lost = nullptr);

private:
	uint32_t every_ = 0;
	std::atomic<uint64_t> sourcePushes_{ 0 };
	std::atomic<uint64_t> frames_{ 0 };
	std::array<std::atomic<uint64_t>, kSlots> slotKey_{}; /* key + 1; 0: free */
	std::array<std::atomic<uint64_t>, kSlots> slotFrame_{};

	std::mutex mutex_;
	std::vector<JourneyHop> hops_; /* reserved once: kMaxHops */
	uint64_t lost_ = 0;
	std::unordered_map<uint64_t, std::pair<std::string, std::string>> names_;
};

/**
 * \brief The "journeys" line for \a hops; \a linkId maps a link serial to its
 * id (empty: the link is gone, the hop is left out), \a t0 is the GStreamer
 * tracer time of the protocol's t = 0.
 */
std::string journeysLine(const std::vector<JourneyHop> &hops, JourneyRecorder &rec,
			 const std::function<std::string(uint64_t)> &linkId, uint64_t t0, double t,
			 uint64_t seq, uint64_t lost);

} /* namespace dmabufkit::dmabuftrace */
