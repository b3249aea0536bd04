/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VM tests of dmabufv4l2convert on vim2m: every conversion and scaling is
 * checked pixel for pixel against a reference this test computes from the
 * input frames (a model of what vim2m computes: RGB565 expanded to 8 bits
 * with the low bits set, BT.601 YUYV with the chroma of the even pixel,
 * RGB565 written as the even pixel's colour twice,
 * nearest-line vertical and Bresenham horizontal sampling), never against
 * the element's own output. Zero copies on both queues are proven by
 * counters and by the dma-bufs' exporters and names in debugfs; passthrough,
 * the copy fallback and the faults (missing node, not a converter,
 * unsupported caps, a stalled device, a control the device lacks) each
 * assert their outcome and that no fd or dma-buf leaked.
 */
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>
#include <gtest/gtest.h>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gst/allocators/allocators.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "gst_environment.h"
#include "leak_counters.h"
#include "pad_frames.h"
#include "test_devices.h"
#include "vim2m_model.h"
#include "pipeline_unref.h"

using namespace dmabufkit;
using dmabufkit::test::vim2mReference;

DBK_TEST_GST_ENVIRONMENT();

using test::Frames;
using test::recordFrame;

namespace {

std::string vim2m()
{
	auto p = test::findDevice("vim2m");
	return p ? *p : std::string("/dev/missing-vim2m");
}

/* ---- running pipelines ---- */

struct ConvertRun {
	bool eos = false;
	GQuark domain = 0;
	int code = 0;
	std::string source, message, debug;
	std::vector<std::string> warnings;
	GstStructure *stats = nullptr;
	GstStructure *sinkStats = nullptr; /* the sink's "stats", when it has them */
	std::string decision;
	~ConvertRun()
	{
		if (stats)
			gst_structure_free(stats);
		if (sinkStats)
			gst_structure_free(sinkStats);
	}
	guint64 stat(const char *f) const
	{
		guint64 v = G_MAXUINT64;
		if (stats)
			gst_structure_get_uint64(stats, f, &v);
		return v;
	}
	std::string error() const { return source + ": " + message + " | " + debug; }
};

/* Run DESC (with a "conv" and a "sink"), recording frames entering conv and reaching sink. */
void runConvert(const std::string &desc, ConvertRun &run, Frames *in = nullptr,
		Frames *out = nullptr, int timeoutS = 90)
{
	GError *err = nullptr;
	GstElement *p = gst_parse_launch(desc.c_str(), &err);
	ASSERT_NE(p, nullptr) << desc << ": " << (err ? err->message : "");
	ASSERT_EQ(err, nullptr) << err->message;
	GstElement *conv = gst_bin_get_by_name(GST_BIN(p), "conv");
	GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
	ASSERT_NE(conv, nullptr);
	ASSERT_NE(sink, nullptr);
	if (in) {
		GstPad *pad = gst_element_get_static_pad(conv, "sink");
		gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, recordFrame, in, nullptr);
		gst_object_unref(pad);
	}
	if (out) {
		GstPad *pad = gst_element_get_static_pad(sink, "sink");
		gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, recordFrame, out, nullptr);
		gst_object_unref(pad);
	}
	gst_element_set_state(p, GST_STATE_PLAYING);
	GstBus *bus = gst_element_get_bus(p);
	gint64 deadline = g_get_monotonic_time() + gint64(timeoutS) * G_USEC_PER_SEC;
	bool done = false;
	while (!done && g_get_monotonic_time() < deadline) {
		GstMessage *m = gst_bus_timed_pop(bus, 200 * GST_MSECOND);
		if (!m)
			continue;
		GError *e = nullptr;
		gchar *dbg = nullptr;
		switch (GST_MESSAGE_TYPE(m)) {
		case GST_MESSAGE_EOS:
			run.eos = done = true;
			break;
		case GST_MESSAGE_ERROR:
			gst_message_parse_error(m, &e, &dbg);
			run.domain = e->domain;
			run.code = e->code;
			run.message = e->message;
			run.debug = dbg ? dbg : "";
			run.source = GST_OBJECT_NAME(GST_MESSAGE_SRC(m));
			done = true;
			break;
		case GST_MESSAGE_WARNING:
			gst_message_parse_warning(m, &e, &dbg);
			run.warnings.push_back(std::string(e->message) + " | " + (dbg ? dbg : ""));
			break;
		default:
			break;
		}
		if (e)
			g_error_free(e);
		g_free(dbg);
		gst_message_unref(m);
	}
	EXPECT_TRUE(done) << "timeout after " << timeoutS << " s: " << desc;
	gst_element_set_state(p, GST_STATE_NULL);
	gchar *decision = nullptr;
	g_object_get(conv, "stats", &run.stats, "capture-decision", &decision, nullptr);
	run.decision = decision ? decision : "";
	g_free(decision);
	if (g_object_class_find_property(G_OBJECT_GET_CLASS(sink), "stats"))
		g_object_get(sink, "stats", &run.sinkStats, nullptr);
	gst_object_unref(bus);
	gst_object_unref(conv);
	gst_object_unref(sink);
	test::unrefPipeline(p);
}

