/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VM tests of dmabufv4l2src, dmabufv4l2enc and dmabufv4l2dec against vivid,
 * vicodec and vkms: zero-copy proven by dma-buf inodes, frame counts,
 * timestamps, image quality, interop with stock elements, and faults.
 */
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sys/stat.h>
#include <thread>

#include <gst/allocators/allocators.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "dmabufkit/v4l2/buffer_queue.h"
#include "dmabufkit/v4l2/fwht_header.h"
#include "dmabufkit/v4l2/video_device.h"
#include "test_devices.h"
#include "leak_counters.h"
#include "pipeline_unref.h"

using namespace dmabufkit;

namespace {

std::string vivid()
{
	auto p = test::findDevice("vivid-capture");
	return p ? *p : std::string("/dev/missing-vivid");
}

struct RunResult {
	bool eos = false;
	std::string error; /* first ERROR message + debug, empty if none */
	std::string errorDomain;
	int errorCode = 0;
	std::vector<std::string> warnings;
	bool timedOut = false;
};

RunResult run(GstElement *pipeline, int timeoutS = 60)
{
	RunResult r;
	GstBus *bus = gst_element_get_bus(pipeline);
	if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		/* The error is on the bus. */
	}
	GstClockTime deadline = gst_util_get_timestamp() + timeoutS * GST_SECOND;
	for (;;) {
		GstClockTime now = gst_util_get_timestamp();
		if (now >= deadline) {
			r.timedOut = true;
			break;
		}
		GstMessage *m = gst_bus_timed_pop_filtered(
			bus, deadline - now,
			static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR |
						    GST_MESSAGE_WARNING));
		if (!m) {
			r.timedOut = true;
			break;
		}
		if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_WARNING) {
			GError *e = nullptr;
			gchar *dbg = nullptr;
			gst_message_parse_warning(m, &e, &dbg);
			r.warnings.push_back(std::string(e->message) + " | " + (dbg ? dbg : ""));
			g_error_free(e);
			g_free(dbg);
			gst_message_unref(m);
			continue;
		}
		if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) {
			r.eos = true;
		} else {
			GError *e = nullptr;
			gchar *dbg = nullptr;
			gst_message_parse_error(m, &e, &dbg);
			r.error = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(m))) + ": " +
				  e->message + " | " + (dbg ? dbg : "");
			r.errorDomain = g_quark_to_string(e->domain);
			r.errorCode = e->code;
			g_error_free(e);
			g_free(dbg);
		}
		gst_message_unref(m);
		break;
	}
	gst_object_unref(bus);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	return r;
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

uint64_t inodeOf(GstMemory *m)
{
	struct stat st;
	if (!gst_is_dmabuf_memory(m) || fstat(gst_dmabuf_memory_get_fd(m), &st) != 0)
		return 0;
	return st.st_ino;
}

/* What a pad probe saw. */
struct Seen {
	std::mutex lock;
	unsigned buffers = 0;
	unsigned nonDmabuf = 0;
	unsigned badMeta = 0;
	/* Frames stamped later than the running time they reached this pad at. */
	unsigned future = 0;
	std::vector<GstClockTime> pts;
	std::set<uint64_t> inodes;
	std::vector<uint64_t> inodeSeq;
	GstVideoInfo info{};
	bool haveInfo = false;
};

GstPadProbeReturn recordProbe(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
	auto *seen = static_cast<Seen *>(data);
	GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
	std::lock_guard<std::mutex> g(seen->lock);
	if (!seen->haveInfo) {
		GstCaps *caps = gst_pad_get_current_caps(pad);
		if (caps) {
			seen->haveInfo = gst_video_info_from_caps(&seen->info, caps);
			gst_caps_unref(caps);
		}
	}
	seen->buffers++;
	seen->pts.push_back(GST_BUFFER_PTS(buf));
	if (GstElement *e = gst_pad_get_parent_element(pad)) {
		if (GstClock *clock = gst_element_get_clock(e)) {
			const GstClockTime now =
				gst_clock_get_time(clock) - gst_element_get_base_time(e);
			if (GST_BUFFER_PTS_IS_VALID(buf) && GST_BUFFER_PTS(buf) > now)
				seen->future++;
			gst_object_unref(clock);
		}
		gst_object_unref(e);
	}
	for (guint i = 0; i < gst_buffer_n_memory(buf); ++i) {
		GstMemory *m = gst_buffer_peek_memory(buf, i);
		if (!gst_is_dmabuf_memory(m)) {
			seen->nonDmabuf++;
		} else {
			uint64_t ino = inodeOf(m);
			seen->inodes.insert(ino);
			seen->inodeSeq.push_back(ino);
		}
	}
	if (seen->haveInfo && GST_VIDEO_INFO_FORMAT(&seen->info) != GST_VIDEO_FORMAT_ENCODED) {
		GstVideoMeta *meta = gst_buffer_get_video_meta(buf);
		if (!meta || meta->width != (guint)GST_VIDEO_INFO_WIDTH(&seen->info) ||
		    meta->height != (guint)GST_VIDEO_INFO_HEIGHT(&seen->info) ||
		    meta->format != GST_VIDEO_INFO_FORMAT(&seen->info) ||
		    meta->stride[0] <
			    (gint)GST_VIDEO_INFO_COMP_PSTRIDE(&seen->info, 0) * (gint)meta->width ||
		    gst_buffer_get_size(buf) <
			    meta->offset[meta->n_planes - 1] +
				    meta->stride[meta->n_planes - 1] *
					    GST_VIDEO_INFO_COMP_HEIGHT(&seen->info,
								       meta->n_planes - 1))
			seen->badMeta++;
	}
	return GST_PAD_PROBE_OK;
}

void watch(GstElement *pipeline, const char *element, const char *padName, Seen *seen)
{
	GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), element);
	ASSERT_NE(e, nullptr) << element;
	GstPad *pad = gst_element_get_static_pad(e, padName);
	ASSERT_NE(pad, nullptr);
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, recordProbe, seen, nullptr);
	gst_object_unref(pad);
	gst_object_unref(e);
}

void expectMonotonic(const std::vector<GstClockTime> &pts)
{
	for (size_t i = 1; i < pts.size(); ++i) {
		ASSERT_TRUE(GST_CLOCK_TIME_IS_VALID(pts[i])) << "frame " << i << " has no PTS";
		ASSERT_GT(pts[i], pts[i - 1]) << "PTS not increasing at frame " << i;
	}
}

/* vivid's error injection controls, set on a second fd like v4l2-ctl would. */
void setVivid(const char *control, int value)
{
	EXPECT_EQ(test::setControl(vivid(), control, value), "");
}

} /* namespace */

/* ---------------------------------------------------------------- source */

class Src : public ::testing::TestWithParam<std::tuple<const char *, const char *>>
{
};

TEST_P(Src, CapturesDmaBufsWithCorrectMetaAndTimestamps)
{
	auto [mode, format] = GetParam();
	const unsigned frames = 20;
	std::string desc = "dmabufv4l2src name=src device=" + vivid() + " io-mode=" + mode +
			   " num-buffers=" + std::to_string(frames) +
			   " ! video/x-raw,format=" + format +
			   ",width=640,height=480 ! fakesink name=sink";
	GstElement *p = parse(desc);
	ASSERT_NE(p, nullptr);
	Seen seen;
	watch(p, "sink", "sink", &seen);
	auto r = run(p);
	EXPECT_TRUE(r.eos) << r.error;
	EXPECT_EQ(seen.buffers, frames);
	EXPECT_EQ(seen.nonDmabuf, 0u);
	EXPECT_EQ(seen.badMeta, 0u);
	expectMonotonic(seen.pts);
	/* vivid stamps a frame with its end, up to 90% of a frame period after
	 * it hands the buffer over: a live source must not stamp the future. */
	EXPECT_EQ(seen.future, 0u) << "frames stamped later than the running time they arrived at";
	GstElement *src = gst_bin_get_by_name(GST_BIN(p), "src");
	guint64 hits = 0, misses = 0;
	g_object_get(src, "index-cache-hits", &hits, "index-cache-misses", &misses, nullptr);
	if (std::string(mode) == "import") {
		/* Pool buffers come round again at the same index: no remaps after warm-up. */
		EXPECT_GT(hits, misses) << "hits " << hits << " misses " << misses;
	}
	std::printf("  %s %s: %u frames, %zu distinct dma-bufs, index cache %llu/%llu\n", mode,
		    format, seen.buffers, seen.inodes.size(), (unsigned long long)hits,
		    (unsigned long long)misses);
	gst_object_unref(src);
	test::unrefPipeline(p);
}

