/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dmabufkit tracer on the host, with stock elements only (no dma-bufs
 * here): what it publishes is read back through the viewer's model. Also the
 * live preview's thumbnail, pixel by pixel.
 */
#include <gtest/gtest.h>

#include <QByteArray>
#include <QFile>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

#include <gst/gst.h>
#include <gst/video/video.h>

#include <cmath>
#include <vector>

#include "session-model.h"
#include "thumbnail.h"

using namespace dbkviewer;

namespace {

std::string g_dir;

std::string sessionPath()
{
	return g_dir + "/session.jsonl";
}

std::string socketPath()
{
	return g_dir + "/tracer.sock";
}

std::string previewSessionPath()
{
	return g_dir + "/preview.jsonl";
}

/* GStreamer starts once, with the tracers, before any test (the tracers
   are read at gst_init, and the thumbnail tests need GStreamer too). */
class TracedGStreamer : public ::testing::Environment
{
public:
	void SetUp() override
	{
		gchar *dir = g_dir_make_tmp("dbk-tracer-XXXXXX", nullptr);
		ASSERT_NE(dir, nullptr);
		g_dir = dir;
		g_free(dir);
		/* Three instances: one records into a file, one serves a socket whose
		   clients get at most 4 queued lines each, one records previews. */
		std::string tracers = "dmabuftrace(endpoint=file:" + sessionPath() +
				      ",period-ms=100,performance=on);dmabuftrace(endpoint=unix:" + socketPath() +
				      ",period-ms=100,queue=4);dmabuftrace(endpoint=file:" + previewSessionPath() +
				      ",period-ms=100,preview=auto)";
		g_setenv("GST_TRACERS", tracers.c_str(), TRUE);
		gst_init(nullptr, nullptr);
	}
};
[[maybe_unused]] ::testing::Environment *const g_gstreamer =
	::testing::AddGlobalTestEnvironment(new TracedGStreamer);

class TracerTest : public ::testing::Test
{
protected:
	static void SetUpTestSuite()
	{
		ASSERT_NE(gst_registry_find_feature(gst_registry_get(), "dmabuftrace", GST_TYPE_TRACER_FACTORY),
			  nullptr)
			<< "the dmabuftrace tracer is not registered (GST_PLUGIN_PATH?)";
	}

