/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VM tests of dmabufv4l2slfwhtdec on vicodec's stateless decoder: a stream
 * encoded by dmabufv4l2enc decodes to the same bytes as through the
 * stateful dmabufv4l2dec (several formats and sizes, a mid-stream size
 * change), as exported dma-bufs; malformed input is rejected with the
 * error domain, code and words each case calls for; requests the driver
 * refuses are errors too; no fd or dma-buf outlives a run. Run twice: the
 * default single-planar boot and vicodec.multiplanar=1 (DBK_EXPECT_MPLANE).
 */
#include <atomic>
#include <cstring>
#include <gtest/gtest.h>
#include <mutex>
#include <string>
#include <vector>

#include <gst/allocators/allocators.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "dmabufkit/v4l2/stateless_fwht_session.h"
#include "leak_counters.h"
#include "test_devices.h"
#include "pipeline_unref.h"

using namespace dmabufkit;

namespace {

using Bytes = std::vector<uint8_t>;

struct Outcome {
	bool eos = false, timedOut = false;
	GQuark domain = 0;
	int code = 0;
	std::string message, debug;
	std::vector<std::string> warnings;
	guint64 decoded = 0, skipped = 0, copies = 0, requests = 0, changes = 0, corrupt = 0,
		imported = 0;
	std::string all() const { return message + " | " + debug; }
};

/* The decoded frames a sink saw: every plane's visible bytes, and the caps. */
struct Frames {
	std::mutex lock;
	std::vector<Bytes> frames;
	std::vector<std::string> caps;
	unsigned nonDmabuf = 0;
};

GstPadProbeReturn grabFrame(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
	auto *f = static_cast<Frames *>(data);
	GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
	GstCaps *caps = gst_pad_get_current_caps(pad);
	GstVideoInfo vi;
	const bool ok = caps && gst_video_info_from_caps(&vi, caps);
	gchar *c = caps ? gst_caps_to_string(caps) : g_strdup("none");
	if (caps)
		gst_caps_unref(caps);
	Bytes bytes;
	GstVideoFrame frame;
	if (ok && gst_video_frame_map(&frame, &vi, buf, GST_MAP_READ)) {
		for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES(&frame); ++p) {
			const auto *base =
				static_cast<const uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&frame, p));
			const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, p);
			const int rows = GST_VIDEO_FRAME_COMP_HEIGHT(&frame, p);
			const int rowBytes = GST_VIDEO_FRAME_COMP_WIDTH(&frame, p) *
					     GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, p);
			for (int r = 0; r < rows; ++r)
				bytes.insert(bytes.end(), base + size_t(r) * stride,
					     base + size_t(r) * stride + rowBytes);
		}
		gst_video_frame_unmap(&frame);
	}
	std::lock_guard<std::mutex> g(f->lock);
	for (guint i = 0; i < gst_buffer_n_memory(buf); ++i)
		f->nonDmabuf += !gst_is_dmabuf_memory(gst_buffer_peek_memory(buf, i));
	f->frames.push_back(std::move(bytes));
	f->caps.push_back(c);
	g_free(c);
	return GST_PAD_PROBE_OK;
}

guint64 u64(GstElement *e, const char *prop)
{
	guint64 v = 0;
	g_object_get(e, prop, &v, nullptr);
	return v;
}

/* Run \a p to EOS, error or timeout; read the decoder "dec"'s counters. */
Outcome run(GstElement *p, int timeoutS = 90)
{
	Outcome o;
	GstBus *bus = gst_element_get_bus(p);
	gst_element_set_state(p, GST_STATE_PLAYING);
	const gint64 end = g_get_monotonic_time() + gint64(timeoutS) * G_USEC_PER_SEC;
	bool done = false;
	while (!done) {
		if (g_get_monotonic_time() >= end) {
			o.timedOut = true;
			break;
		}
		GstMessage *m = gst_bus_timed_pop(bus, 200 * GST_MSECOND);
		if (!m)
			continue;
		GError *e = nullptr;
		gchar *dbg = nullptr;
		switch (GST_MESSAGE_TYPE(m)) {
		case GST_MESSAGE_EOS:
			o.eos = done = true;
			break;
		case GST_MESSAGE_ERROR:
			gst_message_parse_error(m, &e, &dbg);
			o.domain = e->domain;
			o.code = e->code;
			o.message = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(m))) + ": " +
				    e->message;
			o.debug = dbg ? dbg : "";
			done = true;
			break;
		case GST_MESSAGE_WARNING:
			gst_message_parse_warning(m, &e, &dbg);
			o.warnings.push_back(std::string(e->message) + " | " + (dbg ? dbg : ""));
			break;
		default:
			break;
		}
		if (e)
			g_error_free(e);
		g_free(dbg);
		gst_message_unref(m);
	}
	gst_object_unref(bus);
	if (GstElement *dec = gst_bin_get_by_name(GST_BIN(p), "dec")) {
		if (g_object_class_find_property(G_OBJECT_GET_CLASS(dec), "requests")) {
			o.decoded = u64(dec, "frames-decoded");
			o.skipped = u64(dec, "frames-skipped");
			o.copies = u64(dec, "bitstream-copies");
			o.requests = u64(dec, "requests");
			o.changes = u64(dec, "geometry-changes");
			o.corrupt = u64(dec, "corrupt-frames");
			o.imported = u64(dec, "imported-frames");
		}
		gst_object_unref(dec);
	}
	gst_element_set_state(p, GST_STATE_NULL);
	return o;
}

