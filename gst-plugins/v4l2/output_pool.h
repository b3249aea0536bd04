/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pool dmabufv4l2sink offers upstream in export mode: one GstBuffer per
 * MMAP buffer of the OUTPUT queue, wrapping its exported dma-bufs, so a CPU
 * writer (videotestsrc, a software decoder) draws straight into the memory
 * the device reads. A buffer comes back to the pool when the sink dequeued it.
 */
#pragma once

#include <vector>

#include <gst/gst.h>
#include <gst/video/video.h>

#include <dmabufkit/dbk_allocator.h>

G_BEGIN_DECLS

#define DBK_TYPE_V4L2_OUTPUT_POOL (dbk_v4l2_output_pool_get_type())
G_DECLARE_FINAL_TYPE(DbkV4l2OutputPool, dbk_v4l2_output_pool, DBK, V4L2_OUTPUT_POOL, GstBufferPool)

G_END_DECLS

namespace dmabufkit::gstv4l2 {

/**
 * \brief A pool of exactly \a fds.size() buffers laid out as \a info.
 * \param fds per buffer, one dma-buf fd per plane (the pool keeps duplicates,
 *        so it may outlive the queue)
 * \param allocator wraps the dma-bufs (a ref is taken)
 */
GstBufferPool *outputPoolNew(const std::vector<std::vector<int>> &fds, const GstVideoInfo &info,
			     DbkAllocator *allocator, const char *name);

} /* namespace dmabufkit::gstv4l2 */
