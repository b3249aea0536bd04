/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file performance_capture.h
 * \brief GST_PERFORMANCE log messages (the copies stock elements report)
 * as "performance" events and per-element counts.
 *
 * GStreamer's log functions are global: the first tracer instance that
 * asks captures, for itself only. The user's GST_DEBUG output stays as
 * asked: when the category's threshold has to be raised to see the
 * messages, the default log function is replaced by one that drops what
 * the user did not ask for.
 */
#pragma once

namespace dmabufkit::dmabuftrace {

struct TracerState;

/** \brief Starts capturing for \a st, as its "performance" parameter says. */
void installPerformanceCapture(TracerState *st);
/** \brief Stops capturing if \a st captures, restoring the log functions and threshold. */
void removePerformanceCapture(TracerState *st);

} /* namespace dmabufkit::dmabuftrace */
