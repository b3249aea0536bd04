/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VM tests of dmabufv4l2sink on vivid's video output node.
 *
 *  Loopback  vivid's vid-out looped back into vid-cap (vivid_loopback.h):
 *            what the sink shows is captured by dmabufv4l2src and must be,
 *            byte for byte, one of the frames sent (or vivid's own test
 *            noise while no output buffer is queued, the one thing vivid
 *            changes); in export and import mode, 0 copies proven by the
 *            dma-bufs' inodes, exporters, names and attachments (bufinfo).
 *  Sink      clock sync, EOS drain, flush, renegotiation, auto mode.
 *  Faults    missing node, busy node, unsupported caps, QBUF refused: each a
 *            specific error domain, code and message; nothing leaked.
 *  Contig    (vivid.allocators=1) the sink's constraints make dmabufupload
 *            allocate contiguous memory: no EFAULT, 0 copies.
 */
#include <cstdio>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <set>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <dmabufkit/dmabufkit.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "dmabufkit/v4l2/buffer_queue.h"
#include "dmabufkit/v4l2/video_device.h"
#include "leak_counters.h"
#include "pipeline_run.h"
#include "test_devices.h"
#include "loopback_frames.h"
#include "vivid_loopback.h"

using namespace dmabufkit;

namespace {

constexpr int kWidth = 640, kHeight = 480;
const std::string kCaps = "video/x-raw,format=YUY2,width=640,height=480";

class V4l2Sink : public ::testing::Test
{
protected:
	void SetUp() override
	{
		auto cap = test::findDevice("vivid-capture");
		auto out = test::findDevice("vivid-output");
		ASSERT_TRUE(cap.ok()) << cap.error().message;
		ASSERT_TRUE(out.ok()) << out.error().message;
		capPath = *cap;
		outPath = *out;
		fds = test::countOpenFds();
		bufs = test::countLiveDmaBufs();
	}
	void TearDown() override
	{
		EXPECT_EQ(test::countOpenFds(), fds) << "fd leak";
		EXPECT_EQ(test::countLiveDmaBufs(), bufs) << "dma-buf leak";
	}

	/* What the loopback captured while \a sender ran, checked frame by frame. */
	void loopback(const std::string &sender, const std::string &mode, bool contig = false);

