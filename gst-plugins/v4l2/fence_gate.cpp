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