INSTANTIATE_TEST_SUITE_P(Modes, Src,
			 ::testing::Combine(::testing::Values("export", "import"),
					    ::testing::Values("YUY2", "NV12", "BGRx")));

/* kmssink offers a pool of dumb buffers the driver can fill: import writes
   into it, and auto must choose import too (docs/elements.md). */
TEST(SrcInterop, KmssinkExportAndImportIntoItsPool)
{
	const std::pair<const char *, const char *> modes[] = { { "export", "export" },
								{ "import", "import" },
								{ "auto", "import" } };
	for (auto [mode, expected] : modes) {
		std::string desc = "dmabufv4l2src name=src device=" + vivid() + " io-mode=" + mode +
				   " num-buffers=15 ! video/x-raw,format=BGRx,width=640,height=480 "
				   "! kmssink name=sink driver-name=vkms";
		GstElement *p = parse(desc);
		ASSERT_NE(p, nullptr);
		Seen seen;
		watch(p, "sink", "sink", &seen);
		auto r = run(p);
		EXPECT_TRUE(r.eos) << mode << ": " << r.error;
		EXPECT_EQ(seen.buffers, 15u) << mode;
		EXPECT_EQ(seen.nonDmabuf, 0u) << mode;
		GstElement *src = gst_bin_get_by_name(GST_BIN(p), "src");
		gchar *active = nullptr;
		g_object_get(src, "active-io-mode", &active, nullptr);
		std::printf("  kmssink, io-mode=%s -> %s\n", mode, active);
		EXPECT_STREQ(active, expected) << "io-mode=" << mode;
		g_free(active);
		gst_object_unref(src);
		test::unrefPipeline(p);
	}
}

TEST(SrcFaults, NonexistentDevice)
{
	GstElement *p = parse("dmabufv4l2src device=/dev/video99 ! fakesink");
	auto r = run(p, 20);
	EXPECT_FALSE(r.eos);
	EXPECT_NE(r.error.find("/dev/video99"), std::string::npos) << r.error;
	EXPECT_EQ(r.errorDomain, "gst-resource-error-quark");
	test::unrefPipeline(p);
}

TEST(SrcFaults, UnsupportedCaps)
{
	/* vivid offers no P010: the element's own error, naming the device and
	 * both sides, comes before basesrc's generic not-negotiated. */
	GstElement *p = parse("dmabufv4l2src name=src device=" + vivid() +
			      " ! video/x-raw,format=P010_10LE,width=640,height=480 ! fakesink");
	auto r = run(p, 20);
	EXPECT_FALSE(r.eos);
	EXPECT_FALSE(r.timedOut);
	EXPECT_EQ(r.errorDomain, "gst-core-error-quark") << r.error;
	EXPECT_EQ(r.errorCode, GST_CORE_ERROR_NEGOTIATION) << r.error;
	for (const std::string &w :
	     std::vector<std::string>{ "src: The device " + vivid(), "cannot capture", "downstream",
				       "--list-formats-ext", "P010_10LE", "NV12" })
		EXPECT_NE(r.error.find(w), std::string::npos)
			<< "\"" << w << "\" missing: " << r.error;
	test::unrefPipeline(p);
}

TEST(SrcFaults, BusyDevice)
{
	/* Someone else streams from vivid: we must say "busy", not hang. */
	auto other = v4l2::VideoDevice::open(vivid());
	ASSERT_TRUE(other.ok());
	v4l2::BufferQueue q(**other, (*other)->captureType());
	ASSERT_TRUE(q.allocate(2, V4L2_MEMORY_MMAP).ok());
	GstElement *p = parse("dmabufv4l2src device=" + vivid() + " num-buffers=5 ! fakesink");
	auto r = run(p, 20);
	EXPECT_FALSE(r.eos);
	EXPECT_NE(r.error.find("busy"), std::string::npos) << r.error;
	test::unrefPipeline(p);
}

TEST(SrcFaults, DroppedBuffersTripTheWatchdog)
{
	setVivid("percentage_of_dropped_buffers", 100);
	GstElement *p = parse("dmabufv4l2src device=" + vivid() +
			      " timeout-ms=700 num-buffers=5 ! fakesink");
	auto r = run(p, 30);
	setVivid("percentage_of_dropped_buffers", 0);
	EXPECT_FALSE(r.timedOut) << "hung";
	EXPECT_NE(r.error.find("stopped delivering"), std::string::npos) << r.error;
	test::unrefPipeline(p);
}

TEST(SrcFaults, StreamonErrorInjected)
{
	GstElement *p = parse("dmabufv4l2src device=" + vivid() + " num-buffers=5 ! fakesink");
	setVivid("inject_vidioc_streamon_error", 1);
	auto r = run(p, 30);
	EXPECT_FALSE(r.timedOut);
	EXPECT_NE(r.error.find("VIDIOC_STREAMON"), std::string::npos) << r.error;
	test::unrefPipeline(p);
}

TEST(SrcFaults, QbufErrorInjected)
{
	GstElement *p = parse("dmabufv4l2src device=" + vivid() + " num-buffers=5 ! fakesink");
	setVivid("inject_vidioc_qbuf_error", 1);
	auto r = run(p, 30);
	EXPECT_FALSE(r.timedOut);
	EXPECT_NE(r.error.find("VIDIOC_QBUF"), std::string::npos) << r.error;
	test::unrefPipeline(p);
}

namespace {

/* V4L2 sequence numbers dmabufv4l2src logged as flagged ("driver flagged frame N"). */
std::mutex flaggedLock;
std::vector<guint64> flaggedSequences;

void logFlagged(GstDebugCategory *cat, GstDebugLevel level, const gchar *, const gchar *, gint,
		GObject *, GstDebugMessage *message, gpointer)
{
	unsigned seq = 0;
	if (level == GST_LEVEL_WARNING &&
	    !strcmp(gst_debug_category_get_name(cat), "dmabufv4l2src") &&
	    sscanf(gst_debug_message_get(message), "driver flagged frame %u", &seq) == 1) {
		std::lock_guard<std::mutex> g(flaggedLock);
		flaggedSequences.push_back(seq);
	}
}

} /* namespace */

TEST(SrcFaults, BufFlagErrorIsDroppedAndCounted)
{
	gst_debug_set_active(TRUE);
	gst_debug_set_threshold_for_name("dmabufv4l2src", GST_LEVEL_WARNING);
	gst_debug_add_log_function(logFlagged, nullptr, nullptr);
	GstElement *p =
		parse("dmabufv4l2src name=src device=" + vivid() + " num-buffers=30 ! fakesink");
	GstElement *src = gst_bin_get_by_name(GST_BIN(p), "src");
	/* The V4L2 sequence numbers (buffer offsets) of the frames pushed. The
	 * fault is injected after the fifth: vivid may number the first two
	 * frames of a stream alike. */
	struct Pushed {
		std::vector<guint64> offsets;
		std::thread inject;
	} pushed;
	GstPad *pad = gst_element_get_static_pad(src, "src");
	gst_pad_add_probe(
		pad, GST_PAD_PROBE_TYPE_BUFFER,
		[](GstPad *, GstPadProbeInfo *info, gpointer data) {
			auto *seen = static_cast<Pushed *>(data);
			seen->offsets.push_back(GST_BUFFER_OFFSET(GST_PAD_PROBE_INFO_BUFFER(info)));
			/* One-shot: vivid flags the next frame it completes. */
			if (seen->offsets.size() == 5)
				seen->inject = std::thread(
					[] { setVivid("inject_v4l2_buf_flag_error", 1); });
			return GST_PAD_PROBE_OK;
		},
		&pushed, nullptr);
	gst_object_unref(pad);
	auto r = run(p, 60);
	if (pushed.inject.joinable())
		pushed.inject.join();
	gst_debug_remove_log_function(logFlagged);
	EXPECT_TRUE(r.eos) << r.error;
	EXPECT_EQ(pushed.offsets.size(), 30u)
		<< "num-buffers counts the frames pushed, not the dropped";
	guint64 errs = 0;
	g_object_get(src, "error-frames", &errs, nullptr);
	EXPECT_EQ(errs, 1u) << "the corrupt frame was not seen or not counted";
	/* The flagged frame stayed out of the stream. */
	std::lock_guard<std::mutex> g(flaggedLock);
	ASSERT_EQ(flaggedSequences.size(), 1u) << "no \"driver flagged frame N\" warning";
	for (guint64 o : pushed.offsets)
		EXPECT_NE(o, flaggedSequences[0])
			<< "the flagged frame (sequence " << o << ") was pushed downstream";
	gst_object_unref(src);
	test::unrefPipeline(p);
}

