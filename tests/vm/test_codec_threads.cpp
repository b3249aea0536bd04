/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VM tests of the codec elements' two threads: upstream's (queueing input)
 * and the capture task's (pushing output). Upstream never waits for a push,
 * and a stop while a push is in flight returns: the base class's
 * finish_frame takes the element's stream lock itself, so a thread that
 * joins the task while holding that lock (a drain at EOS cut short by a
 * state change) would wait for a task that waits for it.
 */
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <regex>
#include <set>
#include <mutex>
#include <gtest/gtest.h>
#include <string>
#include <thread>
#include <utility>
#include <time.h>
#include <vector>

#include <gst/gst.h>

#include "leak_counters.h"
#include "test_devices.h"
#include "pipeline_unref.h"

using namespace dmabufkit;

namespace {

GstPadProbeReturn countEos(GstPad *, GstPadProbeInfo *info, gpointer data)
{
	if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS)
		static_cast<std::atomic<bool> *>(data)->store(true);
	return GST_PAD_PROBE_OK;
}

/* Keeps the first push blocked in the codec's task until the pad flushes. */
GstPadProbeReturn holdPush(GstPad *, GstPadProbeInfo *, gpointer data)
{
	static_cast<std::atomic<unsigned> *>(data)->fetch_add(1);
	return GST_PAD_PROBE_OK;
}

GstPadProbeReturn countBuffers(GstPad *, GstPadProbeInfo *, gpointer data)
{
	static_cast<std::atomic<unsigned> *>(data)->fetch_add(1);
	return GST_PAD_PROBE_OK;
}

std::string vivid()
{
	auto p = test::findDevice("vivid-capture");
	return p ? *p : std::string("/dev/missing-vivid");
}

/* CPU time of this process: its threads' user and system time. */
double processCpuSeconds()
{
	timespec t{};
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

} /* namespace */

class CodecUpstream : public ::testing::TestWithParam<const char *>
{
};

/*
 * The encoder's first push is held downstream. The encoder keeps taking
 * frames while its device has room, and hands each input back once the
 * device consumed it. With the source's 4 buffers (export) or the encoder's
 * pool of 8 (import), the source pushed 8 and 12 frames before everything
 * filled up. Broken on purpose, it pushed 2 and 2 when the task pushed
 * under the stream lock upstream's next frame needs; 5 and 9 when frames
 * kept their input until finished; 7 and 10 when consumed inputs waited
 * for the capture task to be dequeued.
 */
TEST_P(CodecUpstream, AHeldPushStallsNeitherUpstreamNorTheSourcesBuffers)
{
	const int fds0 = test::countOpenFds(), bufs0 = test::countLiveDmaBufs();
	const std::string mode = GetParam();
	const unsigned expected = mode == "export" ? 8 : 12;
	const std::string desc = "dmabufv4l2src name=src device=" + vivid() + " io-mode=" + mode +
				 " num-v4l2-buffers=4 ! video/x-raw,format=NV12,width=640,"
				 "height=480,framerate=30/1 ! dmabufv4l2enc name=codec ! fakesink";
	GError *err = nullptr;
	GstElement *p = gst_parse_launch(desc.c_str(), &err);
	ASSERT_EQ(err, nullptr) << desc;
	GstElement *srcEl = gst_bin_get_by_name(GST_BIN(p), "src");
	GstElement *codec = gst_bin_get_by_name(GST_BIN(p), "codec");
	GstPad *out = gst_element_get_static_pad(srcEl, "src");
	GstPad *push = gst_element_get_static_pad(codec, "src");
	std::atomic<unsigned> fromSource{ 0 }, held{ 0 };
	gst_pad_add_probe(out, GST_PAD_PROBE_TYPE_BUFFER, countBuffers, &fromSource, nullptr);
	gst_pad_add_probe(
		push,
		static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BLOCK | GST_PAD_PROBE_TYPE_BUFFER),
		holdPush, &held, nullptr);
	gst_element_set_state(p, GST_STATE_PLAYING);
	for (int i = 0; i < 500 && !held; ++i)
		g_usleep(20 * 1000);
	ASSERT_TRUE(held) << "the encoder pushed nothing within 10 s";
	const unsigned atHold = fromSource;
	/* Until the chain is full: no new frame for 0.75 s (vivid offers 22). */
	unsigned pushed = fromSource, quiet = 0;
	for (int i = 0; i < 40 && quiet < 3; ++i) {
		g_usleep(250 * 1000);
		const unsigned now = fromSource;
		quiet = now == pushed ? quiet + 1 : 0;
		pushed = now;
	}
	std::printf("  %s: the source pushed %u frames, %u of them after the encoder's "
		    "first push was held\n",
		    mode.c_str(), pushed, pushed - atHold);
	EXPECT_GE(pushed, expected)
		<< "the encoder kept inputs the device had consumed while its push was held "
		   "(or upstream waited for the push)";
	gst_element_set_state(p, GST_STATE_NULL);
	gst_object_unref(push);
	gst_object_unref(out);
	gst_object_unref(codec);
	gst_object_unref(srcEl);
	test::unrefPipeline(p);
	EXPECT_EQ(test::countOpenFds(), fds0);
	EXPECT_EQ(test::countLiveDmaBufs(), bufs0);
}