	/* Runs @desc to EOS (or fails after 30 s), then to NULL. */
	static void run(const char *desc, const char *name,
			void (*prepare)(GstElement *pipeline) = nullptr)
	{
		GError *err = nullptr;
		GstElement *p = gst_parse_launch(desc, &err);
		ASSERT_EQ(err, nullptr) << err->message;
		gst_element_set_name(p, name);
		if (prepare)
			prepare(p);
		ASSERT_NE(gst_element_set_state(p, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
		GstBus *bus = gst_element_get_bus(p);
		GstMessage *m = gst_bus_timed_pop_filtered(bus, 30 * GST_SECOND,
							   static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
		ASSERT_NE(m, nullptr) << "no EOS within 30 s";
		EXPECT_EQ(GST_MESSAGE_TYPE(m), GST_MESSAGE_EOS);
		gst_message_unref(m);
		gst_object_unref(bus);
		/* PAUSED -> READY makes the tracer publish the final counts. */
		gst_element_set_state(p, GST_STATE_NULL);
		gst_object_unref(p);
	}

	static void load(SessionModel &m, const std::string &path = sessionPath())
	{
		QFile f(QString::fromStdString(path));
		ASSERT_TRUE(f.open(QIODevice::ReadOnly));
		while (!f.atEnd()) {
			QByteArray line = f.readLine().trimmed();
			if (!line.isEmpty()) {
				EXPECT_TRUE(m.ingestLine(line)) << line.left(200).constData();
			}
		}
	}
};

TEST_F(TracerTest, CountsAndSystemMemory)
{
	run("videotestsrc num-buffers=25 ! video/x-raw,format=I420,width=160,height=120 "
	    "! videoconvert ! video/x-raw,format=BGRx ! fakesink",
	    "counts");
	SessionModel m;
	load(m);
	ASSERT_TRUE(m.hasHello());
	EXPECT_EQ(m.protocolVersion(), 1);
	EXPECT_EQ(m.malformedLines(), 0u);
	ASSERT_EQ(m.links().size(), 4); /* src, caps, convert, caps -> sink */
	for (const LinkInfo &l : m.links()) {
		ASSERT_TRUE(m.hasLinkStats(l.id)) << l.id.toStdString();
		LinkStats s = m.linkStats(l.id);
		EXPECT_EQ(s.buffers, 25u) << l.id.toStdString();
		EXPECT_EQ(s.kind, LinkKind::System) << l.id.toStdString();
		EXPECT_EQ(s.inodes, 0u);
		EXPECT_TRUE(s.exporter.isEmpty());
		EXPECT_FALSE(s.copied) << "a conversion is not a copy: " << l.id.toStdString();
	}
	const LinkInfo *conv = m.link("counts/videoconvert0:src");
	ASSERT_NE(conv, nullptr);
	EXPECT_TRUE(conv->caps.contains("BGRx")) << conv->caps.toStdString();
	EXPECT_EQ(m.linkStats("counts/videotestsrc0:src").bytes, 25u * 160 * 120 * 3 / 2);
	ElementStats cs = m.elementStats("counts/videoconvert0");
	EXPECT_EQ(cs.buffersIn, 25u);
	EXPECT_GT(cs.latencyAvgUs, 0);
	EXPECT_EQ(cs.copies, 0u);
	const ElementInfo *sink = m.element("counts/fakesink0");
	ASSERT_NE(sink, nullptr);
	EXPECT_EQ(sink->factory, "fakesink");
	/* basesink's read-only "stats" structure arrives generically. */
	EXPECT_TRUE(m.elementStats("counts/fakesink0").stats.contains("stats"));
	EXPECT_GT(m.processCpuSeconds(), 0);
}

static GstPadProbeReturn deepCopy(GstPad *pad, GstPadProbeInfo *info, gpointer)
{
	/* Say so the way stock elements do, on the GST_PERFORMANCE category. */
	static GstDebugCategory *perf = _gst_debug_get_category("GST_PERFORMANCE");
	GST_CAT_DEBUG_OBJECT(perf, GST_OBJECT_PARENT(pad), "deep copy of %p", info->data);
	GstBuffer *in = GST_PAD_PROBE_INFO_BUFFER(info);
	GST_PAD_PROBE_INFO_DATA(info) = gst_buffer_copy_deep(in);
	gst_buffer_unref(in);
	return GST_PAD_PROBE_OK;
}

TEST_F(TracerTest, CopyWithUnchangedCapsIsFlagged)
{
	/* "copier" gets a deep copy of every buffer: new memory, same caps. */
	run("videotestsrc num-buffers=20 ! video/x-raw,width=64,height=48 ! identity name=pass "
	    "! identity name=copier ! fakesink",
	    "copies", [](GstElement *p) {
		    GstElement *copier = gst_bin_get_by_name(GST_BIN(p), "copier");
		    GstPad *sink = gst_element_get_static_pad(copier, "sink");
		    gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_BUFFER, deepCopy, nullptr, nullptr);
		    gst_object_unref(sink);
		    gst_object_unref(copier);
	    });
	SessionModel m;
	load(m);
	ElementStats pass = m.elementStats("copies/pass");
	ElementStats copier = m.elementStats("copies/copier");
	EXPECT_EQ(pass.copies, 0u);
	EXPECT_EQ(copier.copies, 20u);
	EXPECT_TRUE(copier.copyReason.contains("unchanged caps")) << copier.copyReason.toStdString();
	EXPECT_FALSE(m.linkStats("copies/pass:src").copied);
	EXPECT_TRUE(m.linkStats("copies/copier:src").copied);
	EXPECT_EQ(m.linkStats("copies/copier:src").buffers, 20u);
	/* The GST_PERFORMANCE messages were captured for the element... */
	EXPECT_EQ(copier.performance, 20u);
	EXPECT_TRUE(copier.lastPerformance.startsWith("deep copy of")) << copier.lastPerformance.toStdString();
	EXPECT_EQ(pass.performance, 0u);
	/* ...and published as events. */
	int perfEvents = 0;
	for (const SessionEvent &e : m.events())
		perfEvents += e.what == "performance" && e.element == "copies/copier";
	EXPECT_EQ(perfEvents, 20);
}

static int connectUnix(const std::string &path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sockaddr_un addr{};
	addr.sun_family = AF_UNIX;
	strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
	if (connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST_F(TracerTest, HostileClientsCannotStallThePipeline)
{
	/* A client that never reads and floods, one that leaves at once. */
	int stuck = connectUnix(socketPath());
	ASSERT_GE(stuck, 0) << strerror(errno);
	fcntl(stuck, F_SETFL, O_NONBLOCK);
	std::string garbage(256 * 1024, '\x7f');
	(void)!send(stuck, garbage.data(), garbage.size(), MSG_NOSIGNAL);
	int gone = connectUnix(socketPath());
	ASSERT_GE(gone, 0);
	close(gone);

	auto t0 = std::chrono::steady_clock::now();
	run("videotestsrc name=src num-buffers=300 ! video/x-raw,width=320,height=240 ! fakesink", "flood");
	double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	EXPECT_LT(secs, 20.0);

	SessionModel m;
	load(m);
	EXPECT_EQ(m.linkStats("flood/src:src").buffers, 300u);

	/* The server still serves: a new client gets hello and the graph. */
	int fresh = connectUnix(socketPath());
	ASSERT_GE(fresh, 0);
	timeval tv{ 5, 0 };
	setsockopt(fresh, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	SessionModel live;
	QByteArray pending;
	char buf[65536];
	while (live.graphRevision() == 0) {
		ssize_t n = recv(fresh, buf, sizeof(buf), 0);
		ASSERT_GT(n, 0) << "no graph from the tracer socket";
		pending.append(buf, n);
		int nl;
		while ((nl = pending.indexOf('\n')) >= 0) {
			live.ingestLine(pending.left(nl));
			pending.remove(0, nl + 1);
		}
	}
	EXPECT_TRUE(live.hasHello());
	EXPECT_EQ(live.malformedLines(), 0u);
	EXPECT_NE(live.element("flood/src"), nullptr);
	close(fresh);
	close(stuck);
}

/* ---- The live preview ---------------------------------------------------- */

struct Rgb {
	int r, g, b;
};

/* A frame of @format, @w x @h, whose quadrants hold @q[0..3] (TL, TR, BL, BR),
   painted by @paint(frame, x, y, quadrant). */
template<typename Paint>
static GstBuffer *quadrantFrame(GstVideoInfo &info, GstVideoFormat format, int w, int h, Paint paint)
{
	gst_video_info_set_format(&info, format, w, h);
	GstBuffer *buf = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
	GstVideoFrame f;
	EXPECT_TRUE(gst_video_frame_map(&f, &info, buf, GST_MAP_WRITE));
	for (int y = 0; y < h; ++y)
		for (int x = 0; x < w; ++x)
			paint(f, x, y, (y >= h / 2) * 2 + (x >= w / 2));
	gst_video_frame_unmap(&f);
	return buf;
}

/* Byte @x of row @y of @plane. */
static uint8_t *at(GstVideoFrame &f, int plane, int x, int y)
{
	return static_cast<uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&f, plane)) + y * GST_VIDEO_FRAME_PLANE_STRIDE(&f, plane) + x;
}

/* 320x240 BGRx (alpha byte @alpha) with the colours @q in its quadrants. */
static GstBuffer *bgrxQuadrants(GstVideoInfo &info, const Rgb q[4], uint8_t alpha)
{
	return quadrantFrame(info, GST_VIDEO_FORMAT_BGRx, 320, 240, [&](GstVideoFrame &f, int x, int y, int k) {
		uint8_t *p = at(f, 0, x * 4, y);
		p[0] = q[k].b, p[1] = q[k].g, p[2] = q[k].r, p[3] = alpha;
	});
}

static std::vector<uint8_t> thumbnailOf(const GstVideoInfo &info, GstBuffer *buf, dmabufkit::dmabuftrace::Thumbnail &t)
{
	std::string why;
	EXPECT_TRUE(t.configure(info, &why)) << why;
	std::vector<uint8_t> out(dmabufkit::dmabuftrace::Thumbnail::kMaxBytes, 0xee);
	GstVideoFrame f;
	EXPECT_TRUE(gst_video_frame_map(&f, &info, buf, GST_MAP_READ));
	t.make(f, out.data());
	gst_video_frame_unmap(&f);
	/* Nothing written beyond width * height * 3. */
	for (size_t i = t.bytes(); i < out.size(); ++i)
		if (out[i] != 0xee) {
			ADD_FAILURE() << "wrote past the thumbnail at byte " << i;
			break;
		}
	return out;
}

static Rgb pixel(const std::vector<uint8_t> &img, const dmabufkit::dmabuftrace::Thumbnail &t, int x, int y)
{
	const uint8_t *p = &img[(size_t(y) * t.width() + x) * 3];
	return { p[0], p[1], p[2] };
}

/* Every thumbnail pixel of quadrant q equals @want[q] within @tol. */
static void expectQuadrants(const std::vector<uint8_t> &img, const dmabufkit::dmabuftrace::Thumbnail &t,
			    const Rgb want[4], int tol, const char *what)
{
	int bad = 0;
	for (int y = 0; y < t.height(); ++y)
		for (int x = 0; x < t.width(); ++x) {
			int q = (y >= t.height() / 2) * 2 + (x >= t.width() / 2);
			Rgb p = pixel(img, t, x, y);
			if (std::abs(p.r - want[q].r) > tol || std::abs(p.g - want[q].g) > tol ||
			    std::abs(p.b - want[q].b) > tol) {
				if (++bad <= 3)
					ADD_FAILURE() << what << ": pixel " << x << "," << y << " (quadrant " << q
						      << ") is " << p.r << "," << p.g << "," << p.b << ", expected "
						      << want[q].r << "," << want[q].g << "," << want[q].b;
			}
		}
	EXPECT_EQ(bad, 0) << what;
}

TEST(Thumbnail, FitsWithin160x120KeepingTheAspect)
{
	using dmabufkit::dmabuftrace::Thumbnail;
	struct {
		int w, h, tw, th;
	} cases[] = { { 1920, 1080, 160, 90 }, { 320, 240, 160, 120 }, { 640, 480, 160, 120 },
		      { 100, 400, 30, 120 },   { 64, 48, 64, 48 },     { 1, 1, 1, 1 },
		      { 10000, 1, 160, 1 },    { 1, 10000, 1, 120 },   { 720, 576, 150, 120 } };
	for (auto c : cases) {
		int tw, th;
		Thumbnail::fit(c.w, c.h, &tw, &th);
		EXPECT_EQ(tw, c.tw) << c.w << "x" << c.h;
		EXPECT_EQ(th, c.th) << c.w << "x" << c.h;
	}
}

TEST(Thumbnail, BGRxQuadrantsComeOutExactly)
{
	/* 320x240 BGRx -> 160x120: every thumbnail pixel is the colour of its quadrant. */
	const Rgb q[4] = { { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 }, { 10, 20, 30 } };
	GstVideoInfo info;
	GstBuffer *buf = bgrxQuadrants(info, q, 0x77);
	dmabufkit::dmabuftrace::Thumbnail t;
	auto img = thumbnailOf(info, buf, t);
	ASSERT_EQ(t.width(), 160);
	ASSERT_EQ(t.height(), 120);
	expectQuadrants(img, t, q, 0, "BGRx");
	gst_buffer_unref(buf);
}

/* BT.601 limited range, in floating point: the reference the fixed-point path must meet. */
static Rgb bt601(int y, int u, int v)
{
	auto c = [](double d) { return int(std::lround(std::clamp(d, 0.0, 255.0))); };
	double Y = 1.164383 * (y - 16), U = u - 128, V = v - 128;
	return { c(Y + 1.596027 * V), c(Y - 0.391762 * U - 0.812968 * V), c(Y + 2.017232 * U) };
}

TEST(Thumbnail, I420QuadrantsMatchBT601)
{
	/* Y, U, V per quadrant: white, black, red, a mid colour. */
	const int yuv[4][3] = { { 235, 128, 128 }, { 16, 128, 128 }, { 81, 90, 240 }, { 120, 160, 100 } };
	GstVideoInfo info;
	GstBuffer *buf = quadrantFrame(info, GST_VIDEO_FORMAT_I420, 320, 240, [&](GstVideoFrame &f, int x, int y, int k) {
		*at(f, 0, x, y) = yuv[k][0];
		*at(f, 1, x / 2, y / 2) = yuv[k][1];
		*at(f, 2, x / 2, y / 2) = yuv[k][2];
	});
	dmabufkit::dmabuftrace::Thumbnail t;
	auto img = thumbnailOf(info, buf, t);
	Rgb want[4];
	for (int k = 0; k < 4; ++k)
		want[k] = bt601(yuv[k][0], yuv[k][1], yuv[k][2]);
	EXPECT_EQ(want[0].r, 255);
	EXPECT_EQ(want[1].g, 0);
	EXPECT_GE(want[2].r, 250);
	expectQuadrants(img, t, want, 1, "I420 BT.601");
	gst_buffer_unref(buf);
}

TEST(Thumbnail, HonoursTheColourMatrix)
{
	/* The same bytes read as BT.709 give another red: the caps' matrix is used. */
	GstVideoInfo info;
	GstBuffer *buf = quadrantFrame(info, GST_VIDEO_FORMAT_NV12, 64, 48, [&](GstVideoFrame &f, int x, int y, int) {
		*at(f, 0, x, y) = 81;
		uint8_t *uv = at(f, 1, (x / 2) * 2, y / 2);
		uv[0] = 90, uv[1] = 240;
	});
	info.colorimetry.matrix = GST_VIDEO_COLOR_MATRIX_BT709;
	dmabufkit::dmabuftrace::Thumbnail t;
	auto img = thumbnailOf(info, buf, t);
	/* BT.709 limited: G = 1.164 (Y-16) - 0.213 (U-128) - 0.533 (V-128). */
	double g = 1.164383 * 65 - 0.213249 * (90 - 128) - 0.532909 * (240 - 128);
	Rgb p = pixel(img, t, 10, 10);
	EXPECT_NEAR(p.g, std::clamp(g, 0.0, 255.0), 1.0);
	EXPECT_GT(p.g, 0) << "BT.601 would give 0 here";
	gst_buffer_unref(buf);
}

TEST(Thumbnail, SamplesStayInsideTheirCells)
{
	/* GRAY8 with value = x: thumbnail column tx must read a source column in
	   [tx * W / tw, (tx + 1) * W / tw), and rows likewise. */
	GstVideoInfo info;
	GstBuffer *buf = quadrantFrame(info, GST_VIDEO_FORMAT_GRAY8, 250, 200,
				       [&](GstVideoFrame &f, int x, int y, int) { *at(f, 0, x, y) = x; });
	dmabufkit::dmabuftrace::Thumbnail t;
	auto img = thumbnailOf(info, buf, t);
	ASSERT_EQ(t.width(), 150);
	ASSERT_EQ(t.height(), 120);
	for (int tx = 0; tx < t.width(); ++tx) {
		Rgb p = pixel(img, t, tx, 7);
		EXPECT_GE(p.r, tx * 250 / 150) << tx;
		EXPECT_LT(p.r, (tx + 1) * 250 / 150 + 1) << tx;
		EXPECT_TRUE(p.r == p.g && p.g == p.b);
	}
	gst_buffer_unref(buf);
	buf = quadrantFrame(info, GST_VIDEO_FORMAT_GRAY8, 250, 200,
			    [&](GstVideoFrame &f, int x, int y, int) { *at(f, 0, x, y) = y; });
	img = thumbnailOf(info, buf, t);
	for (int ty = 0; ty < t.height(); ++ty) {
		Rgb p = pixel(img, t, 3, ty);
		EXPECT_GE(p.r, ty * 200 / 120) << ty;
		EXPECT_LT(p.r, (ty + 1) * 200 / 120 + 1) << ty;
	}
	gst_buffer_unref(buf);
}

TEST(Thumbnail, EverySupportedFormatShowsTheSamePicture)
{
	/* One BGRx quadrant picture converted by GStreamer into each format
	   (its colorimetry defaults), then thumbnailed: the colours survive
	   within the round trip's rounding. */
	const Rgb q[4] = { { 200, 40, 40 }, { 40, 200, 40 }, { 40, 40, 200 }, { 128, 128, 128 } };
	GstVideoInfo src;
	GstBuffer *in = bgrxQuadrants(src, q, 255);
	const GstVideoFormat formats[] = {
		GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_BGRA, GST_VIDEO_FORMAT_xRGB, GST_VIDEO_FORMAT_ARGB,
		GST_VIDEO_FORMAT_RGBx, GST_VIDEO_FORMAT_RGBA, GST_VIDEO_FORMAT_xBGR, GST_VIDEO_FORMAT_ABGR,
		GST_VIDEO_FORMAT_RGB,  GST_VIDEO_FORMAT_BGR,  GST_VIDEO_FORMAT_YUY2, GST_VIDEO_FORMAT_YVYU,
		GST_VIDEO_FORMAT_UYVY, GST_VIDEO_FORMAT_NV12, GST_VIDEO_FORMAT_NV21,
		GST_VIDEO_FORMAT_NV16, GST_VIDEO_FORMAT_NV61, GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_YV12,
		GST_VIDEO_FORMAT_Y42B, GST_VIDEO_FORMAT_Y444,
	};
	for (GstVideoFormat fmt : formats) {
		const char *name = gst_video_format_to_string(fmt);
		EXPECT_TRUE(dmabufkit::dmabuftrace::Thumbnail::supports(fmt)) << name;
		GstVideoInfo dst;
		gst_video_info_set_format(&dst, fmt, 320, 240);
		GstBuffer *out = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&dst), nullptr);
		GstVideoConverter *conv = gst_video_converter_new(
			&src, &dst,
			gst_structure_new("options", GST_VIDEO_CONVERTER_OPT_DITHER_METHOD, GST_TYPE_VIDEO_DITHER_METHOD,
					  GST_VIDEO_DITHER_NONE, nullptr));
		ASSERT_NE(conv, nullptr) << name;
		GstVideoFrame a, b;
		ASSERT_TRUE(gst_video_frame_map(&a, &src, in, GST_MAP_READ));
		ASSERT_TRUE(gst_video_frame_map(&b, &dst, out, GST_MAP_WRITE));
		gst_video_converter_frame(conv, &a, &b);
		gst_video_frame_unmap(&a);
		gst_video_frame_unmap(&b);
		gst_video_converter_free(conv);
		dmabufkit::dmabuftrace::Thumbnail t;
		auto img = thumbnailOf(dst, out, t);
		/* Chroma sits at half resolution: sample away from the borders. */
		for (int k = 0; k < 4; ++k) {
			Rgb p = pixel(img, t, (k & 1) ? 120 : 40, (k & 2) ? 90 : 30);
			EXPECT_NEAR(p.r, q[k].r, 4) << name << " quadrant " << k;
			EXPECT_NEAR(p.g, q[k].g, 4) << name << " quadrant " << k;
			EXPECT_NEAR(p.b, q[k].b, 4) << name << " quadrant " << k;
		}
		gst_buffer_unref(out);
	}
	gst_buffer_unref(in);
}

TEST(Thumbnail, OtherFormatsSayWhy)
{
	GstVideoInfo info;
	gst_video_info_set_format(&info, GST_VIDEO_FORMAT_I420_10LE, 64, 48);
	dmabufkit::dmabuftrace::Thumbnail t;
	std::string why;
	EXPECT_FALSE(t.configure(info, &why));
	EXPECT_FALSE(t.configured());
	EXPECT_NE(why.find("I420_10LE"), std::string::npos) << why;
	EXPECT_NE(why.find("NV12"), std::string::npos) << "the supported formats are named: " << why;
}

static int countLines(const std::string &path, const char *needle)
{
	QFile f(QString::fromStdString(path));
	int n = 0;
	if (f.open(QIODevice::ReadOnly))
		while (!f.atEnd())
			n += f.readLine().contains(needle);
	return n;
}

TEST_F(TracerTest, PreviewOfTheVideoSinkArrivesInTheModel)
{
	/* One second of a solid colour (R 0x33, G 0x66, B 0xcc) in I420. */
	int before = countLines(previewSessionPath(), "\"type\":\"preview\"");
	run("videotestsrc num-buffers=30 pattern=solid-color foreground-color=0xff3366cc ! capsfilter name=caps "
	    "caps=video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! fakesink name=sink sync=true",
	    "preview");
	SessionModel m;
	load(m, previewSessionPath());
	EXPECT_EQ(m.malformedLines(), 0u);
	ASSERT_TRUE(m.hasPreview());
	const PreviewFrame &p = m.preview();
	EXPECT_EQ(p.link.toStdString(), "preview/caps:src");
	EXPECT_EQ(p.element.toStdString(), "preview/sink");
	EXPECT_EQ(p.pad.toStdString(), "sink");
	EXPECT_EQ(p.sourceFormat.toStdString(), "I420");
	EXPECT_EQ(p.sourceWidth, 320);
	EXPECT_EQ(p.width, 160);
	EXPECT_EQ(p.height, 120);
	ASSERT_EQ(p.rgb.size(), 160 * 120 * 3);
	for (int i = 0; i < p.rgb.size(); i += 3) {
		ASSERT_NEAR(uchar(p.rgb[i]), 0x33, 3) << "pixel " << i / 3;
		ASSERT_NEAR(uchar(p.rgb[i + 1]), 0x66, 3) << "pixel " << i / 3;
		ASSERT_NEAR(uchar(p.rgb[i + 2]), 0xcc, 3) << "pixel " << i / 3;
	}
	/* Rate-limited: one second of video gives 1 to 3 previews, not 30. */
	int previews = countLines(previewSessionPath(), "\"type\":\"preview\"") - before;
	EXPECT_GE(previews, 1);
	EXPECT_LE(previews, 3);
}

TEST_F(TracerTest, FormatsWithoutPreviewAreStatedOnce)
{
	run("videotestsrc num-buffers=30 ! capsfilter name=caps "
	    "caps=video/x-raw,format=I420_10LE,width=64,height=48,framerate=30/1 ! fakesink name=sink sync=true",
	    "nopreview");
	SessionModel m;
	load(m, previewSessionPath());
	int notes = 0;
	for (const SessionEvent &e : m.events())
		if (e.what == "preview-unavailable" && e.element == "nopreview/sink") {
			++notes;
			EXPECT_TRUE(e.text.contains("I420_10LE")) << e.text.toStdString();
		}
	EXPECT_EQ(notes, 1);
	/* The last picture is still the previous pipeline's, not garbage. */
	EXPECT_NE(m.preview().link.toStdString(), "nopreview/caps:src");
}

} /* namespace */
