/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmabufcpufilter element logic on the host (system memory, GstHarness):
 * conversion output equals the kernels', passthrough, in-place operations,
 * padded strides from GstVideoMeta, scale, snapshots, and the bad-input
 * cases (not-negotiated reason, unwritable snapshot location, zero-size
 * frame).
 */
#include <atomic>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "frame_ops.h"
#include "frame_png_writer.h"
#include "png_file.h"
#include "gst_environment.h"

using namespace dmabufkit::cpufilter;
using namespace dmabufkit::video;

namespace {

DBK_TEST_GST_ENVIRONMENT();

class GstEnv : public ::testing::Environment
{
public:
	void SetUp() override { gst_init(nullptr, nullptr); }
};

const auto *env = ::testing::AddGlobalTestEnvironment(new GstEnv);

/* The error message of \a r, "" on success: the assertions compare messages. */
std::string why(const dmabufkit::Result<void> &r)
{
	return r ? std::string() : r.error().message;
}

/* A harness around one dmabufcpufilter with a bus to read its messages. */
struct Filter {
	GstHarness *h;
	GstBus *bus;

	explicit Filter(const char *props = nullptr)
	{
		std::string desc = "dmabufcpufilter name=f";
		if (props)
			desc += std::string(" ") + props;
		h = gst_harness_new_parse(desc.c_str());
		bus = gst_bus_new();
		gst_element_set_bus(element(), bus);
	}
	~Filter()
	{
		gst_harness_teardown(h);
		gst_object_unref(bus);
	}
	GstElement *element() const
	{
		GstElement *bin = h->element;
		GstElement *e = GST_IS_BIN(bin) ? gst_bin_get_by_name(GST_BIN(bin), "f") : nullptr;
		if (e) {
			gst_object_unref(e); /* the bin keeps it alive */
			return e;
		}
		return bin;
	}
	guint64 stat(const char *field) const
	{
		GstStructure *s = nullptr;
		g_object_get(element(), "stats", &s, nullptr);
		guint64 v = G_MAXUINT64;
		if (s) {
			gst_structure_get_uint64(s, field, &v);
			gst_structure_free(s);
		}
		return v;
	}
	/* The first message of \a type on the bus, or nullptr. */
	GstMessage *pop(GstMessageType type, GstClockTime timeout = 0)
	{
		return gst_bus_timed_pop_filtered(bus, timeout, type);
	}
};

std::string caps(const char *format, int w, int h, const char *extra = "")
{
	return "video/x-raw,format=" + std::string(format) + ",width=" + std::to_string(w) +
	       ",height=" + std::to_string(h) + ",framerate=30/1" + extra;
}

/* A random frame laid out by \a info, in one system-memory buffer. */
GstBuffer *randomFrame(GstVideoInfo info, std::mt19937 &rng)
{
	GstBuffer *buf = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
	GstMapInfo map;
	gst_buffer_map(buf, &map, GST_MAP_WRITE);
	for (gsize i = 0; i < map.size; ++i)
		map.data[i] = static_cast<uint8_t>(rng());
	gst_buffer_unmap(buf, &map);
	gst_buffer_add_video_meta_full(buf, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_INFO_FORMAT(&info),
				       GST_VIDEO_INFO_WIDTH(&info), GST_VIDEO_INFO_HEIGHT(&info),
				       GST_VIDEO_INFO_N_PLANES(&info), info.offset, info.stride);
	return buf;
}

/* View of a mapped buffer as \a info (or its video meta) lays it out. */
FrameView viewOf(GstBuffer *buf, const GstVideoInfo &info, GstMapInfo &map)
{
	FrameView v;
	v.format = kernelFormatFromName(GST_VIDEO_INFO_NAME(&info));
	v.width = GST_VIDEO_INFO_WIDTH(&info);
	v.height = GST_VIDEO_INFO_HEIGHT(&info);
	const GstVideoMeta *meta = gst_buffer_get_video_meta(buf);
	for (guint p = 0; p < GST_VIDEO_INFO_N_PLANES(&info); ++p) {
		v.data[p] = map.data + (meta ? meta->offset[p] : info.offset[p]);
		v.stride[p] = meta ? meta->stride[p] : info.stride[p];
	}
	return v;
}

/* What the kernels produce for \a in converted to \a outFormat. */
std::vector<uint8_t> expectedConversion(GstBuffer *in, const GstVideoInfo &inInfo,
					KernelFormat outFormat, YuvMatrix m, YuvRange r)
{
	GstMapInfo map;
	gst_buffer_map(in, &map, GST_MAP_READ);
	FrameView src = viewOf(in, inInfo, map);
	PackedLayout l = packedLayout(outFormat, src.width, src.height);
	std::vector<uint8_t> out(l.size);
	FrameView dst;
	dst.format = outFormat;
	dst.width = src.width;
	dst.height = src.height;
	dst.data[0] = out.data();
	dst.stride[0] = l.stride[0];
	EXPECT_EQ(why(convertFrame(src, dst, yuvCoefficients(m, r), KernelImpl::Scalar)), "");
	gst_buffer_unmap(in, &map);
	return out;
}

/* The pixel bytes of \a buf (one-plane format), rows packed. */
std::vector<uint8_t> packedPixels(GstBuffer *buf, const GstVideoInfo &info)
{
	GstMapInfo map;
	gst_buffer_map(buf, &map, GST_MAP_READ);
	FrameView v = viewOf(buf, info, map);
	std::vector<uint8_t> out;
	for (int y = 0; y < v.height; ++y)
		out.insert(out.end(), v.row(0, y), v.row(0, y) + v.planeRowBytes(0));
	gst_buffer_unmap(buf, &map);
	return out;
}

} /* namespace */

