/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmabufcpufilter on real dma-bufs (in the VM): vivid (YUYV and NV12,
 * io-mode=dmabuf) -> dmabufcpufilter convert -> kmssink on vkms.
 *
 * Asserts, from the element's own counters and the allocator's: exactly one
 * DMA_BUF_IOCTL_SYNC START/END pair per buffer on each side (READ on the
 * imported vivid dma-buf, WRITE on our pool's), no mmap per frame (mmaps
 * bounded by the number of distinct buffers), no fd or dma-buf leak; invert
 * in place, a thumbnail, dmabufv4l2src input, dmabufkmssink output; and that snapshot PNGs
 * decode and equal the frame handed to the sink.
 */
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <string>
#include <vector>

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dmabufkit/dbk_allocator.h>

#include "frame_png_writer.h"
#include "png_file.h"
#include "test_devices.h"
#include "gst_environment.h"
#include "leak_counters.h"
#include "pipeline_unref.h"

using namespace dmabufkit;

namespace {

DBK_TEST_GST_ENVIRONMENT();

constexpr int kFrames = 30;

std::string vivid()
{
	auto path = test::findDevice("vivid-capture");
	EXPECT_TRUE(path.ok()) << path.error().message;
	return path.ok() ? *path : "/dev/null";
}

/* Run \a desc to EOS; returns "" or the error. */
std::string runToEos(GstElement *pipeline)
{
	if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		/* The error message says why. */
	}
	GstBus *bus = gst_element_get_bus(pipeline);
	GstMessage *msg = gst_bus_timed_pop_filtered(
		bus, 180 * GST_SECOND,
		static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
	gst_object_unref(bus);
	std::string result;
	if (!msg)
		return "timeout waiting for EOS";
	if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
		GError *err = nullptr;
		gchar *debug = nullptr;
		gst_message_parse_error(msg, &err, &debug);
		result = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg))) + ": " + err->message +
			 " (" + (debug ? debug : "") + ")";
		g_error_free(err);
		g_free(debug);
	}
	gst_message_unref(msg);
	return result;
}

guint64 field(const GstStructure *s, const char *name)
{
	guint64 v = G_MAXUINT64;
	EXPECT_TRUE(s && gst_structure_get_uint64(s, name, &v)) << "no field " << name;
	return v;
}

struct Counters {
	GstStructure *stats = nullptr;
	GstStructure *pool = nullptr;
	~Counters()
	{
		if (stats)
			gst_structure_free(stats);
		if (pool)
			gst_structure_free(pool);
	}
};

struct RunResult {
	int fdDelta = 0;
	long dmabufDelta = 0;
	Counters counters;
};

/* Run \a desc (its filter named f) to EOS; counters and leaks into \a r. */
void runPipeline(const std::string &desc, RunResult &r)
{
	const int fdsBefore = test::countOpenFds();
	const long bufsBefore = test::countLiveDmaBufs();
	GError *err = nullptr;
	GstElement *pipeline = gst_parse_launch(desc.c_str(), &err);
	ASSERT_NE(pipeline, nullptr) << err->message;
	EXPECT_EQ(runToEos(pipeline), "") << desc;
	GstElement *f = gst_bin_get_by_name(GST_BIN(pipeline), "f");
	if (g_object_class_find_property(G_OBJECT_GET_CLASS(f), "stats"))
		g_object_get(f, "stats", &r.counters.stats, "pool-stats", &r.counters.pool,
			     nullptr);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	gst_object_unref(f);
	test::unrefPipeline(pipeline);
	r.fdDelta = test::countOpenFds() - fdsBefore;
	/* Stock kmssink: a DRM commit's cleanup, on a kernel worker, drops
	 * the last framebuffer's dma-buf after NULL (one in a full run). */
	r.dmabufDelta = test::countLiveDmaBufsOnceSettled(static_cast<int>(bufsBefore)) -
			static_cast<int>(bufsBefore);
}

/* vivid FORMAT 640x480 -> FILTER -> BGRx -> stock kmssink, to EOS. */
void runToKms(const char *format, const char *filter, RunResult &r)
{
	runPipeline("v4l2src device=" + vivid() +
			    " io-mode=dmabuf num-buffers=" + std::to_string(kFrames) +
			    " ! video/x-raw,format=" + format + ",width=640,height=480 ! " +
			    filter + " name=f ! video/x-raw,format=BGRx ! kmssink driver-name=vkms",
		    r);
}