/* ---------------------------------------------------------------- codecs */

namespace {

/* Luma planes by PTS (8-bit YUV, or grey from videoconvert for RGB). */
struct Frames {
	std::mutex lock;
	std::map<GstClockTime, std::vector<uint8_t>> byPts;
	std::vector<GstClockTime> order;
	int width = 0, height = 0;
};

GstPadProbeReturn grabGrey(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
	auto *f = static_cast<Frames *>(data);
	GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
	GstCaps *caps = gst_pad_get_current_caps(pad);
	GstVideoInfo vi;
	bool ok = caps && gst_video_info_from_caps(&vi, caps);
	if (caps)
		gst_caps_unref(caps);
	if (!ok)
		return GST_PAD_PROBE_OK;
	GstVideoFrame frame;
	if (!gst_video_frame_map(&frame, &vi, buf, GST_MAP_READ))
		return GST_PAD_PROBE_OK;
	/* Component 0 (luma, or grey) wherever the format keeps it: packed or planar. */
	std::vector<uint8_t> y(static_cast<size_t>(vi.width) * vi.height);
	const auto *base = static_cast<const uint8_t *>(GST_VIDEO_FRAME_COMP_DATA(&frame, 0));
	const int pstride = GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, 0);
	for (int r = 0; r < vi.height; ++r) {
		const uint8_t *row =
			base + static_cast<size_t>(r) * GST_VIDEO_FRAME_COMP_STRIDE(&frame, 0);
		for (int c = 0; c < vi.width; ++c)
			y[static_cast<size_t>(r) * vi.width + c] = row[c * pstride];
	}
	gst_video_frame_unmap(&frame);
	std::lock_guard<std::mutex> g(f->lock);
	f->width = vi.width;
	f->height = vi.height;
	f->byPts[GST_BUFFER_PTS(buf)] = std::move(y);
	f->order.push_back(GST_BUFFER_PTS(buf));
	return GST_PAD_PROBE_OK;
}

void grab(GstElement *pipeline, const char *element, Frames *f)
{
	GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), element);
	ASSERT_NE(e, nullptr);
	GstPad *pad = gst_element_get_static_pad(e, "sink");
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, grabGrey, f, nullptr);
	gst_object_unref(pad);
	gst_object_unref(e);
}

double psnr(const std::vector<uint8_t> &a, const std::vector<uint8_t> &b)
{
	double se = 0;
	for (size_t i = 0; i < a.size(); ++i) {
		double d = double(a[i]) - double(b[i]);
		se += d * d;
	}
	if (se == 0)
		return 99.0;
	return 10.0 * std::log10(255.0 * 255.0 / (se / a.size()));
}

guint64 u64(GstElement *pipeline, const char *element, const char *prop)
{
	GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), element);
	guint64 v = 0;
	g_object_get(e, prop, &v, nullptr);
	gst_object_unref(e);
	return v;
}

/*
 * Luma PSNR floor for vicodec's FWHT at its default quantisation on vivid's
 * test pattern. Measured 2026-11 in the test VM: see docs/elements.md.
 */
constexpr double kPsnrFloorDb = 32.0;

/*
 * vivid -> encoder -> decoder [-> afterDecoder] -> checker: exact frame
 * count, monotonic timestamps, dma-bufs end to end, zero copies proven by
 * inode, every frame within the PSNR floor of its source. Returns the
 * format the decoder wrote.
 */
GstVideoFormat checkRoundTrip(const char *format, int width, int height,
			      const std::string &afterDecoder = "")
{
	const unsigned n = 12;
	std::string caps = std::string("video/x-raw,format=") + format +
			   ",width=" + std::to_string(width) + ",height=" + std::to_string(height);
	/* Luma is compared as the codec sees it; RGB goes through one converter on both sides. */
	const bool yuv = GST_VIDEO_FORMAT_INFO_IS_YUV(
		gst_video_format_get_info(gst_video_format_from_string(format)));
	const std::string toGrey = yuv ? "" : "videoconvert ! video/x-raw,format=GRAY8 ! ";
	std::string desc =
		"dmabufv4l2src name=src device=" + vivid() + " num-buffers=" + std::to_string(n) +
		" ! " + caps +
		" ! tee name=t "
		"t. ! queue ! " +
		toGrey +
		"fakesink name=ref sync=false "
		"t. ! queue ! dmabufv4l2enc name=enc ! video/x-fwht ! dmabufv4l2dec name=dec " +
		afterDecoder +
		"! tee name=t2 t2. ! queue ! fakesink name=decoded sync=false "
		"t2. ! queue ! " +
		toGrey + "fakesink name=out sync=false";
	GstElement *p = parse(desc);
	EXPECT_NE(p, nullptr);
	if (!p)
		return GST_VIDEO_FORMAT_UNKNOWN;
	Seen fromSrc, intoEnc, fromDec;
	watch(p, "src", "src", &fromSrc);
	watch(p, "enc", "sink", &intoEnc);
	watch(p, "decoded", "sink", &fromDec);
	Frames ref, out;
	grab(p, "ref", &ref);
	grab(p, "out", &out);
	auto r = run(p, 120);
	EXPECT_TRUE(r.eos) << r.error;

	/* Exact frame count, monotonic timestamps, dma-bufs end to end. */
	EXPECT_EQ(fromSrc.buffers, n);
	EXPECT_EQ(intoEnc.buffers, n);
	EXPECT_EQ(fromDec.buffers, n);
	EXPECT_EQ(out.order.size(), size_t(n));
	expectMonotonic(fromDec.pts);
	EXPECT_EQ(fromDec.nonDmabuf, 0u);
	EXPECT_EQ(fromDec.badMeta, 0u);

	/* Zero copy: the encoder imported exactly the dma-bufs the source exported. */
	EXPECT_EQ(intoEnc.nonDmabuf, 0u);
	for (uint64_t ino : intoEnc.inodes)
		EXPECT_TRUE(fromSrc.inodes.count(ino))
			<< "encoder got dma-buf " << ino << " the source never made";
	EXPECT_EQ(u64(p, "enc", "copies"), 0u);
	EXPECT_EQ(u64(p, "enc", "imported"), guint64(n));
	EXPECT_EQ(u64(p, "dec", "copies"), 0u);
	EXPECT_EQ(u64(p, "dec", "imported"), guint64(n));
	guint64 hits = u64(p, "enc", "index-cache-hits"),
		misses = u64(p, "enc", "index-cache-misses");
	EXPECT_LE(misses, fromSrc.inodes.size()) << "more remaps than distinct dma-bufs";

	/* Every decoded frame against its source frame. */
	double worst = 99;
	for (GstClockTime pts : out.order) {
		EXPECT_TRUE(ref.byPts.count(pts))
			<< "decoded frame with PTS " << pts << " has no source";
		if (!ref.byPts.count(pts))
			break;
		double db = psnr(ref.byPts[pts], out.byPts[pts]);
		if (getenv("DBK_PSNR_TRACE"))
			std::printf("    frame %llu: %.1f dB\n", (unsigned long long)pts, db);
		worst = std::min(worst, db);
	}
	EXPECT_GE(worst, kPsnrFloorDb);
	const GstVideoFormat decoded =
		fromDec.haveInfo ? GST_VIDEO_INFO_FORMAT(&fromDec.info) : GST_VIDEO_FORMAT_UNKNOWN;
	std::printf("  %s %dx%d -> %s: %u frames, worst luma PSNR %.1f dB, %zu source dma-bufs, "
		    "index cache %llu/%llu\n",
		    format, width, height, gst_video_format_to_string(decoded), n, worst,
		    fromSrc.inodes.size(), (unsigned long long)hits, (unsigned long long)misses);
	test::unrefPipeline(p);
	return decoded;
}

} /* namespace */

class Codec : public ::testing::TestWithParam<std::tuple<const char *, int, int>>
{
};

TEST_P(Codec, RoundTripIsZeroCopyExactAndFaithful)
{
	auto [format, width, unused] = GetParam();
	checkRoundTrip(format, width, width == 640 ? 480 : 720);
}

INSTANTIATE_TEST_SUITE_P(Formats, Codec,
			 ::testing::Combine(::testing::Values("YUY2", "NV12", "BGRx"),
					    ::testing::Values(640, 1280), ::testing::Values(0)),
			 [](const auto &param) {
				 return std::string(std::get<0>(param.param)) + "_" +
					std::to_string(std::get<1>(param.param));
			 });