	std::string capPath, outPath;
	int fds = 0, bufs = 0;
};

void V4l2Sink::loopback(const std::string &sender, const std::string &mode, bool contig)
{
	auto r = test::setupVividLoopback(capPath, outPath, kWidth, kHeight);
	ASSERT_TRUE(r.ok()) << r.error().message;

	/* The capture side runs all along; while the output does not stream,
	 * vivid captures gray noise (its pattern for a connected input without
	 * a signal). */
	GError *err = nullptr;
	GstElement *capture = gst_parse_launch(("dmabufv4l2src io-mode=export device=" + capPath +
						" ! " + kCaps + " ! fakesink name=cap sync=false")
						       .c_str(),
					       &err);
	ASSERT_NE(capture, nullptr) << (err ? err->message : "?");
	test::FrameLog captured;
	if (const char *d = g_getenv("DBK_DUMP_FRAMES"))
		captured.dump = std::string(d) + "/cap";
	captured.attach(capture, "cap");
	gst_element_set_state(capture, GST_STATE_PLAYING);
	ASSERT_TRUE(captured.waitFor(3, 30)) << "vivid captured nothing";
	const size_t before = captured.count();

	PipelineRun run;
	test::FrameLog sent;
	std::map<uint64_t, test::DmaBufEntry> live;
	guint64 copies = 1, own = 0, imported = 0, hits = 0, misses = 0;
	std::string active;
	runPipeline(
		sender + " ! dmabufv4l2sink name=sink sync=false io-mode=" + mode +
			" device=" + outPath,
		run, [&](GstElement *p, PipelineRun &) { sent.attach(p, "sink"); },
		[&](GstElement *p, PipelineRun &) {
			live = test::liveDmaBufs();
			copies = elementUint(p, "sink", "copies");
			own = elementUint(p, "sink", "own-buffers");
			imported = elementUint(p, "sink", "imported");
			active = elementString(p, "sink", "active-io-mode");
			hits = elementUint(p, "sink", "index-cache-hits");
			misses = elementUint(p, "sink", "index-cache-misses");
		},
		120);
	captured.waitFor(captured.count() + 5, 20);
	gst_element_set_state(capture, GST_STATE_NULL);
	gst_object_unref(capture);
	ASSERT_TRUE(run.eos) << run.error();

	const size_t n = sent.count();
	ASSERT_GE(n, 20u);
	EXPECT_EQ(active, mode);
	EXPECT_EQ(copies, 0u);
	EXPECT_EQ(mode == "export" ? own : imported, n);

	/* 0 copies on our side: every dma-buf that reached the sink is one the
	 * device reads: export mode, the device's own buffers the sink named;
	 * import mode, upstream's, queued as they are (every frame went through
	 * the index cache, the sink made no dma-buf of its own) and, where vb2
	 * attaches imports (dma-contig), attached to vivid. */
	ASSERT_FALSE(run.inodes.empty());
	if (mode == "import") {
		EXPECT_EQ(hits + misses, n);
		EXPECT_LE(misses, 8u) << "dma-bufs remapped to other indices";
		for (const auto &[ino, e] : live)
			EXPECT_EQ(e.name.rfind("sink:", 0), std::string::npos)
				<< "the sink allocated dma-buf " << ino << " (" << e.name << ")";
	}
	for (uint64_t ino : run.inodes) {
		SCOPED_TRACE("inode " + std::to_string(ino));
		ASSERT_TRUE(live.count(ino)) << "not a live dma-buf at EOS";
		const auto &e = live[ino];
		if (mode == "export") {
			EXPECT_EQ(e.exporter.rfind("videobuf2_", 0), 0u) << e.exporter;
			EXPECT_EQ(e.name.rfind("sink:", 0), 0u) << e.name;
		} else {
			EXPECT_EQ(e.exporter.rfind("videobuf2_", 0), std::string::npos)
				<< e.exporter;
			if (contig) {
				EXPECT_NE(
					std::find(e.attached.begin(), e.attached.end(), "vivid.0"),
					e.attached.end())
					<< "not attached to vivid";
			}
		}
	}

	/* Pixel-exact: each captured frame is one of the frames sent, in order,
	 * or vivid's gray noise (no output buffer to copy at that instant: before
	 * the output streams and after it stopped). The frames sent are in
	 * colour, so noise cannot be taken for one of them. */
	const auto sentHashes = sent.hashes();
	const auto sentGray = sent.gray();
	for (size_t i = 0; i < n; ++i)
		EXPECT_FALSE(sentGray[i]) << "sent frame " << i << " has no colour";
	ASSERT_EQ(std::set<uint64_t>(sentHashes.begin(), sentHashes.end()).size(), n)
		<< "the frames sent are not all different";
	const test::LoopbackVerdict v = test::matchLoopback(sent, captured, before);
	std::printf("captured: %s\n", v.trace.c_str());
	std::printf("loopback %s: %zu sent, %zu captured: %zu equal to a frame sent (%zu "
		    "distinct), %zu vivid's noise\n",
		    mode.c_str(), n, captured.count() - before, v.matched, v.seen.size(), v.noise);
	EXPECT_EQ(v.stray, 0u) << "captured frames that are neither a frame sent nor vivid's noise";
	EXPECT_EQ(v.outOfOrder, 0u) << "captured frames out of order";
	const auto &seen = v.seen;
	EXPECT_GE(seen.size(), n / 3) << "too few of the frames sent came back";
	ASSERT_FALSE(seen.empty());
	EXPECT_GE(*seen.rbegin(), n - n / 4) << "the last frames sent never came back";
}

} /* namespace */

/* The tests run on vivid's single-planar API (v4l2-sink) and its
 * multi-planar one (v4l2-sink-mplane, DBK_EXPECT_MPLANE=1): assert which
 * one this boot has, so the second run cannot test the first API again. */
