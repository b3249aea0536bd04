/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fence_pipeline.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include <gst/allocators/allocators.h>
#include <gst/app/app.h>
#include <gtest/gtest.h>

#include "leak_counters.h"
#include "pipeline_unref.h"

namespace dmabufkit::test {

using Clock = std::chrono::steady_clock;

std::string fenceTraceFile()
{
	const char *out = std::getenv("DMABUFKIT_OUT");
	return std::string(out && *out ? out : "/tmp") + "/fence-trace.jsonl";
}

static GstMemory *filledDmabuf(DbkAllocator *alloc, gsize size, const uint8_t *bytes, uint8_t level,
			       const char *name)
{
	GError *err = nullptr;
	GstMemory *mem = dbk_allocator_alloc_dmabuf(alloc, size, nullptr, name, &err);
	EXPECT_NE(mem, nullptr) << (err ? err->message : "");
	if (err)
		g_error_free(err);
	if (!mem)
		return nullptr;
	GstMapInfo map;
	EXPECT_TRUE(gst_memory_map(mem, &map, GST_MAP_WRITE));
	if (bytes)
		std::memcpy(map.data, bytes, size);
	else
		std::memset(map.data, level, map.size);
	gst_memory_unmap(mem, &map);
	return mem;
}

GstBuffer *dmabufFrame(DbkAllocator *alloc, gsize size, uint8_t level, const char *name)
{
	GstMemory *mem = filledDmabuf(alloc, size, nullptr, level, name);
	if (!mem)
		return nullptr;
	GstBuffer *buf = gst_buffer_new();
	gst_buffer_append_memory(buf, mem);
	return buf;
}

GstBuffer *dmabufBytes(DbkAllocator *alloc, const std::vector<uint8_t> &bytes, unsigned parts,
		       const char *name)
{
	GstBuffer *buf = gst_buffer_new();
	const gsize each = (bytes.size() + parts - 1) / parts;
	for (gsize at = 0; at < bytes.size(); at += each) {
		const gsize n = std::min(each, bytes.size() - at);
		GstMemory *mem = filledDmabuf(alloc, n, bytes.data() + at, 0, name);
		if (!mem) {
			gst_buffer_unref(buf);
			return nullptr;
		}
		gst_buffer_append_memory(buf, mem);
	}
	return buf;
}

GstBuffer *withWriteFence(GstBuffer *buf, SwSyncTimeline &timeline, const char *fenceName)
{
	if (!buf)
		return nullptr;
	auto fence = timeline.createFence(1, fenceName);
	EXPECT_TRUE(fence.ok()) << fence.error().message;
	if (fence.ok()) {
		auto a = attachFence(gst_dmabuf_memory_get_fd(gst_buffer_peek_memory(buf, 0)),
				     fence->get(), true);
		EXPECT_TRUE(a.ok()) << a.error().message;
	}
	return buf;
}

FenceLeakCounts FenceLeakCounts::take()
{
	return { countOpenFds(), countSyncFiles(), countLiveDmaBufs() };
}

void FenceLeakCounts::expectUnchanged() const
{
	EXPECT_EQ(countOpenFds(), fds) << "fd leak";
	EXPECT_EQ(countSyncFiles(), syncFiles) << "sync_file leak";
	EXPECT_EQ(countLiveDmaBufs(), dmabufs) << "dma-buf leak:\n" << dmaBufInfo();
}

int FenceOutcome::errorsFrom(const std::string &element) const
{
	int n = 0;
	for (const std::string &e : errors)
		n += e.rfind(element + ": ", 0) == 0;
	return n;
}

/* An ERROR message as FenceOutcome::errors lists it. */
static std::string describeError(GstMessage *msg)
{
	GError *e = nullptr;
	gst_message_parse_error(msg, &e, nullptr);
	std::string s = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg))) + ": " +
			g_quark_to_string(e->domain) + " " + std::to_string(e->code) + ": " +
			e->message;
	g_error_free(e);
	return s;
}

