/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VM tests of dmabufv4l2src, dmabufv4l2enc and dmabufv4l2dec against vivid,
 * vicodec and vkms: zero-copy proven by dma-buf inodes, frame counts,
 * timestamps, image quality, interop with stock elements, and faults.
 */
#include <cmath>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <mutex>
#include <set>
#include <sys/stat.h>

#include <gst/allocators/allocators.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "dmabufkit/v4l2/buffer_queue.h"
#include "dmabufkit/v4l2/video_device.h"
#include "test_devices.h"

using namespace dmabufkit;

namespace {

std::string vivid()
{
	auto p = test::findDevice("vivid-capture");
	return p ? *p : std::string("/dev/missing-vivid");
}

struct RunResult {
	bool eos = false;
	std::string error;  /* first ERROR message + debug, empty if none */
	std::string errorDomain;
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
			static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING));
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
			r.error = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(m))) + ": " + e->message +
				  " | " + (dbg ? dbg : "");
			r.errorDomain = g_quark_to_string(e->domain);
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
		    meta->stride[0] < (gint)GST_VIDEO_INFO_COMP_PSTRIDE(&seen->info, 0) * (gint)meta->width ||
		    gst_buffer_get_size(buf) < meta->offset[meta->n_planes - 1] +
						       meta->stride[meta->n_planes - 1] *
							       GST_VIDEO_INFO_COMP_HEIGHT(&seen->info, meta->n_planes - 1))
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
	auto dev = v4l2::VideoDevice::open(vivid());
	ASSERT_TRUE(dev.ok()) << dev.error().message;
	auto c = (*dev)->findControl(control);
	ASSERT_TRUE(c.has_value()) << control;
	if (c->type == V4L2_CTRL_TYPE_BUTTON)
		value = 0;
	auto r = (*dev)->setControl(c->id, value);
	ASSERT_TRUE(r.ok()) << r.error().message;
}

unsigned countFds()
{
	unsigned n = 0;
	if (DIR *d = opendir("/proc/self/fd")) {
		while (readdir(d))
			n++;
		closedir(d);
	}
	return n;
}

unsigned countDmaBufs()
{
	/* One line per live dma-buf after two header lines, then a summary. */
	FILE *f = fopen("/sys/kernel/debug/dma_buf/bufinfo", "r");
	if (!f)
		return 0;
	char line[512];
	unsigned n = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long size;
		char flags[16];
		if (sscanf(line, "%llu %15s", &size, flags) == 2 && flags[0] == '0')
			n++;
	}
	fclose(f);
	return n;
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
			   " num-buffers=" + std::to_string(frames) + " ! video/x-raw,format=" + format +
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
	gst_object_unref(p);
}

INSTANTIATE_TEST_SUITE_P(Modes, Src,
			 ::testing::Combine(::testing::Values("export", "import"),
					    ::testing::Values("YUY2", "NV12", "BGRx")));

TEST(SrcInterop, KmssinkExportAndImportIntoItsPool)
{
	for (const char *mode : { "export", "import", "auto" }) {
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
		g_free(active);
		gst_object_unref(src);
		gst_object_unref(p);
	}
}

TEST(SrcFaults, NonexistentDevice)
{
	GstElement *p = parse("dmabufv4l2src device=/dev/video99 ! fakesink");
	auto r = run(p, 20);
	EXPECT_FALSE(r.eos);
	EXPECT_NE(r.error.find("/dev/video99"), std::string::npos) << r.error;
	EXPECT_EQ(r.errorDomain, "gst-resource-error-quark");
	gst_object_unref(p);
}

TEST(SrcFaults, UnsupportedCaps)
{
	GstElement *p = parse("dmabufv4l2src device=" + vivid() +
			      " ! video/x-raw,format=P010_10LE,width=640,height=480 ! fakesink");
	auto r = run(p, 20);
	EXPECT_FALSE(r.eos);
	EXPECT_FALSE(r.error.empty());
	EXPECT_FALSE(r.timedOut);
	gst_object_unref(p);
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
	gst_object_unref(p);
}

TEST(SrcFaults, DroppedBuffersTripTheWatchdog)
{
	setVivid("percentage_of_dropped_buffers", 100);
	GstElement *p = parse("dmabufv4l2src device=" + vivid() + " timeout-ms=700 num-buffers=5 ! fakesink");
	auto r = run(p, 30);
	setVivid("percentage_of_dropped_buffers", 0);
	EXPECT_FALSE(r.timedOut) << "hung";
	EXPECT_NE(r.error.find("stopped delivering"), std::string::npos) << r.error;
	gst_object_unref(p);
}

TEST(SrcFaults, StreamonErrorInjected)
{
	GstElement *p = parse("dmabufv4l2src device=" + vivid() + " num-buffers=5 ! fakesink");
	setVivid("inject_vidioc_streamon_error", 1);
	auto r = run(p, 30);
	EXPECT_FALSE(r.timedOut);
	EXPECT_NE(r.error.find("VIDIOC_STREAMON"), std::string::npos) << r.error;
	gst_object_unref(p);
}

TEST(SrcFaults, QbufErrorInjected)
{
	GstElement *p = parse("dmabufv4l2src device=" + vivid() + " num-buffers=5 ! fakesink");
	setVivid("inject_vidioc_qbuf_error", 1);
	auto r = run(p, 30);
	EXPECT_FALSE(r.timedOut);
	EXPECT_NE(r.error.find("VIDIOC_QBUF"), std::string::npos) << r.error;
	gst_object_unref(p);
}

TEST(SrcFaults, BufFlagErrorIsDroppedAndCounted)
{
	GstElement *p = parse("dmabufv4l2src name=src device=" + vivid() + " num-buffers=30 ! fakesink");
	GstElement *src = gst_bin_get_by_name(GST_BIN(p), "src");
	/* One-shot: vivid flags the next frame it completes. */
	setVivid("inject_v4l2_buf_flag_error", 1);
	auto r = run(p, 60);
	EXPECT_TRUE(r.eos) << r.error;
	guint64 errs = 0;
	g_object_get(src, "error-frames", &errs, nullptr);
	EXPECT_GE(errs, 1u) << "the corrupt frame was not seen or not counted";
	gst_object_unref(src);
	gst_object_unref(p);
}

/* Both leave vivid unusable (the fatal error until restreaming, disconnect
 * for good): v4l2-elements.sh runs them last, in their own process. */
void expectCleanFailure(const char *ctl)
{
	GstElement *p = parse("dmabufv4l2src device=" + vivid() + " num-buffers=200 ! fakesink");
	gst_element_set_state(p, GST_STATE_PLAYING);
	g_usleep(1500 * 1000);
	setVivid(ctl, 1);
	auto r = run(p, 30);
	EXPECT_FALSE(r.timedOut) << ctl << " hung";
	EXPECT_FALSE(r.eos) << ctl << " ended as if nothing happened";
	EXPECT_FALSE(r.error.empty()) << ctl;
	std::printf("  %s -> %s\n", ctl, r.error.substr(0, 200).c_str());
	gst_object_unref(p);
}

TEST(LastSrcFaults, FatalStreamingError)
{
	expectCleanFailure("inject_fatal_streaming_error");
}

TEST(LastSrcFaults, Disconnect)
{
	expectCleanFailure("disconnect");
}

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	::testing::InitGoogleTest(&argc, argv);
	return RUN_ALL_TESTS();
}
