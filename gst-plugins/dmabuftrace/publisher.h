/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file publisher.h
 * \brief The tracer's publisher thread: every period it walks the live
 * pipelines and sends the hello, graph, event, stats and preview lines
 * (docs/tracer-protocol.md) through the LineServer.
 */
#pragma once

namespace dmabufkit::dmabuftrace {

struct TracerState;

/** \brief Opens the endpoint of \a st's parameters; false (warned) when it cannot publish. */
bool openPublisher(TracerState *st);
/** \brief Starts the publisher thread (after openPublisher() succeeded). */
void startPublisher(TracerState *st);
/** \brief Publishes the last lines and joins the thread, if it runs. */
void stopPublisher(TracerState *st);
/** \brief Makes the publisher publish now and waits (2 s at most) until it did. */
void requestFlush(TracerState *st);

} /* namespace dmabufkit::dmabuftrace */