/* fakesink's handoff: the first row's bytes of each frame. */
static void onHandoff(GstElement *, GstBuffer *buf, GstPad *, gpointer data)
{
	auto *o = static_cast<FenceOutcome *>(data);
	GstMapInfo map;
	if (!gst_buffer_map(buf, &map, GST_MAP_READ))
		return;
	const gsize row = std::min<gsize>(map.size, 64);
	bool uniform = row > 0;
	for (gsize i = 0; uniform && i < row; ++i)
		uniform = map.data[i] == map.data[0];
	o->grey = row ? map.data[0] : -1;
	o->uniform = uniform;
	gst_buffer_unmap(buf, &map);
	o->frames++;
}

void runTwoFrames(FenceOutcome &o, const std::string &desc, const char *name, GstBuffer *first,
		  GstBuffer *second, const std::function<void()> &beforeSecond,
		  const std::function<void()> &release)
{
	GError *err = nullptr;
	GstElement *pipeline = gst_parse_launch(desc.c_str(), &err);
	EXPECT_NE(pipeline, nullptr) << desc << ": " << (err ? err->message : "");
	if (err)
		g_error_free(err);
	if (!pipeline || !first || !second) {
		if (first)
			gst_buffer_unref(first);
		if (second)
			gst_buffer_unref(second);
		if (pipeline)
			test::unrefPipeline(pipeline);
		return;
	}
	gst_object_set_name(GST_OBJECT(pipeline), name);
	GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
	GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
	const bool counted = g_object_class_find_property(G_OBJECT_GET_CLASS(sink), "frames");
	auto reached = [&]() -> int {
		if (!counted)
			return o.frames;
		guint64 n = 0;
		g_object_get(sink, "frames", &n, nullptr);
		return static_cast<int>(n);
	};
	if (!counted)
		g_signal_connect(sink, "handoff", G_CALLBACK(onHandoff), &o);
	GST_BUFFER_PTS(first) = 0;
	GST_BUFFER_PTS(second) = GST_SECOND / 30;
	GST_BUFFER_DURATION(first) = GST_BUFFER_DURATION(second) = GST_SECOND / 30;
	gst_element_set_state(pipeline, GST_STATE_PLAYING);
	gst_app_src_push_buffer(GST_APP_SRC(src), first);
	for (int i = 0; i < 2000 && reached() == 0; ++i)
		g_usleep(10 * 1000);
	EXPECT_EQ(reached(), 1) << "the first, unfenced, frame did not reach the sink";
	if (beforeSecond)
		beforeSecond();
	const auto start = Clock::now();
	gst_app_src_push_buffer(GST_APP_SRC(src), second);
	gst_app_src_end_of_stream(GST_APP_SRC(src));
	GstBus *bus = gst_element_get_bus(pipeline);
	GstMessage *msg = gst_bus_timed_pop_filtered(
		bus, 20 * GST_SECOND,
		static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
	o.seconds = std::chrono::duration<double>(Clock::now() - start).count();
	if (!msg) {
		o.timedOut = true;
	} else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
		GError *e = nullptr;
		gchar *dbg = nullptr;
		gst_message_parse_error(msg, &e, &dbg);
		o.error = true;
		o.errors.push_back(describeError(msg));
		o.domain = e->domain;
		o.code = e->code;
		o.source = GST_OBJECT_NAME(GST_MESSAGE_SRC(msg));
		o.message = e->message;
		o.debug = dbg ? dbg : "";
		g_error_free(e);
		g_free(dbg);
	}
	if (msg)
		gst_message_unref(msg);
	if (counted)
		o.frames = reached();
	/* An error before PLAYING stops the pipeline without the tracer's
	   final flush: let a periodic stats line (100 ms) carry the counts. */
	g_usleep(300 * 1000);
	if (release)
		release();
	/* The errors posted after the first one (a second one for the same
	   failure would be here by now: it is posted on the same thread). */
	while (GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
		o.errors.push_back(describeError(m));
		gst_message_unref(m);
	}
	gst_object_unref(bus);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	gst_object_unref(src);
	gst_object_unref(sink);
	test::unrefPipeline(pipeline);
}

} /* namespace dmabufkit::test */