/*
 * The same tests run twice: vicodec with its single-planar API (default) and
 * with vicodec.multiplanar=1 (VM test v4l2-mplane, DBK_EXPECT_MPLANE=1).
 * Assert which one this boot has, so the second run cannot silently test
 * the first API again.
 */
TEST(CodecApi, VicodecUsesTheExpectedBufferApi)
{
	const bool wantMplane = getenv("DBK_EXPECT_MPLANE") != nullptr;
	for (const char *role : { "vicodec-encoder", "vicodec-decoder" }) {
		auto path = test::findDevice(role);
		ASSERT_TRUE(path.ok()) << role << ": " << path.error().message;
		auto dev = v4l2::VideoDevice::open(*path);
		ASSERT_TRUE(dev.ok()) << dev.error().message;
		EXPECT_EQ((*dev)->multiPlanar(), wantMplane) << role << " " << *path;
		EXPECT_EQ(v4l2::isMultiPlanarType((*dev)->outputType()), wantMplane) << role;
	}
}

TEST(CodecInterop, StockV4l2srcDmabufIntoOurEncoder)
{
	GstElement *p =
		parse("v4l2src device=" + vivid() +
		      " io-mode=dmabuf num-buffers=10 "
		      "! video/x-raw,format=NV12,width=640,height=480 ! dmabufv4l2enc name=enc "
		      "! fakesink");
	auto r = run(p, 60);
	EXPECT_TRUE(r.eos) << r.error;
	EXPECT_EQ(u64(p, "enc", "copies"), 0u);
	EXPECT_EQ(u64(p, "enc", "imported"), 10u);
	test::unrefPipeline(p);
}

TEST(CodecInterop, ImportModeSourceFillsTheEncodersPool)
{
	GstElement *p = parse("dmabufv4l2src name=src io-mode=import device=" + vivid() +
			      " num-buffers=12 ! video/x-raw,format=YUY2,width=640,height=480 "
			      "! dmabufv4l2enc name=enc ! dmabufv4l2dec ! fakesink");
	auto r = run(p, 60);
	EXPECT_TRUE(r.eos) << r.error;
	EXPECT_EQ(u64(p, "enc", "copies"), 0u);
	EXPECT_EQ(u64(p, "enc", "imported"), 12u);
	EXPECT_GT(u64(p, "src", "index-cache-hits"), 0u);
	test::unrefPipeline(p);
}

TEST(CodecInterop, SystemMemoryIsCopiedCountedAndReportedOnce)
{
	/* drop-allocation: upstream never sees our pool, so it sends system memory. */
	GstElement *p =
		parse("videotestsrc num-buffers=8 ! video/x-raw,format=I420,width=640,height=480 "
		      "! identity drop-allocation=true ! dmabufv4l2enc name=enc ! dmabufv4l2dec ! "
		      "fakesink");
	auto r = run(p, 60);
	EXPECT_TRUE(r.eos) << r.error;
	EXPECT_EQ(u64(p, "enc", "copies"), 8u);
	EXPECT_EQ(u64(p, "enc", "imported"), 0u);
	unsigned copyWarnings = 0;
	for (const auto &w : r.warnings)
		copyWarnings += w.find("Copying") != std::string::npos;
	EXPECT_EQ(copyWarnings, 1u);
	test::unrefPipeline(p);
}

/*
 * From 4:2:2 input vicodec decodes to 4:2:2 planar (Y42B) by default; the
 * decoder must switch the CAPTURE queue to the repacking downstream takes,
 * or fail negotiation with a message, never hang.
 */
TEST(CodecNegotiation, DecoderRepacksToWhatDownstreamTakes)
{
	EXPECT_EQ(checkRoundTrip("YUY2", 640, 480), GST_VIDEO_FORMAT_Y42B)
		<< "the driver's own choice changed";
	EXPECT_EQ(checkRoundTrip("YUY2", 640, 480, "! video/x-raw,format=YUY2 "),
		  GST_VIDEO_FORMAT_YUY2);
	EXPECT_EQ(checkRoundTrip("YUY2", 1280, 720, "! video/x-raw,format=UYVY "),
		  GST_VIDEO_FORMAT_UYVY);
	EXPECT_EQ(checkRoundTrip("NV12", 640, 480, "! video/x-raw,format=NV21 "),
		  GST_VIDEO_FORMAT_NV21);
}

TEST(CodecNegotiation, CpuFilterAfterTheDecoderGetsAFormatItConverts)
{
	/* dmabufcpufilter converts YUY2 but not Y42B: this used to hang. */
	GstElement *p = parse(
		"dmabufv4l2src device=" + vivid() +
		" num-buffers=10 "
		"! video/x-raw,format=YUY2,width=640,height=480 ! dmabufv4l2enc ! dmabufv4l2dec "
		"! dmabufcpufilter operation=convert ! video/x-raw,format=BGRx ! fakesink "
		"name=sink");
	Seen seen;
	watch(p, "sink", "sink", &seen);
	auto r = run(p, 60);
	EXPECT_TRUE(r.eos) << r.error;
	EXPECT_EQ(seen.buffers, 10u);
	test::unrefPipeline(p);
}

TEST(CodecNegotiation, NoCompatibleFormatIsANegotiationError)
{
	/* 4:2:2 content cannot be written as 4:2:0 by the decoder. */
	const int fdsBefore = test::countOpenFds(), dmabufsBefore = test::countLiveDmaBufs();
	GstElement *p = parse(
		"dmabufv4l2src device=" + vivid() +
		" num-buffers=10 "
		"! video/x-raw,format=YUY2,width=640,height=480 ! dmabufv4l2enc ! dmabufv4l2dec "
		"! video/x-raw,format=NV12 ! fakesink");
	auto r = run(p, 60);
	EXPECT_FALSE(r.timedOut) << "the pipeline hung";
	EXPECT_FALSE(r.eos);
	EXPECT_EQ(r.errorDomain, "gst-core-error-quark") << r.error;
	EXPECT_NE(r.error.find("downstream accepts only"), std::string::npos) << r.error;
	EXPECT_NE(r.error.find("YUY2"), std::string::npos)
		<< "the message should list what the decoder can write: " << r.error;
	test::unrefPipeline(p);
	EXPECT_EQ(test::countOpenFds(), fdsBefore) << "fds leaked on the negotiation error";
	EXPECT_EQ(test::countLiveDmaBufs(), dmabufsBefore)
		<< "dma-bufs leaked on the negotiation error";
}

namespace {

GstClockTime upstreamMinLatency(GstElement *pipeline, const char *element)
{
	GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), element);
	GstPad *pad = gst_element_get_static_pad(e, "sink");
	GstQuery *q = gst_query_new_latency();
	GstClockTime min = GST_CLOCK_TIME_NONE;
	if (gst_pad_peer_query(pad, q)) {
		gboolean live;
		GstClockTime max;
		gst_query_parse_latency(q, &live, &min, &max);
	}
	gst_query_unref(q);
	gst_object_unref(pad);
	gst_object_unref(e);
	return min;
}

} /* namespace */

