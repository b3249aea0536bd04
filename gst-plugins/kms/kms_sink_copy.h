/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file kms_sink_copy.h
 * \brief dmabufkmssink's scanout buffers: the allocator offered upstream and
 *        the copy fallback for frames that cannot be imported.
 */
#pragma once

#include <string>

#include <dmabufkit/dmabufkit.h>
#include <gst/gst.h>

#include "dmabufkit/base/result.h"
#include "gstdmabufkmssink.h"

/**
 * \brief An allocator of scanout buffers on a second open of KMS device
 *        \a path, with DRM master dropped.
 */
dmabufkit::Result<DbkAllocator *> kms_sink_scanout_allocator(const std::string &path);

/**
 * \brief Copy \a buf into a buffer of the sink's copy pool (made on first
 *        use); the returned buffer (transfer full) has \a buf's timestamps.
 *        Both are first waited for (fence-timeout): ETIMEDOUT past it.
 */
dmabufkit::Result<GstBuffer *> kms_sink_copy_to_scanout(GstDmabufKmsSink *self, GstBuffer *buf);

/**
 * \brief Post the error of a failed fence wait before a CPU access
 *        (\a what: "reading the writeback capture"): RESOURCE BUSY on a
 *        timeout, with \a error's message naming the buffer and its exporter.
 */
void kms_sink_post_fence_error(GstDmabufKmsSink *self, const char *what,
			       const dmabufkit::Error &error);
