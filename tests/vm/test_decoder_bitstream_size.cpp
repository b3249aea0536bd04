/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VM test of dmabufv4l2dec fed bitstream in dma-bufs smaller than its OUTPUT
 * format's sizeimage (part of the device-constraints boot). vb2 refuses such
 * a dma-buf at VIDIOC_QBUF whatever its payload, so the decoder must see it
 * before queueing, copy the frame into a dma-buf of its own, count the copy
 * and say why in numbers; the frames decode exactly as the same bitstream in
 * dma-bufs large enough to import does.
 */
#include <algorithm>
#include <cstring>
#include <functional>
#include <gtest/gtest.h>
#include <mutex>
#include <regex>
#include <string>
#include <unistd.h>
#include <vector>

#include <dmabufkit/dmabufkit.h>
#include <gst/allocators/allocators.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "leak_counters.h"
#include "pipeline_run.h"

using namespace dmabufkit;

namespace {

constexpr int kFrames = 8;
/* Larger than any sizeimage vicodec gives a 640x480 FWHT stream. */
constexpr gsize kLargeDmaBuf = 4 << 20;

/* GST_PERFORMANCE messages of the element named "dec". */
struct PerfLog {
	std::mutex lock;
	std::vector<std::string> lines;
};

void recordPerformance(GstDebugCategory *cat, GstDebugLevel, const gchar *, const gchar *, gint,
		       GObject *object, GstDebugMessage *message, gpointer data)
{
	if (!g_str_equal(gst_debug_category_get_name(cat), "GST_PERFORMANCE") || !object ||
	    !GST_IS_OBJECT(object) || !g_str_equal(GST_OBJECT_NAME(object), "dec"))
		return;
	auto *log = static_cast<PerfLog *>(data);
	std::lock_guard l(log->lock);
	log->lines.push_back(gst_debug_message_get(message));
}

/* Every buffer that reaches the fakesink named "sink": its bytes as a string. */
void collectHandoffs(GstElement *pipeline, std::vector<std::string> *out)
{
	GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
	g_object_set(sink, "signal-handoffs", TRUE, nullptr);
	g_signal_connect(sink, "handoff",
			 G_CALLBACK(+[](GstElement *, GstBuffer *buf, GstPad *, gpointer data) {
				 GstMapInfo m;
				 auto *v = static_cast<std::vector<std::string> *>(data);
				 if (!gst_buffer_map(buf, &m, GST_MAP_READ)) {
					 v->push_back("<unmappable>");
					 return;
				 }
				 v->emplace_back(reinterpret_cast<const char *>(m.data), m.size);
				 gst_buffer_unmap(buf, &m);
			 }),
			 out);
	gst_object_unref(sink);
}

/* The real size of the dma-buf behind \a mem. */
uint64_t dmabufSize(GstMemory *mem)
{
	const int fd = gst_dmabuf_memory_get_fd(mem);
	const off_t end = lseek(fd, 0, SEEK_END);
	lseek(fd, 0, SEEK_SET);
	return end > 0 ? uint64_t(end) : 0;
}

/* A buffer of \a payload in a system-heap dma-buf of \a dmabufBytes (at least the payload). */
GstBuffer *inDmaBuf(DbkAllocator *alloc, const std::string &payload, gsize dmabufBytes)
{
	GError *err = nullptr;
	GstMemory *mem = dbk_allocator_alloc_dmabuf(alloc, std::max(dmabufBytes, payload.size()),
						    nullptr, "test:bitstream", &err);
	EXPECT_NE(mem, nullptr) << (err ? err->message : "");
	g_clear_error(&err);
	if (!mem)
		return gst_buffer_new();
	GstMapInfo m;
	EXPECT_TRUE(gst_memory_map(mem, &m, GST_MAP_WRITE));
	memcpy(m.data, payload.data(), payload.size());
	gst_memory_unmap(mem, &m);
	gst_memory_resize(mem, 0, payload.size());
	GstBuffer *b = gst_buffer_new();
	gst_buffer_append_memory(b, mem);
	return b;
}

struct Decoded {
	std::vector<std::string> frames;
	guint64 copies = G_MAXUINT64, imported = G_MAXUINT64;
};

/* Decode \a bitstream (caps \a caps), each compressed frame in a dma-buf made by \a wrap. */
Decoded decode(const std::string &caps, const std::vector<std::string> &bitstream,
	       const std::function<GstBuffer *(const std::string &)> &wrap, PipelineRun &run)
{
	Decoded out;
	runPipeline(
		"appsrc name=src format=time caps=\"" + caps +
			"\" ! dmabufv4l2dec name=dec ! fakesink name=sink sync=false",
		run,
		[&](GstElement *p, PipelineRun &) {
			collectHandoffs(p, &out.frames);
			pushInto(p, int(bitstream.size()),
				 [&](int i) { return wrap(bitstream[i]); });
		},
		[&](GstElement *p, PipelineRun &) {
			out.copies = elementUint(p, "dec", "copies");
			out.imported = elementUint(p, "dec", "imported");
		},
		120);
	return out;
}

class DecoderBitstream : public ::testing::Test
{
protected:
	void SetUp() override
	{
		fds = test::countOpenFds();
		bufs = test::countLiveDmaBufs();
		/* Every copy is logged at LOG level: recorded, not printed. */
		gst_debug_remove_log_function(gst_debug_log_default);
		gst_debug_set_threshold_for_name("GST_PERFORMANCE", GST_LEVEL_LOG);
		gst_debug_add_log_function(recordPerformance, &perf, nullptr);
	}
	void TearDown() override
	{
		gst_debug_remove_log_function_by_data(&perf);
		gst_debug_unset_threshold_for_name("GST_PERFORMANCE");
		gst_debug_add_log_function(gst_debug_log_default, nullptr, nullptr);
		EXPECT_EQ(test::countOpenFds(), fds) << "fd leak";
		EXPECT_EQ(test::countLiveDmaBufs(), bufs) << "dma-buf leak";
	}
	int fds = 0;
	int bufs = 0;
	PerfLog perf;
};

} /* namespace */

