/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kms_sink_copy.h"

#include <cerrno>
#include <fcntl.h>
#include <xf86drm.h>

#include <gst/video/video.h>

#include "dmabufkit/base/unique_fd.h"
#include "kms_sink_private.h"

#define GST_CAT_DEFAULT dmabuf_kms_sink_debug

using namespace dmabufkit;
using namespace dmabufkit::kms;

/* Scanout buffers come from a second open of the device (dropped master):
 * the allocator and its memories may outlive the sink's own fd, and must
 * never keep the sink's DRM master alive. The allocator keeps its own
 * duplicate of the fd, so ours is closed on return. */
Result<DbkAllocator *> kms_sink_scanout_allocator(const std::string &path)
{
	UniqueFD fd(open(path.c_str(), O_RDWR | O_CLOEXEC));
	if (!fd) {
		const int err = errno;
		return Error::fromErrno(err, "cannot open " + path);
	}
	if (drmIsMaster(fd.get()))
		drmDropMaster(fd.get());
	GError *err = nullptr;
	DbkAllocator *alloc = dbk_allocator_new_for_display(fd.get(), &err);
	if (!alloc) {
		Error e{ err->code, err->message };
		g_error_free(err);
		return e;
	}
	return alloc;
}

static Result<GstBufferPool *> make_copy_pool(GstDmabufKmsSink *self)
{
	KmsSinkState *st = self->state;
	GstBufferPool *pool = dbk_buffer_pool_new(st->allocator);
	GstCaps *caps = gst_video_info_to_caps(&st->info);
	GstStructure *config = gst_buffer_pool_get_config(pool);
	gst_buffer_pool_config_set_params(config, caps, guint(st->info.size), 3, 0);
	gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
	DbkConstraints c;
	dbk_constraints_init(&c, "dmabufkmssink copy");
	c.scanout = TRUE;
	c.cpu_mappable = TRUE;
	dbk_buffer_pool_config_set_constraints(config, &c);
	gchar *prefix = g_strdup_printf("%s-copy", GST_OBJECT_NAME(self));
	dbk_buffer_pool_config_set_name_prefix(config, prefix);
	g_free(prefix);
	gst_caps_unref(caps);
	if (!gst_buffer_pool_set_config(pool, config) || !gst_buffer_pool_set_active(pool, TRUE)) {
		const gchar *why = dbk_buffer_pool_get_error(DBK_BUFFER_POOL(pool));
		Error e{ EINVAL, std::string("scanout pool for copies: ") +
					 (why ? why : "configuration refused") };
		gst_object_unref(pool);
		return e;
	}
	GST_DEBUG_OBJECT(self, "made the scanout pool for copies");
	return pool;
}

Result<GstBuffer *> kms_sink_copy_to_scanout(GstDmabufKmsSink *self, GstBuffer *buf)
{
	KmsSinkState *st = self->state;
	if (!st->allocator)
		return Error{ ENODEV, "no scanout allocator" };
	if (!st->copyPool) {
		auto pool = make_copy_pool(self);
		if (!pool)
			return pool.error();
		st->copyPool = *pool;
	}
	GstBuffer *out = nullptr;
	if (gst_buffer_pool_acquire_buffer(st->copyPool, &out, nullptr) != GST_FLOW_OK)
		return Error{ ENOBUFS, "cannot get a scanout buffer for the copy" };
	GST_OBJECT_LOCK(self);
	const gint fenceTimeoutMs = st->fenceTimeoutMs;
	GST_OBJECT_UNLOCK(self);
	GError *err = nullptr;
	if (!dbk_buffer_wait_fences(buf, GST_MAP_READ, fenceTimeoutMs, &err) ||
	    !dbk_buffer_wait_fences(out, GST_MAP_WRITE, fenceTimeoutMs, &err)) {
		Error e{ g_error_matches(err, DBK_ERROR, DBK_ERROR_TIMED_OUT) ? ETIMEDOUT : EIO,
			 err->message };
		g_error_free(err);
		gst_buffer_unref(out);
		return e;
	}
	GstVideoFrame in, o;
	bool ok = false;
	if (gst_video_frame_map(&in, &st->info, buf, GST_MAP_READ)) {
		if (gst_video_frame_map(&o, &st->info, out, GST_MAP_WRITE)) {
			ok = gst_video_frame_copy(&o, &in);
			gst_video_frame_unmap(&o);
		}
		gst_video_frame_unmap(&in);
	}
	if (!ok) {
		gst_buffer_unref(out);
		return Error{ EIO, "copying the frame failed" };
	}
	gst_buffer_copy_into(out, buf, GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
	return out;
}

void kms_sink_post_fence_error(GstDmabufKmsSink *self, const char *what, const Error &error)
{
	GError *err = g_error_new_literal(
		DBK_ERROR, error.code == ETIMEDOUT ? DBK_ERROR_TIMED_OUT : DBK_ERROR_FAILED,
		error.message.c_str());
	dbk_element_post_fence_error(GST_ELEMENT(self), what, err);
	g_error_free(err);
}
