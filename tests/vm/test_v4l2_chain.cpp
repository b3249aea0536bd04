/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VM test: one stream through every node of the test devices, each element
 * handing the next the dma-bufs its device wrote (boot: vivid.n_devs=2).
 *
 *   vivid 0 capture (RGB 640x360, moving pattern)
 *   -> dmabufv4l2enc (vicodec stateful encoder, FWHT)
 *   -> dmabufv4l2slfwhtdec (vicodec stateless decoder, media requests)
 *   -> dmabufv4l2convert (vim2m: RGB 640x360 to YUY2 640x480)
 *   -> dmabufv4l2sink (vivid 1 output, looped back into vivid 1 capture)
 *
 * Checked at every hop against what the test computes, never against an
 * element's own output: the converter's frames equal vim2m's model of the
 * decoded frames; every frame the loopback captured is, byte for byte, one
 * the sink was given; each frame shown is vim2m's model of its source frame
 * up to FWHT's loss (PSNR bound). 0 copies of raw frames: every element
 * counts 0 copies, and every dma-buf on every raw link is one a device
 * wrote: exported by the upstream device's vb2 queue and named by its
 * element, or (vim2m) the sink's own buffer the converter imported.
 */
#include <cmath>
#include <cstdio>
#include <gtest/gtest.h>
#include <map>
#include <string>
#include <vector>

#include <gst/gst.h>
#include <gst/video/video.h>

#include "gst_environment.h"
#include "leak_counters.h"
#include "loopback_frames.h"
#include "pad_frames.h"
#include "pipeline_run.h"
#include "test_devices.h"
#include "vim2m_model.h"
#include "vivid_loopback.h"

using namespace dmabufkit;

DBK_TEST_GST_ENVIRONMENT();

namespace {

constexpr unsigned kSrcW = 640, kSrcH = 360, kOutW = 640, kOutH = 480, kFrames = 30;
/* FWHT at its default quality keeps vivid's pattern well above this. */
constexpr double kMinPsnr = 28.0;

double psnr(const std::vector<uint8_t> &a, const std::vector<uint8_t> &b)
{
	if (a.size() != b.size() || a.empty())
		return 0;
	double se = 0;
	for (size_t i = 0; i < a.size(); ++i) {
		const double d = double(a[i]) - double(b[i]);
		se += d * d;
	}
	if (se == 0)
		return 99;
	return 10 * std::log10(255.0 * 255.0 * double(a.size()) / se);
}

std::vector<uint8_t> vim2mOf(const std::vector<uint8_t> &rgb)
{
	return test::vim2mReference(rgb, GST_VIDEO_FORMAT_RGB, kSrcW, kSrcH, GST_VIDEO_FORMAT_YUY2,
				    kOutW, kOutH);
}

std::string node(const char *name)
{
	auto p = test::findNodeNamed(name);
	EXPECT_TRUE(p.ok()) << p.error().message << " (boot with vivid.n_devs=2)";
	return p ? *p : std::string("/dev/missing-") + name;
}

/* Counts fds and dma-bufs around a test, after everything it ran is gone. */
class Chain : public ::testing::Test
{
protected:
	void SetUp() override
	{
		fds = test::countOpenFds();
		bufs = test::countLiveDmaBufs();
	}
	void TearDown() override
	{
		EXPECT_EQ(test::countOpenFds(), fds) << "fd leak";
		EXPECT_EQ(test::countLiveDmaBufs(), bufs) << "dma-buf leak";
	}
	int fds = 0, bufs = 0;
};

} /* namespace */