/* debugfs bufinfo: exporter and name of every live dma-buf by inode. */
std::map<uint64_t, std::pair<std::string, std::string>> liveDmaBufs()
{
	std::map<uint64_t, std::pair<std::string, std::string>> out;
	std::istringstream in(test::dmaBufInfo());
	std::string line;
	while (std::getline(in, line)) {
		std::vector<std::string> col;
		std::istringstream ls(line);
		for (std::string c; std::getline(ls, c, '\t');)
			col.push_back(c);
		/* size flags mode count exp_name ino name */
		if (col.size() < 6 || col[0].empty() || !isdigit(col[0][0]))
			continue;
		out[std::stoull(col[5])] = { col[4], col.size() > 6 ? col[6] : "" };
	}
	return out;
}

struct Leaks {
	int fds = test::countOpenFds();
	int dmabufs = test::countLiveDmaBufs();
	void expectNone(const std::string &what) const
	{
		EXPECT_EQ(test::countOpenFds(), fds)
			<< what << ": fds leaked: " << test::openFdTargets();
		EXPECT_EQ(test::countLiveDmaBufs(), dmabufs) << what << ": dma-bufs leaked\n"
							     << test::dmaBufInfo();
	}
};

/* ---- conversions ---- */

struct Case {
	const char *in;
	unsigned inW, inH;
	const char *out;
	unsigned outW, outH;
};

std::ostream &operator<<(std::ostream &os, const Case &c)
{
	return os << c.in << " " << c.inW << "x" << c.inH << " -> " << c.out << " " << c.outW << "x"
		  << c.outH;
}

class Convert : public ::testing::TestWithParam<std::tuple<Case, const char *>>
{
};

constexpr unsigned kFrames = 4;