GstElement *parse(const std::string &desc)
{
	GError *err = nullptr;
	GstElement *p = gst_parse_launch(desc.c_str(), &err);
	EXPECT_EQ(err, nullptr) << desc << ": " << (err ? err->message : "");
	if (err)
		g_error_free(err);
	return p;
}

std::string vivid()
{
	auto p = test::findDevice("vivid-capture");
	return p ? *p : std::string("/dev/missing-vivid");
}

/* \a n FWHT frames of vivid's pattern in \a format at a size, as bytes. */
std::vector<Bytes> encode(const char *format, int width, int height, unsigned n)
{
	std::vector<Bytes> out;
	GstElement *p = parse(
		"dmabufv4l2src device=" + vivid() + " num-buffers=" + std::to_string(n) +
		" ! video/x-raw,format=" + format + ",width=" + std::to_string(width) +
		",height=" + std::to_string(height) + " ! dmabufv4l2enc ! fakesink name=sink");
	GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
	GstPad *pad = gst_element_get_static_pad(sink, "sink");
	gst_pad_add_probe(
		pad, GST_PAD_PROBE_TYPE_BUFFER,
		[](GstPad *, GstPadProbeInfo *info, gpointer d) {
			GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
			Bytes bytes(gst_buffer_get_size(b));
			gst_buffer_extract(b, 0, bytes.data(), bytes.size());
			static_cast<std::vector<Bytes> *>(d)->push_back(std::move(bytes));
			return GST_PAD_PROBE_OK;
		},
		&out, nullptr);
	gst_object_unref(pad);
	gst_object_unref(sink);
	auto o = run(p, 120);
	EXPECT_TRUE(o.eos) << o.all();
	test::unrefPipeline(p);
	return out;
}

/* Decode \a frames (pushed through appsrc) with \a decoder named "dec". */
Outcome decode(const std::vector<Bytes> &frames, const std::string &decoder, Frames *grabbed,
	       int timeoutS = 90, const std::string &sinkDesc = "fakesink name=sink")
{
	GstElement *p = parse("appsrc name=in format=time caps=video/x-fwht,framerate=30/1 ! " +
			      decoder + " name=dec timeout-ms=5000 ! " + sinkDesc);
	if (grabbed) {
		GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
		GstPad *pad = gst_element_get_static_pad(sink, "sink");
		gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, grabFrame, grabbed, nullptr);
		gst_object_unref(pad);
		gst_object_unref(sink);
	}
	GstElement *in = gst_bin_get_by_name(GST_BIN(p), "in");
	GstClockTime pts = 0;
	for (const auto &f : frames) {
		GstBuffer *b = gst_buffer_new_memdup(f.data(), f.size());
		GST_BUFFER_PTS(b) = pts;
		GST_BUFFER_DURATION(b) = GST_SECOND / 30;
		pts += GST_SECOND / 30;
		GstFlowReturn ret;
		g_signal_emit_by_name(in, "push-buffer", b, &ret);
		gst_buffer_unref(b);
	}
	GstFlowReturn ret;
	g_signal_emit_by_name(in, "end-of-stream", &ret);
	gst_object_unref(in);
	auto o = run(p, timeoutS);
	test::unrefPipeline(p);
	return o;
}

void putBe32(Bytes &b, size_t at, uint32_t v)
{
	b[at] = uint8_t(v >> 24);
	b[at + 1] = uint8_t(v >> 16);
	b[at + 2] = uint8_t(v >> 8);
	b[at + 3] = uint8_t(v);
}

