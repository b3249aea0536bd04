/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GstBuffer <-> the wire's Frame: what dmabufipcsink sends about a buffer
 * (memories, GstVideoMeta, timestamps, flags) and the buffer dmabufipcsrc
 * rebuilds from it around the memories it keeps, one per dma-buf.
 */
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include <gst/gst.h>

#include "ipc_server.h"

namespace dmabufkit::ipc {

/**
 * \brief Describe \a buf for publishing; the frame keeps a reference to it.
 *
 * \a clockTime is the clock time of its PTS (base time + running time), or
 * GST_CLOCK_TIME_NONE. Fails (the message says what to do) when a memory is
 * not a dma-buf or the buffer has no or more than 4 memories.
 */
std::optional<OutgoingFrame> frameFromBuffer(GstBuffer *buf, GstClockTime clockTime,
					     std::string *whyNot);

/**
 * \brief The buffer for \a frame, made of \a memories (by buffer id; each is
 * shared, not copied, so downstream sees the same GstMemory every time).
 *
 * \a baseTime maps the producer's clock time to this pipeline's running time.
 * \a onFree runs when the buffer is freed (the frame goes back). Every id in
 * \a frame must be in \a memories (the client checked them). nullptr (and
 * \a whyNot) for a video layout of a format this GStreamer does not know.
 */
GstBuffer *bufferFromFrame(const Frame &frame, const std::map<uint32_t, GstMemory *> &memories,
			   GstClockTime baseTime, std::function<void()> onFree,
			   std::string *whyNot);

} /* namespace dmabufkit::ipc */