TEST_P(Convert, MatchesTheReferenceWithoutCopies)
{
	const auto &[c, mode] = GetParam();
	ASSERT_EQ(access(vim2m().c_str(), F_OK), 0) << "vim2m not found";
	const std::string desc =
		"videotestsrc num-buffers=" + std::to_string(kFrames) + " pattern=snow ! " +
		"video/x-raw,format=" + c.in + ",width=" + std::to_string(c.inW) +
		",height=" + std::to_string(c.inH) +
		",framerate=30/1 ! dmabufv4l2convert name=conv " + "capture-io-mode=" + mode +
		" ! video/x-raw,format=" + c.out + ",width=" + std::to_string(c.outW) +
		",height=" + std::to_string(c.outH) + " ! fakesink name=sink sync=false";
	Frames in, out;
	std::map<uint64_t, std::pair<std::string, std::string>> bufs;
	{
		ConvertRun run;
		/* Look at the live dma-bufs while the pipeline still holds them. */
		runConvert(desc, run, &in, &out);
		ASSERT_TRUE(run.eos) << run.error();
		EXPECT_EQ(run.stat("converted"), kFrames);
		EXPECT_EQ(run.stat("imported"), kFrames) << "upstream's dma-bufs were imported";
		EXPECT_EQ(run.stat("copies"), 0u);
		EXPECT_EQ(run.stat("passthrough"), 0u);
		EXPECT_TRUE(run.warnings.empty()) << run.warnings[0];
		EXPECT_EQ(run.decision.rfind(std::string(mode) == std::string("import") ? "import"
											: "export",
					     0),
			  0u)
			<< run.decision;
	}
	ASSERT_EQ(in.pixels.size(), kFrames);
	ASSERT_EQ(out.pixels.size(), kFrames);
	EXPECT_EQ(in.unmappable + out.unmappable, 0u);
	const GstVideoFormat inFmt = gst_video_format_from_string(c.in);
	const GstVideoFormat outFmt = gst_video_format_from_string(c.out);
	std::set<uint64_t> inInodes(in.inodes.begin(), in.inodes.end());
	std::set<uint64_t> outInodes(out.inodes.begin(), out.inodes.end());
	EXPECT_EQ(inInodes.count(0), 0u) << "every input frame is a dma-buf";
	EXPECT_EQ(outInodes.count(0), 0u) << "every output frame is a dma-buf";
	for (uint64_t i : outInodes)
		EXPECT_EQ(inInodes.count(i), 0u) << "an output is a new frame, not the input";
	EXPECT_LE(outInodes.size(), 8u) << "outputs come from a fixed set of buffers";
	for (unsigned i = 0; i < kFrames; ++i) {
		EXPECT_EQ(out.pts[i], in.pts[i]) << "frame " << i << " keeps its timestamp";
		auto want =
			vim2mReference(in.pixels[i], inFmt, c.inW, c.inH, outFmt, c.outW, c.outH);
		ASSERT_EQ(out.pixels[i].size(), want.size());
		size_t bad = 0, firstBad = 0;
		for (size_t b = 0; b < want.size(); ++b)
			if (out.pixels[i][b] != want[b] && !bad++)
				firstBad = b;
		EXPECT_EQ(bad, 0u)
			<< "frame " << i << ": " << bad << " bytes differ, first at byte "
			<< firstBad << " (row " << firstBad / (want.size() / c.outH) << "): got "
			<< int(out.pixels[i][firstBad]) << ", want " << int(want[firstBad]);
	}
}

const Case kCases[] = {
	{ "RGB", 320, 240, "BGR", 320, 240 },	  /* format only */
	{ "BGR", 640, 480, "YUY2", 320, 240 },	  /* down to YUYV */
	{ "RGB16", 160, 120, "RGB", 640, 480 },	  /* up from RGB565 */
	{ "RGB", 330, 250, "RGB16", 200, 150 },	  /* odd ratio, input stride 990 */
	{ "BGR", 640, 480, "BGR", 322, 242 },	  /* scale only, output stride 966 */
	{ "RGB16", 320, 240, "RGB16", 480, 360 }, /* 3/2 up, 16 bits */
};

INSTANTIATE_TEST_SUITE_P(Vim2m, Convert,
			 ::testing::Combine(::testing::ValuesIn(kCases),
					    ::testing::Values("export", "import")));

