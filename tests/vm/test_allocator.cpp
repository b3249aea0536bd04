/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The allocator library on real exporters (in the VM): every exporter at
 * sizes from one page to 64 MiB, names in bufinfo, one SYNC START/END per
 * access and one mmap per buffer, no leaks over 10 000 cycles, stock
 * elements importing and mapping our memory, and every bad input reported
 * clearly.
 */
#include <atomic>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

#include <dmabufkit/dmabufkit.h>

#include "dmabufkit/core/cpu_access.h"
#include "dmabufkit/core/dma_heap_exporter.h"
#include "dmabufkit/core/drm_dumb_exporter.h"
#include "dmabufkit/core/exporter_registry.h"
#include "dmabufkit/internal/contiguity_probe.h"
#include "dmabufkit/core/udmabuf_exporter.h"
#include "test_devices.h"
#include "gst_environment.h"
#include "leak_counters.h"
#include "pipeline_unref.h"

using namespace dmabufkit;

namespace {

DBK_TEST_GST_ENVIRONMENT();

/* Write through one mapping of buf, read through a mapping of a second fd. */
void expectRoundTrip(const DmaBuf &buf, uint64_t size)
{
	CpuAccessCounters c;
	auto w = CpuMapping::map(buf.fd(), size, &c);
	ASSERT_TRUE(w.ok()) << w.error().message;
	{
		auto a = CpuAccess::begin(buf.fd(), Access::Write, &c);
		ASSERT_TRUE(a.ok()) << a.error().message;
		uint32_t *p = reinterpret_cast<uint32_t *>(w->data());
		for (uint64_t i = 0; i < size / 4; ++i)
			p[i] = static_cast<uint32_t>(i * 2654435761u);
	}
	UniqueFD other(dup(buf.fd()));
	auto r = CpuMapping::map(other.get(), size, &c);
	ASSERT_TRUE(r.ok()) << r.error().message;
	{
		auto a = CpuAccess::begin(other.get(), Access::Read, &c);
		ASSERT_TRUE(a.ok());
		const uint32_t *p = reinterpret_cast<const uint32_t *>(r->data());
		uint64_t bad = 0;
		for (uint64_t i = 0; i < size / 4; ++i)
			bad += p[i] != static_cast<uint32_t>(i * 2654435761u);
		EXPECT_EQ(bad, 0u) << size << " bytes";
	}
	EXPECT_EQ(c.syncStarts, 2u);
	EXPECT_EQ(c.syncEnds, 2u);
	EXPECT_EQ(c.mmaps, 2u);
}

const uint64_t kSizes[] = { 4096, 12288, 1 << 20, 8 << 20, 64ull << 20 };

} /* namespace */

TEST(Exporters, SystemHeapSizesAndNames)
{
	auto heap = DmaHeapExporter::open("system");
	ASSERT_TRUE(heap.ok()) << heap.error().message;
	EXPECT_FALSE((*heap)->traits().contiguous);
	for (uint64_t size : kSizes) {
		std::string name = "test:heap:" + std::to_string(size);
		auto buf = (*heap)->allocate({ size, name, 0 });
		ASSERT_TRUE(buf.ok()) << buf.error().message;
		EXPECT_EQ(buf->size(), size);
		EXPECT_EQ(buf->name(), name);
		EXPECT_NE(test::dmaBufInfo().find(name), std::string::npos)
			<< "name not in bufinfo";
		expectRoundTrip(*buf, size);
	}
}

/* The contiguous trait comes from what the heap does, not its name: the
 * heap that says it is contiguous is the one whose buffers come out of the
 * kernel's CMA areas, every time. */
