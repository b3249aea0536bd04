/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fence_gate.h"

#include <cerrno>
#include <string>

#include <dmabufkit/dmabufkit.h>

namespace dmabufkit::gstv4l2 {

Result<void> waitBeforeCpuAccess(GstBuffer *buf, GstMapFlags flags, gint timeoutMs,
				 const char *what)
{
	GError *err = nullptr;
	if (dbk_buffer_wait_fences(buf, flags, timeoutMs, &err))
		return {};
	Error e{ g_error_matches(err, DBK_ERROR, DBK_ERROR_TIMED_OUT) ? ETIMEDOUT : EIO,
		 std::string(what) + ": " + err->message };
	g_error_free(err);
	return e;
}

Result<GstBuffer *> acquireCopyTarget(GstBufferPool *pool, GstBuffer *in, gint timeoutMs,
				      const char *inWhat, const char *outWhat)
{
	if (auto w = waitBeforeCpuAccess(in, GST_MAP_READ, timeoutMs, inWhat); !w)
		return w.error();
	GstBuffer *out = nullptr;
	if (gst_buffer_pool_acquire_buffer(pool, &out, nullptr) != GST_FLOW_OK)
		return Error{ ENOBUFS, std::string("no free dma-buf in the pool for ") + outWhat };
	if (auto w = waitBeforeCpuAccess(out, GST_MAP_WRITE, timeoutMs, outWhat); !w) {
		gst_buffer_unref(out);
		return w.error();
	}
	return out;
}

void postFenceError(GstElement *element, const char *what, const Error &e)
{
	GError *err = g_error_new_literal(
		DBK_ERROR, e.code == ETIMEDOUT ? DBK_ERROR_TIMED_OUT : DBK_ERROR_FAILED,
		e.message.c_str());
	gchar *doing = g_strdup_printf("%s: %s", GST_OBJECT_NAME(element), what);
	dbk_element_post_fence_error(element, doing, err);
	g_free(doing);
	g_error_free(err);
}

} /* namespace dmabufkit::gstv4l2 */