TEST(ConvertZeroCopy, DmaBufsAreTheDevicesOrTheUpstreamPools)
{
	/* While the frames are held, the output dma-bufs are vim2m's own (videobuf2-vmalloc,
	 * named conv:N) and the inputs are allocated for the element (its pool). */
	std::map<uint64_t, std::pair<std::string, std::string>> live;
	std::set<uint64_t> inInodes, outInodes;
	GError *err = nullptr;
	GstElement *p = gst_parse_launch(
		"videotestsrc num-buffers=3 ! video/x-raw,format=RGB,width=320,height=240 "
		"! dmabufv4l2convert name=conv capture-io-mode=export ! video/x-raw,format=BGR "
		"! fakesink name=sink enable-last-sample=true",
		&err);
	ASSERT_EQ(err, nullptr);
	Frames in, out;
	GstElement *conv = gst_bin_get_by_name(GST_BIN(p), "conv");
	GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
	GstPad *cp = gst_element_get_static_pad(conv, "sink");
	GstPad *sp = gst_element_get_static_pad(sink, "sink");
	gst_pad_add_probe(cp, GST_PAD_PROBE_TYPE_BUFFER, recordFrame, &in, nullptr);
	gst_pad_add_probe(sp, GST_PAD_PROBE_TYPE_BUFFER, recordFrame, &out, nullptr);
	gst_element_set_state(p, GST_STATE_PLAYING);
	GstMessage *m = gst_bus_timed_pop_filtered(
		GST_ELEMENT_BUS(p), 60 * GST_SECOND,
		static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
	ASSERT_NE(m, nullptr);
	EXPECT_EQ(GST_MESSAGE_TYPE(m), GST_MESSAGE_EOS);
	gst_message_unref(m);
	live = liveDmaBufs(); /* the last sample and the pools are still alive */
	gst_element_set_state(p, GST_STATE_NULL);
	gst_object_unref(cp);
	gst_object_unref(sp);
	gst_object_unref(conv);
	gst_object_unref(sink);
	test::unrefPipeline(p);
	ASSERT_EQ(out.inodes.size(), 3u);
	const uint64_t last = out.inodes.back();
	ASSERT_TRUE(live.count(last)) << "the last output is alive\n" << test::dmaBufInfo();
	EXPECT_NE(live[last].first.find("vmalloc"), std::string::npos)
		<< "vim2m's own buffer (videobuf2-vmalloc): " << live[last].first;
	EXPECT_EQ(live[last].second.rfind("conv:", 0), 0u) << live[last].second;
	for (uint64_t i : in.inodes) {
		if (live.count(i)) {
			EXPECT_EQ(live[i].first.find("vmalloc"), std::string::npos)
				<< "inputs come from upstream's pool: " << live[i].first;
		}
	}
}

TEST(ConvertIntoDisplay, TheDeviceWritesIntoTheDisplaysBuffers)
{
	/* capture-io-mode=auto with dmabufkmssink downstream: vim2m writes straight
	 * into vkms's scanout buffers (DRM dumb buffers), nothing is copied. */
	Leaks before;
	{
		Frames in, out;
		ConvertRun run;
		runConvert("videotestsrc num-buffers=4 pattern=snow ! video/x-raw,format=RGB,"
			   "width=320,height=240 ! dmabufv4l2convert name=conv ! video/x-raw,"
			   "format=RGB16,width=640,height=480 ! dmabufkmssink driver-name=vkms "
			   "name=sink sync=false",
			   run, &in, &out);
		ASSERT_TRUE(run.eos) << run.error();
		EXPECT_EQ(run.decision.rfind("import: drm-dumb", 0), 0u) << run.decision;
		EXPECT_EQ(run.stat("converted"), 4u);
		EXPECT_EQ(run.stat("copies"), 0u);
		ASSERT_NE(run.sinkStats, nullptr);
		guint64 sinkCopies = G_MAXUINT64;
		gst_structure_get_uint64(run.sinkStats, "copies", &sinkCopies);
		EXPECT_EQ(sinkCopies, 0u) << "the display imports what the device wrote";
		ASSERT_EQ(out.pixels.size(), 4u);
		for (unsigned i = 0; i < 4; ++i) {
			EXPECT_NE(out.inodes[i], 0u);
			EXPECT_EQ(out.pixels[i],
				  vim2mReference(in.pixels[i], GST_VIDEO_FORMAT_RGB, 320, 240,
						 GST_VIDEO_FORMAT_RGB16, 640, 480))
				<< "frame " << i;
		}
	}
	before.expectNone("into dmabufkmssink");
}

TEST(ConvertPassthrough, EqualCapsDoNotTouchTheDevice)
{
	Leaks before;
	for (const char *caps : { "video/x-raw,format=RGB,width=320,height=240",
				  "video/x-raw,format=YUY2,width=1280,height=720" }) {
		Frames in, out;
		ConvertRun run;
		runConvert(std::string("videotestsrc num-buffers=5 ! ") + caps +
				   " ! dmabufv4l2convert name=conv ! " + caps +
				   " ! fakesink name=sink",
			   run, &in, &out);
		ASSERT_TRUE(run.eos) << run.error();
		EXPECT_EQ(run.stat("passthrough"), 5u) << caps;
		EXPECT_EQ(run.stat("converted"), 0u) << caps;
		EXPECT_EQ(run.stat("copies"), 0u) << caps;
		ASSERT_EQ(out.pixels.size(), 5u);
		EXPECT_EQ(in.buffers, out.buffers) << "the same buffers go through";
		EXPECT_EQ(in.inodes, out.inodes);
		EXPECT_EQ(in.pixels, out.pixels);
	}
	before.expectNone("passthrough");
}

TEST(ConvertCopy, ForceCopyIsCountedReportedAndStillExact)
{
	Frames in, out;
	ConvertRun run;
	runConvert("videotestsrc num-buffers=3 pattern=snow ! video/x-raw,format=BGR,width=320,"
		   "height=240 ! dmabufv4l2convert name=conv force-copy=true ! "
		   "video/x-raw,format=RGB,width=160,height=120 ! fakesink name=sink",
		   run, &in, &out);
	ASSERT_TRUE(run.eos) << run.error();
	EXPECT_EQ(run.stat("copies"), 3u);
	EXPECT_EQ(run.stat("imported"), 0u);
	ASSERT_EQ(run.warnings.size(), 1u) << "one warning, not one per frame";
	EXPECT_NE(run.warnings[0].find("force-copy"), std::string::npos) << run.warnings[0];
	ASSERT_EQ(out.pixels.size(), 3u);
	for (unsigned i = 0; i < 3; ++i)
		EXPECT_EQ(out.pixels[i], vim2mReference(in.pixels[i], GST_VIDEO_FORMAT_BGR, 320,
							240, GST_VIDEO_FORMAT_RGB, 160, 120));
}

class ConvertLeaks : public ::testing::TestWithParam<const char *>
{
};

TEST_P(ConvertLeaks, ManyRunsLeakNothing)
{
	const std::string desc = "videotestsrc num-buffers=3 ! video/x-raw,format=RGB,width=320,"
				 "height=240 ! dmabufv4l2convert name=conv capture-io-mode=" +
				 std::string(GetParam()) +
				 " ! video/x-raw,format=YUY2,width=160,height=120 ! fakesink "
				 "name=sink";
	{
		ConvertRun warm; /* the one-time import probes of the process */
		runConvert(desc, warm);
		ASSERT_TRUE(warm.eos) << warm.error();
	}
	Leaks before;
	for (int i = 0; i < 3; ++i) {
		ConvertRun run;
		runConvert(desc, run);
		ASSERT_TRUE(run.eos) << run.error();
	}
	before.expectNone("three conversions");
}

INSTANTIATE_TEST_SUITE_P(CaptureModes, ConvertLeaks, ::testing::Values("export", "import"));

/* ---- stream control, through a harness (system-memory input: the copy path) ---- */

/* A packed RGB frame of pseudo-random pixels. */
std::vector<uint8_t> randomRgb(unsigned w, unsigned h, unsigned seed)
{
	std::vector<uint8_t> px(size_t(w) * h * 3);
	for (size_t i = 0; i < px.size(); ++i)
		px[i] = uint8_t((i * 2654435761u + seed * 40503u) >> 13);
	return px;
}

/* Push \a px as an RGB frame (\a w x \a h, GStreamer's default stride) and pull the result. */
std::vector<uint8_t> convertOne(GstHarness *h, const std::vector<uint8_t> &px, unsigned w,
				unsigned hgt, GstClockTime pts)
{
	GstVideoInfo info;
	gst_video_info_set_format(&info, GST_VIDEO_FORMAT_RGB, w, hgt);
	GstBuffer *in = gst_harness_create_buffer(h, info.size);
	GstVideoFrame f;
	EXPECT_TRUE(gst_video_frame_map(&f, &info, in, GST_MAP_WRITE));
	for (unsigned y = 0; y < hgt; ++y)
		memcpy(static_cast<uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&f, 0)) +
			       size_t(y) * GST_VIDEO_FRAME_PLANE_STRIDE(&f, 0),
		       px.data() + size_t(y) * w * 3, w * 3);
	gst_video_frame_unmap(&f);
	GST_BUFFER_PTS(in) = pts;
	EXPECT_EQ(gst_harness_push(h, in), GST_FLOW_OK);
	/* The element's task pushes the frame once vim2m is done (no next input needed). */
	GstBuffer *out = gst_harness_pull(h);
	if (!out)
		return {};
	EXPECT_EQ(GST_BUFFER_PTS(out), pts);
	GstCaps *caps = gst_pad_get_current_caps(h->sinkpad);
	GstVideoInfo oi;
	gst_video_info_from_caps(&oi, caps);
	gst_caps_unref(caps);
	std::vector<uint8_t> got;
	GstVideoFrame of;
	if (gst_video_frame_map(&of, &oi, out, GST_MAP_READ)) {
		const unsigned row = GST_VIDEO_INFO_WIDTH(&oi) * 3;
		for (int y = 0; y < GST_VIDEO_INFO_HEIGHT(&oi); ++y) {
			auto *p = static_cast<const uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&of, 0)) +
				  size_t(y) * GST_VIDEO_FRAME_PLANE_STRIDE(&of, 0);
			got.insert(got.end(), p, p + row);
		}
		gst_video_frame_unmap(&of);
	}
	gst_buffer_unref(out);
	return got;
}

