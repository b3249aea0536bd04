/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file hooks.h
 * \brief The tracer's 14 GStreamer tracing hooks (15 with journeys, journey_hooks.h; 2 more for
 * fence waits, fence_waits.h): buffers and
 * buffer lists pushed or pulled (counted on the streaming threads, cheaply), allocation queries,
 * caps, graph changes, state changes and messages (queued as events for the publisher).
 */
#pragma once

#include <gst/gst.h>

namespace dmabufkit::dmabuftrace {

/** \brief Registers every hook on \a tracer; they find their state with tracerStateOf(). */
void registerHooks(GstTracer *tracer);

} /* namespace dmabufkit::dmabuftrace */
