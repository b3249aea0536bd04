/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/dbk_fence_wait.h"

#include <cerrno>

#include <gst/allocators/allocators.h>

#include "dmabufkit/dbk_constraints.h"
#include "dmabufkit/core/fence.h"
#include "gst_log_backend.h"

#define GST_CAT_DEFAULT gstLogCategory(dmabufkit::LogCategory::Allocator)

using namespace dmabufkit;

static_assert(DBK_FENCE_TIMEOUT_DEFAULT_MS == kDefaultFenceTimeoutMs);

/**
 * dbk_buffer_wait_fences:
 * @buffer: a buffer; its memories that are not dma-bufs are skipped
 * @flags: GST_MAP_READ to wait for the devices writing it, GST_MAP_WRITE
 *   (or READWRITE) for every device using it
 * @timeout_ms: the bound for each dma-buf; 0 does not wait (SYNC START then
 *   waits as long as the device takes), -1 waits forever
 * @error: (out) (optional): %DBK_ERROR_TIMED_OUT naming the dma-buf (inode,
 *   name) and its exporter when the bound passed, %DBK_ERROR_FAILED when
 *   poll() failed
 *
 * Wait until the CPU may access @buffer as @flags says: poll() on each of
 * its dma-bufs, once per dma-buf. Fences already signalled cost one poll()
 * per dma-buf that does not sleep. Call it before gst_buffer_map() or
 * gst_video_frame_map().
 *
 * Returns: %TRUE when every fence signalled in time
 */
gboolean dbk_buffer_wait_fences(GstBuffer *buffer, GstMapFlags flags, gint timeout_ms,
				GError **error)
{
	g_return_val_if_fail(GST_IS_BUFFER(buffer), FALSE);
	if (timeout_ms == 0)
		return TRUE;
	const Access access = (flags & GST_MAP_WRITE) ? Access::Write : Access::Read;
	const guint n = gst_buffer_n_memory(buffer);
	int last = -1;
	for (guint i = 0; i < n; ++i) {
		GstMemory *mem = gst_buffer_peek_memory(buffer, i);
		if (!gst_is_dmabuf_memory(mem))
			continue;
		const int fd = gst_dmabuf_memory_get_fd(mem);
		if (fd < 0 || fd == last) /* planes of one dma-buf: one wait */
			continue;
		last = fd;
		auto r = waitForFences(fd, access, timeout_ms);
		if (!r) {
			g_set_error(error, DBK_ERROR,
				    r.error().code == ETIMEDOUT ? DBK_ERROR_TIMED_OUT
								: DBK_ERROR_FAILED,
				    "memory %u of the buffer: %s", i, r.error().message.c_str());
			return FALSE;
		}
	}
	return TRUE;
}

/**
 * dbk_element_post_fence_error:
 * @element: the element that waited
 * @what: what it was about to do ("reading the input frame")
 * @error: from dbk_buffer_wait_fences()
 *
 * Post the error message of a failed fence wait: RESOURCE BUSY for a
 * timeout (RESOURCE FAILED otherwise), with @error's message, which names
 * the buffer and its exporter and says what to do.
 */
void dbk_element_post_fence_error(GstElement *element, const gchar *what, const GError *error)
{
	const bool timedOut = g_error_matches(error, DBK_ERROR, DBK_ERROR_TIMED_OUT);
	gst_element_message_full(
		element, GST_MESSAGE_ERROR, GST_RESOURCE_ERROR,
		timedOut ? GST_RESOURCE_ERROR_BUSY : GST_RESOURCE_ERROR_FAILED,
		g_strdup_printf("A device did not finish with a buffer in time (%s): %s", what,
				error->message),
		g_strdup_printf("%s: waited for the buffer's implicit fences before the CPU "
				"access (fence-timeout); the access was not made",
				what),
		__FILE__, GST_FUNCTION, __LINE__);
}

/**
 * dbk_param_spec_fence_timeout:
 *
 * Returns: (transfer floating): the "fence-timeout" property every element
 *   that maps frames installs (milliseconds, 0 = no bound)
 */
GParamSpec *dbk_param_spec_fence_timeout(void)
{
	return g_param_spec_int(
		"fence-timeout", "Fence timeout",
		"Longest wait in ms for the devices still writing (or reading) a dma-buf before "
		"the CPU accesses it; past it the element errors (RESOURCE BUSY) instead of "
		"hanging in DMA_BUF_IOCTL_SYNC. 0: no bound (the kernel waits as long as the "
		"device takes)",
		0, G_MAXINT, DBK_FENCE_TIMEOUT_DEFAULT_MS,
		static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
					 GST_PARAM_MUTABLE_PLAYING));
}