TEST(Exporters, CmaHeapIsContiguous)
{
	std::string cma;
	for (const auto &h : DmaHeapExporter::availableHeaps()) {
		auto heap = DmaHeapExporter::open(h);
		ASSERT_TRUE(heap.ok()) << heap.error().message;
		if ((*heap)->traits().contiguous) {
			EXPECT_TRUE(cma.empty()) << "two contiguous heaps: " << cma << ", " << h;
			cma = h;
		}
	}
	ASSERT_FALSE(cma.empty()) << "the test kernel has a CMA heap (cma=64M)";
	EXPECT_NE(cma, "system");
	auto heap = DmaHeapExporter::open(cma);
	ASSERT_TRUE(heap.ok()) << heap.error().message;
	for (uint64_t size : { 4096ull, 1ull << 20, 16ull << 20 }) {
		const int64_t before = int64_t(cmaFreeBytes().value_or(0));
		auto buf = (*heap)->allocate({ size, "test:cma", 0 });
		ASSERT_TRUE(buf.ok()) << buf.error().message;
		const int64_t drawn = before - int64_t(cmaFreeBytes().value_or(0));
		/* Small buffers drown in per-CPU page list noise; large ones cannot. */
		if (size >= (1u << 20)) {
			EXPECT_GE(drawn, int64_t(size / 2))
				<< size << " bytes did not come from CMA";
		}
		expectRoundTrip(*buf, size);
	}
}

TEST(Exporters, UdmabufSizesAndNames)
{
	auto u = UdmabufExporter::open();
	ASSERT_TRUE(u.ok()) << u.error().message;
	for (uint64_t size : kSizes) {
		auto buf = (*u)->allocate({ size, "test:udmabuf", 0 });
		ASSERT_TRUE(buf.ok()) << size << ": " << buf.error().message;
		EXPECT_EQ(buf->size(), size);
		EXPECT_EQ(buf->exporterName(), "udmabuf");
		EXPECT_EQ(buf->name(), "test:udmabuf");
		expectRoundTrip(*buf, size);
	}
	/* Sizes are rounded up to whole pages. */
	auto odd = (*u)->allocate({ 5000, "test:odd", 0 });
	ASSERT_TRUE(odd.ok());
	EXPECT_EQ(odd->size(), 8192u);
}

TEST(Exporters, DrmDumbOnVkms)
{
	auto card = test::findDevice("vkms-card");
	ASSERT_TRUE(card.ok()) << card.error().message;
	auto d = DrmDumbExporter::open(*card);
	ASSERT_TRUE(d.ok()) << d.error().message;
	EXPECT_TRUE((*d)->traits().scanout);
	uint32_t pitch = 0;
	auto buf = (*d)->allocate2D(640, 480, 32, "test:dumb", &pitch);
	ASSERT_TRUE(buf.ok()) << buf.error().message;
	EXPECT_EQ(pitch, 2560u);
	EXPECT_GE(buf->size(), 2560u * 480);
	EXPECT_EQ(buf->name(), "test:dumb");
	expectRoundTrip(*buf, buf->size());
	/* With a stride the layout dictates. */
	auto b2 = (*d)->allocate({ 1 << 20, "test:dumb-stride", 4096 });
	ASSERT_TRUE(b2.ok()) << b2.error().message;
	expectRoundTrip(*b2, b2->size());
}

TEST(Exporters, ForeignFdNotOwnedUnlessAsked)
{
	auto heap = DmaHeapExporter::open("system");
	ASSERT_TRUE(heap.ok());
	auto buf = (*heap)->allocate({ 4096, "test:foreign", 0 });
	ASSERT_TRUE(buf.ok());
	int fd = buf->fd();
	{
		auto borrowed = DmaBuf::borrow(fd);
		ASSERT_TRUE(borrowed.ok());
		EXPECT_EQ(borrowed->inode(), buf->inode());
		EXPECT_FALSE(borrowed->ownsFd());
	}
	EXPECT_NE(fcntl(fd, F_GETFD), -1) << "a borrowed fd must stay open";
	int dupped = dup(fd);
	{
		auto adopted = DmaBuf::adopt(UniqueFD(dupped));
		ASSERT_TRUE(adopted.ok());
		EXPECT_EQ(adopted->inode(), buf->inode()) << "same buffer, same identity";
	}
	EXPECT_EQ(fcntl(dupped, F_GETFD), -1) << "an adopted fd is closed with its DmaBuf";
}