TEST(ConvertStreamControl, RenegotiatesAndSurvivesAFlush)
{
	Leaks before;
	{
		GstHarness *h = gst_harness_new_parse("dmabufv4l2convert name=conv");
		gst_harness_set_sink_caps_str(h, "video/x-raw,format=BGR");
		gst_harness_set_src_caps_str(
			h, "video/x-raw,format=RGB,width=320,height=240,framerate=30/1");
		for (unsigned i = 0; i < 2; ++i) {
			auto px = randomRgb(320, 240, i);
			EXPECT_EQ(convertOne(h, px, 320, 240, i * GST_SECOND),
				  vim2mReference(px, GST_VIDEO_FORMAT_RGB, 320, 240,
						 GST_VIDEO_FORMAT_BGR, 320, 240))
				<< "frame " << i << " at 320x240";
		}
		/* a flush (a seek) restarts streaming with the next frame */
		EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_flush_start()));
		EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_flush_stop(TRUE)));
		GstSegment seg;
		gst_segment_init(&seg, GST_FORMAT_TIME);
		EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_segment(&seg)));
		auto px = randomRgb(320, 240, 7);
		EXPECT_EQ(convertOne(h, px, 320, 240, 5 * GST_SECOND),
			  vim2mReference(px, GST_VIDEO_FORMAT_RGB, 320, 240, GST_VIDEO_FORMAT_BGR,
					 320, 240))
			<< "after the flush";
		/* new input caps: the device is set up again at the new size */
		gst_harness_set_src_caps_str(
			h, "video/x-raw,format=RGB,width=160,height=120,framerate=30/1");
		for (unsigned i = 0; i < 2; ++i) {
			auto small = randomRgb(160, 120, 10 + i);
			EXPECT_EQ(convertOne(h, small, 160, 120, (6 + i) * GST_SECOND),
				  vim2mReference(small, GST_VIDEO_FORMAT_RGB, 160, 120,
						 GST_VIDEO_FORMAT_BGR, 160, 120))
				<< "frame " << i << " at 160x120";
		}
		GstStructure *stats = nullptr;
		GstElement *conv = gst_bin_get_by_name(GST_BIN(h->element), "conv");
		ASSERT_NE(conv, nullptr);
		g_object_get(conv, "stats", &stats, nullptr);
		gst_object_unref(conv);
		ASSERT_NE(stats, nullptr);
		guint64 converted = 0, copies = 0;
		gst_structure_get_uint64(stats, "converted", &converted);
		gst_structure_get_uint64(stats, "copies", &copies);
		gst_structure_free(stats);
		EXPECT_EQ(converted, 5u);
		EXPECT_EQ(copies, 5u) << "the harness's buffers are system memory";
		gst_harness_teardown(h);
	}
	before.expectNone("renegotiation and flush");
}

