/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The soak's trend detector (tests/bench/soak_trend.h) on synthetic series:
 * flat, noisy, a warm-up that rises then settles, a one-sample blip and fds
 * moving with buffers in flight pass; a steady leak of one fd a minute (also
 * through that noise) and a slow RSS leak fail.
 */
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "soak_trend.h"

using dmabufkit::test::judgeTrend;
using dmabufkit::test::SoakPoint;

namespace {

/* A 600-s run sampled every 10 s (61 samples), value f(t). */
template<typename F> std::vector<SoakPoint> run600(F f)
{
	std::vector<SoakPoint> s;
	for (int t = 0; t <= 600; t += 10)
		s.push_back({ double(t), f(t) });
	return s;
}

TEST(SoakTrend, FlatSeriesIsFlat)
{
	auto v = judgeTrend(run600([](int) { return 19.0; }), 600, 1);
	EXPECT_TRUE(v.enough);
	EXPECT_EQ(v.samples, 31);
	EXPECT_FALSE(v.rising);
	EXPECT_DOUBLE_EQ(v.projectedGrowth, 0);
	EXPECT_EQ(v.windowMin, 19);
	EXPECT_EQ(v.windowMax, 19);
}

TEST(SoakTrend, WarmUpIsLeftOut)
{
	/* Pools fill and RSS climbs 3 MiB in the first 4 minutes, then stays. */
	auto v = judgeTrend(run600([](int t) { return 8000.0 + (t < 240 ? t * 12.8 : 3072); }), 600,
			    1024);
	EXPECT_FALSE(v.rising) << v.projectedGrowth;
	EXPECT_NEAR(v.projectedGrowth, 0, 1e-9);
}

TEST(SoakTrend, NoiseAndABlipAreNotATrend)
{
	/* RSS jitters by +-200 KiB; fds blip by 2 on one late sample. */
	auto rss = judgeTrend(run600([](int t) { return 9000.0 + 200 * std::sin(t * 0.7); }), 600,
			      1024);
	EXPECT_FALSE(rss.rising) << rss.projectedGrowth;
	auto fds = judgeTrend(run600([](int t) { return t == 590 ? 14.0 : 12.0; }), 600, 1);
	EXPECT_FALSE(fds.rising) << fds.projectedGrowth;
	EXPECT_EQ(fds.windowMax, 14);
}

/* What the reference pipeline's fds did in the guest, sampled every 5 s with
   no leak: 49 to 55 with buffers in flight. Repeated over the run. */
double inFlight(int t)
{
	static const int pattern[] = { 52, 53, 51, 51, 54, 51, 52, 54, 52, 51, 49, 50, 55 };
	return pattern[(t / 10) % 13];
}

TEST(SoakTrend, BuffersInFlightAreNoise)
{
	auto v = judgeTrend(run600(inFlight), 600, 1);
	EXPECT_FALSE(v.rising) << v.projectedGrowth << " noise " << v.noise;
	EXPECT_GT(v.noise, 1);
	/* The same shape shifted by a sample does not rise either. */
	auto w = judgeTrend(run600([](int t) { return inFlight(t + 10); }), 600, 1);
	EXPECT_FALSE(w.rising) << w.projectedGrowth << " noise " << w.noise;
}

TEST(SoakTrend, AShortRunsInFlightFdsAreNoise)
{
	/* A real 60-s run of the reference pipeline in the guest, no leak: the
	   late fds happen to lean upwards by more than the floor of 1 fd (+3.9),
	   well within their own noise. */
	const std::vector<SoakPoint> fds{ { 0, 13 },  { 5, 52 },  { 10.1, 53 }, { 15, 51 },
					  { 20, 51 }, { 25, 54 }, { 30.1, 51 }, { 35, 52 },
					  { 40, 54 }, { 45, 52 }, { 50, 51 },	{ 55, 55 },
					  { 60, 53 } };
	auto v = judgeTrend(fds, 60, 1);
	EXPECT_GT(v.projectedGrowth, 1);
	EXPECT_GT(v.noise, v.projectedGrowth);
	EXPECT_FALSE(v.rising);
}

TEST(SoakTrend, OneFdAMinuteIsCaughtThroughThatNoise)
{
	auto v = judgeTrend(run600([](int t) { return inFlight(t) + t / 60; }), 600, 1);
	EXPECT_TRUE(v.rising) << v.projectedGrowth << " noise " << v.noise;
}

TEST(SoakTrend, OneFdAMinuteIsCaught)
{
	auto v = judgeTrend(run600([](int t) { return 12.0 + t / 60; }), 600, 1);
	EXPECT_TRUE(v.rising);
	EXPECT_NEAR(v.projectedGrowth, 10, 0.5);
}

TEST(SoakTrend, SlowRssLeakIsCaught)
{
	/* 64 bytes a frame at 30 fps: 1.1 MiB in 10 minutes, under the noise above. */
	auto v = judgeTrend(
		run600([](int t) { return 9000.0 + 64.0 * 30 * t / 1024 + 100 * std::sin(t); }),
		600, 1024);
	EXPECT_TRUE(v.rising) << v.projectedGrowth;
}

TEST(SoakTrend, TooFewSamplesGiveNoVerdict)
{
	std::vector<SoakPoint> s{ { 0, 1 }, { 10, 2 }, { 20, 30 } };
	auto v = judgeTrend(s, 20, 1);
	EXPECT_FALSE(v.enough);
	EXPECT_FALSE(v.rising);
	EXPECT_EQ(v.samples, 2);
}

} /* namespace */
