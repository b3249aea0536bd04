/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file kms_sink_stats.h
 * \brief The dmabufkmssink-stats structure ("stats" property, EOS message),
 *        built from plain counters so it can be tested without a display.
 */
#pragma once

#include <cstdint>
#include <string>

#include <gst/gst.h>

namespace dmabufkit::kms {

/** \brief Everything the stats structure reports, gathered by the element. */
struct SinkStats {
	/* From the presenter. */
	uint64_t framesShown = 0;
	uint64_t flips = 0;
	uint64_t commits = 0;
	uint64_t testCommits = 0;
	uint64_t lastFlipLatencyUs = 0;
	double intervalMeanUs = 0;
	double intervalStddevUs = 0;
	uint64_t intervalMaxUs = 0;
	uint64_t writebackCaptures = 0;
	uint64_t writebackFailures = 0;
	/* From the framebuffer cache. */
	uint64_t imports = 0;
	uint64_t cacheHits = 0;
	uint64_t framebuffers = 0;
	/* From GstBaseSink and the element. */
	uint64_t lateDrops = 0;
	uint64_t failedFrames = 0;
	uint64_t importFailures = 0;
	uint64_t copies = 0;
	std::string copyReason;
	std::string mode;   /**< "1024x768@60 (current)", empty before the first frame */
	std::string output; /**< "display", "writeback-only" or empty */
	std::string device; /**< KmsDevice::describe(), empty when stopped */
};

/**
 * \brief A new "dmabufkmssink-stats" structure of \a s; "dropped" is
 *        late drops plus failed frames.
 */
GstStructure *buildStatsStructure(const SinkStats &s);

} /* namespace dmabufkit::kms */