INSTANTIATE_TEST_SUITE_P(SourceModes, CodecUpstream, ::testing::Values("export", "import"));

namespace {

/* The encoder's exported CAPTURE buffers (named "enc:N") while \a tail
 * streams after it. */
size_t encoderCaptureBuffers(const std::string &tail)
{
	const std::string desc = "videotestsrc num-buffers=30 ! video/x-raw,format=NV12,width=640,"
				 "height=480,framerate=30/1 ! dmabufv4l2enc name=enc ! " +
				 tail + " ! fakesink name=sink";
	GError *err = nullptr;
	GstElement *p = gst_parse_launch(desc.c_str(), &err);
	EXPECT_EQ(err, nullptr) << desc;
	if (!p)
		return 0;
	GstElement *sinkEl = gst_bin_get_by_name(GST_BIN(p), "sink");
	GstPad *in = gst_element_get_static_pad(sinkEl, "sink");
	std::atomic<unsigned> arrived{ 0 };
	gst_pad_add_probe(in, GST_PAD_PROBE_TYPE_BUFFER, countBuffers, &arrived, nullptr);
	gst_element_set_state(p, GST_STATE_PLAYING);
	for (int i = 0; i < 500 && !arrived; ++i)
		g_usleep(20 * 1000);
	EXPECT_GT(arrived, 0u) << desc << ": nothing reached the sink within 10 s";
	std::set<std::string> names;
	const std::string info = test::dmaBufInfo();
	const std::regex name(R"(\benc:[0-9]+\b)");
	for (auto it = std::sregex_iterator(info.begin(), info.end(), name);
	     it != std::sregex_iterator(); ++it)
		names.insert(it->str());
	gst_element_set_state(p, GST_STATE_NULL);
	gst_object_unref(in);
	gst_object_unref(sinkEl);
	test::unrefPipeline(p);
	return names.size();
}

/* What the sink was handed, each buffer kept: nothing goes back upstream. */
struct HeldBuffers {
	std::mutex lock;
	std::vector<GstBuffer *> buffers;
	gint64 lastAtUs = 0;
};

void keepBuffer(GstElement *, GstBuffer *buf, GstPad *, gpointer data)
{
	auto *held = static_cast<HeldBuffers *>(data);
	std::lock_guard l(held->lock);
	held->buffers.push_back(gst_buffer_ref(buf));
	held->lastAtUs = g_get_monotonic_time();
}

size_t heldCount(HeldBuffers &held)
{
	std::lock_guard l(held.lock);
	return held.buffers.size();
}

} /* namespace */

/*
 * The decoder tells upstream in the ALLOCATION query how many of its input
 * buffers it keeps (4 on vicodec), and the encoder allocates that many
 * CAPTURE buffers more than before a fakesink, which keeps none: with too
 * few, the encoder waited for a buffer after nearly every frame of the main
 * job. Broken on purpose (the encoder ignoring the answer), both counts
 * were 4.
 */
TEST(CodecAllocation, EncoderAddsTheBuffersTheDecoderKeeps)
{
	const int fds0 = test::countOpenFds(), bufs0 = test::countLiveDmaBufs();
	const size_t alone = encoderCaptureBuffers("identity");
	const size_t beforeDecoder = encoderCaptureBuffers("dmabufv4l2dec");
	std::printf("  the encoder exported %zu CAPTURE buffers before a fakesink, %zu before a "
		    "decoder\n",
		    alone, beforeDecoder);
	EXPECT_GE(alone, 2u) << "the encoder's buffers were not found in bufinfo";
	EXPECT_EQ(beforeDecoder, alone + 4) << "the decoder keeps 4 of its input on vicodec";
	EXPECT_EQ(test::countOpenFds(), fds0);
	EXPECT_EQ(test::countLiveDmaBufs(), bufs0);
}

