/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host tests of how dmabufv4l2src finds the frames a capture device skipped
 * and whose fault they were.
 */
#include <gtest/gtest.h>

#include "sequence_gaps.h"

using namespace dmabufkit::gstv4l2;

namespace {

constexpr uint64_t kPeriod = 33'333'333;
constexpr uint64_t kStart = 1'000'000'000;

/* Frame \a seq, stamped at its end (V4L2's default) on a 30 fps clock, its
 * buffer queued \a queuedAt; the driver still holds \a held. */
CapturedTiming frame(uint32_t seq, uint64_t queuedAt, unsigned held = 3)
{
	return CapturedTiming{ seq, kStart + seq * kPeriod, true, queuedAt, held };
}

} /* namespace */

TEST(SequenceGaps, ConsecutiveFramesLoseNothing)
{
	SequenceGaps g;
	for (uint32_t s = 0; s < 100; ++s)
		EXPECT_FALSE(g.observe(frame(s, 1), kPeriod).has_value()) << s;
	EXPECT_EQ(g.lost(), 0u);
}

TEST(SequenceGaps, ABufferQueuedBeforeTheGapBlamesTheDevice)
{
	SequenceGaps g;
	g.observe(frame(0, 1), kPeriod);
	g.observe(frame(1, 2, 2), kPeriod);
	/* Frame 4's buffer was queued long before frame 2 began. */
	auto gap = g.observe(frame(4, kStart), kPeriod);
	ASSERT_TRUE(gap.has_value());
	EXPECT_EQ(gap->before, 1u);
	EXPECT_EQ(gap->after, 4u);
	EXPECT_EQ(gap->lost, 2u);
	EXPECT_FALSE(gap->starved);
	EXPECT_EQ(gap->driverHeld, 2u) << "what the driver held once frame 1 was dequeued";
	EXPECT_FALSE(g.observe(frame(5, kStart), kPeriod).has_value());
	g.observe(frame(7, kStart), kPeriod);
	EXPECT_EQ(g.lost(), 3u);
	EXPECT_EQ(g.lostStarved(), 0u);
	const std::string text = gap->describe("cam");
	EXPECT_NE(text.find("cam skipped 2 frames (sequence 1 then 4) while a buffer waited"),
		  std::string::npos)
		<< text;
	EXPECT_NE(text.find("the device itself ran late"), std::string::npos) << text;
}

TEST(SequenceGaps, ABufferQueuedAfterTheGapBeganBlamesDownstream)
{
	SequenceGaps g;
	g.observe(frame(10, 1), kPeriod);
	/* Frame 13's buffer came back 10 ms after frame 10 ended: frames 11
	 * and 12 had no buffer, whatever the driver held (done frames). */
	auto gap = g.observe(frame(13, kStart + 10 * kPeriod + 10'000'000, 2), kPeriod);
	ASSERT_TRUE(gap.has_value());
	EXPECT_TRUE(gap->starved);
	EXPECT_EQ(g.lostStarved(), 2u);
	const std::string text = gap->describe("/dev/video4 (vivid)");
	EXPECT_NE(text.find("/dev/video4 (vivid) skipped 2 frames (sequence 10 then 13)"),
		  std::string::npos)
		<< text;
	EXPECT_NE(text.find("no buffer queued"), std::string::npos) << text;
	EXPECT_NE(text.find("num-v4l2-buffers"), std::string::npos) << text;
}

TEST(SequenceGaps, AStartOfFrameStampMovesTheGapByAPeriod)
{
	/* Stamped at its start, frame 10 ends a period later: a buffer queued
	 * 10 ms after the stamp was there in time for frame 11. */
	SequenceGaps g;
	g.observe(CapturedTiming{ 10, kStart, false, 1, 3 }, kPeriod);
	auto gap = g.observe(
		CapturedTiming{ 12, kStart + 2 * kPeriod, false, kStart + 10'000'000, 3 }, kPeriod);
	ASSERT_TRUE(gap.has_value());
	EXPECT_FALSE(gap->starved);
}

TEST(SequenceGaps, WithoutTimestampsADriverHoldingNothingWasStarved)
{
	SequenceGaps g;
	g.observe(CapturedTiming{ 0, 0, true, 0, 0 }, 0);
	EXPECT_TRUE(g.observe(CapturedTiming{ 2, 0, true, 0, 1 }, 0)->starved);
	EXPECT_FALSE(g.observe(CapturedTiming{ 4, 0, true, 0, 1 }, 0)->starved);
	EXPECT_EQ(g.lost(), 2u);
	EXPECT_EQ(g.lostStarved(), 1u);
}

TEST(SequenceGaps, ARestartOrASequenceGoingBackIsNoGap)
{
	SequenceGaps g;
	g.observe(frame(0, 1), kPeriod);
	g.observe(frame(1, 1), kPeriod);
	g.restart();
	EXPECT_FALSE(g.observe(frame(0, 1), kPeriod).has_value()) << "STREAMON numbers from 0";
	g.observe(frame(50, 1), kPeriod);
	EXPECT_EQ(g.lost(), 49u);
	EXPECT_FALSE(g.observe(frame(3, 1), kPeriod).has_value()) << "a driver that went back";
	g.restart();
	g.observe(frame(UINT32_MAX - 1, 1), kPeriod);
	EXPECT_FALSE(g.observe(frame(UINT32_MAX, 1), kPeriod).has_value());
	EXPECT_FALSE(g.observe(frame(0, 1), kPeriod).has_value()) << "a wrap";
	EXPECT_EQ(g.lost(), 49u);
}