TEST(CodecLatency, EncoderAndDecoderReportTheirDeviceTime)
{
	/* Each codec element adds the time its device takes, measured, to the
	 * latency (not a frame interval: neither holds a frame any more). */
	GstElement *p =
		parse("dmabufv4l2src device=" + vivid() +
		      " ! video/x-raw,format=NV12,width=640,height=480,framerate=30/1 "
		      "! dmabufv4l2enc name=enc ! dmabufv4l2dec name=dec ! fakesink name=sink");
	ASSERT_NE(gst_element_set_state(p, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
	Seen seen;
	watch(p, "sink", "sink", &seen);
	for (int i = 0; i < 200; ++i) {
		{
			std::lock_guard<std::mutex> g(seen.lock);
			if (seen.buffers >= 10)
				break;
		}
		g_usleep(50000);
	}
	auto deviceLatency = [&](const char *name) {
		GstElement *e = gst_bin_get_by_name(GST_BIN(p), name);
		guint64 ns = 0;
		g_object_get(e, "device-latency", &ns, nullptr);
		gst_object_unref(e);
		return GstClockTime(ns);
	};
	const GstClockTime before = deviceLatency("enc") + deviceLatency("dec");
	const GstClockTime src = upstreamMinLatency(p, "enc");
	const GstClockTime all = upstreamMinLatency(p, "sink");
	const GstClockTime after = deviceLatency("enc") + deviceLatency("dec");
	const GstClockTime enc = deviceLatency("enc"), dec = deviceLatency("dec");
	gst_element_set_state(p, GST_STATE_NULL);
	test::unrefPipeline(p);
	EXPECT_GE(seen.buffers, 10u);
	ASSERT_TRUE(GST_CLOCK_TIME_IS_VALID(src));
	ASSERT_TRUE(GST_CLOCK_TIME_IS_VALID(all));
	EXPECT_GT(enc, 0u);
	EXPECT_GT(dec, 0u);
	EXPECT_GE(all - src, before) << "source " << src << " ns, at the sink " << all << " ns";
	EXPECT_LE(all - src, after) << "source " << src << " ns, at the sink " << all << " ns";
}

namespace {

/* When each buffer (by PTS) entered and left an element, monotonic us. */
struct PadTimes {
	std::mutex lock;
	std::map<GstClockTime, gint64> in, out;
	void watch(GstElement *e)
	{
		for (const char *name : { "sink", "src" }) {
			GstPad *p = gst_element_get_static_pad(e, name);
			gst_pad_add_probe(
				p, GST_PAD_PROBE_TYPE_BUFFER,
				[](GstPad *pad, GstPadProbeInfo *info, gpointer d) {
					auto *self = static_cast<PadTimes *>(d);
					std::lock_guard<std::mutex> g(self->lock);
					auto &m = GST_PAD_IS_SINK(pad) ? self->in : self->out;
					m.emplace(GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info)),
						  g_get_monotonic_time());
					return GST_PAD_PROBE_OK;
				},
				this, nullptr);
			gst_object_unref(p);
		}
	}
	/* The shortest time a frame after the first spent in the element, us. */
	gint64 shortest()
	{
		std::lock_guard<std::mutex> g(lock);
		gint64 best = G_MAXINT64;
		for (const auto &[pts, t] : out)
			if (pts > 0 && in.count(pts))
				best = std::min(best, t - in.at(pts));
		return best;
	}
};

/* Frame \a i alone (NV12 640x480 filled with \a fill, PTS i/30 s) through the
 * harness: what came out within 5 s, or nullptr. */
GstBuffer *pushAlone(GstHarness *h, int i, guint8 fill)
{
	GstVideoInfo info;
	gst_video_info_set_format(&info, GST_VIDEO_FORMAT_NV12, 640, 480);
	GstBuffer *in = gst_harness_create_buffer(h, info.size);
	gst_buffer_memset(in, 0, fill, info.size);
	GST_BUFFER_PTS(in) = i * GST_SECOND / 30;
	GST_BUFFER_DURATION(in) = GST_SECOND / 30;
	if (gst_harness_push(h, in) != GST_FLOW_OK)
		return nullptr;
	GstBuffer *out = nullptr;
	for (int t = 0; t < 100 && !out; ++t) {
		out = gst_harness_try_pull(h);
		if (!out)
			g_usleep(50000);
	}
	return out;
}

} /* namespace */

TEST(CodecLatency, OneFrameInComesOutWithoutTheNext)
{
	/* The CAPTURE side runs on its own task: a frame leaves the decoder as
	 * soon as the devices are done with it, with no further input and no
	 * EOS (the elements used to hand a frame on only when the next came). */
	GstHarness *h = gst_harness_new_parse("dmabufupload ! dmabufv4l2enc ! dmabufv4l2dec");
	gst_harness_set_src_caps_str(h, "video/x-raw,format=NV12,width=640,height=480,"
					"framerate=30/1");
	for (int i = 0; i < 2; ++i) {
		GstBuffer *out = pushAlone(h, i, guint8(0x40 + 0x40 * i));
		ASSERT_NE(out, nullptr) << "frame " << i << " never left the decoder (5 s)";
		EXPECT_EQ(GST_BUFFER_PTS(out), i * GST_SECOND / 30);
		gst_buffer_unref(out);
	}
	gst_harness_teardown(h);
}

TEST(CodecLatency, DeviceLatencyCountsTheWorkInsideQbuf)
{
	/* vicodec encodes and decodes inside QBUF: timed from after QBUF, the
	 * device time the elements report (and add to the LATENCY query) was
	 * a fraction of a millisecond, against several for a frame's way
	 * through the element. Each frame passes alone, so each element's time
	 * is its device's time and a little of its own. */
	const int fdsBefore = test::countOpenFds();
	const int dmabufsBefore = test::countLiveDmaBufs();
	GstHarness *h = gst_harness_new_parse(
		"dmabufupload ! dmabufv4l2enc name=enc ! dmabufv4l2dec name=dec");
	gst_harness_set_src_caps_str(h, "video/x-raw,format=NV12,width=640,height=480,"
					"framerate=30/1");
	PadTimes times[2];
	const char *names[2] = { "enc", "dec" };
	GstElement *elements[2];
	for (int i = 0; i < 2; ++i) {
		elements[i] = gst_bin_get_by_name(GST_BIN(h->element), names[i]);
		ASSERT_NE(elements[i], nullptr);
		times[i].watch(elements[i]);
	}
	for (int i = 0; i < 5; ++i) {
		GstBuffer *out = pushAlone(h, i, guint8(0x20 + 0x30 * i));
		ASSERT_NE(out, nullptr) << "frame " << i << " never left the decoder (5 s)";
		gst_buffer_unref(out);
	}
	for (int i = 0; i < 2; ++i) {
		guint64 ns = 0;
		g_object_get(elements[i], "device-latency", &ns, nullptr);
		const gint64 shortest = times[i].shortest();
		std::printf("%s: device-latency %.2f ms, shortest time through it %.2f ms\n",
			    names[i], double(ns) / 1e6, double(shortest) / 1e3);
		ASSERT_NE(shortest, G_MAXINT64) << names[i] << ": no frame timed at both pads";
		EXPECT_GE(double(ns) / 1e3, double(shortest) / 2)
			<< names[i] << ": the device's time misses most of a frame's";
		gst_object_unref(elements[i]);
	}
	gst_harness_teardown(h);
	EXPECT_EQ(test::countOpenFds(), fdsBefore) << "fds leaked: " << test::openFdTargets();
	EXPECT_EQ(test::countLiveDmaBufs(), dmabufsBefore) << "dma-bufs leaked";
}

TEST(CodecFaults, UnsupportedSize)
{
	/* vicodec encodes 640x360..4096x2160; 320x180 must fail clearly. */
	GstElement *p =
		parse("videotestsrc num-buffers=3 ! video/x-raw,format=NV12,width=320,height=180 "
		      "! dmabufv4l2enc ! fakesink");
	auto r = run(p, 30);
	EXPECT_FALSE(r.eos);
	EXPECT_NE(r.error.find("cannot encode"), std::string::npos) << r.error;
	test::unrefPipeline(p);
}

namespace {

/* FWHT frames of vivid at a size, as system-memory bytes. */
std::vector<std::vector<uint8_t>> encodeFrames(int width, int height, unsigned n)
{
	std::vector<std::vector<uint8_t>> out;
	GstElement *p =
		parse("dmabufv4l2src device=" + vivid() + " num-buffers=" + std::to_string(n) +
		      " ! video/x-raw,format=NV12,width=" + std::to_string(width) + ",height=" +
		      std::to_string(height) + " ! dmabufv4l2enc ! fakesink name=sink");
	struct Ctx {
		std::vector<std::vector<uint8_t>> *out;
	} ctx{ &out };
	GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
	GstPad *pad = gst_element_get_static_pad(sink, "sink");
	gst_pad_add_probe(
		pad, GST_PAD_PROBE_TYPE_BUFFER,
		[](GstPad *, GstPadProbeInfo *info, gpointer d) {
			GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
			std::vector<uint8_t> bytes(gst_buffer_get_size(b));
			gst_buffer_extract(b, 0, bytes.data(), bytes.size());
			static_cast<Ctx *>(d)->out->push_back(std::move(bytes));
			return GST_PAD_PROBE_OK;
		},
		&ctx, nullptr);
	gst_object_unref(pad);
	gst_object_unref(sink);
	auto r = run(p, 60);
	EXPECT_TRUE(r.eos) << r.error;
	test::unrefPipeline(p);
	return out;
}

/* Pushes @frames into appsrc "in" of @p (PTS i/30 s each), then EOS. */
void pushFrames(GstElement *p, const std::vector<std::vector<uint8_t>> &frames)
{
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
}

RunResult decodeBytes(const std::vector<std::vector<uint8_t>> &frames, int width, int height,
		      Seen *seen, guint64 *sourceChanges = nullptr, int timeoutS = 30)
{
	GstElement *p = parse(
		"appsrc name=in format=time caps=video/x-fwht,width=" + std::to_string(width) +
		",height=" + std::to_string(height) +
		",framerate=30/1 ! dmabufv4l2dec name=dec timeout-ms=1000 ! fakesink name=sink");
	if (seen)
		watch(p, "sink", "sink", seen);
	pushFrames(p, frames);
	auto r = run(p, timeoutS);
	if (sourceChanges)
		*sourceChanges = u64(p, "dec", "source-changes");
	test::unrefPipeline(p);
	return r;
}

} /* namespace */

