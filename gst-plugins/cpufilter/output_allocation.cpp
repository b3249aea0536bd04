/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "output_allocation.h"

/* The element's category: the errors posted here belong to it. */
GST_DEBUG_CATEGORY_EXTERN(dmabuf_cpu_filter_debug);
#define GST_CAT_DEFAULT dmabuf_cpu_filter_debug

namespace dmabufkit::cpufilter {

bool canProcessInPlace(GstBuffer *buf)
{
	if (!gst_buffer_is_writable(buf))
		return false;
	bool writable = gst_buffer_n_memory(buf) > 0;
	for (guint i = 0; i < gst_buffer_n_memory(buf); ++i)
		writable = writable && gst_memory_is_writable(gst_buffer_peek_memory(buf, i));
	return writable;
}

GstBufferPool *systemMemoryPool(GstElement *self, GstQuery *query)
{
	GstCaps *caps = nullptr;
	gst_query_parse_allocation(query, &caps, nullptr);
	GstVideoInfo info;
	if (!caps || !gst_video_info_from_caps(&info, caps)) {
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
				  ("No video caps in the allocation query"), (nullptr));
		return nullptr;
	}
	GstBufferPool *pool = nullptr;
	guint size = 0, min = 0, max = 0;
	if (gst_query_get_n_allocation_pools(query) > 0)
		gst_query_parse_nth_allocation_pool(query, 0, &pool, &size, &min, &max);
	if (!pool) {
		pool = gst_video_buffer_pool_new();
		size = 0;
	}
	min = MAX(min, 2u);
	GstStructure *config = gst_buffer_pool_get_config(pool);
	gst_buffer_pool_config_set_params(config, caps, MAX(size, static_cast<guint>(info.size)),
					  min, max);
	gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
	if (!gst_buffer_pool_set_config(pool, config) &&
	    !gst_buffer_pool_set_config(pool, gst_buffer_pool_get_config(pool))) {
		GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
				  ("Cannot allocate output buffers for %" GST_PTR_FORMAT, caps),
				  ("system-memory pool configuration refused"));
		gst_object_unref(pool);
		return nullptr;
	}
	config = gst_buffer_pool_get_config(pool);
	gst_buffer_pool_config_get_params(config, nullptr, &size, &min, &max);
	gst_structure_free(config);
	if (gst_query_get_n_allocation_pools(query) > 0)
		gst_query_set_nth_allocation_pool(query, 0, pool, size, min, max);
	else
		gst_query_add_allocation_pool(query, pool, size, min, max);
	return pool;
}

} /* namespace dmabufkit::cpufilter */