/*
 * Downstream keeps every buffer the encoder has, so the encoder waits with
 * input queued. Giving one back makes a job ready, and vicodec encodes
 * inside the QBUF that requeues it, under its device lock. That QBUF must
 * not be the releasing thread's: a decoder's chain or a sink's render would
 * wait for a whole encode (in the main job the capture task pushing into the
 * decoder then encoded and decoded in series, and vivid lost frames).
 * Measured against the time from the release to the frame it lets the
 * encoder make, side by side. Broken on purpose (the QBUF back in the
 * release) the release took 0.96 of it (median of 5).
 */
TEST(CodecRelease, GivingBackAnOutputBufferDoesNotWaitForTheEncode)
{
	const int fds0 = test::countOpenFds(), bufs0 = test::countLiveDmaBufs();
	GError *err = nullptr;
	GstElement *p = gst_parse_launch(
		"videotestsrc num-buffers=60 ! video/x-raw,format=NV12,width=640,height=480,"
		"framerate=30/1 ! dmabufv4l2enc ! fakesink name=sink sync=false "
		"enable-last-sample=false signal-handoffs=true",
		&err);
	ASSERT_EQ(err, nullptr);
	GstElement *sinkEl = gst_bin_get_by_name(GST_BIN(p), "sink");
	HeldBuffers held;
	g_signal_connect(sinkEl, "handoff", G_CALLBACK(keepBuffer), &held);
	gst_element_set_state(p, GST_STATE_PLAYING);
	for (int i = 0; i < 500 && !heldCount(held); ++i)
		g_usleep(20 * 1000);
	ASSERT_GT(heldCount(held), 0u) << "the encoder pushed nothing within 10 s";
	/* Until every CAPTURE buffer is here: nothing new for 0.75 s. */
	size_t seen = heldCount(held), quiet = 0;
	for (int i = 0; i < 40 && quiet < 3; ++i) {
		g_usleep(250 * 1000);
		const size_t now = heldCount(held);
		quiet = now == seen ? quiet + 1 : 0;
		seen = now;
	}
	ASSERT_EQ(quiet, 3u) << "frames kept coming with every buffer held";
	ASSERT_LT(seen, 50u) << "the encoder did not run out of buffers";

	constexpr unsigned kRounds = 5;
	std::vector<double> shares;
	for (unsigned round = 0; round < kRounds; ++round) {
		GstBuffer *back;
		size_t before;
		{
			std::lock_guard l(held.lock);
			back = std::exchange(held.buffers[round], nullptr);
			before = held.buffers.size();
		}
		const gint64 t0 = g_get_monotonic_time();
		gst_buffer_unref(back);
		const gint64 released = g_get_monotonic_time() - t0;
		for (int i = 0; i < 500 && heldCount(held) == before; ++i)
			g_usleep(2 * 1000);
		ASSERT_GT(heldCount(held), before)
			<< "no frame within 1 s of giving a buffer back (round " << round << ")";
		gint64 next;
		{
			std::lock_guard l(held.lock);
			next = held.lastAtUs - t0;
		}
		std::printf("  round %u: the release took %.3f ms, the next frame came %.3f ms "
			    "after it began\n",
			    round, double(released) / 1e3, double(next) / 1e3);
		shares.push_back(double(released) / double(std::max<gint64>(next, 1)));
	}
	std::sort(shares.begin(), shares.end());
	EXPECT_LT(shares[kRounds / 2], 0.25)
		<< "giving a buffer back waited for the encode it made possible (median share "
		<< shares[kRounds / 2] << ")";

	gst_element_set_state(p, GST_STATE_NULL);
	{
		std::lock_guard l(held.lock);
		for (GstBuffer *b : held.buffers)
			if (b)
				gst_buffer_unref(b);
		held.buffers.clear();
	}
	gst_object_unref(sinkEl);
	test::unrefPipeline(p);
	EXPECT_EQ(test::countOpenFds(), fds0);
	EXPECT_EQ(test::countLiveDmaBufs(), bufs0);
}

/*
 * A queue downstream of the encoder holds every buffer it gets (its own push
 * is held), so all the encoder's CAPTURE buffers end up there while upstream
 * still queues input. The encoder's task then waits for a buffer to come
 * back: it sleeps. It spun: the wake new input left pending made every poll
 * return at once (17 000 rounds a second in the guest).
 */