TEST(GstAllocator, MapOnceSyncEveryAccess)
{
	DbkAllocator *alloc = dbk_allocator_new();
	GError *err = nullptr;
	GstMemory *mem = dbk_allocator_alloc_dmabuf(alloc, 1 << 20, nullptr, "test:gst", &err);
	ASSERT_NE(mem, nullptr) << err->message;
	EXPECT_TRUE(gst_is_dmabuf_memory(mem));
	EXPECT_TRUE(dbk_memory_is_dbk(mem));
	gchar *name = dbk_memory_get_name(mem);
	EXPECT_STREQ(name, "test:gst");
	g_free(name);

	const int rounds = 100;
	GstMapInfo info;
	for (int i = 0; i < rounds; ++i) {
		ASSERT_TRUE(gst_memory_map(mem, &info, (i & 1) ? GST_MAP_READ : GST_MAP_WRITE));
		if (!(i & 1))
			info.data[i] = static_cast<guint8>(i);
		gst_memory_unmap(mem, &info);
	}
	/* A shared sub-memory maps through the same cached mapping. */
	GstMemory *sub = gst_memory_share(mem, 4096, 4096);
	ASSERT_TRUE(gst_memory_map(sub, &info, GST_MAP_READ));
	EXPECT_EQ(info.size, 4096u);
	gst_memory_unmap(sub, &info);
	gst_memory_unref(sub);

	DbkAccessStats s;
	dbk_allocator_get_stats(alloc, &s);
	EXPECT_EQ(s.mmaps, 1u) << "mmap must happen once per buffer, not per map";
	EXPECT_EQ(s.munmaps, 0u);
	EXPECT_EQ(s.sync_starts, rounds + 1u) << "one SYNC START per map";
	EXPECT_EQ(s.sync_ends, rounds + 1u) << "one SYNC END per unmap";
	EXPECT_EQ(s.live, 1u);
	gst_memory_unref(mem);
	dbk_allocator_get_stats(alloc, &s);
	EXPECT_EQ(s.munmaps, 1u);
	EXPECT_EQ(s.live, 0u);
	EXPECT_EQ(s.live_bytes, 0u);
	gst_object_unref(alloc);
}

TEST(GstAllocator, ImportForeignFd)
{
	auto heap = DmaHeapExporter::open("system");
	ASSERT_TRUE(heap.ok());
	auto buf = (*heap)->allocate({ 8192, "test:import", 0 });
	ASSERT_TRUE(buf.ok());
	DbkAllocator *alloc = dbk_allocator_new();
	GstMemory *mem = dbk_allocator_import(alloc, buf->fd(), FALSE, nullptr);
	ASSERT_NE(mem, nullptr);
	EXPECT_EQ(dbk_memory_get_inode(mem), static_cast<guint64>(buf->inode()));
	GstMapInfo info;
	ASSERT_TRUE(gst_memory_map(mem, &info, GST_MAP_WRITE));
	memset(info.data, 0xab, info.size);
	gst_memory_unmap(mem, &info);
	gst_memory_unref(mem);
	EXPECT_NE(fcntl(buf->fd(), F_GETFD), -1) << "import without ownership must not close";
	gst_object_unref(alloc);
}

