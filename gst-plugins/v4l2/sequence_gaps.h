/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file sequence_gaps.h
 * \brief Frames a capture device skipped, found as gaps in the sequence
 *        numbers of the frames it delivered: pure logic, no GStreamer.
 */
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

namespace dmabufkit::gstv4l2 {

/** \brief One dequeued frame, as far as gaps are concerned. */
struct CapturedTiming {
	uint32_t sequence = 0;
	uint64_t timestampNs = 0; /**< the driver's timestamp (0: none) */
	bool endOfFrame = true;	  /**< it marks the frame's end (V4L2's default), not its start */
	uint64_t queuedAtNs = 0;  /**< when its buffer was queued, same clock (0: unknown) */
	unsigned driverHeld = 0;  /**< buffers still queued once it was dequeued */
};

/** \brief One run of frames the device skipped. */
struct SequenceGap {
	uint32_t before = 0; /**< the last sequence delivered before the gap */
	uint32_t after = 0;  /**< the sequence that ended it */
	uint32_t lost = 0;   /**< frames skipped: after - before - 1 */
	/** The driver had no buffer to fill when the gap began: downstream kept them. */
	bool starved = false;
	unsigned driverHeld = 0; /**< buffers queued once \a before was dequeued */

	/** \brief What happened and what to do, naming \a device. */
	std::string describe(const std::string &device) const;
};

/**
 * \brief Counts the frames a live capture device skipped.
 *
 * A driver numbers the frames it captures; one it had no buffer for, or
 * that came too late, leaves a gap. The buffer that ended the gap tells
 * whose fault it was: queued after the frame before the gap ended, the
 * driver had nothing to fill (downstream kept every buffer); queued
 * earlier, the device skipped frames with a buffer waiting. Without
 * timestamps, a driver that held no buffer once the frame before the gap
 * was dequeued counts as starved.
 */
class SequenceGaps
{
public:
	/** \brief Streaming (re)started: the driver numbers from 0 again. */
	void restart() { last_.reset(); }
	/**
	 * \brief A frame was dequeued; \a periodNs is the frame interval (0: unknown).
	 * \return the gap this frame ends, if any
	 */
	std::optional<SequenceGap> observe(const CapturedTiming &frame, uint64_t periodNs);

	/** \brief Frames skipped since construction (any thread may read it). */
	uint64_t lost() const { return lost_; }
	/** \brief Of lost(), those skipped while the driver held no buffer. */
	uint64_t lostStarved() const { return lostStarved_; }

private:
	std::optional<CapturedTiming> last_;
	std::atomic<uint64_t> lost_{ 0 };
	std::atomic<uint64_t> lostStarved_{ 0 };
};

} /* namespace dmabufkit::gstv4l2 */