TEST(CpuFilterElement, ConvertsEveryYuvFormatLikeTheKernelsUsingColorimetry)
{
	std::mt19937 rng(21);
	struct Case {
		const char *in, *out, *colorimetry;
		YuvMatrix m;
		YuvRange r;
	} cases[] = {
		{ "YUY2", "BGRx", "bt601", YuvMatrix::BT601, YuvRange::Limited },
		{ "NV12", "BGRx", "bt709", YuvMatrix::BT709, YuvRange::Limited },
		{ "I420", "xRGB", "1:4:0:0", YuvMatrix::BT601, YuvRange::Full },  /* full, BT.601 */
		{ "UYVY", "RGB16", "1:3:5:1", YuvMatrix::BT709, YuvRange::Full }, /* full, BT.709 */
		{ "NV12", "GRAY8", "bt601", YuvMatrix::BT601, YuvRange::Limited },
		{ "I420", "BGRx", "bt2020", YuvMatrix::BT2020, YuvRange::Limited },
	};
	for (const auto &c : cases) {
		Filter f;
		const std::string extra = std::string(",colorimetry=") + c.colorimetry;
		const std::string in = caps(c.in, 66, 34, extra.c_str()), out = caps(c.out, 66, 34);
		gst_harness_set_caps_str(f.h, in.c_str(), out.c_str());
		GstVideoInfo inInfo, outInfo;
		GstCaps *ic = gst_caps_from_string(in.c_str()),
			*oc = gst_caps_from_string(out.c_str());
		ASSERT_TRUE(gst_video_info_from_caps(&inInfo, ic));
		ASSERT_TRUE(gst_video_info_from_caps(&outInfo, oc));
		gst_caps_unref(ic);
		gst_caps_unref(oc);
		GstBuffer *src = randomFrame(inInfo, rng);
		auto expected =
			expectedConversion(src, inInfo, kernelFormatFromName(c.out), c.m, c.r);
		GstBuffer *res = gst_harness_push_and_pull(f.h, src);
		ASSERT_NE(res, nullptr) << c.in << "->" << c.out;
		EXPECT_EQ(packedPixels(res, outInfo), expected)
			<< c.in << "->" << c.out << " " << c.colorimetry;
		gst_buffer_unref(res);
		EXPECT_EQ(f.stat("frames"), 1u);
		EXPECT_EQ(f.stat("passthrough"), 0u);
		EXPECT_EQ(f.stat("input-maps"), 1u) << "one map per memory, not per plane";
		EXPECT_EQ(f.stat("output-maps"), 1u);
	}
}