TEST_F(V4l2Sink, VividUsesTheExpectedBufferApi)
{
	const bool wantMplane = getenv("DBK_EXPECT_MPLANE") != nullptr;
	for (const std::string &path : { capPath, outPath }) {
		auto dev = v4l2::VideoDevice::open(path);
		ASSERT_TRUE(dev.ok()) << dev.error().message;
		EXPECT_EQ((*dev)->multiPlanar(), wantMplane) << path;
	}
}

TEST_F(V4l2Sink, LoopbackExportPixelExact)
{
	loopback("videotestsrc pattern=smpte horizontal-speed=4 num-buffers=40 ! " + kCaps,
		 "export");
}

TEST_F(V4l2Sink, LoopbackImportPixelExact)
{
	loopback("videotestsrc pattern=smpte horizontal-speed=4 num-buffers=40 ! " + kCaps +
			 " ! dmabufupload",
		 "import");
}

/* Frames are shown at their running time: 20 frames at 30 fps take 0.63 s at
 * least. (Late frames are not dropped here: TCG on a loaded machine makes
 * videotestsrc itself late, and QoS drops are basesink's business.) */
TEST_F(V4l2Sink, SyncPacesFramesAndEosDrains)
{
	PipelineRun run;
	guint64 frames = 0;
	const gint64 start = g_get_monotonic_time();
	runPipeline("videotestsrc num-buffers=20 ! " + kCaps +
			    ",framerate=30/1 ! dmabufv4l2sink name=sink max-lateness=-1 device=" +
			    outPath,
		    run, {}, [&](GstElement *p, PipelineRun &) {
			    frames = elementUint(p, "sink", "frames");
		    });
	const double seconds = (g_get_monotonic_time() - start) / 1e6;
	ASSERT_TRUE(run.eos) << run.error();
	EXPECT_EQ(frames, 20u);
	EXPECT_GE(seconds, 19.0 / 30.0) << "the sink did not wait for the frames' time";
}

/* New caps mid-stream: the device is reconfigured and the pool replaced. */
TEST_F(V4l2Sink, RenegotiatesOnCapsChange)
{
	PipelineRun run;
	guint64 frames = 0;
	int seen = 0;
	runPipeline(
		"videotestsrc num-buffers=20 ! capsfilter name=cf caps=" + kCaps +
			" ! dmabufv4l2sink name=sink device=" + outPath + " sync=false",
		run,
		[&](GstElement *p, PipelineRun &) {
			GstElement *cf = gst_bin_get_by_name(GST_BIN(p), "cf");
			GstPad *pad = gst_element_get_static_pad(cf, "src");
			gst_pad_add_probe(
				pad, GST_PAD_PROBE_TYPE_BUFFER,
				[](GstPad *srcPad, GstPadProbeInfo *, gpointer data) {
					if (++*static_cast<int *>(data) == 10) {
						GstObject *filter = gst_pad_get_parent(srcPad);
						GstCaps *c = gst_caps_from_string(
							"video/"
							"x-raw,format=YUY2,width=320,height=240");
						g_object_set(filter, "caps", c, nullptr);
						gst_caps_unref(c);
						gst_object_unref(filter);
					}
					return GST_PAD_PROBE_OK;
				},
				&seen, nullptr);
			gst_object_unref(pad);
			gst_object_unref(cf);
		},
		[&](GstElement *p, PipelineRun &) { frames = elementUint(p, "sink", "frames"); });
	ASSERT_TRUE(run.eos) << run.error();
	EXPECT_EQ(frames, 20u);
	GstVideoInfo info;
	ASSERT_TRUE(run.last && gst_video_info_from_caps(&info, run.caps));
	GstVideoMeta *meta = gst_buffer_get_video_meta(run.last);
	ASSERT_NE(meta, nullptr);
	EXPECT_EQ(meta->width, 320u);
	EXPECT_EQ(meta->height, 240u);
}

