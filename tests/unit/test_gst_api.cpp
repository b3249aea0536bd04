/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The GStreamer-facing C API on the host: constraints through an ALLOCATION
 * query, error reporting, and the plugin registering its elements.
 */
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>
#include <string>

#include <dmabufkit/dmabufkit.h>
#include "gst_environment.h"

namespace {

DBK_TEST_GST_ENVIRONMENT();

class GstEnv : public ::testing::Environment
{
public:
	void SetUp() override { gst_init(nullptr, nullptr); }
};

const auto *env = ::testing::AddGlobalTestEnvironment(new GstEnv);

} /* namespace */

TEST(GstApi, ConstraintsRoundTripThroughStructure)
{
	DbkConstraints c;
	dbk_constraints_init(&c, "vicodec OUTPUT");
	c.packed_stride = TRUE;
	c.stride_align = 16;
	c.memory_layout = DBK_MEMORY_LAYOUT_SINGLE;
	c.max_size = 12345;
	GstStructure *s = dbk_constraints_to_structure(&c);
	DbkConstraints back;
	ASSERT_TRUE(dbk_constraints_from_structure(s, &back, nullptr));
	gst_structure_free(s);
	EXPECT_STREQ(back.consumer, "vicodec OUTPUT");
	EXPECT_TRUE(back.packed_stride);
	EXPECT_EQ(back.stride_align, 16u);
	EXPECT_EQ(back.memory_layout, DBK_MEMORY_LAYOUT_SINGLE);
	EXPECT_EQ(back.max_size, 12345u);
}

/* What probes learnt crosses the query intact, reasons included. */
TEST(GstApi, ExporterVerdictsRoundTripThroughStructure)
{
	DbkConstraints c;
	dbk_constraints_init(&c, "vivid-000-vid-cap");
	dbk_constraints_add_refusal(&c, "dma-heap:system", "VIDIOC_QBUF: Bad address\t(errno 14)");
	dbk_constraints_add_refusal(&c, "udmabuf", "VIDIOC_QBUF: Bad address");
	dbk_constraints_add_accepted(&c, "dma-heap:reserved");
	GstStructure *s = dbk_constraints_to_structure(&c);
	DbkConstraints back;
	ASSERT_TRUE(dbk_constraints_from_structure(s, &back, nullptr));
	gst_structure_free(s);
	gchar *text = dbk_constraints_to_string(&back);
	EXPECT_STREQ(text, "refuses dma-heap:system udmabuf, imports dma-heap:reserved");
	g_free(text);
	EXPECT_STREQ(back.refused_exporters, "dma-heap:system\tVIDIOC_QBUF: Bad address "
					     "(errno 14)\nudmabuf\tVIDIOC_QBUF: Bad address");
	EXPECT_STREQ(back.accepted_exporters, "dma-heap:reserved");
	/* A reason too long for the room left is shortened, never the refusal
	 * lost: a producer must still see that drm-dumb:vkms is refused. */
	std::string longReason(DBK_CONSTRAINTS_EXPORTERS_LEN, 'x');
	dbk_constraints_add_refusal(&back, "drm-dumb:vkms", longReason.c_str());
	const std::string list = back.refused_exporters;
	EXPECT_LT(list.size(), sizeof(back.refused_exporters));
	EXPECT_NE(list.find("\ndrm-dumb:vkms\txxx"), std::string::npos) << list;
	EXPECT_EQ(list.substr(list.size() - 4), "x...") << list;
	text = dbk_constraints_to_string(&back);
	EXPECT_STREQ(text,
		     "refuses dma-heap:system udmabuf drm-dumb:vkms, imports dma-heap:reserved");
	g_free(text);
	/* A name that does not fit at all is dropped whole, never cut. */
	DbkConstraints full;
	dbk_constraints_init(&full, "x");
	dbk_constraints_add_refusal(&full, "a", longReason.c_str());
	dbk_constraints_add_refusal(&full, "udmabuf", "no");
	EXPECT_EQ(std::string(full.refused_exporters).find("udmabuf"), std::string::npos);
	EXPECT_EQ(std::string(full.refused_exporters).find("\n"), std::string::npos);
}