TEST(CpuFilterElement, PaddedStridesAndPlaneOffsetsFromVideoMeta)
{
	std::mt19937 rng(22);
	Filter f;
	const std::string in = caps("NV12", 33, 17), out = caps("BGRA", 33, 17);
	gst_harness_set_caps_str(f.h, in.c_str(), out.c_str());
	/* Strides 64, a 100-byte gap before the chroma plane. */
	GstVideoInfo info;
	gst_video_info_set_format(&info, GST_VIDEO_FORMAT_NV12, 33, 17);
	info.stride[0] = info.stride[1] = 64;
	info.offset[0] = 0;
	info.offset[1] = 64 * 17 + 100;
	info.size = info.offset[1] + 64 * 9;
	GstBuffer *src = randomFrame(info, rng);
	auto expected = expectedConversion(src, info, KernelFormat::BGRA, YuvMatrix::BT601,
					   YuvRange::Limited);
	GstVideoInfo outInfo;
	gst_video_info_set_format(&outInfo, GST_VIDEO_FORMAT_BGRA, 33, 17);
	/* caps() carries no colorimetry: GStreamer's default for SD is BT.601 limited. */
	GstBuffer *res = gst_harness_push_and_pull(f.h, src);
	ASSERT_NE(res, nullptr);
	EXPECT_EQ(packedPixels(res, outInfo), expected);
	gst_buffer_unref(res);
}

TEST(CpuFilterElement, IdenticalCapsPassTheBufferThrough)
{
	std::mt19937 rng(23);
	Filter f;
	const std::string c = caps("YUY2", 64, 16);
	gst_harness_set_caps_str(f.h, c.c_str(), c.c_str());
	GstVideoInfo info;
	gst_video_info_set_format(&info, GST_VIDEO_FORMAT_YUY2, 64, 16);
	GstBuffer *src = randomFrame(info, rng);
	GstBuffer *res = gst_harness_push_and_pull(f.h, src);
	EXPECT_EQ(res, src) << "passthrough must hand on the very same buffer";
	gst_buffer_unref(res);
	EXPECT_EQ(f.stat("passthrough"), 1u);
	EXPECT_EQ(f.stat("input-maps"), 0u) << "passthrough must not touch the pixels";
}

TEST(CpuFilterElement, InvertAndGrayscaleWorkInPlaceOnWritableBuffers)
{
	std::mt19937 rng(24);
	for (const char *op : { "invert", "grayscale" }) {
		Filter f((std::string("operation=") + op).c_str());
		const std::string c = caps("BGRx", 40, 8);
		gst_harness_set_caps_str(f.h, c.c_str(), c.c_str());
		GstVideoInfo info;
		gst_video_info_set_format(&info, GST_VIDEO_FORMAT_BGRx, 40, 8);
		GstBuffer *src = randomFrame(info, rng);
		auto before = packedPixels(src, info);
		GstBuffer *res = gst_harness_push_and_pull(f.h, src);
		ASSERT_NE(res, nullptr);
		EXPECT_EQ(res, src) << op << ": writable input is processed in place";
		auto after = packedPixels(res, info);
		for (size_t i = 0; i < after.size(); i += 4) {
			if (std::string(op) == "invert") {
				ASSERT_EQ(after[i], 255 - before[i]);
				ASSERT_EQ(after[i + 2], 255 - before[i + 2]);
			} else {
				ASSERT_EQ(after[i], after[i + 1]);
				ASSERT_EQ(after[i + 1], after[i + 2]);
			}
		}
		gst_buffer_unref(res);
		EXPECT_EQ(f.stat("in-place"), 1u);

		/* A buffer someone else holds is not written: a new one comes out. */
		GstBuffer *shared = randomFrame(info, rng);
		auto original = packedPixels(shared, info);
		gst_buffer_ref(shared);
		GstBuffer *res2 = gst_harness_push_and_pull(f.h, shared);
		ASSERT_NE(res2, nullptr);
		EXPECT_NE(res2, shared);
		EXPECT_EQ(packedPixels(shared, info), original) << "input must stay untouched";
		gst_buffer_unref(res2);
		gst_buffer_unref(shared);
		EXPECT_EQ(f.stat("in-place"), 1u);
	}
}