/* The stateless decoder's output equals the stateful one's, frame by frame and byte by byte. */
void expectSameAsStateful(const std::vector<Bytes> &stream, unsigned changes)
{
	const int fds0 = test::countOpenFds(), bufs0 = test::countLiveDmaBufs();
	Frames stateful, stateless;
	auto a = decode(stream, "dmabufv4l2dec", &stateful);
	ASSERT_TRUE(a.eos) << "dmabufv4l2dec: " << a.all();
	auto b = decode(stream, "dmabufv4l2slfwhtdec", &stateless);
	ASSERT_TRUE(b.eos) << b.all();
	EXPECT_EQ(b.decoded, stream.size());
	EXPECT_EQ(b.requests, stream.size());
	EXPECT_EQ(b.copies, stream.size());
	EXPECT_EQ(b.skipped, 0u);
	EXPECT_EQ(b.corrupt, 0u);
	EXPECT_EQ(b.changes, changes);
	EXPECT_EQ(stateless.nonDmabuf, 0u) << "decoded frames must be dma-bufs";
	ASSERT_EQ(stateful.frames.size(), stream.size());
	ASSERT_EQ(stateless.frames.size(), stream.size());
	for (size_t i = 0; i < stream.size(); ++i) {
		EXPECT_EQ(stateless.caps[i], stateful.caps[i]) << "frame " << i;
		ASSERT_FALSE(stateless.frames[i].empty()) << "frame " << i << " not mapped";
		EXPECT_TRUE(stateless.frames[i] == stateful.frames[i])
			<< "frame " << i << " differs (" << stateless.caps[i] << ")";
	}
	auto brief = [](const std::string &caps) {
		GstCaps *c = gst_caps_from_string(caps.c_str());
		GstVideoInfo vi;
		std::string s = "?";
		if (c && gst_video_info_from_caps(&vi, c))
			s = std::string(gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&vi))) +
			    " " + std::to_string(vi.width) + "x" + std::to_string(vi.height);
		if (c)
			gst_caps_unref(c);
		return s;
	};
	std::printf("  %zu frames identical, %s -> %s\n", stream.size(),
		    brief(stateless.caps.front()).c_str(), brief(stateless.caps.back()).c_str());
	EXPECT_EQ(test::countOpenFds(), fds0) << "fds leaked";
	EXPECT_EQ(test::countLiveDmaBufs(), bufs0) << "dma-bufs leaked";
}

/* Run \a frames through the stateless decoder and expect an error of \a domain/\a code. */
void expectRejected(const char *what, const std::vector<Bytes> &frames, GQuark domain, int code,
		    const std::vector<std::string> &words)
{
	const int fds0 = test::countOpenFds(), bufs0 = test::countLiveDmaBufs();
	auto o = decode(frames, "dmabufv4l2slfwhtdec", nullptr, 60);
	EXPECT_FALSE(o.timedOut) << what << ": hung";
	EXPECT_FALSE(o.eos) << what << ": must be rejected, reached EOS";
	EXPECT_EQ(o.domain, domain) << what << ": " << o.all();
	EXPECT_EQ(o.code, code) << what << ": " << o.all();
	for (const auto &w : words)
		EXPECT_NE(o.all().find(w), std::string::npos)
			<< what << ": \"" << o.all() << "\" lacks \"" << w << "\"";
	std::printf("  %s: %s\n", what, o.all().c_str());
	EXPECT_EQ(test::countOpenFds(), fds0) << what << ": fds leaked";
	EXPECT_EQ(test::countLiveDmaBufs(), bufs0) << what << ": dma-bufs leaked";
}

} /* namespace */

TEST(SlApi, FindsTheStatelessNodeAndItsMediaDevice)
{
	const bool wantMplane = getenv("DBK_EXPECT_MPLANE") != nullptr;
	auto node = v4l2::StatelessFwhtSession::find();
	ASSERT_TRUE(node.ok()) << node.error().message;
	EXPECT_EQ(node->name, "stateless-decoder");
	auto s = v4l2::StatelessFwhtSession::open(node->path);
	ASSERT_TRUE(s.ok()) << s.error().message;
	EXPECT_EQ((*s)->device().multiPlanar(), wantMplane);
	EXPECT_EQ((*s)->media().model(), "vicodec");
	EXPECT_EQ((*s)->media().path().rfind("/dev/media", 0), 0u) << (*s)->media().path();
	auto req = (*s)->media().allocRequest();
	EXPECT_TRUE(req.ok()) << req.error().message;
}