/* A flushing seek takes every frame back from the device (STREAMOFF);
 * streaming restarts (the frame at 0 is shown again) and ends in EOS. The
 * seek is made while PAUSED (prerolled: one frame queued and streaming).
 * With 4 buffers in export mode this stalled: the device keeps its last
 * frame, basesink its preroll and last-sample, upstream draws one. */
TEST_F(V4l2Sink, FlushingSeekRestarts)
{
	PipelineRun run;
	int atZero = 0;
	guint64 frames = 0;
	runPipeline(
		"videotestsrc num-buffers=30 ! " + kCaps +
			",framerate=30/1 ! dmabufv4l2sink name=sink device=" + outPath,
		run,
		[&](GstElement *p, PipelineRun &) {
			GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
			GstPad *pad = gst_element_get_static_pad(sink, "sink");
			gst_pad_add_probe(
				pad, GST_PAD_PROBE_TYPE_BUFFER,
				[](GstPad *, GstPadProbeInfo *info, gpointer data) {
					if (GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info)) == 0)
						++*static_cast<int *>(data);
					return GST_PAD_PROBE_OK;
				},
				&atZero, nullptr);
			gst_object_unref(pad);
			gst_object_unref(sink);
			gst_element_set_state(p, GST_STATE_PAUSED);
			ASSERT_EQ(gst_element_get_state(p, nullptr, nullptr, 30 * GST_SECOND),
				  GST_STATE_CHANGE_SUCCESS);
			ASSERT_TRUE(gst_element_seek_simple(p, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH,
							    0));
			ASSERT_EQ(gst_element_get_state(p, nullptr, nullptr, 30 * GST_SECOND),
				  GST_STATE_CHANGE_SUCCESS);
		},
		[&](GstElement *p, PipelineRun &) { frames = elementUint(p, "sink", "frames"); },
		60);
	ASSERT_TRUE(run.eos) << run.error();
	EXPECT_GE(atZero, 2) << "the frame at 0 was not shown again after the flush";
	EXPECT_GE(frames, 2u);
}

/* The same, seeking from another thread while PLAYING (frames in flight). */
TEST_F(V4l2Sink, FlushingSeekWhilePlaying)
{
	PipelineRun run;
	std::thread seeker;
	struct Ctx {
		int count = 0;
		int atZero = 0;
		std::thread *seeker = nullptr;
		GstElement *pipeline = nullptr;
	} ctx;
	ctx.seeker = &seeker;
	runPipeline(
		"videotestsrc num-buffers=40 ! " + kCaps +
			",framerate=30/1 ! dmabufv4l2sink name=sink device=" + outPath,
		run,
		[&](GstElement *p, PipelineRun &) {
			ctx.pipeline = p;
			GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
			GstPad *pad = gst_element_get_static_pad(sink, "sink");
			gst_pad_add_probe(
				pad, GST_PAD_PROBE_TYPE_BUFFER,
				[](GstPad *, GstPadProbeInfo *info, gpointer data) {
					auto *c = static_cast<Ctx *>(data);
					if (GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info)) == 0)
						c->atZero++;
					if (++c->count == 10) {
						GstElement *pipe = c->pipeline;
						*c->seeker = std::thread([pipe] {
							gst_element_seek_simple(
								pipe, GST_FORMAT_TIME,
								GstSeekFlags(GST_SEEK_FLAG_FLUSH),
								0);
						});
					}
					return GST_PAD_PROBE_OK;
				},
				&ctx, nullptr);
			gst_object_unref(pad);
			gst_object_unref(sink);
		},
		{}, 60);
	if (seeker.joinable())
		seeker.join();
	ASSERT_TRUE(run.eos) << run.error();
	EXPECT_GE(ctx.atZero, 2) << "streaming did not restart at 0 after the flush";
}

/* A frame that cannot be shown as it is (system memory, in import mode) is
 * copied, counted and reported once. */