/* ---- faults ---- */

void expectError(const std::string &desc, GQuark domain, int code, std::vector<std::string> words)
{
	Leaks before;
	{
		ConvertRun run;
		runConvert(desc, run, nullptr, nullptr, 30);
		EXPECT_FALSE(run.eos) << desc;
		EXPECT_EQ(run.source, "conv") << run.error();
		EXPECT_EQ(run.domain, domain) << run.error();
		EXPECT_EQ(run.code, code) << run.error();
		for (const auto &w : words)
			EXPECT_NE(run.message.find(w), std::string::npos)
				<< "\"" << w << "\" missing from: " << run.error();
	}
	before.expectNone(desc);
}

TEST(ConvertFaults, MissingNode)
{
	expectError("videotestsrc num-buffers=2 ! video/x-raw,format=RGB,width=320,height=240 ! "
		    "dmabufv4l2convert name=conv device=/dev/video99 ! video/x-raw,format=BGR ! "
		    "fakesink name=sink",
		    GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
		    { "missing", "device property" });
}

TEST(ConvertFaults, NodeThatIsNotAConverter)
{
	auto vivid = test::findDevice("vivid-capture");
	ASSERT_TRUE(vivid) << vivid.error().message;
	expectError("videotestsrc num-buffers=2 ! video/x-raw,format=RGB,width=320,height=240 ! "
		    "dmabufv4l2convert name=conv device=" +
			    *vivid + " ! video/x-raw,format=BGR ! fakesink name=sink",
		    GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
		    { "not a converter", "memory-to-memory", "vim2m" });
}