class SlEqualsStateful : public ::testing::TestWithParam<std::tuple<const char *, int, int>>
{
};

TEST_P(SlEqualsStateful, SameFramesAsTheStatefulDecoder)
{
	auto [format, width, height] = GetParam();
	auto stream = encode(format, width, height, 12); /* GOP 10: intra, 9 P, intra, P */
	ASSERT_EQ(stream.size(), 12u);
	expectSameAsStateful(stream, 1);
}

INSTANTIATE_TEST_SUITE_P(Formats, SlEqualsStateful,
			 ::testing::Values(std::make_tuple("NV12", 640, 480),
					   std::make_tuple("YUY2", 1280, 720),
					   std::make_tuple("BGRx", 640, 360)),
			 [](const auto &p) {
				 return std::string(std::get<0>(p.param)) + "_" +
					std::to_string(std::get<1>(p.param));
			 });

TEST(SlEqualsStatefulChange, MidStreamResolutionChange)
{
	auto stream = encode("NV12", 640, 480, 5);
	auto big = encode("NV12", 1280, 720, 5);
	ASSERT_EQ(stream.size(), 5u);
	ASSERT_EQ(big.size(), 5u);
	stream.insert(stream.end(), big.begin(), big.end());
	expectSameAsStateful(stream, 2);
}

TEST(SlImport, DecodesIntoDownstreamsDmaBufs)
{
	/* dmabufkmssink offers a pool of dumb buffers: the decoder writes into them. */
	auto stream = encode("BGRx", 640, 480, 12);
	ASSERT_EQ(stream.size(), 12u);
	const int fds0 = test::countOpenFds(), bufs0 = test::countLiveDmaBufs();
	Frames stateful, imported;
	auto a = decode(stream, "dmabufv4l2dec", &stateful);
	ASSERT_TRUE(a.eos) << a.all();
	auto b = decode(stream, "dmabufv4l2slfwhtdec import=true", &imported, 90,
			"dmabufkmssink name=sink driver-name=vkms sync=false qos=false");
	ASSERT_TRUE(b.eos) << b.all();
	EXPECT_TRUE(b.warnings.empty()) << b.warnings.front();
	EXPECT_EQ(b.imported, stream.size());
	EXPECT_EQ(b.decoded, stream.size());
	EXPECT_EQ(imported.nonDmabuf, 0u);
	ASSERT_EQ(imported.frames.size(), stateful.frames.size());
	for (size_t i = 0; i < stream.size(); ++i)
		EXPECT_TRUE(imported.frames[i] == stateful.frames[i])
			<< "frame " << i << " differs";
	std::printf("  %llu frames decoded into dmabufkmssink's buffers, identical to "
		    "dmabufv4l2dec's\n",
		    (unsigned long long)b.imported);
	EXPECT_EQ(test::countOpenFds(), fds0);
	EXPECT_EQ(test::countLiveDmaBufs(), bufs0);
}

TEST(SlImport, FallsBackToExportWithAWarning)
{
	/* fakesink offers no pool: the decoder's default pool is system memory. */
	auto stream = encode("NV12", 640, 480, 3);
	ASSERT_EQ(stream.size(), 3u);
	Frames out;
	auto o = decode(stream, "dmabufv4l2slfwhtdec import=true", &out);
	ASSERT_TRUE(o.eos) << o.all();
	EXPECT_EQ(o.imported, 0u);
	EXPECT_EQ(o.decoded, 3u);
	EXPECT_EQ(out.nonDmabuf, 0u) << "exported frames are dma-bufs";
	ASSERT_EQ(o.warnings.size(), 1u);
	EXPECT_NE(o.warnings[0].find("Cannot decode into downstream's buffers"), std::string::npos)
		<< o.warnings[0];
	EXPECT_NE(o.warnings[0].find("not a dma-buf"), std::string::npos) << o.warnings[0];
}