TEST_F(V4l2Sink, CopyFallbackCountedAndReportedOnce)
{
	PipelineRun run;
	guint64 copies = 0;
	std::string reason;
	runPipeline("videotestsrc num-buffers=8 ! " + kCaps +
			    " ! dmabufv4l2sink name=sink sync=false io-mode=import force-copy=true "
			    "device=" +
			    outPath,
		    run, {}, [&](GstElement *p, PipelineRun &) {
			    copies = elementUint(p, "sink", "copies");
			    reason = elementString(p, "sink", "copy-reason");
		    });
	ASSERT_TRUE(run.eos) << run.error();
	EXPECT_EQ(copies, 8u);
	EXPECT_EQ(reason, "force-copy is set");
	ASSERT_EQ(run.warnings.size(), 1u);
	EXPECT_NE(run.warnings[0].find("Copying every frame"), std::string::npos)
		<< run.warnings[0];
}

TEST_F(V4l2Sink, FaultMissingNode)
{
	for (const std::string prop : { "device=/dev/video99", "device-name=no-such-output" }) {
		SCOPED_TRACE(prop);
		PipelineRun run;
		runPipeline("videotestsrc num-buffers=3 ! dmabufv4l2sink name=sink " + prop, run);
		EXPECT_FALSE(run.eos);
		EXPECT_EQ(run.errDomain, GST_RESOURCE_ERROR) << run.error();
		EXPECT_EQ(run.errCode, GST_RESOURCE_ERROR_NOT_FOUND) << run.error();
		EXPECT_NE(run.errMessage.find("missing"), std::string::npos) << run.error();
		EXPECT_NE(run.errMessage.find("device-name"), std::string::npos) << run.error();
	}
}

/* Another process owns the OUTPUT queue (it has buffers). */
TEST_F(V4l2Sink, FaultBusyNode)
{
	{
		auto other = v4l2::VideoDevice::open(outPath);
		ASSERT_TRUE(other.ok());
		v4l2::BufferQueue q(**other, (*other)->outputType());
		ASSERT_TRUE(q.allocate(2, V4L2_MEMORY_MMAP).ok());
		PipelineRun run;
		runPipeline("videotestsrc num-buffers=3 ! " + kCaps +
				    " ! dmabufv4l2sink name=sink device=" + outPath,
			    run);
		EXPECT_FALSE(run.eos);
		EXPECT_EQ(run.errDomain, GST_RESOURCE_ERROR) << run.error();
		EXPECT_EQ(run.errCode, GST_RESOURCE_ERROR_BUSY) << run.error();
		EXPECT_NE(run.errMessage.find("busy"), std::string::npos) << run.error();
		EXPECT_NE(run.errMessage.find(outPath), std::string::npos) << run.error();
	}
	/* Once the other owner is gone, the node works again. */
	PipelineRun run;
	runPipeline("videotestsrc num-buffers=3 ! " + kCaps +
			    " ! dmabufv4l2sink name=sink device=" + outPath,
		    run);
	EXPECT_TRUE(run.eos) << run.error();
}

/* A size the device cannot show (vivid: 16x16 at least). */
TEST_F(V4l2Sink, FaultUnsupportedCaps)
{
	PipelineRun run;
	runPipeline("videotestsrc num-buffers=3 ! video/x-raw,format=YUY2,width=8,height=8 "
		    "! dmabufv4l2sink name=sink device=" +
			    outPath,
		    run);
	EXPECT_FALSE(run.eos);
	EXPECT_EQ(run.errDomain, GST_CORE_ERROR) << run.error();
	EXPECT_EQ(run.errCode, GST_CORE_ERROR_NEGOTIATION) << run.error();
	EXPECT_NE(run.errMessage.find("cannot show YUY2 8x8"), std::string::npos) << run.error();
	EXPECT_NE(run.errSource.find("sink"), std::string::npos) << run.errSource;
}