void printCounters(const char *what, const Counters &c)
{
	gchar *s1 = c.stats ? gst_structure_to_string(c.stats) : g_strdup("none");
	gchar *s2 = c.pool ? gst_structure_to_string(c.pool) : g_strdup("none");
	std::printf("  %s: %s\n  %s: %s\n", what, s1, what, s2);
	g_free(s1);
	g_free(s2);
}

void convertToKms(const char *format)
{
	/* Stock v4l2src leaves the device node and a few sockets open after its
	 * pipeline is gone (seen with videoconvert too), so the fd check is
	 * against the same pipeline with videoconvert, run just before. */
	static bool warmedUp = false;
	if (!warmedUp) {
		/* Once-per-process GLib/GStreamer fds (main context eventfd, ...). */
		RunResult warmUp;
		runToKms(format, "videoconvert", warmUp);
		warmedUp = true;
	}
	RunResult stock, ours;
	runToKms(format, "videoconvert", stock);
	runToKms(format, "dmabufcpufilter", ours);
	EXPECT_EQ(ours.fdDelta, stock.fdDelta) << "dmabufcpufilter leaks fds";
	EXPECT_EQ(ours.dmabufDelta, 0) << "dma-buf leak (debugfs bufinfo)";
	EXPECT_EQ(stock.dmabufDelta, 0);
	Counters &c = ours.counters;
	ASSERT_NE(c.stats, nullptr);
	ASSERT_NE(c.pool, nullptr) << "output did not come from a dmabufkit pool";
	printCounters(format, c);

	const guint64 n = field(c.stats, "frames");
	EXPECT_EQ(n, static_cast<guint64>(kFrames));
	EXPECT_EQ(field(c.stats, "passthrough"), 0u);
	EXPECT_EQ(field(c.stats, "dmabuf-inputs"), n) << "vivid io-mode=dmabuf gives dma-bufs";
	/* Input: one memory per vivid buffer, mapped once, imported once. */
	EXPECT_EQ(field(c.stats, "input-maps"), n);
	EXPECT_EQ(field(c.stats, "import-sync-starts"), n) << "one SYNC START per input buffer";
	EXPECT_EQ(field(c.stats, "import-sync-ends"), n) << "one SYNC END per input buffer";
	EXPECT_GE(field(c.stats, "import-mmaps"), 1u);
	EXPECT_LE(field(c.stats, "import-mmaps"), 8u)
		<< "mmap per distinct vivid buffer, not per frame";
	/* Output: one SYNC pair per frame on our pool's dma-bufs, mmap per buffer. */
	EXPECT_EQ(field(c.stats, "output-maps"), n);
	EXPECT_EQ(field(c.pool, "sync-starts"), n) << "one SYNC START per output buffer";
	EXPECT_EQ(field(c.pool, "sync-ends"), n);
	const guint64 allocated = field(c.pool, "allocated");
	EXPECT_LT(allocated, n) << "pool buffers are reused";
	EXPECT_LE(field(c.pool, "mmaps"), allocated) << "no mmap per frame";
}

/* The frame as packed BGRx bytes, mapped with its video meta. */
std::vector<uint8_t> bgrxPixels(GstSample *sample)
{
	GstBuffer *buf = gst_sample_get_buffer(sample);
	GstVideoInfo info;
	gst_video_info_from_caps(&info, gst_sample_get_caps(sample));
	GstVideoFrame frame;
	std::vector<uint8_t> out;
	if (!gst_video_frame_map(&frame, &info, buf, GST_MAP_READ))
		return out;
	const int w = GST_VIDEO_INFO_WIDTH(&info), h = GST_VIDEO_INFO_HEIGHT(&info);
	for (int y = 0; y < h; ++y) {
		const uint8_t *row =
			static_cast<const uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0)) +
			y * GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
		out.insert(out.end(), row, row + 4 * w);
	}
	gst_video_frame_unmap(&frame);
	return out;
}

} /* namespace */

TEST(CpuFilterVm, VividYuyvToKmssinkOneSyncPairPerBufferPerSide)
{
	convertToKms("YUY2");
}