TEST(SlFaults, MissingNode)
{
	const int fds0 = test::countOpenFds();
	GstElement *p = parse("appsrc caps=video/x-fwht ! dmabufv4l2slfwhtdec name=dec "
			      "device=/dev/video99 ! fakesink");
	auto o = run(p, 30);
	test::unrefPipeline(p);
	EXPECT_EQ(o.domain, GST_RESOURCE_ERROR) << o.all();
	EXPECT_EQ(o.code, GST_RESOURCE_ERROR_NOT_FOUND) << o.all();
	EXPECT_NE(o.all().find("/dev/video99"), std::string::npos) << o.all();
	EXPECT_NE(o.all().find("No such file"), std::string::npos) << o.all();
	EXPECT_EQ(test::countOpenFds(), fds0);
}

TEST(SlFaults, StatefulNodeIsNotAStatelessDecoder)
{
	auto stateful = test::findDevice("vicodec-decoder");
	ASSERT_TRUE(stateful.ok()) << stateful.error().message;
	GstElement *p = parse("appsrc caps=video/x-fwht ! dmabufv4l2slfwhtdec name=dec device=" +
			      *stateful + " ! fakesink");
	auto o = run(p, 30);
	test::unrefPipeline(p);
	EXPECT_EQ(o.domain, GST_RESOURCE_ERROR) << o.all();
	EXPECT_EQ(o.code, GST_RESOURCE_ERROR_SETTINGS) << o.all();
	EXPECT_NE(o.all().find("not a stateless FWHT decoder"), std::string::npos) << o.all();
	EXPECT_NE(o.all().find("'SFWH'"), std::string::npos) << o.all();
}

TEST(SlFaults, MalformedInputIsRejectedWithItsOwnError)
{
	const auto good = encode("NV12", 640, 480, 3);
	ASSERT_EQ(good.size(), 3u);
	GRand *rnd = g_rand_new_with_seed(13);
	auto noise = good;
	for (auto &f : noise)
		for (auto &b : f)
			b = static_cast<uint8_t>(g_rand_int(rnd));
	g_rand_free(rnd);
	auto cut = [&](size_t n) {
		auto f = good;
		f[0].resize(n);
		return f;
	};
	auto patched = [&](size_t at, uint32_t v) {
		auto f = good;
		putBe32(f[0], at, v);
		return f;
	};
	const GQuark S = GST_STREAM_ERROR, R = GST_RESOURCE_ERROR;
	expectRejected("random bytes", noise, S, GST_STREAM_ERROR_WRONG_TYPE,
		       { "not an FWHT", "not-fwht", "frame 0" });
	expectRejected("half a header", cut(20), S, GST_STREAM_ERROR_DECODE, { "Truncated", "44" });
	expectRejected("payload cut short", cut(good[0].size() / 2), S, GST_STREAM_ERROR_DECODE,
		       { "Truncated", "announces" });
	expectRejected("version 4", patched(8, 4), S, GST_STREAM_ERROR_FORMAT,
		       { "unsupported-version", "version 4" });
	expectRejected("zero width", patched(12, 0), S, GST_STREAM_ERROR_FORMAT,
		       { "bad-dimensions", "0x480" });
	expectRejected("payload size beyond the frame", patched(40, 0x7fffffff), S,
		       GST_STREAM_ERROR_FORMAT, { "oversized", "at most" });
	expectRejected("wider than the decoder", patched(12, 8192), S, GST_STREAM_ERROR_FORMAT,
		       { "Unsupported FWHT frame size", "8192x480", "4096x2160" });
	/* Valid FWHT, but vicodec's stateless decoder takes version 3 only: its control refuses. */
	expectRejected("version 2 (the driver refuses the request)", patched(8, 2), R,
		       GST_RESOURCE_ERROR_SETTINGS,
		       { "refused", "VIDIOC_S_EXT_CTRLS", "version 2", "Invalid argument" });
}

TEST(SlFaults, PFramesWithoutReferenceAreSkippedAndCounted)
{
	auto stream = encode("NV12", 640, 480, 12);
	ASSERT_EQ(stream.size(), 12u);
	stream.erase(stream.begin()); /* the P frames after it lost their intra frame */
	size_t leadingP = 0;
	while (leadingP < stream.size()) {
		auto f = v4l2::parseFwhtFrame(stream[leadingP].data(), stream[leadingP].size());
		ASSERT_TRUE(f.ok()) << f.message;
		if (f.header.isIntra())
			break;
		leadingP++;
	}
	ASSERT_GT(leadingP, 0u) << "the encoder made frame 1 intra: nothing to skip";
	ASSERT_LT(leadingP, stream.size()) << "no intra frame after the first";
	const int fds0 = test::countOpenFds(), bufs0 = test::countLiveDmaBufs();
	Frames out;
	auto o = decode(stream, "dmabufv4l2slfwhtdec", &out);
	EXPECT_TRUE(o.eos) << o.all();
	EXPECT_EQ(o.skipped, leadingP);
	EXPECT_EQ(o.decoded, stream.size() - leadingP);
	EXPECT_EQ(out.frames.size(), stream.size() - leadingP);
	ASSERT_EQ(o.warnings.size(), 1u);
	EXPECT_NE(o.warnings[0].find("Skipping P frames"), std::string::npos) << o.warnings[0];
	EXPECT_EQ(test::countOpenFds(), fds0);
	EXPECT_EQ(test::countLiveDmaBufs(), bufs0);
}