TEST_F(DecoderBitstream, ContigSmallDmaBufsAreCopiedAndDecode)
{
	/* The bitstream: vicodec's FWHT of a moving ball, kept as bytes. */
	std::vector<std::string> bitstream;
	std::string caps;
	{
		PipelineRun enc;
		runPipeline("videotestsrc num-buffers=" + std::to_string(kFrames) +
				    " pattern=ball ! video/x-raw,format=YUY2,width=640,height=480,"
				    "framerate=30/1 ! dmabufv4l2enc ! fakesink name=sink",
			    enc,
			    [&](GstElement *p, PipelineRun &) { collectHandoffs(p, &bitstream); });
		ASSERT_TRUE(enc.eos) << enc.error();
		ASSERT_NE(enc.caps, nullptr);
		gchar *s = gst_caps_to_string(enc.caps);
		caps = s;
		g_free(s);
	}
	ASSERT_EQ(bitstream.size(), size_t(kFrames));

	DbkAllocator *alloc = dbk_allocator_new_for_exporter("dma-heap:system", nullptr);
	ASSERT_NE(alloc, nullptr);
	/* Large enough dma-bufs are imported as they are: the reference decode. */
	PipelineRun refRun;
	const Decoded ref = decode(
		caps, bitstream,
		[&](const std::string &f) { return inDmaBuf(alloc, f, kLargeDmaBuf); }, refRun);
	ASSERT_TRUE(refRun.eos) << refRun.error();
	EXPECT_EQ(ref.copies, 0u);
	EXPECT_EQ(ref.imported, guint64(kFrames));
	ASSERT_EQ(ref.frames.size(), size_t(kFrames));
	{
		std::lock_guard l(perf.lock);
		EXPECT_TRUE(perf.lines.empty()) << perf.lines[0];
	}

	/* Each compressed frame in a dma-buf of its own size (page-rounded). */
	std::vector<uint64_t> smallSizes;
	PipelineRun run;
	const Decoded got = decode(
		caps, bitstream,
		[&](const std::string &f) {
			GstBuffer *b = inDmaBuf(alloc, f, 0);
			smallSizes.push_back(dmabufSize(gst_buffer_peek_memory(b, 0)));
			return b;
		},
		run);
	gst_object_unref(alloc);
	ASSERT_TRUE(run.eos) << run.error();
	EXPECT_EQ(got.copies, guint64(kFrames));
	EXPECT_EQ(got.imported, 0u);
	ASSERT_EQ(got.frames.size(), size_t(kFrames)) << "not every frame was decoded";
	for (int i = 0; i < kFrames; ++i)
		EXPECT_TRUE(got.frames[i] == ref.frames[i]) << "frame " << i << " differs";

	/* Why, in numbers: the first dma-buf's size against sizeimage. */
	static const std::regex why("the dma-buf of plane 0 is ([0-9]+) bytes, smaller than the "
				    "OUTPUT format's sizeimage ([0-9]+)");
	ASSERT_EQ(run.warnings.size(), 1u);
	std::smatch m;
	ASSERT_TRUE(std::regex_search(run.warnings[0], m, why)) << run.warnings[0];
	EXPECT_EQ(std::stoull(m[1]), smallSizes.at(0)) << run.warnings[0];
	EXPECT_GT(std::stoull(m[2]), smallSizes.at(0)) << run.warnings[0];
	EXPECT_LE(std::stoull(m[2]), kLargeDmaBuf) << run.warnings[0];
	/* GST_PERFORMANCE: the warning once, then each copy with its reason. */
	std::lock_guard l(perf.lock);
	int copyLines = 0;
	for (const std::string &line : perf.lines)
		copyLines += std::regex_search(line, why) &&
			     line.find("copying a ") != std::string::npos;
	EXPECT_EQ(copyLines, kFrames) << (perf.lines.empty() ? "" : perf.lines[0]);
}