TEST(GstAllocator, PoolLayoutMetaAndStats)
{
	GstBufferPool *pool = dbk_buffer_pool_new(nullptr);
	GstStructure *config = gst_buffer_pool_get_config(pool);
	GstCaps *caps = gst_caps_from_string("video/x-raw,format=NV12,width=1000,height=500");
	gst_buffer_pool_config_set_params(config, caps, 0, 2, 3);
	gst_caps_unref(caps);
	DbkConstraints c;
	dbk_constraints_init(&c, "test consumer");
	c.stride_align = 64;
	c.offset_align = 4096;
	dbk_buffer_pool_config_set_constraints(config, &c);
	dbk_buffer_pool_config_set_name_prefix(config, "test-pool");
	ASSERT_TRUE(gst_buffer_pool_set_config(pool, config))
		<< dbk_buffer_pool_get_error(DBK_BUFFER_POOL(pool));
	ASSERT_TRUE(gst_buffer_pool_set_active(pool, TRUE));

	GstBuffer *bufs[3];
	for (auto &b : bufs)
		ASSERT_EQ(gst_buffer_pool_acquire_buffer(pool, &b, nullptr), GST_FLOW_OK);
	GstVideoMeta *meta = gst_buffer_get_video_meta(bufs[0]);
	ASSERT_NE(meta, nullptr);
	EXPECT_EQ(meta->stride[0], 1024);
	EXPECT_EQ(meta->stride[1], 1024);
	EXPECT_EQ(meta->offset[1], 512000u);
	EXPECT_EQ(gst_buffer_n_memory(bufs[0]), 1u);
	gchar *name = dbk_memory_get_name(gst_buffer_peek_memory(bufs[2], 0));
	EXPECT_STREQ(name, "test-pool:2");
	g_free(name);

	DbkPoolStats s;
	dbk_buffer_pool_get_stats(DBK_BUFFER_POOL(pool), &s);
	EXPECT_EQ(s.allocated, 3u);
	EXPECT_EQ(s.in_flight, 3u);
	EXPECT_EQ(s.waits, 0u);

	/* A fourth acquire has to wait: release one buffer from another thread. */
	GstBuffer *release = bufs[1];
	GThread *t = g_thread_new(
		"release",
		[](gpointer data) -> gpointer {
			g_usleep(100000);
			gst_buffer_unref(static_cast<GstBuffer *>(data));
			return nullptr;
		},
		release);
	GstBuffer *fourth = nullptr;
	ASSERT_EQ(gst_buffer_pool_acquire_buffer(pool, &fourth, nullptr), GST_FLOW_OK);
	g_thread_join(t);
	dbk_buffer_pool_get_stats(DBK_BUFFER_POOL(pool), &s);
	EXPECT_EQ(s.waits, 1u);
	EXPECT_EQ(s.allocated, 3u) << "pool must not allocate beyond max-buffers";
	EXPECT_EQ(s.in_flight, 3u);

	gst_buffer_unref(fourth);
	gst_buffer_unref(bufs[0]);
	gst_buffer_unref(bufs[2]);
	GstStructure *st = dbk_buffer_pool_get_stats_structure(DBK_BUFFER_POOL(pool));
	guint64 inflight = 99;
	EXPECT_TRUE(gst_structure_get_uint64(st, "in-flight", &inflight));
	EXPECT_EQ(inflight, 0u);
	EXPECT_STREQ(gst_structure_get_string(st, "exporter"), "dma-heap:system");
	gst_structure_free(st);
	gst_buffer_pool_set_active(pool, FALSE);
	gst_object_unref(pool);
}

TEST(GstAllocator, PoolPerPlaneMemories)
{
	GstBufferPool *pool = dbk_buffer_pool_new(nullptr);
	GstStructure *config = gst_buffer_pool_get_config(pool);
	GstCaps *caps = gst_caps_from_string("video/x-raw,format=I420,width=640,height=480");
	gst_buffer_pool_config_set_params(config, caps, 0, 1, 1);
	gst_caps_unref(caps);
	DbkConstraints c;
	dbk_constraints_init(&c, "mplane");
	c.memory_layout = DBK_MEMORY_LAYOUT_PER_PLANE;
	dbk_buffer_pool_config_set_constraints(config, &c);
	ASSERT_TRUE(gst_buffer_pool_set_config(pool, config));
	ASSERT_TRUE(gst_buffer_pool_set_active(pool, TRUE));
	GstBuffer *b = nullptr;
	ASSERT_EQ(gst_buffer_pool_acquire_buffer(pool, &b, nullptr), GST_FLOW_OK);
	EXPECT_EQ(gst_buffer_n_memory(b), 3u);
	GstVideoMeta *meta = gst_buffer_get_video_meta(b);
	ASSERT_NE(meta, nullptr);
	EXPECT_EQ(meta->offset[1], 640u * 480);
	EXPECT_EQ(meta->offset[2], 640u * 480 + 320 * 240);
	/* The frame maps plane by plane across memories. */
	GstVideoInfo info;
	ASSERT_TRUE(dbk_buffer_pool_get_video_info(DBK_BUFFER_POOL(pool), &info));
	GstVideoFrame f;
	ASSERT_TRUE(gst_video_frame_map(&f, &info, b, GST_MAP_WRITE));
	memset(GST_VIDEO_FRAME_PLANE_DATA(&f, 2), 7, 320 * 240);
	gst_video_frame_unmap(&f);
	gst_buffer_unref(b);
	gst_buffer_pool_set_active(pool, FALSE);
	gst_object_unref(pool);
}