TEST(CodecFaults, ResolutionChangeMidStream)
{
	auto a = encodeFrames(640, 480, 5);
	auto b = encodeFrames(1280, 720, 5);
	ASSERT_EQ(a.size(), 5u);
	ASSERT_EQ(b.size(), 5u);
	std::vector<std::vector<uint8_t>> all = a;
	all.insert(all.end(), b.begin(), b.end());
	Seen seen;
	guint64 changes = 0;
	auto r = decodeBytes(all, 640, 480, &seen, &changes, 60);
	EXPECT_TRUE(r.eos) << r.error;
	/* It once delivered 9 (multi-planar boot, not reproduced since): say
	   which frame is missing and whether the decoder dropped one it was
	   given flagged as an error (a "Corrupt frame" warning). */
	std::string detail = "\nPTS (ms) that reached the sink:";
	for (GstClockTime t : seen.pts)
		detail += " " + std::to_string(GST_TIME_AS_MSECONDS(t));
	for (const std::string &w : r.warnings)
		detail += "\nwarning: " + w;
	EXPECT_EQ(seen.buffers, 10u) << detail;
	EXPECT_EQ(changes, 2u);
	expectMonotonic(seen.pts);
}

/* A bitstream frame larger than the decoder's buffers, after one that set
 * the size of the copy pool (sysmem input is copied into dma-bufs): an
 * error, not a frame cut short. */
TEST(CodecFaults, OversizedFrameEndsInAnError)
{
	auto frames = encodeFrames(640, 480, 1);
	ASSERT_EQ(frames.size(), 1u);
	frames.push_back(std::vector<uint8_t>(4 * 1024 * 1024, 0x5a));
	Seen seen;
	auto r = decodeBytes(frames, 640, 480, &seen);
	EXPECT_FALSE(r.eos) << "the oversized frame was decoded";
	EXPECT_EQ(r.errorDomain, "gst-stream-error-quark") << r.error;
	EXPECT_EQ(r.errorCode, GST_STREAM_ERROR_DECODE) << r.error;
	EXPECT_EQ(r.error.rfind("dec: Compressed frame too large | ", 0), 0u) << r.error;
	EXPECT_NE(r.error.find("4194304 bytes, the decoder takes at most "), std::string::npos)
		<< r.error;
}

namespace {

/* An appsrc that serves FWHT frames and follows seeks (frame = time / duration). */
struct SeekableFeed {
	std::vector<std::vector<uint8_t>> frames;
	std::atomic<size_t> next{ 0 };
	GstClockTime duration = GST_SECOND / 10;
};

void feedNeedData(GstElement *src, guint, gpointer data)
{
	auto *f = static_cast<SeekableFeed *>(data);
	size_t i = f->next++;
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
	auto *f = static_cast<SeekableFeed *>(data);
	f->next = static_cast<size_t>(offset / f->duration);
	return TRUE;
}

/* Serve \a feed from the appsrc named \a name in \a pipeline. */
void feedAppsrc(GstElement *pipeline, const char *name, SeekableFeed *feed)
{
	GstElement *in = gst_bin_get_by_name(GST_BIN(pipeline), name);
	g_signal_connect(in, "need-data", G_CALLBACK(feedNeedData), feed);
	g_signal_connect(in, "seek-data", G_CALLBACK(feedSeekData), feed);
	gst_object_unref(in);
}

} /* namespace */

TEST(CodecSeek, FlushingSeekRestartsTheDecoder)
{
	SeekableFeed feed;
	feed.frames = encodeFrames(640, 480, 20);
	ASSERT_EQ(feed.frames.size(), 20u);
	const int fdsBefore = test::countOpenFds(), dmabufsBefore = test::countLiveDmaBufs();
	GstElement *p =
		parse("appsrc name=in format=time stream-type=seekable "
		      "caps=video/x-fwht,width=640,height=480,framerate=10/1 "
		      "! dmabufv4l2dec name=dec timeout-ms=2000 ! fakesink name=sink sync=true");
	feedAppsrc(p, "in", &feed);
	Seen seen;
	watch(p, "sink", "sink", &seen);
	ASSERT_NE(gst_element_set_state(p, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
	/* Let a few frames play, then seek back to the first (intra) frame. */
	for (int i = 0; i < 400; ++i) {
		{
			std::lock_guard<std::mutex> g(seen.lock);
			if (seen.buffers >= 5)
				break;
		}
		g_usleep(25000);
	}
	size_t beforeSeek;
	{
		std::lock_guard<std::mutex> g(seen.lock);
		beforeSeek = seen.buffers;
	}
	ASSERT_GE(beforeSeek, 5u);
	ASSERT_LT(beforeSeek, 20u) << "played to the end before the seek";
	ASSERT_TRUE(gst_element_seek_simple(
		p, GST_FORMAT_TIME,
		static_cast<GstSeekFlags>(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE), 0));
	auto r = run(p, 60);
	EXPECT_TRUE(r.eos) << r.error;
	std::lock_guard<std::mutex> g(seen.lock);
	/* After the seek: every frame from the first to the last, in order. */
	size_t restart = 0;
	for (size_t i = 1; i < seen.pts.size(); ++i)
		if (seen.pts[i] <= seen.pts[i - 1])
			restart = i;
	ASSERT_GT(restart, 0u) << "no frame came again after the seek";
	std::vector<GstClockTime> after(seen.pts.begin() + static_cast<long>(restart),
					seen.pts.end());
	ASSERT_EQ(after.size(), 20u) << "frames after the seek";
	for (size_t i = 0; i < after.size(); ++i)
		EXPECT_EQ(after[i], i * feed.duration) << "frame " << i << " after the seek";
	test::unrefPipeline(p);
	EXPECT_EQ(test::countOpenFds(), fdsBefore) << "fds leaked across the flush";
	EXPECT_EQ(test::countLiveDmaBufs(), dmabufsBefore) << "dma-bufs leaked across the flush";
}

namespace {

/* How a decode of damaged input ended, and what reached the sink. */
struct FuzzOutcome {
	bool eos = false;
	bool timedOut = false;
	GQuark domain = 0;
	int code = 0;
	std::string error;		   /* message | debug */
	std::vector<std::string> warnings; /* "domain code: message" */
	std::vector<GstClockTime> pts;
};

/* Feeds @frames (PTS i/30 s each) into dmabufv4l2dec and runs to EOS or
   error; @maxErrors sets the decoder's max-errors when given. */
FuzzOutcome decodeDamaged(const std::vector<std::vector<uint8_t>> &frames,
			  std::optional<int> maxErrors = std::nullopt)
{
	FuzzOutcome o;
	GstElement *p = parse(
		"appsrc name=in format=time caps=video/x-fwht,width=640,height=480,"
		"framerate=30/1 ! dmabufv4l2dec name=dec timeout-ms=1000 " +
		(maxErrors ? "max-errors=" + std::to_string(*maxErrors) + " " : std::string()) +
		"! fakesink name=sink");
	Seen seen;
	watch(p, "sink", "sink", &seen);
	pushFrames(p, frames);
	GstBus *bus = gst_element_get_bus(p);
	gst_element_set_state(p, GST_STATE_PLAYING);
	GstMessage *m;
	for (;;) {
		m = gst_bus_timed_pop_filtered(bus, 30 * GST_SECOND,
					       static_cast<GstMessageType>(GST_MESSAGE_EOS |
									   GST_MESSAGE_ERROR |
									   GST_MESSAGE_WARNING));
		if (!m || GST_MESSAGE_TYPE(m) != GST_MESSAGE_WARNING)
			break;
		GError *e = nullptr;
		gst_message_parse_warning(m, &e, nullptr);
		o.warnings.push_back(std::string(g_quark_to_string(e->domain)) + " " +
				     std::to_string(e->code) + ": " + e->message);
		g_error_free(e);
		gst_message_unref(m);
	}
	if (!m) {
		o.timedOut = true;
	} else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) {
		o.eos = true;
	} else {
		GError *e = nullptr;
		gchar *dbg = nullptr;
		gst_message_parse_error(m, &e, &dbg);
		o.domain = e->domain;
		o.code = e->code;
		o.error = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(m))) + ": " + e->message +
			  " | " + (dbg ? dbg : "");
		g_error_free(e);
		g_free(dbg);
	}
	if (m)
		gst_message_unref(m);
	gst_object_unref(bus);
	gst_element_set_state(p, GST_STATE_NULL);
	test::unrefPipeline(p);
	std::lock_guard<std::mutex> g(seen.lock);
	o.pts = seen.pts;
	return o;
}