TEST(CodecIdle, WaitingForDownstreamBuffersCostsNoCpu)
{
	const int fds0 = test::countOpenFds(), bufs0 = test::countLiveDmaBufs();
	GError *err = nullptr;
	GstElement *p = gst_parse_launch(
		"videotestsrc num-buffers=30 ! video/x-raw,format=NV12,width=640,height=480,"
		"framerate=30/1 ! dmabufv4l2enc name=enc ! queue ! fakesink name=sink",
		&err);
	ASSERT_EQ(err, nullptr);
	GstElement *enc = gst_bin_get_by_name(GST_BIN(p), "enc");
	GstElement *sinkEl = gst_bin_get_by_name(GST_BIN(p), "sink");
	GstPad *into = gst_element_get_static_pad(enc, "sink");
	GstPad *held = gst_element_get_static_pad(sinkEl, "sink");
	std::atomic<unsigned> offered{ 0 }, holds{ 0 };
	gst_pad_add_probe(into, GST_PAD_PROBE_TYPE_BUFFER, countBuffers, &offered, nullptr);
	gst_pad_add_probe(
		held,
		static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BLOCK | GST_PAD_PROBE_TYPE_BUFFER),
		holdPush, &holds, nullptr);
	gst_element_set_state(p, GST_STATE_PLAYING);
	for (int i = 0; i < 500 && !holds; ++i)
		g_usleep(20 * 1000);
	ASSERT_TRUE(holds) << "nothing reached the sink within 10 s";
	/* Until the chain is full: no frame offered to the encoder for 0.75 s. */
	unsigned seen = offered, quiet = 0;
	for (int i = 0; i < 40 && quiet < 3; ++i) {
		g_usleep(250 * 1000);
		const unsigned now = offered;
		quiet = now == seen ? quiet + 1 : 0;
		seen = now;
	}
	EXPECT_EQ(quiet, 3u) << "frames kept flowing with the sink's buffer held";
	EXPECT_LT(seen, 30u) << "every frame went in with the sink's buffer held";
	const double cpu0 = processCpuSeconds();
	g_usleep(G_USEC_PER_SEC);
	const double used = processCpuSeconds() - cpu0;
	std::printf("  %u frames offered, then %.3f s of CPU in 1 s of waiting\n", seen, used);
	EXPECT_LT(used, 0.15) << "a thread spins while the encoder waits for its buffers";
	gst_element_set_state(p, GST_STATE_NULL);
	gst_object_unref(held);
	gst_object_unref(into);
	gst_object_unref(sinkEl);
	gst_object_unref(enc);
	test::unrefPipeline(p);
	EXPECT_EQ(test::countOpenFds(), fds0);
	EXPECT_EQ(test::countLiveDmaBufs(), bufs0);
}

/*
 * The tracer polls the codecs' counters from its own thread while streaming
 * threads start and stop streams. The getters read the OUTPUT index cache
 * through the stream, which a drain at EOS destroys: a use-after-free under
 * AddressSanitizer (sanitize-v4l2-codecs runs this). The counts must also
 * add up: every frame the encoder queued is a hit or a miss.
 */