/*
 * Random damage to valid streams (header bits, cuts, payload bytes, noise
 * after the frame): each run ends in EOS or a STREAM/RESOURCE error within
 * its time, some are rejected, nothing leaks, and the decoder works after.
 */
TEST(SlFaults, MutatedStreamsFuzz)
{
	const auto good = encode("NV12", 640, 480, 4);
	ASSERT_EQ(good.size(), 4u);
	const int fds0 = test::countOpenFds(), bufs0 = test::countLiveDmaBufs();
	GRand *rnd = g_rand_new_with_seed(7);
	unsigned cases = 0, errors = 0, eos = 0;
	const gint64 end = g_get_monotonic_time() + 90 * G_USEC_PER_SEC;
	while (cases < 32 && g_get_monotonic_time() < end) {
		auto frames = good;
		for (auto &f : frames) {
			switch (cases % 4) {
			case 0: /* flipped bits in the header */
				f[g_rand_int_range(rnd, 8, 44)] ^=
					static_cast<uint8_t>(1u << g_rand_int_range(rnd, 0, 8));
				break;
			case 1: /* cut anywhere */
				f.resize(g_rand_int_range(rnd, 0, static_cast<gint32>(f.size())));
				break;
			case 2: /* flipped bytes in the payload */
				for (int k = 0; k < 32; ++k)
					f[g_rand_int_range(rnd, 44,
							   static_cast<gint32>(f.size()))] ^= 0xff;
				break;
			case 3: /* padded with noise */
				for (int k = 0; k < 100; ++k)
					f.push_back(static_cast<uint8_t>(g_rand_int(rnd)));
				break;
			}
		}
		auto o = decode(frames, "dmabufv4l2slfwhtdec", nullptr, 60);
		ASSERT_FALSE(o.timedOut) << "case " << cases << " hung";
		EXPECT_TRUE(o.eos || o.domain) << "case " << cases;
		if (o.domain) {
			EXPECT_TRUE(o.domain == GST_STREAM_ERROR || o.domain == GST_RESOURCE_ERROR)
				<< "case " << cases << ": " << o.all();
		}
		errors += o.domain != 0;
		eos += o.eos;
		cases++;
	}
	g_rand_free(rnd);
	std::printf("  fuzz: %u cases, %u errors, %u EOS\n", cases, errors, eos);
	EXPECT_EQ(errors + eos, cases);
	EXPECT_GT(errors, 0u);
	EXPECT_EQ(test::countOpenFds(), fds0);
	EXPECT_EQ(test::countLiveDmaBufs(), bufs0);
	/* The decoder still works afterwards. */
	Frames out;
	auto o = decode(good, "dmabufv4l2slfwhtdec", &out);
	EXPECT_TRUE(o.eos) << o.all();
	EXPECT_EQ(out.frames.size(), good.size());
}

TEST(SlFaults, CorruptPayloadEndsCleanly)
{
	/* A valid header over garbage: the driver decides; the run ends (EOS or error), no hang. */
	auto stream = encode("NV12", 640, 480, 4);
	ASSERT_EQ(stream.size(), 4u);
	for (auto &f : stream)
		for (size_t i = 44; i < f.size(); ++i)
			f[i] = static_cast<uint8_t>(i * 37);
	const int fds0 = test::countOpenFds(), bufs0 = test::countLiveDmaBufs();
	auto o = decode(stream, "dmabufv4l2slfwhtdec", nullptr, 60);
	EXPECT_FALSE(o.timedOut);
	EXPECT_TRUE(o.eos) << o.all();
	EXPECT_EQ(o.decoded + o.corrupt + o.skipped, 4u);
	std::printf("  corrupt payloads: %llu decoded, %llu flagged, %llu skipped\n",
		    (unsigned long long)o.decoded, (unsigned long long)o.corrupt,
		    (unsigned long long)o.skipped);
	EXPECT_EQ(test::countOpenFds(), fds0);
	EXPECT_EQ(test::countLiveDmaBufs(), bufs0);
}