GstClockTime ptsOf(size_t frame)
{
	return frame * (GST_SECOND / 30);
}

bool hasMagic(const std::vector<uint8_t> &f)
{
	static const uint8_t magic[8] = { 0x4f, 0x4f, 0x4f, 0x4f, 0xff, 0xff, 0xff, 0xff };
	return std::search(f.begin(), f.end(), magic, magic + 8) != f.end();
}

std::string describe(const FuzzOutcome &o)
{
	std::string s = o.timedOut ? "TIMEOUT" : o.eos ? "EOS" : "ERROR " + o.error;
	if (o.domain)
		s += std::string(" [") + g_quark_to_string(o.domain) + " " +
		     std::to_string(o.code) + "]";
	s += ", frames at the sink:";
	for (GstClockTime t : o.pts)
		s += " " + std::to_string(t / (GST_SECOND / 30));
	for (const auto &w : o.warnings)
		s += "; warning " + w;
	return s;
}

/* The PTS of frames @from..@to-1, leaving out @skip. */
std::vector<GstClockTime> ptsRange(size_t from, size_t to, size_t skip = SIZE_MAX)
{
	std::vector<GstClockTime> v;
	for (size_t i = from; i < to; ++i)
		if (i != skip)
			v.push_back(ptsOf(i));
	return v;
}

/* Damaged input draws no warning but the one about copying appsrc's system
   memory into dma-bufs. */
void expectOnlyTheCopyWarning(const FuzzOutcome &o, const std::string &what)
{
	for (const auto &w : o.warnings)
		EXPECT_NE(w.find("Copying the input bitstream"), std::string::npos)
			<< what << ": unexpected warning " << w;
}

/* Rejected: an error from the decoder, STREAM / DECODE, with @words. */
void expectDecodeError(const FuzzOutcome &o, const char *words, const std::string &what)
{
	EXPECT_FALSE(o.eos) << what << ": " << describe(o);
	EXPECT_EQ(o.domain, GST_STREAM_ERROR) << what << ": " << describe(o);
	EXPECT_EQ(o.code, GST_STREAM_ERROR_DECODE) << what << ": " << describe(o);
	EXPECT_EQ(o.error.rfind("dec: ", 0), 0u) << what << ": not from the decoder: " << o.error;
	EXPECT_NE(o.error.find(words), std::string::npos) << what << ": " << describe(o);
}

} /* namespace */

/*
 * Damaged FWHT input, by class, with what must happen (vicodec's stateful
 * decoder finds frames by their header's magic and size; measured in the
 * test VM, 6.12):
 * - noise with no FWHT magic anywhere: nothing decodes, nothing reaches the
 *   sink, and the stream is rejected: STREAM/DECODE "No valid frames decoded
 *   before end of stream" from the decoder;
 * - a stream cut inside frame K: exactly frames 0..K-1 reach the sink, with
 *   their PTS, then EOS; cut inside frame 0, rejected as noise is;
 * - frame K's magic destroyed, or its header invalid (width 0): frame K is
 *   skipped, exactly every other frame reaches the sink, EOS;
 * - bytes flipped inside every payload (headers intact): the driver flags
 *   the frames it cannot decode, which are dropped; with max-errors=0 the
 *   first one rejects the stream: STREAM/DECODE "Corrupt frame", naming
 *   the frame the driver flagged; with the default max-errors, EOS, and only
 *   input frames, in order, reach the sink.
 * No case hangs, warns of anything but the bitstream copy, or leaks an fd
 * or a dma-buf; the decoder works afterwards.
 */
TEST(CodecFaults, GarbageAndTruncatedBitstreamFuzz)
{
	auto good = encodeFrames(640, 480, 4);
	ASSERT_EQ(good.size(), 4u);
	for (const auto &f : good)
		ASSERT_TRUE(v4l2::parseFwhtFrame(f.data(), f.size()).ok());
	GRand *rnd = g_rand_new_with_seed(4);
	const int fdsBefore = test::countOpenFds(), dmabufsBefore = test::countLiveDmaBufs();
	unsigned cases = 0;
	auto check = [&cases](const FuzzOutcome &o, const std::string &what) {
		std::printf("  %s: %s\n", what.c_str(), describe(o).c_str());
		cases++;
		EXPECT_FALSE(o.timedOut) << what << " hung";
		expectOnlyTheCopyWarning(o, what);
	};

	/* Noise: every byte random, never an FWHT magic. */
	for (int i = 0; i < 3; ++i) {
		auto frames = good;
		for (auto &f : frames)
			do {
				for (auto &byte : f)
					byte = static_cast<uint8_t>(g_rand_int(rnd));
			} while (hasMagic(f));
		auto o = decodeDamaged(frames);
		const std::string what = "noise " + std::to_string(i);
		check(o, what);
		expectDecodeError(o, "No valid frames decoded", what);
		EXPECT_TRUE(o.pts.empty()) << what << " decoded: " << describe(o);
	}

	/* Cut inside frame K, nothing after it. */
	for (size_t k = 0; k < 4; ++k) {
		std::vector<std::vector<uint8_t>> frames(good.begin(),
							 good.begin() + static_cast<long>(k) + 1);
		auto &cut = frames[k];
		cut.resize(g_rand_int_range(rnd, 1, static_cast<gint32>(cut.size())));
		auto o = decodeDamaged(frames);
		const std::string what = "cut in frame " + std::to_string(k) + " at " +
					 std::to_string(cut.size()) + " bytes";
		check(o, what);
		if (k == 0)
			expectDecodeError(o, "No valid frames decoded", what);
		else
			EXPECT_TRUE(o.eos) << what << ": " << describe(o);
		EXPECT_EQ(o.pts, ptsRange(0, k)) << what << ": " << describe(o);
	}

	/* Frame K's magic destroyed; frame K's header invalid (width 0). */
	for (size_t k = 0; k < 4; ++k) {
		auto noMagic = good;
		noMagic[k][0] ^= 0xff;
		auto badHeader = good;
		for (int b = 12; b < 16; ++b)
			badHeader[k][b] = 0;
		ASSERT_EQ(v4l2::parseFwhtFrame(badHeader[k].data(), badHeader[k].size()).verdict,
			  v4l2::FwhtVerdict::BadDimensions);
		for (auto &[frames, name] : { std::pair{ &noMagic, "no magic in frame " },
					      std::pair{ &badHeader, "width 0 in frame " } }) {
			auto o = decodeDamaged(*frames);
			const std::string what = name + std::to_string(k);
			check(o, what);
			EXPECT_TRUE(o.eos) << what << ": " << describe(o);
			EXPECT_EQ(o.pts, ptsRange(0, 4, k)) << what << ": " << describe(o);
		}
	}

	/* Payload bytes flipped in every frame, headers intact. */
	for (int i = 0; i < 3; ++i) {
		auto frames = good;
		for (auto &f : frames)
			for (int n = 0; n < 16; ++n)
				f[g_rand_int_range(rnd, static_cast<gint32>(v4l2::kFwhtHeaderSize),
						   static_cast<gint32>(f.size()))] ^= 0xff;
		const std::string what = "payload flips " + std::to_string(i);
		auto strict = decodeDamaged(frames, 0);
		check(strict, what + ", max-errors=0");
		expectDecodeError(strict, "Corrupt frame", what);
		EXPECT_NE(strict.error.find("the driver flagged frame"), std::string::npos)
			<< strict.error;
		EXPECT_LT(strict.pts.size(), 4u) << describe(strict);
		auto lenient = decodeDamaged(frames);
		check(lenient, what);
		EXPECT_TRUE(lenient.eos) << what << ": " << describe(lenient);
		const auto all = ptsRange(0, 4);
		EXPECT_TRUE(std::includes(all.begin(), all.end(), lenient.pts.begin(),
					  lenient.pts.end()))
			<< what
			<< ": frames not from the input, or out of order: " << describe(lenient);
	}
	g_rand_free(rnd);
	std::printf("  fuzz: %u cases\n", cases);
	EXPECT_EQ(test::countOpenFds(), fdsBefore)
		<< "fds leaked by damaged streams: " << test::openFdTargets();
	EXPECT_EQ(test::countLiveDmaBufs(), dmabufsBefore) << "dma-bufs leaked by damaged streams";

	/* and the decoder still works afterwards */
	auto o = decodeDamaged(good);
	EXPECT_TRUE(o.eos) << describe(o);
	EXPECT_EQ(o.pts, ptsRange(0, 4)) << describe(o);
}