TEST(CodecProperties, CountersReadWhileStreamsStopAndStart)
{
	const int fds0 = test::countOpenFds(), bufs0 = test::countLiveDmaBufs();
	constexpr int kFrames = 5, kRuns = 8;
	GError *err = nullptr;
	GstElement *p = gst_parse_launch(
		("videotestsrc num-buffers=" + std::to_string(kFrames) +
		 " ! video/x-raw,format=NV12,width=640,height=480,framerate=30/1 ! "
		 "dmabufv4l2enc name=enc ! dmabufv4l2dec name=dec ! fakesink sync=false")
			.c_str(),
		&err);
	ASSERT_EQ(err, nullptr);
	GstElement *enc = gst_bin_get_by_name(GST_BIN(p), "enc");
	GstElement *dec = gst_bin_get_by_name(GST_BIN(p), "dec");
	std::atomic<bool> stop{ false };
	std::atomic<unsigned> reads{ 0 }, wentDown{ 0 };
	std::thread reader([&] {
		guint64 last = 0;
		while (!stop) {
			guint64 hits = 0, misses = 0, dh = 0, dm = 0;
			g_object_get(enc, "index-cache-hits", &hits, "index-cache-misses", &misses,
				     nullptr);
			g_object_get(dec, "index-cache-hits", &dh, "index-cache-misses", &dm,
				     nullptr);
			if (hits + misses < last)
				wentDown++;
			last = hits + misses;
			reads++;
			g_usleep(100); /* often, but not a whole vCPU of the guest */
		}
	});
	/* An ASSERT below returns early: the reader must end before the test. */
	struct JoinOnExit {
		std::atomic<bool> &stop;
		std::thread &t;
		~JoinOnExit()
		{
			stop = true;
			if (t.joinable())
				t.join();
		}
	} joinReader{ stop, reader };
	GstBus *bus = gst_element_get_bus(p);
	for (int run = 1; run <= kRuns; ++run) {
		gst_element_set_state(p, GST_STATE_PLAYING);
		GstMessage *m = gst_bus_timed_pop_filtered(
			bus, 20 * GST_SECOND,
			static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
		ASSERT_NE(m, nullptr) << "run " << run << " did not end";
		EXPECT_EQ(GST_MESSAGE_TYPE(m), GST_MESSAGE_EOS) << "run " << run;
		gst_message_unref(m);
		gst_element_set_state(p, GST_STATE_NULL);
		guint64 hits = 0, misses = 0;
		g_object_get(enc, "index-cache-hits", &hits, "index-cache-misses", &misses,
			     nullptr);
		EXPECT_EQ(hits + misses, guint64(kFrames * run))
			<< "the encoder's OUTPUT imports after run " << run;
	}
	stop = true;
	reader.join();
	std::printf("  %u reads of the counters during %d runs\n", reads.load(), kRuns);
	EXPECT_GT(reads.load(), 100u) << "the reader hardly ran";
	EXPECT_EQ(wentDown.load(), 0u) << "a counter read went down";
	gst_object_unref(bus);
	gst_object_unref(dec);
	gst_object_unref(enc);
	test::unrefPipeline(p);
	EXPECT_EQ(test::countOpenFds(), fds0);
	EXPECT_EQ(test::countLiveDmaBufs(), bufs0);
}

class CodecStop : public ::testing::TestWithParam<const char *>
{
};

/* EOS reaches the codec while its task's push is held downstream: the codec
 * drains (its stream lock held by the base class). Going to NULL then ends the
 * drain, stops the task and flushes the held push: every step must return. */
TEST_P(CodecStop, NullWhileDrainingWithAPushInFlightReturns)
{
	const int fds0 = test::countOpenFds(), bufs0 = test::countLiveDmaBufs();
	const std::string chain = GetParam();
	const std::string desc = "videotestsrc num-buffers=6 ! video/x-raw,format=NV12,width=640,"
				 "height=480,framerate=30/1 ! " +
				 chain + " name=codec ! fakesink";
	GError *err = nullptr;
	GstElement *p = gst_parse_launch(desc.c_str(), &err);
	ASSERT_EQ(err, nullptr) << desc;
	GstElement *codec = gst_bin_get_by_name(GST_BIN(p), "codec");
	GstPad *sink = gst_element_get_static_pad(codec, "sink");
	GstPad *src = gst_element_get_static_pad(codec, "src");
	std::atomic<bool> eos{ false };
	std::atomic<unsigned> held{ 0 };
	gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, countEos, &eos, nullptr);
	gst_pad_add_probe(
		src,
		static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BLOCK | GST_PAD_PROBE_TYPE_BUFFER),
		holdPush, &held, nullptr);
	gst_element_set_state(p, GST_STATE_PLAYING);
	for (int i = 0; i < 500 && !(eos && held); ++i)
		g_usleep(20 * 1000);
	ASSERT_TRUE(held) << chain << " pushed nothing within 10 s";
	ASSERT_TRUE(eos) << "EOS never reached " << chain << " (its input queue is full?)";
	g_usleep(300 * 1000); /* the drain is waiting for the task */

	auto stopped = std::async(std::launch::async,
				  [p] { return gst_element_set_state(p, GST_STATE_NULL); });
	if (stopped.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
		ADD_FAILURE() << chain
			      << ": going to NULL did not return within 20 s: the drain "
				 "joins the capture task under the stream lock the task's "
				 "push waits for";
		std::fflush(stdout);
		std::_Exit(1); /* the deadlocked threads cannot be joined */
	}
	EXPECT_EQ(stopped.get(), GST_STATE_CHANGE_SUCCESS);
	std::printf("  %s: NULL returned with a push held (%u buffers reached the probe)\n",
		    chain.c_str(), held.load());
	gst_object_unref(src);
	gst_object_unref(sink);
	gst_object_unref(codec);
	test::unrefPipeline(p);
	EXPECT_EQ(test::countOpenFds(), fds0);
	EXPECT_EQ(test::countLiveDmaBufs(), bufs0);
}

INSTANTIATE_TEST_SUITE_P(Chains, CodecStop,
			 ::testing::Values("dmabufv4l2enc", "dmabufv4l2enc ! dmabufv4l2dec"),
			 [](const auto &i) {
				 return std::string(i.param).find("dec") != std::string::npos
						? std::string("Decoder")
						: std::string("Encoder");
			 });