TEST(ConvertFaults, CapsTheDeviceCannotConvert)
{
	/* A caps query keeps gst-launch pipelines from offering such caps (the
	 * source then fails not-negotiated); an upstream that sends caps without
	 * asking, as a harness does, gets our own error. vim2m reads up to
	 * 640x480: 800x600 RGB can only pass through, and downstream wants BGR. */
	Leaks before;
	{
		GstHarness *h = gst_harness_new_parse("dmabufv4l2convert name=conv");
		GstBus *bus = gst_bus_new();
		gst_element_set_bus(h->element, bus);
		gst_harness_set_sink_caps_str(h, "video/x-raw,format=BGR");
		gst_harness_set_src_caps_str(
			h, "video/x-raw,format=RGB,width=800,height=600,framerate=30/1");
		GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
		ASSERT_NE(m, nullptr) << "no error posted";
		GError *e = nullptr;
		gchar *dbg = nullptr;
		gst_message_parse_error(m, &e, &dbg);
		EXPECT_EQ(e->domain, GST_CORE_ERROR);
		EXPECT_EQ(e->code, GST_CORE_ERROR_NEGOTIATION);
		const std::string msg = e->message;
		for (const char *w : { "cannot convert", "800", "downstream" })
			EXPECT_NE(msg.find(w), std::string::npos) << w << " missing: " << msg;
		EXPECT_NE(std::string(dbg ? dbg : "").find("BGR"), std::string::npos) << dbg;
		g_error_free(e);
		g_free(dbg);
		gst_message_unref(m);
		gst_element_set_bus(h->element, nullptr);
		gst_object_unref(bus);
		gst_harness_teardown(h);
	}
	before.expectNone("unsupported caps");
}

TEST(ConvertFaults, CapsTheDeviceCannotConvertInAPipeline)
{
	/* With a caps query first, the source is refused: not-negotiated, no hang. */
	ConvertRun run;
	runConvert("videotestsrc num-buffers=2 ! video/x-raw,format=RGB,width=800,height=600 ! "
		   "dmabufv4l2convert name=conv ! video/x-raw,format=BGR ! fakesink name=sink",
		   run, nullptr, nullptr, 30);
	EXPECT_FALSE(run.eos);
	EXPECT_NE(run.debug.find("not-negotiated"), std::string::npos) << run.error();
}

TEST(ConvertFaults, StalledDeviceIsAnErrorNotAHang)
{
	/* vim2m takes 40 ms per frame: a 1 ms watchdog fires, once the task,
	 * however late it starts on a loaded machine, catches up with the device. */
	expectError("videotestsrc num-buffers=30 ! video/x-raw,format=RGB,width=320,height=240 ! "
		    "dmabufv4l2convert name=conv timeout-ms=1 ! video/x-raw,format=BGR ! "
		    "fakesink name=sink",
		    GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
		    { "stopped delivering", "timeout-ms" });
}

TEST(ConvertFaults, ControlTheDeviceLacks)
{
	expectError("videotestsrc num-buffers=2 ! video/x-raw,format=RGB,width=320,height=240 ! "
		    "dmabufv4l2convert name=conv extra-controls=\"c,zoom_absolute=3\" ! "
		    "video/x-raw,format=BGR ! fakesink name=sink",
		    GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
		    { "no control", "zoom_absolute", "--list-ctrls" });
}