/* A device that needs more than the caps' frame (vivid's multi-planar output
 * wants 128 bytes past a YUY2 frame) states it as the pool's size: every
 * buffer holds that much, and the frame layout stays the caps'. */
TEST(GstAllocator, PoolHonoursALargerConfiguredSize)
{
	GstBufferPool *pool = dbk_buffer_pool_new(nullptr);
	GstStructure *config = gst_buffer_pool_get_config(pool);
	GstCaps *caps = gst_caps_from_string("video/x-raw,format=YUY2,width=640,height=480");
	gst_buffer_pool_config_set_params(config, caps, 614528, 1, 1);
	gst_caps_unref(caps);
	ASSERT_TRUE(gst_buffer_pool_set_config(pool, config))
		<< dbk_buffer_pool_get_error(DBK_BUFFER_POOL(pool));
	config = gst_buffer_pool_get_config(pool);
	guint size = 0;
	gst_buffer_pool_config_get_params(config, nullptr, &size, nullptr, nullptr);
	gst_structure_free(config);
	EXPECT_EQ(size, 614528u);
	ASSERT_TRUE(gst_buffer_pool_set_active(pool, TRUE));
	GstBuffer *b = nullptr;
	ASSERT_EQ(gst_buffer_pool_acquire_buffer(pool, &b, nullptr), GST_FLOW_OK);
	ASSERT_EQ(gst_buffer_n_memory(b), 1u);
	const int fd = gst_dmabuf_memory_get_fd(gst_buffer_peek_memory(b, 0));
	EXPECT_GE(lseek(fd, 0, SEEK_END), 614528);
	EXPECT_GE(gst_buffer_get_size(b), 614528u);
	GstVideoMeta *meta = gst_buffer_get_video_meta(b);
	ASSERT_NE(meta, nullptr);
	EXPECT_EQ(meta->stride[0], 1280);
	gst_buffer_unref(b);
	gst_buffer_pool_set_active(pool, FALSE);
	gst_object_unref(pool);
}

TEST(Leaks, TenThousandCycles)
{
	DbkAllocator *alloc = dbk_allocator_new();
	GError *err = nullptr;
	/* Warm up lazily opened exporters before counting. */
	GstMemory *warm = dbk_allocator_alloc_dmabuf(alloc, 4096, nullptr, "warm", &err);
	ASSERT_NE(warm, nullptr);
	gst_memory_unref(warm);

	const int fds0 = test::countOpenFds();
	const int bufs0 = test::countLiveDmaBufs();
	for (int i = 0; i < 10000; ++i) {
		GstMemory *m = dbk_allocator_alloc_dmabuf(alloc, 4096, nullptr, "cycle", &err);
		ASSERT_NE(m, nullptr) << "cycle " << i << ": " << err->message;
		GstMapInfo info;
		ASSERT_TRUE(gst_memory_map(m, &info, GST_MAP_READWRITE));
		info.data[0] = static_cast<guint8>(i);
		gst_memory_unmap(m, &info);
		gst_memory_unref(m);
	}
	EXPECT_EQ(test::countOpenFds(), fds0);
	EXPECT_EQ(test::countLiveDmaBufs(), bufs0);
	DbkAccessStats s;
	dbk_allocator_get_stats(alloc, &s);
	EXPECT_EQ(s.live, 0u);
	EXPECT_EQ(s.mmaps, s.munmaps);
	EXPECT_EQ(s.sync_starts, s.sync_ends);
	std::printf("  10000 cycles: fds %d -> %d, live dma-bufs %d -> %d, %lu mmaps, %lu syncs\n",
		    fds0, test::countOpenFds(), bufs0, test::countLiveDmaBufs(),
		    static_cast<unsigned long>(s.mmaps), static_cast<unsigned long>(s.sync_starts));
	gst_object_unref(alloc);
}

