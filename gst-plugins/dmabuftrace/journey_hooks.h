/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file journey_hooks.h
 * \brief The streaming-thread side of frame journeys (journey_recorder.h):
 * a pushed buffer that belongs to a followed frame, and the push returning.
 */
#pragma once

#include <gst/gst.h>

#include "flow_stats.h"

namespace dmabufkit::dmabuftrace {

struct TracerState;

/** \brief \a buf, looked at as \a look, is pushed on the link of \a ps:
 *  starts or continues a journey when its frame is followed (cheap otherwise). */
void followJourney(TracerState *st, PadStats *ps, GstBuffer *buf, const BufferLook &look);

/** \brief Hooks pad-push-post when \a tracer follows journeys. */
void registerJourneyHooks(GstTracer *tracer);

} /* namespace dmabufkit::dmabuftrace */
