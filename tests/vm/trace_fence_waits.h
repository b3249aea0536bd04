/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file trace_fence_waits.h
 * \brief The fence waits the dmabuftrace tracer counted on one link, read
 *        back from a session file (endpoint=file:PATH).
 */
#pragma once

#include <string>

namespace dmabufkit::test {

/** \brief A link's "fence_waits" object (docs/tracer-protocol.md). */
struct LinkWaits {
	bool found = false; /* no stats line has fence_waits for the link */
	unsigned long long count = 0, timeouts = 0;
	double totalMs = 0, maxMs = 0;
};

/** \brief The "fence_waits" of link \a link ("PIPELINE/ELEMENT:PAD") in the
 *         last stats line of \a traceFile that has them. */
LinkWaits fenceWaitsOf(const std::string &traceFile, const std::string &link);

} /* namespace dmabufkit::test */
