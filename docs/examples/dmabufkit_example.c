/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmabufkit-example: using the dmabufkit allocator library from C.
 *
 *   cc -o example dmabufkit_example.c $(pkg-config --cflags --libs dmabufkit-1.0)
 *   ./example              allocate, map, and run a small pipeline on our pool
 *   ./example --check-api  only the parts that need no dma-buf exporter
 *
 * 1. Allocate one dma-buf, write and read it through the cached mapping
 *    (every gst_memory_map() is bracketed by DMA_BUF_IOCTL_SYNC).
 * 2. Configure a DbkBufferPool for 320x240 BGRx, fill frames, and push them
 *    through appsrc ! fakesink.
 */
#include <stdio.h>
#include <string.h>

#include <dmabufkit/dmabufkit.h>
#include <gst/app/app.h>
#include <gst/gst.h>
#include <gst/video/video.h>

static int check_api(void)
{
	DbkConstraints c;
	dbk_constraints_init(&c, "example");
	c.stride_align = 64;
	c.cpu_mappable = TRUE;
	gchar *text = dbk_constraints_to_string(&c);
	printf("constraints: %s\n", text);
	g_free(text);

	GError *err = NULL;
	DbkAllocator *none = dbk_allocator_new_for_exporter("dma-heap:no-such-heap", &err);
	if (none || !err) {
		fprintf(stderr, "expected an error for a missing heap\n");
		return 1;
	}
	printf("missing heap reported as: %s\n", err->message);
	g_clear_error(&err);
	return 0;
}

static int allocate_and_map(void)
{
	DbkAllocator *alloc = dbk_allocator_new();
	GError *err = NULL;
	GstMemory *mem = dbk_allocator_alloc_dmabuf(alloc, 64 * 1024, NULL, "example:one", &err);
	if (!mem) {
		fprintf(stderr, "allocation failed: %s\n", err->message);
		g_error_free(err);
		gst_object_unref(alloc);
		return 1;
	}
	GstMapInfo map;
	gst_memory_map(mem, &map, GST_MAP_WRITE); /* SYNC START (WRITE) */
	memset(map.data, 0x5a, map.size);
	gst_memory_unmap(mem, &map); /* SYNC END (WRITE) */
	gst_memory_map(mem, &map, GST_MAP_READ);
	int ok = map.data[0] == 0x5a && map.data[map.size - 1] == 0x5a;
	gst_memory_unmap(mem, &map);

	gchar *name = dbk_memory_get_name(mem);
	gchar *exporter = dbk_memory_get_exporter(mem);
	DbkAccessStats s;
	dbk_allocator_get_stats(alloc, &s);
	printf("dma-buf \"%s\" from %s, inode %" G_GUINT64_FORMAT ": %s; %" G_GUINT64_FORMAT
	       " mmap, %" G_GUINT64_FORMAT " sync starts, %" G_GUINT64_FORMAT " sync ends\n",
	       name, exporter, dbk_memory_get_inode(mem), ok ? "pattern ok" : "PATTERN WRONG",
	       s.mmaps, s.sync_starts, s.sync_ends);
	g_free(name);
	g_free(exporter);
	gst_memory_unref(mem);
	gst_object_unref(alloc);
	return ok && s.mmaps == 1 && s.sync_starts == 2 && s.sync_ends == 2 ? 0 : 1;
}

static int run_pipeline(void)
{
	GstCaps *caps =
		gst_caps_from_string("video/x-raw,format=BGRx,width=320,height=240,framerate=30/1");
	GstBufferPool *pool = dbk_buffer_pool_new(NULL);
	GstStructure *config = gst_buffer_pool_get_config(pool);
	gst_buffer_pool_config_set_params(config, caps, 320 * 240 * 4, 4, 4);
	gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
	dbk_buffer_pool_config_set_name_prefix(config, "example-pool");
	if (!gst_buffer_pool_set_config(pool, config) || !gst_buffer_pool_set_active(pool, TRUE)) {
		const gchar *why = dbk_buffer_pool_get_error(DBK_BUFFER_POOL(pool));
		fprintf(stderr, "pool: %s\n", why ? why : "activation failed");
		gst_object_unref(pool);
		gst_caps_unref(caps);
		return 1;
	}

	GstElement *pipeline =
		gst_parse_launch("appsrc name=src format=time ! fakesink name=sink", NULL);
	GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
	g_object_set(src, "caps", caps, NULL);
	gst_element_set_state(pipeline, GST_STATE_PLAYING);

	GstVideoInfo info;
	gst_video_info_from_caps(&info, caps);
	for (int i = 0; i < 30; ++i) {
		GstBuffer *buf = NULL;
		if (gst_buffer_pool_acquire_buffer(pool, &buf, NULL) != GST_FLOW_OK)
			break;
		GstVideoFrame frame;
		gst_video_frame_map(&frame, &info, buf, GST_MAP_WRITE);
		memset(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0), i * 8, GST_VIDEO_FRAME_SIZE(&frame));
		gst_video_frame_unmap(&frame);
		GST_BUFFER_PTS(buf) = gst_util_uint64_scale(i, GST_SECOND, 30);
		gst_app_src_push_buffer(GST_APP_SRC(src), buf);
	}
	gst_app_src_end_of_stream(GST_APP_SRC(src));
	GstMessage *msg = gst_bus_timed_pop_filtered(GST_ELEMENT_BUS(pipeline), 10 * GST_SECOND,
						     GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
	int ok = msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS;
	if (msg)
		gst_message_unref(msg);

	DbkPoolStats stats;
	dbk_buffer_pool_get_stats(DBK_BUFFER_POOL(pool), &stats);
	printf("pipeline %s; pool allocated %" G_GUINT64_FORMAT
	       " buffers from %s, %" G_GUINT64_FORMAT " waits\n",
	       ok ? "reached EOS" : "FAILED", stats.allocated,
	       dbk_buffer_pool_get_exporter_name(DBK_BUFFER_POOL(pool)), stats.waits);

	gst_element_set_state(pipeline, GST_STATE_NULL);
	gst_object_unref(src);
	gst_object_unref(pipeline);
	gst_buffer_pool_set_active(pool, FALSE);
	gst_object_unref(pool);
	gst_caps_unref(caps);
	return ok && stats.allocated == 4 ? 0 : 1;
}

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	if (argc > 1 && !strcmp(argv[1], "--check-api"))
		return check_api();
	if (check_api() || allocate_and_map() || run_pipeline())
		return 1;
	printf("example: all steps passed\n");
	return 0;
}