TEST(GstApi, AllocationQueryMergesEveryConsumer)
{
	GstCaps *caps = gst_caps_from_string("video/x-raw,format=NV12,width=640,height=480");
	GstQuery *q = gst_query_new_allocation(caps, TRUE);
	gst_caps_unref(caps);

	DbkConstraints a, b;
	dbk_constraints_init(&a, "encoder");
	a.packed_stride = TRUE;
	a.stride_align = 16;
	dbk_constraints_init(&b, "display");
	b.scanout = TRUE;
	b.stride_align = 64;
	dbk_query_add_constraints(q, &a);
	gst_query_add_allocation_meta(q, GST_VIDEO_META_API_TYPE, nullptr);
	dbk_query_add_constraints(q, &b);

	DbkConstraints merged;
	guint n = 0;
	GError *err = nullptr;
	ASSERT_TRUE(dbk_query_get_constraints(q, &merged, &n, &err));
	EXPECT_EQ(n, 2u);
	EXPECT_TRUE(merged.packed_stride);
	EXPECT_TRUE(merged.scanout);
	EXPECT_EQ(merged.stride_align, 64u);
	EXPECT_STREQ(merged.consumer, "encoder + display");
	gst_query_unref(q);
}

TEST(GstApi, QueryWithoutConstraintsMeansNone)
{
	GstQuery *q = gst_query_new_allocation(nullptr, TRUE);
	DbkConstraints merged;
	guint n = 7;
	ASSERT_TRUE(dbk_query_get_constraints(q, &merged, &n, nullptr));
	EXPECT_EQ(n, 0u);
	EXPECT_EQ(merged.stride_align, 1u);
	EXPECT_FALSE(merged.scanout);
	gst_query_unref(q);
}

/* Two consumers in QUERY that cannot share a buffer: one wants every plane
 * in a single memory, the other a memory per plane. */
static void addConflictingLayouts(GstQuery *query, const char *single, const char *perPlane)
{
	DbkConstraints a, b;
	dbk_constraints_init(&a, single);
	a.memory_layout = DBK_MEMORY_LAYOUT_SINGLE;
	dbk_constraints_init(&b, perPlane);
	b.memory_layout = DBK_MEMORY_LAYOUT_PER_PLANE;
	dbk_query_add_constraints(query, &a);
	dbk_query_add_constraints(query, &b);
}

TEST(GstApi, ConflictingConstraintsInQueryFail)
{
	GstQuery *q = gst_query_new_allocation(nullptr, TRUE);
	addConflictingLayouts(q, "single-planar device", "multi-planar device");
	DbkConstraints merged;
	GError *err = nullptr;
	EXPECT_FALSE(dbk_query_get_constraints(q, &merged, nullptr, &err));
	ASSERT_NE(err, nullptr);
	EXPECT_TRUE(g_error_matches(err, DBK_ERROR, DBK_ERROR_CONFLICT));
	EXPECT_NE(std::string(err->message).find("multi-planar device"), std::string::npos);
	g_error_free(err);
	gst_query_unref(q);
}

TEST(GstApi, UnknownExporterIsAClearError)
{
	GError *err = nullptr;
	DbkAllocator *a = dbk_allocator_new_for_exporter("dma-heap:does-not-exist", &err);
	EXPECT_EQ(a, nullptr);
	ASSERT_NE(err, nullptr);
	EXPECT_TRUE(g_error_matches(err, DBK_ERROR, DBK_ERROR_NO_EXPORTER));
	EXPECT_NE(std::string(err->message).find("does-not-exist"), std::string::npos);
	g_error_free(err);
}

TEST(GstApi, AllocatorIsADmaBufAllocator)
{
	DbkAllocator *a = dbk_allocator_new();
	EXPECT_TRUE(GST_IS_DMABUF_ALLOCATOR(a));
	GError *err = nullptr;
	EXPECT_EQ(dbk_allocator_alloc_dmabuf(a, 0, nullptr, "zero", &err), nullptr);
	ASSERT_NE(err, nullptr);
	EXPECT_TRUE(g_error_matches(err, DBK_ERROR, DBK_ERROR_INVALID));
	g_clear_error(&err);
	EXPECT_EQ(dbk_allocator_import(a, 0, FALSE, &err), nullptr) << "stdin is not a dma-buf";
	ASSERT_NE(err, nullptr);
	EXPECT_NE(std::string(err->message).find("not a dma-buf"), std::string::npos);
	g_error_free(err);
	gst_object_unref(a);
}

