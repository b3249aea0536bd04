/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file output_allocation.h
 * \brief Where dmabufcpufilter writes its output: into the input buffer
 * itself when allowed, else a pool buffer; the system-memory pool used
 * when no dma-buf exporter serves downstream.
 */
#pragma once

#include <gst/video/video.h>

namespace dmabufkit::cpufilter {

/** \brief Whether \a buf and every memory in it may be written in place. */
bool canProcessInPlace(GstBuffer *buf);

/**
 * \brief A system-memory pool for the caps of the ALLOCATION \a query:
 * downstream's first pool if it offered one, else a video pool, at least 2
 * buffers with GstVideoMeta, set first in \a query.
 * \return the configured pool (transfer full), or nullptr after posting an
 * element error on \a self
 */
GstBufferPool *systemMemoryPool(GstElement *self, GstQuery *query);

} /* namespace dmabufkit::cpufilter */