/* Bad input: every case is a clear error, nothing crashes. */

TEST(BadInput, HeapThatDoesNotExist)
{
	GError *err = nullptr;
	EXPECT_EQ(dbk_allocator_new_for_exporter("dma-heap:nonexistent", &err), nullptr);
	ASSERT_NE(err, nullptr);
	EXPECT_NE(std::string(err->message).find("available: dma-heap:system"), std::string::npos)
		<< err->message;
	g_error_free(err);
}

TEST(BadInput, UdmabufMissing)
{
	auto u = UdmabufExporter::open("/dev/udmabuf-missing");
	ASSERT_FALSE(u.ok());
	EXPECT_NE(u.error().message.find("no such device"), std::string::npos) << u.error().message;
}

TEST(BadInput, SizeZeroAndLargerThanMemory)
{
	DbkAllocator *alloc = dbk_allocator_new();
	GError *err = nullptr;
	EXPECT_EQ(dbk_allocator_alloc_dmabuf(alloc, 0, nullptr, "zero", &err), nullptr);
	ASSERT_NE(err, nullptr);
	EXPECT_NE(std::string(err->message).find("size 0"), std::string::npos) << err->message;
	g_clear_error(&err);
	const gsize huge = 64ull << 30; /* the guest has 2 GiB */
	EXPECT_EQ(dbk_allocator_alloc_dmabuf(alloc, huge, nullptr, "huge", &err), nullptr);
	ASSERT_NE(err, nullptr);
	EXPECT_NE(std::string(err->message).find("exceeds"), std::string::npos) << err->message;
	g_clear_error(&err);
	/* The heap itself refuses what the size check cannot know about. */
	auto heap = DmaHeapExporter::open("system");
	ASSERT_TRUE(heap.ok());
	auto tooBig = (*heap)->allocate({ 3ull << 30, "too-big", 0 });
	EXPECT_FALSE(tooBig.ok());
	gst_object_unref(alloc);
}

TEST(BadInput, ConstraintsNoExporterCanMeet)
{
	DbkAllocator *alloc = dbk_allocator_new();
	DbkConstraints c;
	dbk_constraints_init(&c, "impossible sink");
	c.contiguous = TRUE;
	c.scanout = TRUE;
	GError *err = nullptr;
	EXPECT_EQ(dbk_allocator_alloc_dmabuf(alloc, 4096, &c, "x", &err), nullptr);
	ASSERT_NE(err, nullptr);
	EXPECT_TRUE(g_error_matches(err, DBK_ERROR, DBK_ERROR_NO_EXPORTER));
	std::string m = err->message;
	EXPECT_NE(m.find("impossible sink"), std::string::npos) << m;
	EXPECT_NE(m.find("not scanout-capable"), std::string::npos) << m;
	EXPECT_NE(m.find("not physically contiguous"), std::string::npos) << m;
	g_error_free(err);
	gst_object_unref(alloc);
}

TEST(BadInput, ForeignFdNotADmaBuf)
{
	DbkAllocator *alloc = dbk_allocator_new();
	int fd = memfd_create("plain", MFD_CLOEXEC);
	GError *err = nullptr;
	EXPECT_EQ(dbk_allocator_import(alloc, fd, FALSE, &err), nullptr);
	ASSERT_NE(err, nullptr);
	EXPECT_NE(std::string(err->message).find("not a dma-buf"), std::string::npos);
	g_error_free(err);
	close(fd);
	gst_object_unref(alloc);
}