TEST(GstApi, PoolRejectsUnknownFormat)
{
	GstBufferPool *pool = dbk_buffer_pool_new(nullptr);
	GstStructure *config = gst_buffer_pool_get_config(pool);
	GstCaps *caps = gst_caps_from_string("video/x-raw,format=v210,width=64,height=64");
	gst_buffer_pool_config_set_params(config, caps, 0, 2, 4);
	gst_caps_unref(caps);
	EXPECT_FALSE(gst_buffer_pool_set_config(pool, config));
	const gchar *why = dbk_buffer_pool_get_error(DBK_BUFFER_POOL(pool));
	ASSERT_NE(why, nullptr);
	EXPECT_NE(std::string(why).find("v210"), std::string::npos) << why;
	gst_object_unref(pool);
}

TEST(GstPlugin, RegistersItsElements)
{
	GstPlugin *plugin = gst_registry_find_plugin(gst_registry_get(), "dmabufkit");
	ASSERT_NE(plugin, nullptr)
		<< "plugin dmabufkit not found; GST_PLUGIN_PATH="
		<< (g_getenv("GST_PLUGIN_PATH") ? g_getenv("GST_PLUGIN_PATH") : "");
	gst_object_unref(plugin);
	GstElement *e = gst_element_factory_make("dmabufupload", nullptr);
	ASSERT_NE(e, nullptr);
	GParamSpec *p = g_object_class_find_property(G_OBJECT_GET_CLASS(e), "exporter");
	ASSERT_NE(p, nullptr);
	EXPECT_NE(g_param_spec_get_blurb(p), nullptr);
	gst_object_unref(e);
}

TEST(GstApi, DecideAllocationErrorsAreClear)
{
	GError *err = nullptr;
	GstQuery *q = gst_query_new_allocation(nullptr, TRUE);
	EXPECT_EQ(dbk_buffer_pool_decide_allocation(q, "auto", TRUE, "t", &err), nullptr);
	ASSERT_NE(err, nullptr);
	EXPECT_TRUE(g_error_matches(err, DBK_ERROR, DBK_ERROR_INVALID));
	EXPECT_NE(std::string(err->message).find("no video caps"), std::string::npos)
		<< err->message;
	g_clear_error(&err);
	gst_query_unref(q);

	GstCaps *caps = gst_caps_from_string("video/x-raw,format=NV12,width=64,height=64");
	q = gst_query_new_allocation(caps, TRUE);
	addConflictingLayouts(q, "single-planar consumer", "per-plane consumer");
	EXPECT_EQ(dbk_buffer_pool_decide_allocation(q, "auto", TRUE, "t", &err), nullptr);
	ASSERT_NE(err, nullptr);
	EXPECT_TRUE(g_error_matches(err, DBK_ERROR, DBK_ERROR_CONFLICT));
	EXPECT_NE(std::string(err->message).find("per-plane consumer"), std::string::npos)
		<< err->message;
	EXPECT_EQ(gst_query_get_n_allocation_pools(q), 0u)
		<< "a failed decision must not touch the query";
	g_clear_error(&err);
	gst_query_unref(q);

	q = gst_query_new_allocation(caps, TRUE);
	EXPECT_EQ(dbk_buffer_pool_decide_allocation(q, "dma-heap:does-not-exist", TRUE, "t", &err),
		  nullptr);
	ASSERT_NE(err, nullptr);
	EXPECT_TRUE(g_error_matches(err, DBK_ERROR, DBK_ERROR_NO_EXPORTER));
	EXPECT_NE(std::string(err->message).find("does-not-exist"), std::string::npos)
		<< err->message;
	g_clear_error(&err);
	gst_query_unref(q);
	gst_caps_unref(caps);
}

/* Fence waits skip what is not a dma-buf, and 0 means "no bound" (no wait at all). */
TEST(GstApi, FenceWaitSkipsSystemMemoryAndZeroDisables)
{
	GstBuffer *buf = gst_buffer_new_allocate(nullptr, 4096, nullptr);
	GError *err = nullptr;
	EXPECT_TRUE(dbk_buffer_wait_fences(buf, GST_MAP_READ, 10, &err));
	EXPECT_TRUE(dbk_buffer_wait_fences(buf, GST_MAP_WRITE, 0, &err));
	EXPECT_EQ(err, nullptr);
	gst_buffer_unref(buf);
	GParamSpec *spec = dbk_param_spec_fence_timeout();
	g_param_spec_ref_sink(spec);
	EXPECT_STREQ(g_param_spec_get_name(spec), "fence-timeout");
	EXPECT_EQ(G_PARAM_SPEC_INT(spec)->default_value, DBK_FENCE_TIMEOUT_DEFAULT_MS);
	EXPECT_EQ(G_PARAM_SPEC_INT(spec)->minimum, 0);
	g_param_spec_unref(spec);
}
