/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file params.h
 * \brief The tracer's parameters, GST_TRACERS="dmabuftrace(KEY=VALUE,...)"
 * (docs/tracer-protocol.md).
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dmabufkit::dmabuftrace {

/** \brief What one dmabuftrace instance was asked to do. */
struct Params {
	/** \brief "unix:PATH", "tcp:[HOST:]PORT" or "file:PATH" (see Endpoint::parse). */
	std::string endpoint;
	/* 2 snapshots a second by default: each costs the publisher a walk of the
	   graph and its properties, which weighs on slow machines (docs/benchmarks.md). */
	int periodMs = 500;
	/** \brief Lines queued per client before the oldest are dropped. */
	size_t queue = 256;
	/* GST_PERFORMANCE capture: "auto" when the debug system is on anyway. */
	enum class Perf { Auto, On, Off } performance = Perf::Auto;
	/* Live preview: "" (off), "auto" or "ELEMENT[:PAD]". */
	std::string preview;
	/* The zero-copy contract: an ERROR at the first copy, optionally only on
	   these links ("ELEMENT:PAD" or "ELEMENT", '+'-separated in the string). */
	bool forbidCopies = false;
	std::vector<std::string> forbidCopiesOn;
	/* Frame journeys: one frame in N leaving a source is followed (0: off). */
	uint32_t journeys = 0;
	/* The preview's bound on waiting for a frame's fences (ms; 0: no bound). */
	int fenceTimeoutMs = 1000;
};

/**
 * \brief Parses the tracer's "params" string (comma separated KEY=VALUE;
 * nullptr for none). Out-of-range numbers are clamped, unknown keys warned
 * about and skipped; the endpoint defaults to
 * unix:/tmp/dmabufkit-tracer-PID.sock.
 */
Params parseParams(const char *params);

} /* namespace dmabufkit::dmabuftrace */
