/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A device that never finishes never hangs the pipeline (in the VM).
 *
 * A dma-buf gets a write fence from a sw_sync timeline, as if a device were
 * still writing it, and goes through appsrc ! dmabufcpufilter (BGRx to
 * GRAY8) ! appsink, with the dmabuftrace tracer attached:
 *
 * - late: the "device" writes the final content and signals 250 ms after
 *   the push; the filter waits for it (the tracer counts one wait on
 *   the link into the filter) and converts the final content, not the old;
 * - stuck: the fence never signals; the filter gives up after fence-timeout
 *   with RESOURCE BUSY naming the buffer (inode, name) and its exporter, the
 *   pipeline ends in that error instead of hanging, and fds, dma-bufs and
 *   sync_files return to their starting counts.
 */
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>

#include <dmabufkit/core/cpu_access.h>
#include <dmabufkit/dmabufkit.h>
#include <gst/allocators/allocators.h>
#include <gst/app/app.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include "fence_pipeline.h"
#include "gst_environment.h"
#include "leak_counters.h"
#include "sw_sync_timeline.h"
#include "trace_fence_waits.h"

using namespace dmabufkit;

namespace {

constexpr int kWidth = 64, kHeight = 48;
constexpr gsize kSize = kWidth * kHeight * 4;
/* Grey levels: the unfenced first frame; the fenced one before and after the device wrote it. */
constexpr uint8_t kFirst = 100, kOld = 20, kFinal = 200;

using Outcome = test::FenceOutcome;
using test::fenceTraceFile;

/* The tracer is loaded by gst_init: set it up before the GStreamer environment. */
class TracerEnvironment : public ::testing::Environment
{
public:
	void SetUp() override
	{
		std::remove(fenceTraceFile().c_str());
		const std::string tracers =
			"dmabuftrace(endpoint=file:" + fenceTraceFile() + ",period-ms=100)";
		setenv("GST_TRACERS", tracers.c_str(), 1);
	}
};
[[maybe_unused]] const auto *tracerEnvironment =
	::testing::AddGlobalTestEnvironment(new TracerEnvironment);
DBK_TEST_GST_ENVIRONMENT();

/* A BGRx frame of grey \a level in a dma-buf of ours named "fence-test". */
GstBuffer *makeFrame(DbkAllocator *alloc, uint8_t level)
{
	return test::dmabufFrame(alloc, kSize, level);
}

/* Through NAME (appsrc ! dmabufcpufilter ! GRAY8 fakesink): see test::runTwoFrames(). */
void run(Outcome &o, const char *name, GstBuffer *first, GstBuffer *second, int fenceTimeoutMs,
	 const std::function<void()> &beforeSecond = {}, const std::function<void()> &release = {})
{
	const std::string desc =
		std::string("appsrc name=src format=time caps=video/x-raw,format=BGRx,width=") +
		std::to_string(kWidth) + ",height=" + std::to_string(kHeight) +
		",framerate=30/1 ! dmabufcpufilter name=f fence-timeout=" +
		std::to_string(fenceTimeoutMs) +
		" ! video/x-raw,format=GRAY8 ! fakesink name=sink sync=false signal-handoffs=true";
	test::runTwoFrames(o, desc, name, first, second, beforeSecond, release);
}

class Fence : public ::testing::Test
{
protected:
	void SetUp() override
	{
		alloc_ = dbk_allocator_new_for_exporter("dma-heap:system", nullptr);
		ASSERT_NE(alloc_, nullptr) << "no system dma-buf heap in the guest";
		auto t = test::SwSyncTimeline::open();
		ASSERT_TRUE(t.ok()) << t.error().message;
		timeline_ = std::move(t).value();
	}
	void TearDown() override
	{
		if (alloc_)
			gst_object_unref(alloc_);
	}

	/* A frame of grey kOld whose dma-buf has an unsignalled write fence. */
	GstBuffer *fencedFrame(const char *fenceName)
	{
		return test::withWriteFence(makeFrame(alloc_, kOld), timeline_, fenceName);
	}

