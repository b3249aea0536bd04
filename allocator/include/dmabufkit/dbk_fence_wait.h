/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:dbk-fence-wait
 * @title: Fence waits
 * @short_description: waiting, with a bound, for the devices that still use
 *   a buffer, before the CPU touches it
 *
 * DMA_BUF_IOCTL_SYNC START (every gst_memory_map() of a dma-buf) waits for
 * the buffer's implicit fences without a limit: a device that never finishes
 * hangs the mapping thread. Every element of dmabufkit that maps frames calls
 * dbk_buffer_wait_fences() first, bounded by its "fence-timeout" property,
 * and posts dbk_element_post_fence_error() when the bound passes.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * DBK_FENCE_TIMEOUT_DEFAULT_MS:
 *
 * Default bound of the "fence-timeout" properties, in milliseconds: far
 * above any frame time, short enough that a stuck device is reported.
 */
#define DBK_FENCE_TIMEOUT_DEFAULT_MS 1000

gboolean dbk_buffer_wait_fences(GstBuffer *buffer, GstMapFlags flags, gint timeout_ms,
				GError **error);
void dbk_element_post_fence_error(GstElement *element, const gchar *what, const GError *error);
GParamSpec *dbk_param_spec_fence_timeout(void);

G_END_DECLS
