/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The copy fallback the V4L2 elements share: whether a frame's planes are
 * where the device reads them, and copying it into a buffer laid out for the
 * device.
 */
#pragma once

#include <optional>
#include <string>

#include <dmabufkit/dmabufkit.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "dmabufkit/base/result.h"

namespace dmabufkit::gstv4l2 {

/**
 * \brief Why the planes of \a buf (caps \a in, or its GstVideoMeta) are not
 *        where the device reads them (\a dev), or nullopt when they are.
 */
std::optional<std::string> layoutMismatch(GstBuffer *buf, const GstVideoInfo &in,
					  const GstVideoInfo &dev);

/**
 * \brief An active pool of dma-bufs laid out as \a devInfo, allocated by
 *        \a allocator under \a constraints (made CPU-mappable) and named
 *        after \a namePrefix: where the copies go (transfer full).
 */
Result<GstBufferPool *> newCopyPool(DbkAllocator *allocator, const GstVideoInfo &devInfo,
				    DbkConstraints constraints, const char *namePrefix);

/**
 * \brief \a in (laid out as \a inInfo) copied into a buffer of the active
 *        \a pool laid out as \a devInfo (transfer full).
 *
 * Before the CPU touches them, both buffers' fences are waited for, at most
 * \a fenceTimeoutMs each (fence_gate.h): ETIMEDOUT past it (post it with
 * postFenceError()); any other code is a failed copy.
 */
Result<GstBuffer *> copyFrame(GstBufferPool *pool, GstBuffer *in, const GstVideoInfo &inInfo,
			      const GstVideoInfo &devInfo, gint fenceTimeoutMs);

} /* namespace dmabufkit::gstv4l2 */