	DbkAllocator *alloc_ = nullptr;
	test::SwSyncTimeline timeline_;
};

TEST_F(Fence, SignalledFenceDoesNotWait)
{
	GstBuffer *buf = fencedFrame("signalled");
	ASSERT_NE(buf, nullptr);
	ASSERT_TRUE(timeline_.advance(1).ok());
	Outcome o;
	run(o, "signalled", makeFrame(alloc_, kFirst), buf, 1000);
	ASSERT_FALSE(o.timedOut) << "the pipeline hung";
	ASSERT_FALSE(o.error) << o.message;
	EXPECT_EQ(o.frames, 2);
	EXPECT_TRUE(o.uniform);
	EXPECT_NEAR(o.grey, kOld, 2);
	EXPECT_FALSE(test::fenceWaitsOf(fenceTraceFile(), "signalled/src:src").found)
		<< "a signalled fence is not a wait";
}

TEST_F(Fence, LateFenceIsWaitedForAndTheFinalContentConverted)
{
	GstBuffer *buf = fencedFrame("late");
	ASSERT_NE(buf, nullptr);
	const int fd = gst_dmabuf_memory_get_fd(gst_buffer_peek_memory(buf, 0));
	/* The "device": writes the final content without SYNC (as a device
	   would, the fence says it is busy), then signals. */
	auto mapping = CpuMapping::map(fd, kSize);
	ASSERT_TRUE(mapping.ok()) << mapping.error().message;
	std::thread device;
	Outcome o;
	run(o, "late", makeFrame(alloc_, kFirst), buf, 2000, [&] {
		device = std::thread([&] {
			std::this_thread::sleep_for(std::chrono::milliseconds(250));
			std::memset(mapping->data(), kFinal, kSize);
			EXPECT_TRUE(timeline_.advance(1).ok());
		});
	});
	if (device.joinable())
		device.join();
	ASSERT_FALSE(o.timedOut) << "the pipeline hung";
	ASSERT_FALSE(o.error) << o.message << " (" << o.debug << ")";
	EXPECT_EQ(o.frames, 2);
	EXPECT_TRUE(o.uniform);
	EXPECT_NEAR(o.grey, kFinal, 2) << "the frame was converted before the device finished";
	EXPECT_GE(o.seconds, 0.25) << "EOS before the device signalled";

	/* The tracer saw one wait, on the link into the filter, of about 250 ms. */
	test::LinkWaits w = test::fenceWaitsOf(fenceTraceFile(), "late/src:src");
	ASSERT_TRUE(w.found) << "no fence_waits on late/src:src in " << fenceTraceFile();
	EXPECT_EQ(w.count, 1u);
	EXPECT_EQ(w.timeouts, 0u);
	EXPECT_GE(w.totalMs, 200.0);
	EXPECT_LT(w.totalMs, 2000.0);
	EXPECT_DOUBLE_EQ(w.maxMs, w.totalMs);
}

TEST_F(Fence, StuckFenceEndsInAnErrorNamingTheBuffer)
{
	/* Once-per-process fds (GLib, the pool's allocator) before counting. */
	{
		Outcome warm;
		run(warm, "warm-up", makeFrame(alloc_, kFirst), makeFrame(alloc_, kOld), 300);
		ASSERT_FALSE(warm.error) << warm.message;
	}
	timeline_.close(); /* a timeline of its own below, counted */
	const auto counts = test::FenceLeakCounts::take();
	ASSERT_GE(counts.dmabufs, 0) << "no debugfs dma_buf/bufinfo";
	uint64_t inode = 0;
	{
		auto t = test::SwSyncTimeline::open();
		ASSERT_TRUE(t.ok()) << t.error().message;
		timeline_ = std::move(t).value();
		GstBuffer *buf = fencedFrame("stuck");
		ASSERT_NE(buf, nullptr);
		inode = dbk_memory_get_inode(gst_buffer_peek_memory(buf, 0));
		Outcome o;
		/* Whatever happened, signal it before stopping: nothing stays blocked. */
		run(o, "stuck", makeFrame(alloc_, kFirst), buf, 300, {},
		    [&] { timeline_.close(); });
		ASSERT_FALSE(o.timedOut) << "no error within 20 s: the pipeline hung";
		ASSERT_TRUE(o.error) << "the frame went through a fence that never signalled";
		EXPECT_EQ(o.frames, 1) << "only the unfenced frame reaches the sink";
		EXPECT_NEAR(o.grey, kFirst, 2);
		EXPECT_EQ(o.domain, GST_RESOURCE_ERROR);
		EXPECT_EQ(o.code, GST_RESOURCE_ERROR_BUSY);
		for (const std::string &key :
		     { std::string("did not finish"), "inode " + std::to_string(inode),
		       std::string("exporter system"), std::string("\"fence-test\""),
		       std::string("within 300 ms"), std::string("fence-timeout") })
			EXPECT_NE(o.message.find(key), std::string::npos)
				<< "\"" << key << "\" missing from: " << o.message;
		EXPECT_NE(o.debug.find("reading the input frame"), std::string::npos) << o.debug;
		EXPECT_GE(o.seconds, 0.25) << "gave up before the bound";
		EXPECT_LT(o.seconds, 10.0);
	}
	counts.expectUnchanged();

	/* The tracer counted the wait as a timeout on the link into the filter. */
	test::LinkWaits w = test::fenceWaitsOf(fenceTraceFile(), "stuck/src:src");
	ASSERT_TRUE(w.found) << "no fence_waits on stuck/src:src in " << fenceTraceFile();
	EXPECT_EQ(w.count, 1u);
	EXPECT_EQ(w.timeouts, 1u);
	EXPECT_GE(w.totalMs, 250.0);
}

} /* namespace */