TEST(CpuFilterVm, VividNv12ToKmssinkOneSyncPairPerBufferPerSide)
{
	convertToKms("NV12");
}

TEST(CpuFilterVm, InvertOnVividDmaBufsOneReadWriteAccessPerBuffer)
{
	RunResult r;
	runPipeline(
		"v4l2src device=" + vivid() +
			" io-mode=dmabuf num-buffers=" + std::to_string(kFrames) +
			" ! video/x-raw,format=BGRx,width=640,height=480 ! dmabufcpufilter name=f "
			"operation=invert ! kmssink driver-name=vkms",
		r);
	const Counters &c = r.counters;
	ASSERT_NE(c.stats, nullptr);
	printCounters("invert", c);
	const guint64 n = field(c.stats, "frames");
	EXPECT_EQ(n, static_cast<guint64>(kFrames));
	EXPECT_EQ(field(c.stats, "dmabuf-inputs"), n);
	EXPECT_EQ(field(c.stats, "import-sync-starts"), n) << "one SYNC START per input buffer";
	EXPECT_EQ(field(c.stats, "import-sync-ends"), n);
	/* Each frame is either inverted in the vivid buffer itself or written
	 * once into a pool buffer. */
	EXPECT_EQ(field(c.stats, "in-place") + field(c.stats, "output-maps"), n);
	EXPECT_EQ(r.dmabufDelta, 0) << "dma-buf leak";
}

TEST(CpuFilterVm, ThumbnailOfNv12DmaBufs)
{
	RunResult r;
	runPipeline("v4l2src device=" + vivid() +
			    " io-mode=dmabuf num-buffers=10 ! "
			    "video/x-raw,format=NV12,width=640,height=480"
			    " ! dmabufcpufilter name=f operation=scale scale-method=box"
			    " ! video/x-raw,format=BGRx,width=160,height=120 ! kmssink "
			    "driver-name=vkms",
		    r);
	const Counters &c = r.counters;
	ASSERT_NE(c.stats, nullptr);
	ASSERT_NE(c.pool, nullptr);
	printCounters("scale", c);
	EXPECT_EQ(field(c.stats, "frames"), 10u);
	EXPECT_EQ(field(c.stats, "import-sync-starts"), 10u);
	EXPECT_EQ(field(c.pool, "sync-starts"), 10u);
	/* Output dma-bufs sized for the thumbnail (rounded up to whole pages). */
	const guint64 allocated = field(c.pool, "allocated");
	EXPECT_GE(field(c.pool, "live-bytes"), allocated * 160 * 120 * 4);
	EXPECT_LT(field(c.pool, "live-bytes"), allocated * (160 * 120 * 4 + 4096));
}

/* dmabufkit's own capture element hands dmabufkit memory: mapped directly. */
TEST(CpuFilterVm, FromDmabufV4l2Src)
{
	RunResult r;
	runPipeline(
		"dmabufv4l2src device=" + vivid() + " num-buffers=" + std::to_string(kFrames) +
			" ! video/x-raw,format=YUY2,width=640,height=480 ! dmabufcpufilter name=f"
			" ! video/x-raw,format=BGRx ! kmssink driver-name=vkms",
		r);
	const Counters &c = r.counters;
	ASSERT_NE(c.stats, nullptr);
	ASSERT_NE(c.pool, nullptr);
	printCounters("dmabufv4l2src", c);
	const guint64 n = field(c.stats, "frames");
	EXPECT_EQ(n, static_cast<guint64>(kFrames));
	EXPECT_EQ(field(c.stats, "dmabuf-inputs"), n);
	EXPECT_EQ(field(c.stats, "input-maps"), n) << "one map per input buffer";
	EXPECT_EQ(field(c.pool, "sync-starts"), n);
	EXPECT_EQ(r.dmabufDelta, 0) << "dma-buf leak";
}

/* An exported capture buffer comes back as the same memory each time it is
 * dequeued, so a consumer maps it once, not once per frame. */
