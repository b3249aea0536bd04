/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The V4L2 elements wait for a frame's fences before the CPU reads it (in
 * the VM, part of the `fence` test binary and its tracer).
 *
 * For each CPU access of a V4L2 element (dmabufv4l2sink's, dmabufv4l2enc's
 * and dmabufv4l2convert's copy fallbacks, forced with force-copy;
 * dmabufv4l2dec's bitstream copy, forced by a bitstream in two dma-bufs;
 * dmabufv4l2slfwhtdec's header parsing), appsrc pushes an unfenced frame,
 * then one whose dma-buf has an unsignalled sw_sync write fence:
 *
 * - late: the fence signals 250 ms later; the frame goes through, after the
 *   wait (the tracer counts one wait on the link into the element), and
 *   the converter converts the content the "device" wrote before signalling;
 * - stuck: the fence never signals; the element gives up after
 *   fence-timeout with RESOURCE BUSY naming itself, the buffer and what to
 *   do, no hang, and fds, dma-bufs and sync_files return to their counts.
 */
#include <chrono>
#include <cstring>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <dmabufkit/core/cpu_access.h>
#include <dmabufkit/dmabufkit.h>
#include <gst/allocators/allocators.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include "fence_pipeline.h"
#include "leak_counters.h"
#include "sw_sync_timeline.h"
#include "test_devices.h"
#include "trace_fence_waits.h"
#include "pipeline_unref.h"

using namespace dmabufkit;

namespace {

using Bytes = std::vector<uint8_t>;
constexpr uint8_t kFirst = 100, kOld = 20, kFinal = 200;
constexpr int kStuckMs = 300;

/* FWHT frames of a test pattern, encoded once (dmabufv4l2enc on vicodec). */
const std::vector<Bytes> &fwhtFrames()
{
	static std::vector<Bytes> frames;
	if (!frames.empty())
		return frames;
	GError *err = nullptr;
	GstElement *p = gst_parse_launch(
		"videotestsrc num-buffers=2 ! video/x-raw,format=YUY2,width=640,height=480 "
		"! dmabufv4l2enc ! fakesink name=sink",
		&err);
	EXPECT_NE(p, nullptr) << (err ? err->message : "");
	if (!p)
		return frames;
	GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
	GstPad *pad = gst_element_get_static_pad(sink, "sink");
	gst_pad_add_probe(
		pad, GST_PAD_PROBE_TYPE_BUFFER,
		[](GstPad *, GstPadProbeInfo *info, gpointer) {
			GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
			Bytes bytes(gst_buffer_get_size(b));
			gst_buffer_extract(b, 0, bytes.data(), bytes.size());
			frames.push_back(std::move(bytes));
			return GST_PAD_PROBE_OK;
		},
		nullptr, nullptr);
	gst_object_unref(pad);
	gst_object_unref(sink);
	gst_element_set_state(p, GST_STATE_PLAYING);
	GstBus *bus = gst_element_get_bus(p);
	GstMessage *m = gst_bus_timed_pop_filtered(
		bus, 60 * GST_SECOND,
		static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
	EXPECT_TRUE(m && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS)
		<< "encoding the FWHT frames failed";
	if (m)
		gst_message_unref(m);
	gst_object_unref(bus);
	gst_element_set_state(p, GST_STATE_NULL);
	test::unrefPipeline(p);
	EXPECT_EQ(frames.size(), 2u);
	return frames;
}

/* One element's CPU access under test. */
struct Case {
	const char *id;	     /* test name and pipeline name prefix */
	const char *element; /* its name in the pipeline: the error's source */
	const char *role;    /* the device it needs (test_devices.h) */
	/* The pipeline from appsrc "src" to "sink" for fence-timeout T and the device. */
	std::string (*pipeline)(int fenceTimeoutMs, const std::string &device);
	gsize rawSize;	     /* raw frames of this size; 0: FWHT bitstream */
	unsigned parts;	     /* bitstream: dma-bufs per buffer (2 forces dmabufv4l2dec's copy) */
	bool contentVisible; /* the output's first bytes equal the input's level */
};

/* gtest prints a case by its id. */
[[maybe_unused]] void PrintTo(const Case &c, std::ostream *os)
{
	*os << c.id;
}

constexpr const char *kSink = " ! fakesink name=sink sync=false signal-handoffs=true";

std::string fenceProp(int ms)
{
	return " fence-timeout=" + std::to_string(ms);
}

const Case kCases[] = {
	{ "sink", "sink", "vivid-output",
	  [](int t, const std::string &dev) {
		  return "appsrc name=src format=time caps=video/x-raw,format=YUY2,width=640,"
			 "height=480,framerate=30/1 ! dmabufv4l2sink name=sink io-mode=import "
			 "force-copy=true sync=false device=" +
			 dev + fenceProp(t);
	  },
	  640 * 480 * 2, 1, false },
	{ "enc", "enc", "vicodec-encoder",
	  [](int t, const std::string &dev) {
		  return "appsrc name=src format=time caps=video/x-raw,format=NV12,width=640,"
			 "height=480,framerate=30/1 ! dmabufv4l2enc name=enc force-copy=true "
			 "device=" +
			 dev + fenceProp(t) + " ! video/x-fwht" + kSink;
	  },
	  640 * 480 * 3 / 2, 1, false },
	{ "convert", "conv", "vim2m",
	  [](int t, const std::string &dev) {
		  return "appsrc name=src format=time caps=video/x-raw,format=RGB,width=640,"
			 "height=480,framerate=30/1 ! dmabufv4l2convert name=conv force-copy=true "
			 "device=" +
			 dev + fenceProp(t) + " ! video/x-raw,format=BGR,width=640,height=480" +
			 kSink;
	  },
	  640 * 480 * 3, 1, true },
	{ "dec", "dec", "vicodec-decoder",
	  [](int t, const std::string &dev) {
		  return "appsrc name=src format=time caps=video/x-fwht,width=640,height=480,"
			 "framerate=30/1 ! dmabufv4l2dec name=dec device=" +
			 dev + fenceProp(t) + kSink;
	  },
	  0, 2, false },
	{ "slfwhtdec", "dec", nullptr,
	  [](int t, const std::string &) {
		  return "appsrc name=src format=time caps=video/x-fwht,framerate=30/1 "
			 "! dmabufv4l2slfwhtdec name=dec" +
			 fenceProp(t) + kSink;
	  },
	  0, 1, false },
};

class FenceV4l2 : public ::testing::TestWithParam<Case>
{
protected:
	void SetUp() override
	{
		const Case &c = GetParam();
		if (c.role) {
			auto dev = test::findDevice(c.role);
			ASSERT_TRUE(dev.ok()) << dev.error().message;
			device_ = *dev;
		}
		alloc_ = dbk_allocator_new_for_exporter("dma-heap:system", nullptr);
		ASSERT_NE(alloc_, nullptr) << "no system dma-buf heap in the guest";
		if (!c.rawSize) {
			ASSERT_EQ(fwhtFrames().size(), 2u);
		}
		openTimeline();
	}
	void TearDown() override
	{
		if (alloc_)
			gst_object_unref(alloc_);
	}
	void openTimeline()
	{
		auto t = test::SwSyncTimeline::open();
		ASSERT_TRUE(t.ok()) << t.error().message;
		timeline_ = std::move(t).value();
	}

	/* Frame \a i (0 or 1) of the case: raw of grey \a level, or FWHT frame i. */
	GstBuffer *frame(int i, uint8_t level)
	{
		const Case &c = GetParam();
		if (c.rawSize)
			return test::dmabufFrame(alloc_, c.rawSize, level);
		return test::dmabufBytes(alloc_, fwhtFrames()[i], c.parts);
	}
	/* Frame 1 with an unsignalled write fence on its first dma-buf. */
	GstBuffer *fencedFrame(const char *fenceName)
	{
		return test::withWriteFence(frame(1, kOld), timeline_, fenceName);
	}
	std::string pipeline(int fenceTimeoutMs) const
	{
		return GetParam().pipeline(fenceTimeoutMs, device_);
	}

	std::string device_;
	DbkAllocator *alloc_ = nullptr;
	test::SwSyncTimeline timeline_;
};

TEST_P(FenceV4l2, LateFenceIsWaitedForAndTheFrameGoesThrough)
{
	const Case &c = GetParam();
	const std::string name = std::string(c.id) + "-late";
	GstBuffer *buf = fencedFrame("late");
	ASSERT_NE(buf, nullptr);
	/* The "device": writes the final content without SYNC, then signals. */
	GstMemory *mem = gst_buffer_peek_memory(buf, 0);
	auto mapping = CpuMapping::map(gst_dmabuf_memory_get_fd(mem), mem->size);
	ASSERT_TRUE(mapping.ok()) << mapping.error().message;
	std::thread device;
	test::FenceOutcome o;
	test::runTwoFrames(o, pipeline(2000), name.c_str(), frame(0, kFirst), buf, [&] {
		device = std::thread([&] {
			std::this_thread::sleep_for(std::chrono::milliseconds(250));
			if (c.rawSize)
				std::memset(mapping->data(), kFinal, c.rawSize);
			EXPECT_TRUE(timeline_.advance(1).ok());
		});
	});
	if (device.joinable())
		device.join();
	ASSERT_FALSE(o.timedOut) << "the pipeline hung";
	ASSERT_FALSE(o.error) << o.all();
	EXPECT_EQ(o.frames, 2) << "the fenced frame did not come through";
	EXPECT_GE(o.seconds, 0.25) << "EOS before the device signalled";
	if (c.contentVisible) {
		EXPECT_TRUE(o.uniform);
		EXPECT_NEAR(o.grey, kFinal, 2) << "the frame was read before the device finished";
	}
	/* The tracer saw one wait, on the link into the element, of about 250 ms. */
	const std::string link = name + "/src:src";
	test::LinkWaits w = test::fenceWaitsOf(test::fenceTraceFile(), link);
	ASSERT_TRUE(w.found) << "no fence_waits on " << link << ": the element did not wait";
	EXPECT_EQ(w.count, 1u);
	EXPECT_EQ(w.timeouts, 0u);
	EXPECT_GE(w.totalMs, 200.0);
	EXPECT_LT(w.totalMs, 2000.0);
}

TEST_P(FenceV4l2, StuckFenceEndsInAnErrorNamingTheElementAndBuffer)
{
	const Case &c = GetParam();
	const std::string name = std::string(c.id) + "-stuck";
	/* Once-per-process fds (GLib, the device's first open) before counting. */
	{
		test::FenceOutcome warm;
		test::runTwoFrames(warm, pipeline(kStuckMs), (name + "-warm-up").c_str(),
				   frame(0, kFirst), frame(1, kOld));
		ASSERT_FALSE(warm.error) << warm.all();
		ASSERT_EQ(warm.frames, 2);
	}
	timeline_.close(); /* a timeline of its own below, counted */
	const auto counts = test::FenceLeakCounts::take();
	ASSERT_GE(counts.dmabufs, 0) << "no debugfs dma_buf/bufinfo";
	uint64_t inode = 0;
	{
		openTimeline();
		GstBuffer *buf = fencedFrame("stuck");
		ASSERT_NE(buf, nullptr);
		inode = dbk_memory_get_inode(gst_buffer_peek_memory(buf, 0));
		test::FenceOutcome o;
		/* Whatever happened, signal it before stopping: nothing stays blocked. */
		test::runTwoFrames(o, pipeline(kStuckMs), name.c_str(), frame(0, kFirst), buf, {},
				   [&] { timeline_.close(); });
		ASSERT_FALSE(o.timedOut) << "no error within 20 s: the pipeline hung";
		ASSERT_TRUE(o.error) << "the frame went through a fence that never signalled";
		EXPECT_EQ(o.frames, 1) << "only the unfenced frame gets through";
		EXPECT_EQ(o.source, c.element) << o.all();
		EXPECT_EQ(o.domain, GST_RESOURCE_ERROR) << o.all();
		EXPECT_EQ(o.code, GST_RESOURCE_ERROR_BUSY) << o.all();
		for (const std::string &key :
		     { std::string("did not finish"), std::string(c.element) + ": ",
		       "inode " + std::to_string(inode), std::string("exporter system"),
		       std::string("\"fence-test\""), std::string("within 300 ms"),
		       std::string("raise fence-timeout") })
			EXPECT_NE(o.message.find(key), std::string::npos)
				<< "\"" << key << "\" missing from: " << o.message;
		EXPECT_NE(o.debug.find("the access was not made"), std::string::npos) << o.debug;
		/* One failure, one error from the element (the fence error above,
		   no generic "cannot copy" after it); the only other error is
		   appsrc's own "Internal data stream error" for the flow return. */
		std::string all;
		for (const std::string &e : o.errors)
			all += "\n  " + e;
		EXPECT_EQ(o.errorsFrom(c.element), 1) << "errors on the bus:" << all;
		EXPECT_EQ(o.errorsFrom("src") + o.errorsFrom(c.element),
			  static_cast<int>(o.errors.size()))
			<< "errors on the bus:" << all;
		for (const std::string &e : o.errors) {
			if (e.rfind("src: ", 0) != 0)
				continue;
			EXPECT_NE(e.find(std::string(g_quark_to_string(GST_STREAM_ERROR)) + " " +
					 std::to_string(GST_STREAM_ERROR_FAILED) + ": "),
				  std::string::npos)
				<< "appsrc posts only the flow error: " << e;
		}
		EXPECT_GE(o.seconds, 0.25) << "gave up before the bound";
		EXPECT_LT(o.seconds, 10.0);
	}
	counts.expectUnchanged();

	const std::string link = name + "/src:src";
	test::LinkWaits w = test::fenceWaitsOf(test::fenceTraceFile(), link);
	ASSERT_TRUE(w.found) << "no fence_waits on " << link;
	EXPECT_EQ(w.count, 1u);
	EXPECT_EQ(w.timeouts, 1u);
	EXPECT_GE(w.totalMs, 250.0);
}

INSTANTIATE_TEST_SUITE_P(Elements, FenceV4l2, ::testing::ValuesIn(kCases),
			 [](const ::testing::TestParamInfo<Case> &i) {
				 return std::string(i.param.id);
			 });

} /* namespace */