TEST(CpuFilterElement, ScalesYuvToSmallerRgb)
{
	std::mt19937 rng(25);
	Filter f("operation=scale scale-method=box");
	const std::string in = caps("YUY2", 320, 240), out = caps("BGRx", 80, 60);
	gst_harness_set_caps_str(f.h, in.c_str(), out.c_str());
	GstVideoInfo inInfo, outInfo;
	gst_video_info_set_format(&inInfo, GST_VIDEO_FORMAT_YUY2, 320, 240);
	gst_video_info_set_format(&outInfo, GST_VIDEO_FORMAT_BGRx, 80, 60);
	GstBuffer *src = randomFrame(inInfo, rng);
	auto full = expectedConversion(src, inInfo, KernelFormat::BGRx, YuvMatrix::BT601,
				       YuvRange::Limited);
	std::vector<uint8_t> small(80 * 60 * 4);
	FrameView a, b;
	a.format = b.format = KernelFormat::BGRx;
	a.width = 320, a.height = 240, a.data[0] = full.data(), a.stride[0] = 320 * 4;
	b.width = 80, b.height = 60, b.data[0] = small.data(), b.stride[0] = 80 * 4;
	ASSERT_EQ(why(scaleFrame(a, b, ScaleMethod::Box, KernelImpl::Scalar)), "");
	GstBuffer *res = gst_harness_push_and_pull(f.h, src);
	ASSERT_NE(res, nullptr);
	EXPECT_EQ(packedPixels(res, outInfo), small);
	gst_buffer_unref(res);
}

TEST(CpuFilterElement, ScaleWithoutRequestedSizeKeepsTheSize)
{
	Filter f("operation=scale");
	gst_harness_set_src_caps_str(f.h, caps("BGRx", 64, 48).c_str());
	GstVideoInfo info;
	gst_video_info_set_format(&info, GST_VIDEO_FORMAT_BGRx, 64, 48);
	std::mt19937 rng(1);
	GstBuffer *res = gst_harness_push_and_pull(f.h, randomFrame(info, rng));
	ASSERT_NE(res, nullptr);
	GstCaps *c = gst_pad_get_current_caps(f.h->sinkpad);
	ASSERT_NE(c, nullptr);
	GstVideoInfo out;
	ASSERT_TRUE(gst_video_info_from_caps(&out, c));
	EXPECT_EQ(GST_VIDEO_INFO_WIDTH(&out), 64);
	EXPECT_EQ(GST_VIDEO_INFO_HEIGHT(&out), 48);
	gst_caps_unref(c);
	gst_buffer_unref(res);
}

TEST(CpuFilterElement, UnconvertibleCapsFailWithAClearReason)
{
	Filter f;
	gst_harness_set_sink_caps_str(f.h, caps("NV12", 64, 48).c_str());
	gst_harness_set_src_caps_str(f.h, caps("YUY2", 64, 48).c_str());
	GstMessage *msg = f.pop(GST_MESSAGE_ERROR);
	ASSERT_NE(msg, nullptr) << "no error posted";
	GError *err = nullptr;
	gchar *debug = nullptr;
	gst_message_parse_error(msg, &err, &debug);
	EXPECT_TRUE(g_error_matches(err, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION));
	EXPECT_NE(std::string(err->message)
			  .find("cannot turn YUY2 into any format downstream accepts"),
		  std::string::npos)
		<< err->message;
	EXPECT_NE(std::string(debug).find("NV12"), std::string::npos) << debug;
	g_error_free(err);
	g_free(debug);
	gst_message_unref(msg);
	GstVideoInfo info;
	gst_video_info_set_format(&info, GST_VIDEO_FORMAT_YUY2, 64, 48);
	std::mt19937 rng(2);
	EXPECT_EQ(gst_harness_push(f.h, randomFrame(info, rng)), GST_FLOW_NOT_NEGOTIATED);
}

TEST(CpuFilterElement, ZeroSizeFrameIsDroppedWithAWarningAndTheStreamGoesOn)
{
	Filter f;
	gst_harness_set_caps_str(f.h, caps("YUY2", 64, 48).c_str(), caps("BGRx", 64, 48).c_str());
	EXPECT_EQ(gst_harness_push(f.h, gst_buffer_new()), GST_FLOW_OK);
	EXPECT_EQ(gst_harness_buffers_in_queue(f.h), 0u);
	GstMessage *msg = f.pop(GST_MESSAGE_WARNING);
	ASSERT_NE(msg, nullptr);
	GError *err = nullptr;
	gchar *debug = nullptr;
	gst_message_parse_warning(msg, &err, &debug);
	EXPECT_NE(std::string(debug).find("buffer of 0 bytes"), std::string::npos) << debug;
	g_error_free(err);
	g_free(debug);
	gst_message_unref(msg);
	EXPECT_EQ(f.stat("invalid-dropped"), 1u);
	/* A truncated frame too. */
	EXPECT_EQ(gst_harness_push(f.h, gst_buffer_new_allocate(nullptr, 1000, nullptr)),
		  GST_FLOW_OK);
	EXPECT_EQ(f.stat("invalid-dropped"), 2u);
	GstVideoInfo info;
	gst_video_info_set_format(&info, GST_VIDEO_FORMAT_YUY2, 64, 48);
	std::mt19937 rng(3);
	GstBuffer *res = gst_harness_push_and_pull(f.h, randomFrame(info, rng));
	ASSERT_NE(res, nullptr) << "the next valid frame must come out";
	gst_buffer_unref(res);
	EXPECT_EQ(f.pop(GST_MESSAGE_ERROR), nullptr);
}