TEST(ConvertControls, HorizontalFlipReachesTheDevice)
{
	/* A control the device has: vim2m mirrors each line, which the reference does too. */
	Frames in, out;
	ConvertRun run;
	runConvert(
		"videotestsrc num-buffers=2 pattern=snow ! video/x-raw,format=RGB,width=320,"
		"height=240 ! dmabufv4l2convert name=conv extra-controls=\"c,horizontal_flip=1\" "
		"! video/x-raw,format=BGR ! fakesink name=sink",
		run, &in, &out);
	ASSERT_TRUE(run.eos) << run.error();
	ASSERT_EQ(out.pixels.size(), 2u);
	for (unsigned i = 0; i < 2; ++i) {
		auto want = vim2mReference(in.pixels[i], GST_VIDEO_FORMAT_RGB, 320, 240,
					   GST_VIDEO_FORMAT_BGR, 320, 240);
		/* mirror each row of the unflipped reference */
		for (unsigned y = 0; y < 240; ++y)
			for (unsigned x = 0; x < 160; ++x)
				for (unsigned b = 0; b < 3; ++b)
					std::swap(want[y * 960 + x * 3 + b],
						  want[y * 960 + (319 - x) * 3 + b]);
		EXPECT_EQ(out.pixels[i], want) << "frame " << i;
	}
}

/* With a live source the converter adds the time a frame spends in vim2m
 * (a 40 ms transaction at least) to the latency query, and says so on the bus. */
TEST(ConvertLatency, ReportsTheTimeAFrameSpendsInTheDevice)
{
	Leaks before;
	GError *err = nullptr;
	GstElement *p = gst_parse_launch(
		"videotestsrc is-live=true name=src ! video/x-raw,format=RGB,width=320,height=240,"
		"framerate=15/1 ! dmabufv4l2convert name=conv ! video/x-raw,format=BGR "
		"! fakesink sync=true",
		&err);
	ASSERT_NE(p, nullptr) << (err ? err->message : "?");
	GstElement *conv = gst_bin_get_by_name(GST_BIN(p), "conv");
	GstBus *bus = gst_element_get_bus(p);
	gst_element_set_state(p, GST_STATE_PLAYING);
	unsigned latencyMessages = 0;
	guint64 converted = 0;
	for (int i = 0; i < 300 && converted < 15; ++i) {
		while (GstMessage *m = gst_bus_pop(bus)) {
			if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_LATENCY &&
			    GST_MESSAGE_SRC(m) == GST_OBJECT(conv))
				latencyMessages++;
			if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR)
				ADD_FAILURE()
					<< "error from " << GST_OBJECT_NAME(GST_MESSAGE_SRC(m));
			gst_message_unref(m);
		}
		g_object_get(conv, "converted", &converted, nullptr);
		g_usleep(100000);
	}
	ASSERT_GE(converted, 15u);
	guint64 device = 0;
	g_object_get(conv, "device-latency", &device, nullptr);
	GstPad *src = gst_element_get_static_pad(conv, "src");
	GstPad *sink = gst_element_get_static_pad(conv, "sink");
	GstQuery *down = gst_query_new_latency(), *up = gst_query_new_latency();
	ASSERT_TRUE(gst_pad_query(src, down));
	ASSERT_TRUE(gst_pad_peer_query(sink, up));
	gboolean liveDown = FALSE, liveUp = FALSE;
	GstClockTime minDown = 0, minUp = 0, maxDown = 0, maxUp = 0;
	gst_query_parse_latency(down, &liveDown, &minDown, &maxDown);
	gst_query_parse_latency(up, &liveUp, &minUp, &maxUp);
	std::printf("converter: device-latency %.1f ms; upstream min %.1f ms, converter's src "
		    "min %.1f ms; %u LATENCY messages\n",
		    device / 1e6, minUp / 1e6, minDown / 1e6, latencyMessages);
	EXPECT_GE(device, 40 * GST_MSECOND) << "vim2m takes 40 ms per frame at least";
	EXPECT_LT(device, 2 * GST_SECOND);
	EXPECT_TRUE(liveDown);
	EXPECT_EQ(minDown, minUp + device);
	if (GST_CLOCK_TIME_IS_VALID(maxUp)) {
		EXPECT_EQ(maxDown, maxUp + device);
	}
	EXPECT_GE(latencyMessages, 1u);
	gst_query_unref(down);
	gst_query_unref(up);
	gst_object_unref(src);
	gst_object_unref(sink);
	gst_element_set_state(p, GST_STATE_NULL);
	gst_object_unref(bus);
	gst_object_unref(conv);
	test::unrefPipeline(p);
	before.expectNone("a live pipeline");
}

} /* namespace */