TEST(CpuFilterVm, ExportedCaptureBuffersAreMappedOnceEach)
{
	constexpr guint64 kCaptureBuffers = 4;
	const std::string desc =
		"dmabufv4l2src device=" + vivid() +
		" io-mode=export num-v4l2-buffers=" + std::to_string(kCaptureBuffers) +
		" num-buffers=" + std::to_string(kFrames) +
		" ! video/x-raw,format=NV12,width=640,height=480 ! dmabufcpufilter name=f "
		"operation=convert ! video/x-raw,format=BGRx ! fakesink";
	/* Once first: GLib and GStreamer open a few fds once per process. */
	RunResult warmUp;
	runPipeline(desc, warmUp);
	DbkAccessStats before{}, after{};
	dbk_get_global_access_stats(&before);
	RunResult r;
	runPipeline(desc, r);
	dbk_get_global_access_stats(&after);
	const Counters &c = r.counters;
	ASSERT_NE(c.stats, nullptr);
	ASSERT_NE(c.pool, nullptr);
	printCounters("export", c);
	const guint64 n = field(c.stats, "frames");
	EXPECT_EQ(n, static_cast<guint64>(kFrames));
	EXPECT_EQ(field(c.stats, "input-maps"), n) << "one map per input buffer";
	const guint64 mmaps = after.mmaps - before.mmaps;
	const guint64 allocated = field(c.pool, "allocated");
	std::printf("  %lu mmaps for %lu frames (%lu capture buffers, %lu output buffers)\n",
		    static_cast<unsigned long>(mmaps), static_cast<unsigned long>(n),
		    static_cast<unsigned long>(kCaptureBuffers),
		    static_cast<unsigned long>(allocated));
	EXPECT_LE(mmaps, kCaptureBuffers + allocated)
		<< "a capture buffer was mapped again for a later frame";
	EXPECT_EQ(after.munmaps - before.munmaps, mmaps) << "a mapping outlived the pipeline";
	EXPECT_EQ(r.fdDelta, 0) << "a kept memory's fd outlived the pipeline";
	EXPECT_EQ(r.dmabufDelta, 0) << "dma-buf leak";
}

/* Any unsigned or integer property as guint64. */
static guint64 uintProperty(GObject *obj, const char *name)
{
	GParamSpec *spec = g_object_class_find_property(G_OBJECT_GET_CLASS(obj), name);
	EXPECT_NE(spec, nullptr) << "no property " << name;
	if (!spec)
		return G_MAXUINT64;
	GValue v = G_VALUE_INIT, u = G_VALUE_INIT;
	g_value_init(&v, spec->value_type);
	g_object_get_property(obj, name, &v);
	g_value_init(&u, G_TYPE_UINT64);
	const bool ok = g_value_transform(&v, &u);
	EXPECT_TRUE(ok) << name;
	const guint64 r = ok ? g_value_get_uint64(&u) : G_MAXUINT64;
	g_value_unset(&v);
	g_value_unset(&u);
	return r;
}

/* Into dmabufkit's own KMS sink: it offers its scanout pool (DRM dumb
 * buffers), we write into it, it shows the frames without a copy. */
TEST(CpuFilterVm, IntoDmabufKmsSinkScanoutBuffers)
{
	const std::string desc =
		"v4l2src device=" + vivid() +
		" io-mode=dmabuf num-buffers=" + std::to_string(kFrames) +
		" ! video/x-raw,format=YUY2,width=640,height=480 ! dmabufcpufilter name=f"
		" ! video/x-raw,format=BGRx ! dmabufkmssink name=k driver-name=vkms";
	GError *err = nullptr;
	GstElement *pipeline = gst_parse_launch(desc.c_str(), &err);
	ASSERT_NE(pipeline, nullptr) << err->message;
	EXPECT_EQ(runToEos(pipeline), "") << desc;
	GstElement *f = gst_bin_get_by_name(GST_BIN(pipeline), "f");
	GstElement *k = gst_bin_get_by_name(GST_BIN(pipeline), "k");
	Counters c;
	g_object_get(f, "stats", &c.stats, "pool-stats", &c.pool, nullptr);
	const guint64 copies = uintProperty(G_OBJECT(k), "copies");
	const guint64 shown = uintProperty(G_OBJECT(k), "frames-shown");
	const guint64 dropped = uintProperty(G_OBJECT(k), "frames-dropped");
	gst_element_set_state(pipeline, GST_STATE_NULL);
	gst_object_unref(f);
	gst_object_unref(k);
	test::unrefPipeline(pipeline);
	ASSERT_NE(c.stats, nullptr);
	ASSERT_NE(c.pool, nullptr);
	printCounters("dmabufkmssink", c);
	std::printf("  dmabufkmssink: shown %" G_GUINT64_FORMAT " dropped %" G_GUINT64_FORMAT
		    " copies %" G_GUINT64_FORMAT "\n",
		    shown, dropped, copies);
	const guint64 n = field(c.stats, "frames");
	EXPECT_EQ(n, static_cast<guint64>(kFrames));
	EXPECT_EQ(field(c.stats, "import-sync-starts"), n);
	EXPECT_EQ(field(c.pool, "sync-starts"), n) << "one SYNC START per scanout buffer written";
	EXPECT_EQ(field(c.pool, "sync-ends"), n);
	EXPECT_STREQ(gst_structure_get_string(c.pool, "exporter"), "drm-dumb:vkms")
		<< "we should write into the sink's scanout buffers";
	EXPECT_EQ(copies, 0u) << "the sink had to copy our frames";
	EXPECT_GE(shown, 1u); /* under TCG the sink drops late frames: not our concern here */
}