namespace {

/* An appsrc serving FWHT frames that follows seeks (frame = time / duration). */
struct Feed {
	std::vector<Bytes> frames;
	std::atomic<size_t> next{ 0 };
	GstClockTime duration = GST_SECOND / 10;
};

void feedNeedData(GstElement *src, guint, gpointer data)
{
	auto *f = static_cast<Feed *>(data);
	const size_t i = f->next++;
	GstFlowReturn ret;
	if (i >= f->frames.size()) {
		g_signal_emit_by_name(src, "end-of-stream", &ret);
		return;
	}
	GstBuffer *b = gst_buffer_new_memdup(f->frames[i].data(), f->frames[i].size());
	GST_BUFFER_PTS(b) = i * f->duration;
	GST_BUFFER_DURATION(b) = f->duration;
	g_signal_emit_by_name(src, "push-buffer", b, &ret);
	gst_buffer_unref(b);
}

gboolean feedSeekData(GstElement *, guint64 offset, gpointer data)
{
	auto *f = static_cast<Feed *>(data);
	f->next = static_cast<size_t>(offset / f->duration);
	return TRUE;
}

} /* namespace */

TEST(SlSeek, FlushingSeekRestartsAtTheIntraFrame)
{
	Feed feed;
	feed.frames = encode("NV12", 640, 480, 20);
	ASSERT_EQ(feed.frames.size(), 20u);
	const int fds0 = test::countOpenFds(), bufs0 = test::countLiveDmaBufs();
	GstElement *p = parse("appsrc name=in format=time stream-type=seekable "
			      "caps=video/x-fwht,framerate=10/1 ! dmabufv4l2slfwhtdec name=dec "
			      "! fakesink name=sink sync=true");
	GstElement *in = gst_bin_get_by_name(GST_BIN(p), "in");
	g_signal_connect(in, "need-data", G_CALLBACK(feedNeedData), &feed);
	g_signal_connect(in, "seek-data", G_CALLBACK(feedSeekData), &feed);
	gst_object_unref(in);
	std::mutex lock;
	std::vector<GstClockTime> pts;
	struct Ctx {
		std::mutex *lock;
		std::vector<GstClockTime> *pts;
	} ctx{ &lock, &pts };
	GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
	GstPad *pad = gst_element_get_static_pad(sink, "sink");
	gst_pad_add_probe(
		pad, GST_PAD_PROBE_TYPE_BUFFER,
		[](GstPad *, GstPadProbeInfo *info, gpointer d) {
			auto *c = static_cast<Ctx *>(d);
			std::lock_guard<std::mutex> g(*c->lock);
			c->pts->push_back(GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info)));
			return GST_PAD_PROBE_OK;
		},
		&ctx, nullptr);
	gst_object_unref(pad);
	gst_object_unref(sink);
	ASSERT_NE(gst_element_set_state(p, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
	size_t before = 0;
	for (int i = 0; i < 400 && before < 5; ++i) {
		g_usleep(25000);
		std::lock_guard<std::mutex> g(lock);
		before = pts.size();
	}
	ASSERT_GE(before, 5u);
	ASSERT_LT(before, 20u) << "played to the end before the seek";
	ASSERT_TRUE(gst_element_seek_simple(
		p, GST_FORMAT_TIME,
		static_cast<GstSeekFlags>(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE), 0));
	auto o = run(p, 60);
	EXPECT_TRUE(o.eos) << o.all();
	test::unrefPipeline(p);
	std::lock_guard<std::mutex> g(lock);
	size_t restart = 0;
	for (size_t i = 1; i < pts.size(); ++i)
		if (pts[i] <= pts[i - 1])
			restart = i;
	ASSERT_GT(restart, 0u) << "no frame came again after the seek";
	ASSERT_EQ(pts.size() - restart, 20u) << "frames after the seek";
	for (size_t i = restart; i < pts.size(); ++i)
		EXPECT_EQ(pts[i], (i - restart) * feed.duration) << "frame " << i - restart;
	EXPECT_EQ(test::countOpenFds(), fds0) << "fds leaked across the flush";
	EXPECT_EQ(test::countLiveDmaBufs(), bufs0) << "dma-bufs leaked across the flush";
}

TEST(SlSession, TheDriverRefusesParamsThatDoNotMatchTheCaptureFormat)
{
	auto node = v4l2::StatelessFwhtSession::find();
	ASSERT_TRUE(node.ok()) << node.error().message;
	auto s = v4l2::StatelessFwhtSession::open(node->path);
	ASSERT_TRUE(s.ok()) << s.error().message;
	const auto good = encode("NV12", 640, 480, 1);
	ASSERT_EQ(good.size(), 1u);
	auto f = v4l2::parseFwhtFrame(good[0].data(), good[0].size());
	ASSERT_TRUE(f.ok()) << f.message;
	/* CAPTURE in 4:2:2 (YUYV) while the frame says 4:2:0: the control check refuses it. */
	auto fmt = (*s)->configure(f.header, V4L2_PIX_FMT_YUYV, 2);
	ASSERT_TRUE(fmt.ok()) << fmt.error().message;
	auto r = (*s)->submit(f, good[0].data(), 1000, 0);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().code, EINVAL) << r.error().message;
	EXPECT_NE(r.error().message.find("VIDIOC_S_EXT_CTRLS"), std::string::npos)
		<< r.error().message;
	EXPECT_NE(r.error().message.find("refused"), std::string::npos) << r.error().message;
	EXPECT_EQ((*s)->pending(), 0u);
	/* The session is still usable: a matching format decodes. */
	fmt = (*s)->configure(f.header, V4L2_PIX_FMT_NV12, 2);
	ASSERT_TRUE(fmt.ok()) << fmt.error().message;
	r = (*s)->submit(f, good[0].data(), 2000, 0);
	EXPECT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ((*s)->pending(), 1u);
}

