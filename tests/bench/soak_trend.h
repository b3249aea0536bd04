/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file soak_trend.h
 * \brief The soak's verdict on a sampled series: is it still rising once
 *        warmed up?
 *
 * "An upward trend beyond noise" is defined as: over the samples taken in
 * the second half of the run (the first half is warm-up: pools filling,
 * caches, the allocator's arenas), the least-squares slope of the value
 * against time, multiplied by the whole run's length (the growth the run
 * would show end to end at its late rate), exceeds both
 *  - a floor given per quantity (1 fd, 1 dma-buf, 1 MiB of RSS), and
 *  - three times its own standard error (from the fit's residuals): the
 *    noise of the series itself. Buffers in flight make a pipeline's fds
 *    move by a few from sample to sample; such noise alone rises this far
 *    by chance in about one run in a few hundred.
 * A steady leak of one fd a minute projects to 10 over ten minutes and is
 * caught through that noise; a blip of one sample is not a trend
 * (tests/unit/test_soak_trend.cpp).
 */
#pragma once

#include <string>
#include <vector>

namespace dmabufkit::test {

/** \brief One sample of the soak: seconds since start and the value. */
struct SoakPoint {
	double t;
	double value;
};

/** \brief What dmabufkit::test::judgeTrend() concluded. */
struct TrendVerdict {
	double slopePerSecond = 0;	     /**< least-squares slope over the window */
	double projectedGrowth = 0;	     /**< slope times the run's length */
	double threshold = 0;		     /**< the floor it was held to */
	double noise = 0;		     /**< three standard errors of projectedGrowth */
	double windowMin = 0, windowMax = 0; /**< range of the values in the window */
	int samples = 0;		     /**< samples in the window */
	bool rising = false;		     /**< projectedGrowth > threshold and > noise */
	bool enough = false;		     /**< at least 3 samples in the window */
};

/**
 * \brief Judges @p series (in time order) of a run of @p runSeconds: the
 *        samples with t >= runSeconds / 2 are fitted; rising when the slope
 *        times @p runSeconds exceeds @p threshold and three standard errors
 *        of itself. With fewer than 3 samples in that window there is no
 *        verdict (enough is false, rising false).
 */
TrendVerdict judgeTrend(const std::vector<SoakPoint> &series, double runSeconds, double threshold);

/** \brief One line for a report: "rising: +12.0 over 600 s (limit 1) ..." */
std::string describe(const TrendVerdict &v, double runSeconds);

} /* namespace dmabufkit::test */