TEST_F(Chain, EveryDeviceInTurnWithoutACopy)
{
	const std::string source = node("vivid-000-vid-cap");
	const std::string loopCap = node("vivid-001-vid-cap");
	const std::string loopOut = node("vivid-001-vid-out");
	ASSERT_FALSE(HasFailure());

	/* A moving pattern: every source frame differs from the last. */
	auto mv = test::setMenuControl(source, "Horizontal Movement", "Move Right Fast");
	ASSERT_TRUE(mv.ok()) << mv.error().message;
	auto lb = test::setupVividLoopback(loopCap, loopOut, kOutW, kOutH);
	ASSERT_TRUE(lb.ok()) << lb.error().message;

	GError *err = nullptr;
	GstElement *capture =
		gst_parse_launch(("dmabufv4l2src io-mode=export device=" + loopCap +
				  " ! video/x-raw,format=YUY2,width=640,height=480 ! fakesink "
				  "name=cap sync=false")
					 .c_str(),
				 &err);
	ASSERT_NE(capture, nullptr) << (err ? err->message : "?");
	test::FrameLog captured;
	captured.attach(capture, "cap");
	gst_element_set_state(capture, GST_STATE_PLAYING);
	ASSERT_TRUE(captured.waitFor(3, 30)) << "the loopback captured nothing";
	const size_t before = captured.count();

	test::Frames raw, decoded, shown;
	test::FrameLog sent;
	std::map<uint64_t, test::DmaBufEntry> live;
	std::map<std::string, guint64> n;
	std::string convDecision;
	PipelineRun run;
	runPipeline(
		"dmabufv4l2src name=src io-mode=export device=" + source +
			" num-buffers=" + std::to_string(kFrames) +
			" ! video/x-raw,format=RGB,width=640,height=360 ! dmabufv4l2enc name=enc "
			"! dmabufv4l2slfwhtdec name=dec ! video/x-raw,format=RGB "
			"! dmabufv4l2convert name=conv "
			"! video/x-raw,format=YUY2,width=640,height=480 "
			"! dmabufv4l2sink name=sink sync=false io-mode=import device=" +
			loopOut,
		run,
		[&](GstElement *p, PipelineRun &) {
			test::recordFramesInto(p, "enc", &raw);
			test::recordFramesInto(p, "conv", &decoded);
			test::recordFramesInto(p, "sink", &shown);
			sent.attach(p, "sink");
		},
		[&](GstElement *p, PipelineRun &) {
			live = test::liveDmaBufs();
			convDecision = elementString(p, "conv", "capture-decision");
			for (const char *c :
			     { "enc:copies", "enc:imported", "dec:frames-decoded",
			       "dec:frames-skipped", "dec:bitstream-copies", "conv:converted",
			       "conv:copies", "conv:imported", "sink:copies", "sink:imported" }) {
				const std::string s = c;
				const auto colon = s.find(':');
				n[s] = elementUint(p, s.substr(0, colon).c_str(),
						   s.substr(colon + 1).c_str());
			}
		},
		240);
	captured.waitFor(captured.count() + 5, 20);
	gst_element_set_state(capture, GST_STATE_NULL);
	gst_object_unref(capture);
	ASSERT_TRUE(run.eos) << run.error();

	/* Every frame went through every device. */
	ASSERT_EQ(raw.pixels.size(), kFrames);
	ASSERT_EQ(decoded.pixels.size(), kFrames);
	ASSERT_EQ(shown.pixels.size(), kFrames);
	EXPECT_EQ(n["dec:frames-decoded"], kFrames);
	EXPECT_EQ(n["dec:frames-skipped"], 0u);
	EXPECT_EQ(n["conv:converted"], kFrames);

	/* No copy of a raw frame: the counters, and the dma-bufs themselves. */
	EXPECT_EQ(n["enc:copies"], 0u);
	EXPECT_EQ(n["enc:imported"], kFrames);
	EXPECT_EQ(n["conv:copies"], 0u);
	EXPECT_EQ(n["conv:imported"], kFrames);
	EXPECT_EQ(n["sink:copies"], 0u);
	EXPECT_EQ(n["sink:imported"], kFrames);
	std::printf("converter's CAPTURE side: %s\n", convDecision.c_str());
	std::printf("the stateless decoder copied %llu compressed payloads into its "
		    "bitstream buffers (FWHT headers are parsed by the CPU)\n",
		    static_cast<unsigned long long>(n["dec:bitstream-copies"]));
	/* Who made each link's dma-bufs: vivid's and vicodec's vb2 queues
	 * export theirs (named by our elements); vim2m writes straight into
	 * the sink's pool (dmabufkit buffers the output node can read), since
	 * the converter imports downstream's buffers when downstream offers them. */
	EXPECT_NE(convDecision.find("import"), std::string::npos) << convDecision;
	struct Link {
		test::Frames *frames;
		const char *name;    /* prefix of the dma-buf's name */
		bool deviceExported; /* exported by a vb2 queue, else a dma-heap */
	};
	for (const Link &l : { Link{ &raw, "src", true }, Link{ &decoded, "dec", true },
			       Link{ &shown, "sink:", false } }) {
		for (uint64_t ino : l.frames->inodes) {
			SCOPED_TRACE(std::string("a dma-buf named ") + l.name + "..., inode " +
				     std::to_string(ino));
			ASSERT_NE(ino, 0u) << "not a dma-buf";
			ASSERT_TRUE(live.count(ino)) << "not a live dma-buf at EOS";
			const auto &e = live[ino];
			EXPECT_EQ(e.exporter.rfind("videobuf2_", 0) == 0, l.deviceExported)
				<< "exported by " << e.exporter;
			EXPECT_EQ(e.name.rfind(l.name, 0), 0u) << "named " << e.name;
		}
	}

	/* The converter against vim2m's model of what it was given, and each
	 * frame shown against the model of its source frame. */
	double worst = 99, best = 0;
	for (unsigned i = 0; i < kFrames; ++i) {
		SCOPED_TRACE("frame " + std::to_string(i));
		ASSERT_EQ(raw.pixels[i].size(), size_t(kSrcW) * kSrcH * 3);
		ASSERT_EQ(decoded.pixels[i].size(), size_t(kSrcW) * kSrcH * 3);
		EXPECT_TRUE(shown.pixels[i] == vim2mOf(decoded.pixels[i]))
			<< "vim2m's output is not its model of the decoded frame";
		const double q = psnr(shown.pixels[i], vim2mOf(raw.pixels[i]));
		worst = std::min(worst, q);
		best = std::max(best, q);
		EXPECT_GE(q, kMinPsnr) << "the frame shown is not its source frame";
		if (i >= 5) {
			EXPECT_LT(psnr(shown.pixels[i], vim2mOf(raw.pixels[i - 5])), q)
				<< "frame " << i << " looks more like source frame " << i - 5;
		}
	}
	std::printf("shown vs source through vim2m's model: PSNR %.1f to %.1f dB\n", worst, best);

	/* What the sink showed came back through vivid, byte for byte. */
	const test::LoopbackVerdict v = test::matchLoopback(sent, captured, before);
	std::printf("captured: %s\n", v.trace.c_str());
	std::printf("loopback: %u sent, %zu captured: %zu equal to a frame sent (%zu distinct), "
		    "%zu vivid's noise\n",
		    kFrames, captured.count() - before, v.matched, v.seen.size(), v.noise);
	EXPECT_EQ(v.stray, 0u) << "captured frames that are neither a frame sent nor noise";
	EXPECT_EQ(v.outOfOrder, 0u);
	EXPECT_GE(v.seen.size(), kFrames / 3) << "too few of the frames shown came back";
	ASSERT_FALSE(v.seen.empty());
	EXPECT_GE(*v.seen.rbegin(), kFrames - kFrames / 4) << "the last frames never came back";
}