TEST(BadInput, UploadPostsErrorForImpossibleConstraints)
{
	/* The ALLOCATION query reaching the sink gets constraints nobody can
	 * meet (added by a probe, as a consumer would add them). */
	GstElement *p = gst_parse_launch(
		"videotestsrc num-buffers=3 ! video/x-raw,format=BGRx,width=64,height=64 "
		"! dmabufupload ! fakesink name=sink",
		nullptr);
	ASSERT_NE(p, nullptr);
	GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
	GstPad *pad = gst_element_get_static_pad(sink, "sink");
	gst_pad_add_probe(
		pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
		[](GstPad *, GstPadProbeInfo *info, gpointer) -> GstPadProbeReturn {
			GstQuery *q = GST_PAD_PROBE_INFO_QUERY(info);
			if (GST_QUERY_TYPE(q) == GST_QUERY_ALLOCATION) {
				DbkConstraints c;
				dbk_constraints_init(&c, "impossible downstream");
				c.contiguous = TRUE;
				c.scanout = TRUE;
				dbk_query_add_constraints(q, &c);
			}
			return GST_PAD_PROBE_OK;
		},
		nullptr, nullptr);
	gst_object_unref(pad);
	gst_object_unref(sink);
	gst_element_set_state(p, GST_STATE_PLAYING);
	GstMessage *msg = gst_bus_timed_pop_filtered(
		GST_ELEMENT_BUS(p), 10 * GST_SECOND,
		static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_EOS));
	ASSERT_NE(msg, nullptr) << "pipeline hung";
	ASSERT_EQ(GST_MESSAGE_TYPE(msg), GST_MESSAGE_ERROR)
		<< "impossible constraints went unnoticed";
	GError *err = nullptr;
	gchar *dbg = nullptr;
	gst_message_parse_error(msg, &err, &dbg);
	std::string all = std::string(err->message) + " / " + (dbg ? dbg : "");
	EXPECT_NE(all.find("impossible downstream"), std::string::npos) << all;
	EXPECT_NE(all.find("not scanout-capable"), std::string::npos) << all;
	g_error_free(err);
	g_free(dbg);
	gst_message_unref(msg);
	gst_element_set_state(p, GST_STATE_NULL);
	test::unrefPipeline(p);
}

TEST(BadInput, UploadUnknownExporterPostsError)
{
	GstElement *p = gst_parse_launch(
		"videotestsrc num-buffers=3 ! video/x-raw,format=BGRx,width=64,height=64 "
		"! dmabufupload exporter=dma-heap:nope ! fakesink",
		nullptr);
	ASSERT_NE(p, nullptr);
	gst_element_set_state(p, GST_STATE_PLAYING);
	GstMessage *msg = gst_bus_timed_pop_filtered(
		GST_ELEMENT_BUS(p), 10 * GST_SECOND,
		static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_EOS));
	ASSERT_NE(msg, nullptr) << "pipeline hung";
	ASSERT_EQ(GST_MESSAGE_TYPE(msg), GST_MESSAGE_ERROR);
	GError *err = nullptr;
	gchar *dbg = nullptr;
	gst_message_parse_error(msg, &err, &dbg);
	EXPECT_NE(std::string(err->message).find("dma-heap:nope"), std::string::npos)
		<< err->message;
	EXPECT_NE(std::string(dbg).find("available"), std::string::npos) << dbg;
	g_error_free(err);
	g_free(dbg);
	gst_message_unref(msg);
	gst_element_set_state(p, GST_STATE_NULL);
	test::unrefPipeline(p);
}

/* Stock interop. */