TEST(CpuFilterVm, SnapshotsDecodeAndEqualTheDisplayedFrame)
{
	const std::string dir = "/tmp/cpufilter-snap";
	mkdir(dir.c_str(), 0755);
	const std::string pattern = dir + "/snap-%d.png";
	/* Frames 4 and 8 are snapshotted; a tee hands the very buffers kmssink
	 * shows to an appsink too. */
	const std::string desc =
		"v4l2src device=" + vivid() +
		" io-mode=dmabuf num-buffers=8 ! video/x-raw,format=YUY2,width=320,height=180"
		" ! dmabufcpufilter name=f snapshot-interval=4 snapshot-location=" +
		pattern +
		" ! video/x-raw,format=BGRx ! tee name=t ! queue ! kmssink driver-name=vkms"
		" t. ! queue ! appsink name=a sync=false max-buffers=100";
	GError *err = nullptr;
	GstElement *pipeline = gst_parse_launch(desc.c_str(), &err);
	ASSERT_NE(pipeline, nullptr) << err->message;
	GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "a");
	ASSERT_EQ(gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE,
		  true);
	std::vector<std::vector<uint8_t>> frames;
	for (;;) {
		GstSample *s = nullptr;
		g_signal_emit_by_name(sink, "pull-sample", &s);
		if (!s)
			break;
		frames.push_back(bgrxPixels(s));
		gst_sample_unref(s);
	}
	GstElement *f = gst_bin_get_by_name(GST_BIN(pipeline), "f");
	gst_element_set_state(pipeline, GST_STATE_NULL); /* flushes the snapshot writer */
	GstStructure *stats = nullptr;
	g_object_get(f, "stats", &stats, nullptr);
	ASSERT_EQ(frames.size(), 8u);
	EXPECT_EQ(field(stats, "snapshots-written"), 2u);
	EXPECT_EQ(field(stats, "snapshots-failed"), 0u);
	gst_structure_free(stats);
	for (int n = 0; n < 2; ++n) {
		const std::string path = cpufilter::formatFramePath(pattern, n);
		auto read = video::readPng(path);
		ASSERT_TRUE(read) << path << ": " << read.error().message;
		const video::RgbImage &img = *read;
		ASSERT_EQ(img.width, 320);
		ASSERT_EQ(img.height, 180);
		const auto &shown = frames[4 * n + 3];
		ASSERT_EQ(shown.size(), 320u * 180 * 4);
		size_t differ = 0;
		for (size_t i = 0; i < 320 * 180; ++i)
			differ += img.rgb[3 * i] != shown[4 * i + 2] ||
				  img.rgb[3 * i + 1] != shown[4 * i + 1] ||
				  img.rgb[3 * i + 2] != shown[4 * i];
		EXPECT_EQ(differ, 0u) << path << " differs from displayed frame " << 4 * n + 4;
		unlink(path.c_str());
	}
	rmdir(dir.c_str());
	gst_object_unref(f);
	gst_object_unref(sink);
	test::unrefPipeline(pipeline);
}
