/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file fence_gate.h
 * \brief The V4L2 elements' bounded wait for a buffer's implicit fences
 *        before the CPU reads or writes it (their copy fallbacks, the
 *        stateless decoder's header parsing), and the error they post when
 *        a device does not finish within fence-timeout.
 *
 * DMA_BUF_IOCTL_SYNC START, which every map of a dma-buf issues, waits for
 * those fences without a bound; dbk_buffer_wait_fences() waits with one.
 */
#pragma once

#include <gst/gst.h>

#include "dmabufkit/base/result.h"

namespace dmabufkit::gstv4l2 {

/**
 * \brief Wait, at most \a timeoutMs (0: no wait), until the CPU may access
 *        \a buf as \a flags says.
 * \param what names the buffer in the error ("the input frame")
 * \return ETIMEDOUT when a fence did not signal in time (the only source of
 *         ETIMEDOUT in the copy paths), EIO when poll() failed; the message
 *         starts with \a what and names the dma-buf and its exporter
 */
Result<void> waitBeforeCpuAccess(GstBuffer *buf, GstMapFlags flags, gint timeoutMs,
				 const char *what);

/**
 * \brief The first step of every CPU copy: wait for \a in's fences, take a
 *        buffer from \a pool and wait for its fences, each within \a timeoutMs.
 * \param inWhat, outWhat name \a in and the pool's buffer in the error
 * \return the pool's buffer (transfer full); a failed wait as
 *         waitBeforeCpuAccess() says, or ENOBUFS when \a pool has none free
 */
Result<GstBuffer *> acquireCopyTarget(GstBufferPool *pool, GstBuffer *in, gint timeoutMs,
				      const char *inWhat, const char *outWhat);

/**
 * \brief Post the element error of a failed waitBeforeCpuAccess() \a e as
 *        dbk_element_post_fence_error() does (RESOURCE BUSY on a timeout,
 *        RESOURCE FAILED otherwise); \a what says what \a element was about
 *        to do and is prefixed with the element's name.
 */
void postFenceError(GstElement *element, const char *what, const Error &e);

} /* namespace dmabufkit::gstv4l2 */