namespace {

struct RunResult {
	bool eos = false;
	std::string error;
	guint64 copies = 0, passthrough = 0;
};

RunResult runPipeline(const std::string &desc)
{
	RunResult r;
	GError *err = nullptr;
	GstElement *p = gst_parse_launch(desc.c_str(), &err);
	if (!p) {
		r.error = err ? err->message : "parse failed";
		return r;
	}
	gst_element_set_state(p, GST_STATE_PLAYING);
	GstMessage *msg = gst_bus_timed_pop_filtered(
		GST_ELEMENT_BUS(p), 60 * GST_SECOND,
		static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_EOS));
	if (!msg)
		r.error = "timeout";
	else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS)
		r.eos = true;
	else {
		GError *e = nullptr;
		gst_message_parse_error(msg, &e, nullptr);
		r.error = e->message;
		g_error_free(e);
	}
	if (msg)
		gst_message_unref(msg);
	if (GstElement *u = gst_bin_get_by_name(GST_BIN(p), "up")) {
		g_object_get(u, "copies", &r.copies, "passthrough-count", &r.passthrough, nullptr);
		gst_object_unref(u);
	}
	gst_element_set_state(p, GST_STATE_NULL);
	test::unrefPipeline(p);
	return r;
}

} /* namespace */

TEST(StockInterop, StockElementsMapOurMemory)
{
	/* videoconvert and videoscale map our dma-bufs through our allocator. */
	DbkAccessStats before, after;
	dbk_get_global_access_stats(&before);
	RunResult r = runPipeline(
		"videotestsrc num-buffers=20 ! video/x-raw,format=NV12,width=320,height=240 "
		"! dmabufupload name=up ! videoconvert ! video/x-raw,format=BGRx "
		"! videoscale ! video/x-raw,width=160,height=120 ! fakesink");
	ASSERT_TRUE(r.eos) << r.error;
	EXPECT_EQ(r.copies, 20u);
	dbk_get_global_access_stats(&after);
	EXPECT_GE(after.sync_starts - before.sync_starts, 40u)
		<< "upload writes + videoconvert reads";
	EXPECT_EQ(after.sync_starts - before.sync_starts, after.sync_ends - before.sync_ends);
}

TEST(StockInterop, DmaBufInputPassesThrough)
{
	RunResult r = runPipeline(
		"videotestsrc num-buffers=10 ! video/x-raw,format=BGRx,width=320,height=240 "
		"! dmabufupload ! dmabufupload name=up ! fakesink");
	ASSERT_TRUE(r.eos) << r.error;
	EXPECT_EQ(r.passthrough, 10u);
	EXPECT_EQ(r.copies, 0u);
}

namespace {

std::atomic<int> frameCopies{ 0 };

void countFrameCopies(GstDebugCategory *cat, GstDebugLevel, const gchar *, const gchar *, gint,
		      GObject *, GstDebugMessage *message, gpointer)
{
	if (!strcmp(gst_debug_category_get_name(cat), "GST_PERFORMANCE") &&
	    strstr(gst_debug_message_get(message), "frame copy"))
		frameCopies++;
}

} /* namespace */

TEST(StockInterop, StockKmssinkImportsOurBuffers)
{
	gst_debug_set_threshold_for_name("GST_PERFORMANCE", GST_LEVEL_INFO);
	gst_debug_add_log_function(countFrameCopies, nullptr, nullptr);
	frameCopies = 0;
	RunResult r = runPipeline(
		"videotestsrc num-buffers=30 ! video/x-raw,format=BGRx,width=640,height=480 "
		"! dmabufupload name=up ! kmssink driver-name=vkms");
	gst_debug_remove_log_function(countFrameCopies);
	ASSERT_TRUE(r.eos) << r.error;
	EXPECT_EQ(r.copies, 30u) << "the upload itself copies each frame once";
	EXPECT_EQ(frameCopies.load(), 0)
		<< "kmssink copied frames instead of importing our dma-bufs";
	/* The control: system memory straight into kmssink is copied. */
	gst_debug_add_log_function(countFrameCopies, nullptr, nullptr);
	RunResult control = runPipeline(
		"videotestsrc num-buffers=5 ! video/x-raw,format=BGRx,width=640,height=480 "
		"! identity drop-allocation=true ! kmssink driver-name=vkms");
	gst_debug_remove_log_function(countFrameCopies);
	ASSERT_TRUE(control.eos) << control.error;
	EXPECT_GT(frameCopies.load(), 0) << "the copy detector does not see kmssink copies";
}