TEST(CpuFilterElement, UnwritableSnapshotLocationStopsStartWithAnError)
{
	GstElement *e = gst_element_factory_make("dmabufcpufilter", nullptr);
	ASSERT_NE(e, nullptr);
	g_object_set(e, "snapshot-location", "/nonexistent-dbk-dir/snap-%d.png",
		     "snapshot-interval", 1u, nullptr);
	GstBus *bus = gst_bus_new();
	gst_element_set_bus(e, bus);
	EXPECT_EQ(gst_element_set_state(e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
	GstMessage *msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
	ASSERT_NE(msg, nullptr);
	GError *err = nullptr;
	gchar *debug = nullptr;
	gst_message_parse_error(msg, &err, &debug);
	EXPECT_TRUE(g_error_matches(err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE));
	EXPECT_NE(std::string(err->message).find("/nonexistent-dbk-dir"), std::string::npos)
		<< err->message;
	g_error_free(err);
	g_free(debug);
	gst_message_unref(msg);
	/* A pattern without %d is refused the same way. */
	gst_element_set_state(e, GST_STATE_NULL);
	g_object_set(e, "snapshot-location", "/tmp/fixed.png", nullptr);
	EXPECT_EQ(gst_element_set_state(e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
	msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
	ASSERT_NE(msg, nullptr);
	gst_message_parse_error(msg, &err, &debug);
	EXPECT_NE(std::string(debug).find("exactly one %d"), std::string::npos) << debug;
	g_error_free(err);
	g_free(debug);
	gst_message_unref(msg);
	gst_element_set_state(e, GST_STATE_NULL);
	gst_object_unref(e);
	gst_object_unref(bus);
}

TEST(CpuFilterElement, SnapshotsEveryNthFrameAsPngMatchingTheOutput)
{
	char dir[] = "/tmp/dbk-cpufilter-snap-XXXXXX";
	ASSERT_NE(mkdtemp(dir), nullptr);
	const std::string pattern = std::string(dir) + "/snap-%03d.png";
	Filter f(("snapshot-interval=2 snapshot-location=" + pattern).c_str());
	gst_harness_set_caps_str(f.h, caps("NV12", 48, 32).c_str(), caps("BGRx", 48, 32).c_str());
	GstVideoInfo inInfo, outInfo;
	gst_video_info_set_format(&inInfo, GST_VIDEO_FORMAT_NV12, 48, 32);
	gst_video_info_set_format(&outInfo, GST_VIDEO_FORMAT_BGRx, 48, 32);
	std::mt19937 rng(4);
	std::vector<std::vector<uint8_t>> outputs;
	for (int i = 0; i < 4; ++i) {
		GstBuffer *res = gst_harness_push_and_pull(f.h, randomFrame(inInfo, rng));
		ASSERT_NE(res, nullptr);
		outputs.push_back(packedPixels(res, outInfo));
		gst_buffer_unref(res);
	}
	/* Frames 2 and 4 (1-based), as snap-000 and snap-001; wait for both. */
	for (int n = 0; n < 2; ++n) {
		GstMessage *msg = f.pop(GST_MESSAGE_ELEMENT, 10 * GST_SECOND);
		ASSERT_NE(msg, nullptr);
		const GstStructure *s = gst_message_get_structure(msg);
		ASSERT_TRUE(gst_structure_has_name(s, "dmabufcpufilter/snapshot"));
		EXPECT_STREQ(gst_structure_get_string(s, "error"), "");
		guint64 frame = 0;
		EXPECT_TRUE(gst_structure_get_uint64(s, "frame", &frame));
		EXPECT_EQ(frame, 2u * (n + 1)) << "snapshots of frames 2 and 4";
		gst_message_unref(msg);
	}
	for (int n = 0; n < 2; ++n) {
		const std::string path = formatFramePath(pattern, n);
		auto read = readPng(path);
		ASSERT_TRUE(read) << path << ": " << read.error().message;
		const RgbImage &img = *read;
		ASSERT_EQ(img.width, 48);
		ASSERT_EQ(img.height, 32);
		const auto &bgrx = outputs[2 * n + 1];
		for (size_t i = 0; i < 48 * 32; ++i) {
			ASSERT_EQ(img.rgb[3 * i], bgrx[4 * i + 2]) << path << " pixel " << i;
			ASSERT_EQ(img.rgb[3 * i + 1], bgrx[4 * i + 1]);
			ASSERT_EQ(img.rgb[3 * i + 2], bgrx[4 * i]);
		}
		unlink(path.c_str());
	}
	EXPECT_EQ(f.stat("snapshots-written"), 2u);
	EXPECT_EQ(access(formatFramePath(pattern, 2).c_str(), F_OK), -1) << "only every 2nd frame";
	rmdir(dir);
}

TEST(CpuFilterElement, SnapshotActionSignalInPassthrough)
{
	char dir[] = "/tmp/dbk-cpufilter-snap-XXXXXX";
	ASSERT_NE(mkdtemp(dir), nullptr);
	const std::string pattern = std::string(dir) + "/s%d.png";
	Filter f(("operation=snapshot snapshot-location=" + pattern).c_str());
	const std::string c = caps("YUY2", 32, 8);
	gst_harness_set_caps_str(f.h, c.c_str(), c.c_str());
	GstVideoInfo info;
	gst_video_info_set_format(&info, GST_VIDEO_FORMAT_YUY2, 32, 8);
	std::mt19937 rng(5);
	GstBuffer *res = gst_harness_push_and_pull(f.h, randomFrame(info, rng));
	gst_buffer_unref(res);
	EXPECT_EQ(f.pop(GST_MESSAGE_ELEMENT, GST_SECOND / 5), nullptr) << "no snapshot unasked";
	g_signal_emit_by_name(f.element(), "snapshot");
	GstBuffer *src = randomFrame(info, rng);
	auto expected = expectedConversion(src, info, KernelFormat::BGRx, YuvMatrix::BT601,
					   YuvRange::Limited);
	res = gst_harness_push_and_pull(f.h, src);
	EXPECT_EQ(res, src);
	gst_buffer_unref(res);
	GstMessage *msg = f.pop(GST_MESSAGE_ELEMENT, 10 * GST_SECOND);
	ASSERT_NE(msg, nullptr);
	gst_message_unref(msg);
	auto read = readPng(formatFramePath(pattern, 0));
	ASSERT_TRUE(read) << read.error().message;
	const RgbImage &img = *read;
	for (size_t i = 0; i < 32 * 8; ++i)
		ASSERT_EQ(img.rgb[3 * i], expected[4 * i + 2]);
	EXPECT_EQ(f.stat("passthrough"), 2u);
	unlink(formatFramePath(pattern, 0).c_str());
	rmdir(dir);
}

/*
 * The tracer reads "stats" from its own thread while the element starts and
 * stops. stop() unreffed the import allocator before clearing the pointer
 * stats read: a use-after-free the sanitized unit suite (build-asan)
 * reports.
 */
TEST(CpuFilterElement, StatsReadWhileTheElementStartsAndStops)
{
	GstElement *f = gst_element_factory_make("dmabufcpufilter", nullptr);
	ASSERT_NE(f, nullptr);
	std::atomic<bool> stop{ false };
	std::atomic<unsigned> reads{ 0 };
	std::thread reader([&] {
		while (!stop) {
			GstStructure *s = nullptr;
			g_object_get(f, "stats", &s, nullptr);
			if (s)
				gst_structure_free(s);
			reads++;
		}
	});
	bool cycled = true;
	for (int i = 0; i < 300 && cycled; ++i)
		cycled = gst_element_set_state(f, GST_STATE_PAUSED) == GST_STATE_CHANGE_SUCCESS &&
			 gst_element_set_state(f, GST_STATE_READY) == GST_STATE_CHANGE_SUCCESS;
	stop = true;
	reader.join();
	gst_element_set_state(f, GST_STATE_NULL);
	gst_object_unref(f);
	EXPECT_TRUE(cycled) << "a READY<->PAUSED change failed";
	EXPECT_GT(reads.load(), 100u) << "the reader hardly ran";
}