/* ---------------------------------------------------------------- state cycles */

namespace {

/* The message of an ERROR waiting on \a bus, if any (popped). */
std::optional<std::string> pendingError(GstBus *bus)
{
	GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
	if (!m)
		return std::nullopt;
	GError *e = nullptr;
	gst_message_parse_error(m, &e, nullptr);
	std::string text = e->message;
	g_error_free(e);
	gst_message_unref(m);
	return text;
}

} /* namespace */

TEST(Cycles, PlayingReadyThousandTimesLeaksNothing)
{
	GstElement *p = parse("dmabufv4l2src device=" + vivid() +
			      " ! video/x-raw,format=NV12,width=640,height=480 ! dmabufv4l2enc "
			      "! dmabufv4l2dec ! fakesink name=sink");
	Seen seen;
	watch(p, "sink", "sink", &seen);
	/* Warm up once so lazily created singletons (registry, allocators) exist. */
	ASSERT_NE(gst_element_set_state(p, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
	gst_element_get_state(p, nullptr, nullptr, 10 * GST_SECOND);
	g_usleep(300 * 1000);
	/* The dma-buf counter sees the pipeline's buffers while it plays. */
	EXPECT_GT(test::countLiveDmaBufs(), 0);
	ASSERT_NE(gst_element_set_state(p, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
	const int fds0 = test::countOpenFds(), bufs0 = test::countLiveDmaBufs();
	/* DBK_V4L2_CYCLES overrides the count when measuring by hand. */
	const char *env = g_getenv("DBK_V4L2_CYCLES");
	const unsigned cycles = env ? static_cast<unsigned>(atoi(env)) : 1000;
	const gint64 t0 = g_get_monotonic_time();
	GstBus *bus = gst_element_get_bus(p);
	for (unsigned i = 0; i < cycles; ++i) {
		ASSERT_NE(gst_element_set_state(p, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE)
			<< "cycle " << i;
		/* Every 10th cycle waits until frames flow (a live pipeline reaches
		 * PLAYING with its first frame); the others go back at once, which
		 * tears down half-started streaming. */
		if (i % 10 == 0) {
			ASSERT_NE(gst_element_get_state(p, nullptr, nullptr, 10 * GST_SECOND),
				  GST_STATE_CHANGE_FAILURE)
				<< "cycle " << i;
		}
		ASSERT_NE(gst_element_set_state(p, GST_STATE_READY), GST_STATE_CHANGE_FAILURE)
			<< "cycle " << i;
		if (auto e = pendingError(bus)) {
			ADD_FAILURE() << "cycle " << i << ": " << *e;
			break;
		}
	}
	gst_object_unref(bus);
	const int fds1 = test::countOpenFds(), bufs1 = test::countLiveDmaBufs();
	std::printf("  %u cycles in %.1f s, %u frames decoded; fds %d -> %d, dma-bufs %d -> %d\n",
		    cycles, (g_get_monotonic_time() - t0) / 1e6, seen.buffers, fds0, fds1, bufs0,
		    bufs1);
	EXPECT_EQ(fds1, fds0);
	EXPECT_EQ(bufs1, bufs0);
	EXPECT_GT(seen.buffers, 0u) << "nothing ever flowed";
	gst_element_set_state(p, GST_STATE_NULL);
	test::unrefPipeline(p);
}

/* Issue 14: 100 flushing seeks through the encoder and the decoder, each
 * while frames flow, leave no fd or dma-buf behind. */
TEST(Cycles, HundredFlushingSeeksLeakNothing)
{
	SeekableFeed feed;
	for (unsigned i = 0; i < 10; ++i)
		feed.frames.emplace_back(640 * 480 * 3 / 2, static_cast<uint8_t>(16 + 20 * i));
	GstElement *p = parse("appsrc name=in format=time stream-type=seekable "
			      "caps=video/x-raw,format=NV12,width=640,height=480,framerate=10/1 "
			      "! dmabufv4l2enc ! dmabufv4l2dec ! fakesink name=sink");
	feedAppsrc(p, "in", &feed);
	Seen seen;
	watch(p, "sink", "sink", &seen);
	auto buffers = [&seen] {
		std::lock_guard<std::mutex> g(seen.lock);
		return seen.buffers;
	};
	/* Until frames flow (or 10 s): the first seek then meets running devices. */
	auto waitForFrames = [&](size_t atLeast) {
		for (int i = 0; i < 400 && buffers() < atLeast; ++i)
			g_usleep(25000);
		return buffers() >= atLeast;
	};
	/* Counted in READY after a first run, as Cycles counts: lazily made
	 * singletons exist, no stream holds anything. */
	ASSERT_NE(gst_element_set_state(p, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
	ASSERT_TRUE(waitForFrames(2)) << "nothing flowed";
	ASSERT_NE(gst_element_set_state(p, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
	const int fds0 = test::countOpenFds(), bufs0 = test::countLiveDmaBufs();
	feed.next = 0;
	ASSERT_NE(gst_element_set_state(p, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
	ASSERT_TRUE(waitForFrames(buffers() + 2)) << "nothing flowed after READY";
	const gint64 t0 = g_get_monotonic_time();
	GstBus *bus = gst_element_get_bus(p);
	unsigned seeks = 0;
	for (; seeks < 100; ++seeks) {
		const size_t before = buffers();
		ASSERT_TRUE(gst_element_seek_simple(p, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, 0))
			<< "seek " << seeks;
		ASSERT_TRUE(waitForFrames(before + 2)) << "no frame after seek " << seeks;
		if (auto e = pendingError(bus)) {
			ADD_FAILURE() << "seek " << seeks << ": " << *e;
			break;
		}
	}
	gst_object_unref(bus);
	ASSERT_NE(gst_element_set_state(p, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
	const int fds1 = test::countOpenFds(), bufs1 = test::countLiveDmaBufs();
	std::printf("  %u flushing seeks in %.1f s, %u frames; fds %d -> %d, dma-bufs %d -> %d\n",
		    seeks, (g_get_monotonic_time() - t0) / 1e6, buffers(), fds0, fds1, bufs0,
		    bufs1);
	EXPECT_EQ(seeks, 100u);
	EXPECT_EQ(fds1, fds0);
	EXPECT_EQ(bufs1, bufs0);
	gst_element_set_state(p, GST_STATE_NULL);
	test::unrefPipeline(p);
}

/* Both leave vivid unusable (the fatal error until restreaming, disconnect
 * for good): v4l2-elements.sh runs them last, in their own process. */
static void expectCleanFailure(const char *ctl, int code, std::vector<const char *> words)
{
	GstElement *p = parse("dmabufv4l2src device=" + vivid() + " num-buffers=200 ! fakesink");
	gst_element_set_state(p, GST_STATE_PLAYING);
	g_usleep(1500 * 1000);
	setVivid(ctl, 1);
	auto r = run(p, 30);
	EXPECT_FALSE(r.timedOut) << ctl << " hung";
	EXPECT_FALSE(r.eos) << ctl << " ended as if nothing happened";
	EXPECT_EQ(r.errorDomain, "gst-resource-error-quark") << r.error;
	EXPECT_EQ(r.errorCode, code) << r.error;
	for (const char *w : words)
		EXPECT_NE(r.error.find(w), std::string::npos)
			<< "\"" << w << "\" missing: " << r.error;
	/* The device is named in the debug text. */
	EXPECT_NE(r.error.find(" | "), std::string::npos);
	EXPECT_NE(r.error.substr(r.error.find(" | ")).find(vivid()), std::string::npos) << r.error;
	std::printf("  %s -> %s\n", ctl, r.error.substr(0, 200).c_str());
	test::unrefPipeline(p);
}

TEST(LastSrcFaults, FatalStreamingError)
{
	expectCleanFailure("inject_fatal_streaming_error", GST_RESOURCE_ERROR_READ,
			   { "fatal streaming error", "READY", "PLAYING" });
}

TEST(LastSrcFaults, Disconnect)
{
	/* docs/elements.md: a disconnect is RESOURCE NOT_FOUND. */
	expectCleanFailure("disconnect", GST_RESOURCE_ERROR_NOT_FOUND,
			   { "disconnected", "device property" });
}

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	::testing::InitGoogleTest(&argc, argv);
	return RUN_ALL_TESTS();
}
