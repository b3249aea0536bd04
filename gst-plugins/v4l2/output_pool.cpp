/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "output_pool.h"

#include <unistd.h>

#include "exporting_queue.h"

struct _DbkV4l2OutputPool {
	GstBufferPool parent;
	std::vector<std::vector<int>> *fds; /* owned duplicates */
	GstVideoInfo info;
	DbkAllocator *allocator;
	guint next;
};

G_DEFINE_TYPE(DbkV4l2OutputPool, dbk_v4l2_output_pool, GST_TYPE_BUFFER_POOL)

static const gchar **output_pool_get_options(GstBufferPool *)
{
	static const gchar *options[] = { GST_BUFFER_POOL_OPTION_VIDEO_META, nullptr };
	return options;
}

/* Exactly one GstBuffer per V4L2 buffer, whatever upstream asks for. */
static gboolean output_pool_set_config(GstBufferPool *pool, GstStructure *config)
{
	auto *self = DBK_V4L2_OUTPUT_POOL(pool);
	GstCaps *caps = nullptr;
	guint size = 0, min = 0, max = 0;
	const guint n = static_cast<guint>(self->fds->size());
	if (!gst_buffer_pool_config_get_params(config, &caps, &size, &min, &max))
		return FALSE;
	const gboolean asked = min == n && max == n && size <= self->info.size;
	gst_buffer_pool_config_set_params(config, caps, static_cast<guint>(self->info.size), n, n);
	const gboolean ok =
		GST_BUFFER_POOL_CLASS(dbk_v4l2_output_pool_parent_class)->set_config(pool, config);
	/* FALSE with an adjusted config: the caller may accept what we can do. */
	return ok && asked;
}

static GstFlowReturn output_pool_alloc_buffer(GstBufferPool *pool, GstBuffer **out,
					      GstBufferPoolAcquireParams *)
{
	auto *self = DBK_V4L2_OUTPUT_POOL(pool);
	/* Each V4L2 buffer is wrapped once; the pool recycles the wrappers. */
	if (self->next >= self->fds->size())
		return GST_FLOW_EOS;
	const auto &planes = (*self->fds)[self->next];
	GstBuffer *buf = gst_buffer_new();
	for (int fd : planes) {
		GstMemory *mem = dbk_allocator_import(self->allocator, dup(fd), TRUE, nullptr);
		if (!mem) {
			gst_buffer_unref(buf);
			return GST_FLOW_ERROR;
		}
		gst_buffer_append_memory(buf, mem);
	}
	if (planes.size() == 1)
		gst_buffer_resize(buf, 0, static_cast<gssize>(self->info.size));
	dmabufkit::gstv4l2::addVideoMeta(buf, self->info);
	self->next++;
	*out = buf;
	return GST_FLOW_OK;
}

static gboolean output_pool_start(GstBufferPool *pool)
{
	DBK_V4L2_OUTPUT_POOL(pool)->next = 0;
	return GST_BUFFER_POOL_CLASS(dbk_v4l2_output_pool_parent_class)->start(pool);
}

static void output_pool_finalize(GObject *object)
{
	auto *self = DBK_V4L2_OUTPUT_POOL(object);
	for (const auto &planes : *self->fds)
		for (int fd : planes)
			close(fd);
	delete self->fds;
	gst_object_unref(self->allocator);
	G_OBJECT_CLASS(dbk_v4l2_output_pool_parent_class)->finalize(object);
}

static void dbk_v4l2_output_pool_class_init(DbkV4l2OutputPoolClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = output_pool_finalize;
	GstBufferPoolClass *pc = GST_BUFFER_POOL_CLASS(klass);
	pc->get_options = output_pool_get_options;
	pc->set_config = output_pool_set_config;
	pc->alloc_buffer = output_pool_alloc_buffer;
	pc->start = output_pool_start;
}

static void dbk_v4l2_output_pool_init(DbkV4l2OutputPool *self)
{
	self->fds = new std::vector<std::vector<int>>;
}

namespace dmabufkit::gstv4l2 {

GstBufferPool *outputPoolNew(const std::vector<std::vector<int>> &fds, const GstVideoInfo &info,
			     DbkAllocator *allocator, const char *name)
{
	auto *self = DBK_V4L2_OUTPUT_POOL(
		g_object_new(DBK_TYPE_V4L2_OUTPUT_POOL, "name", name, nullptr));
	gst_object_ref_sink(self);
	for (const auto &planes : fds) {
		std::vector<int> dups;
		for (int fd : planes)
			dups.push_back(dup(fd));
		self->fds->push_back(std::move(dups));
	}
	self->info = info;
	self->allocator = DBK_ALLOCATOR(gst_object_ref(allocator));
	GstBufferPool *pool = GST_BUFFER_POOL(self);
	GstStructure *config = gst_buffer_pool_get_config(pool);
	GstCaps *caps = gst_video_info_to_caps(&info);
	const guint n = static_cast<guint>(fds.size());
	gst_buffer_pool_config_set_params(config, caps, static_cast<guint>(info.size), n, n);
	gst_caps_unref(caps);
	gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
	if (!gst_buffer_pool_set_config(pool, config))
		GST_DEBUG_OBJECT(pool, "configured for %u buffers of %zu bytes", n, info.size);
	return pool;
}

} /* namespace dmabufkit::gstv4l2 */
