/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file fence_waits.h
 * \brief Fence waits counted per link: every wait of the allocator's
 * waitForFences() that slept (fences already signalled are not waits) is
 * credited, with its duration, to the innermost push in progress on the
 * waiting thread, that is the link that brought the buffer into the element
 * that waited (its output buffers included); the preview's own waits count
 * on the link it watches. Pushes are tracked by the
 * pad-push(-list)-pre/-post hooks on a small per-thread stack; the wait
 * observer of the allocator core reads it.
 */
#pragma once

#include <gst/gst.h>

#include "flow_stats.h"

namespace dmabufkit::dmabuftrace {

struct TracerState;

/** \brief Registers the push-post hooks and the allocator's observer (once per process). */
void registerFenceWaitCounting(GstTracer *tracer, TracerState *st);
/** \brief The tracer \a st stops: its pushes are no longer tracked. */
void unregisterFenceWaitCounting(TracerState *st);

/** \brief pad-push-pre of a real pad: \a ps's push starts on this thread. */
void fenceWaitPushStarted(TracerState *st, GstPad *pad, PadStats *ps);

} /* namespace dmabufkit::dmabuftrace */