/* vivid refuses the next VIDIOC_QBUF (its error injection control). */
TEST_F(V4l2Sink, FaultQbufRefused)
{
	for (const char *mode : { "export", "import" }) {
		SCOPED_TRACE(mode);
		auto dev = v4l2::VideoDevice::open(outPath);
		ASSERT_TRUE(dev.ok());
		auto ctrl = (*dev)->findControl("Inject VIDIOC_QBUF Error");
		ASSERT_TRUE(ctrl.has_value()) << "vivid has no QBUF error injection";
		PipelineRun run;
		/* Armed once the sink has probed what it imports (a QBUF of its own). */
		runPipeline(std::string("videotestsrc num-buffers=5 ! ") + kCaps +
				    (std::string(mode) == "import" ? " ! dmabufupload" : "") +
				    " ! dmabufv4l2sink name=sink sync=false io-mode=" + mode +
				    " device=" + outPath,
			    run, [&](GstElement *, PipelineRun &) {}, {});
		ASSERT_TRUE(run.eos) << run.error();
		ASSERT_TRUE((*dev)->setControl(ctrl->id, 1).ok());
		dev->reset();
		PipelineRun failed;
		runPipeline(std::string("videotestsrc num-buffers=5 ! ") + kCaps +
				    (std::string(mode) == "import" ? " ! dmabufupload" : "") +
				    " ! dmabufv4l2sink name=sink sync=false io-mode=" + mode +
				    " device=" + outPath,
			    failed);
		EXPECT_FALSE(failed.eos);
		EXPECT_EQ(failed.errDomain, GST_RESOURCE_ERROR) << failed.error();
		EXPECT_EQ(failed.errCode, GST_RESOURCE_ERROR_WRITE) << failed.error();
		EXPECT_NE(failed.errMessage.find("refused a frame"), std::string::npos)
			<< failed.error();
		EXPECT_NE(failed.errMessage.find(mode), std::string::npos) << failed.error();
		EXPECT_NE(failed.errDebug.find("VIDIOC_QBUF"), std::string::npos) << failed.error();
	}
}

/* vivid.allocators=1: the sink's probe finds that vivid's OUTPUT queue needs
 * contiguous memory and says so upstream: dmabufupload allocates from the
 * CMA heap and the device takes every frame (no EFAULT), without a copy. */
TEST_F(V4l2Sink, ContigUpstreamAllocatesContiguous)
{
	PipelineRun run;
	std::string decision, upDecision;
	guint64 copies = 1, imported = 0;
	runPipeline("videotestsrc num-buffers=10 ! " + kCaps +
			    " ! dmabufupload name=up ! dmabufv4l2sink name=sink sync=false "
			    "device=" +
			    outPath,
		    run, {}, [&](GstElement *p, PipelineRun &) {
			    decision = elementString(p, "sink", "allocation-decision");
			    copies = elementUint(p, "sink", "copies");
			    imported = elementUint(p, "sink", "imported");
			    GstElement *up = gst_bin_get_by_name(GST_BIN(p), "up");
			    GstStructure *stats = nullptr;
			    g_object_get(up, "pool-stats", &stats, nullptr);
			    if (stats) {
				    upDecision = gst_structure_get_string(stats, "decision");
				    gst_structure_free(stats);
			    }
			    gst_object_unref(up);
		    });
	ASSERT_TRUE(run.eos) << run.error();
	EXPECT_EQ(copies, 0u);
	EXPECT_EQ(imported, 10u);
	EXPECT_NE(decision.find("contiguous"), std::string::npos) << decision;
	EXPECT_NE(upDecision.find("for sink"), std::string::npos) << upDecision;
	EXPECT_NE(upDecision.find("contiguous"), std::string::npos) << upDecision;
	gchar *exporter = dbk_memory_get_exporter(gst_buffer_peek_memory(run.last, 0));
	EXPECT_STRNE(exporter, "system") << upDecision;
	g_free(exporter);
}

TEST_F(V4l2Sink, ContigLoopbackExportPixelExact)
{
	loopback("videotestsrc pattern=smpte horizontal-speed=4 num-buffers=40 ! " + kCaps,
		 "export", true);
}

TEST_F(V4l2Sink, ContigLoopbackImportPixelExact)
{
	loopback("videotestsrc pattern=smpte horizontal-speed=4 num-buffers=40 ! " + kCaps +
			 " ! dmabufupload",
		 "import", true);
}

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	::testing::InitGoogleTest(&argc, argv);
	return RUN_ALL_TESTS();
}