TEST(SlCycles, PlayingReadyCyclesLeakNothing)
{
	GstElement *p = parse("dmabufv4l2src device=" + vivid() +
			      " ! video/x-raw,format=NV12,width=640,height=480 ! dmabufv4l2enc "
			      "! dmabufv4l2slfwhtdec name=dec ! fakesink");
	/* Warm up once so lazily created singletons exist before counting. */
	ASSERT_NE(gst_element_set_state(p, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
	ASSERT_NE(gst_element_get_state(p, nullptr, nullptr, 20 * GST_SECOND),
		  GST_STATE_CHANGE_FAILURE);
	g_usleep(500 * 1000);
	ASSERT_NE(gst_element_set_state(p, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
	const int fds0 = test::countOpenFds(), bufs0 = test::countLiveDmaBufs();
	GstBus *bus = gst_element_get_bus(p);
	for (unsigned i = 0; i < 60; ++i) {
		ASSERT_NE(gst_element_set_state(p, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE)
			<< "cycle " << i;
		if (i % 4 ==
		    0) { /* let frames flow through the decoder, then tear down mid-stream */
			ASSERT_NE(gst_element_get_state(p, nullptr, nullptr, 20 * GST_SECOND),
				  GST_STATE_CHANGE_FAILURE)
				<< "cycle " << i;
		}
		ASSERT_NE(gst_element_set_state(p, GST_STATE_READY), GST_STATE_CHANGE_FAILURE)
			<< "cycle " << i;
		if (GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
			GError *e = nullptr;
			gst_message_parse_error(m, &e, nullptr);
			ADD_FAILURE() << "cycle " << i << ": " << e->message;
			g_error_free(e);
			gst_message_unref(m);
			break;
		}
	}
	gst_object_unref(bus);
	GstElement *dec = gst_bin_get_by_name(GST_BIN(p), "dec");
	const guint64 decoded = u64(dec, "frames-decoded");
	gst_object_unref(dec);
	const int fds1 = test::countOpenFds(), bufs1 = test::countLiveDmaBufs();
	std::printf("  60 cycles, %llu frames decoded; fds %d -> %d, dma-bufs %d -> %d\n",
		    (unsigned long long)decoded, fds0, fds1, bufs0, bufs1);
	EXPECT_GT(decoded, 0u);
	EXPECT_EQ(fds1, fds0);
	EXPECT_EQ(bufs1, bufs0);
	gst_element_set_state(p, GST_STATE_NULL);
	test::unrefPipeline(p);
}

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	/* A GStreamer CRITICAL (a misused buffer, say) fails the test instead of scrolling by. */
	g_log_set_always_fatal(static_cast<GLogLevelFlags>(G_LOG_LEVEL_CRITICAL));
	::testing::InitGoogleTest(&argc, argv);
	return RUN_ALL_TESTS();
}
