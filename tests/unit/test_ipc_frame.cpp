/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GstBuffer <-> wire Frame (gst-plugins/ipc/frame_convert): memories,
 * GstVideoMeta, timestamps and flags survive the trip through the protocol;
 * the consumer's buffer is made of the very GstMemory it keeps per dma-buf;
 * the frame goes back when the buffer is freed; system memory and unknown
 * formats are refused. memfds wrapped by GstDmaBufAllocator stand in for
 * dma-bufs (nothing here looks at what the fd is).
 */
#include <gst/allocators/allocators.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include "frame_convert.h"
#include "gst_environment.h"
#include "wire_protocol.h"

using namespace dmabufkit::ipc;

DBK_TEST_GST_ENVIRONMENT();

namespace {

GstMemory *fakeDmaBuf(gsize size)
{
	int fd = memfd_create("fake-dmabuf", MFD_CLOEXEC);
	EXPECT_EQ(ftruncate(fd, off_t(size)), 0);
	GstAllocator *a = gst_dmabuf_allocator_new();
	GstMemory *m = gst_dmabuf_allocator_alloc(a, fd, size);
	gst_object_unref(a);
	return m;
}

/* An NV12 640x480 frame in two dma-bufs (Y, then UV at an offset in the second). */
GstBuffer *nv12Buffer()
{
	GstBuffer *buf = gst_buffer_new();
	gst_buffer_append_memory(buf, fakeDmaBuf(640 * 480));
	GstMemory *uv = fakeDmaBuf(4096 + 640 * 240);
	gst_memory_resize(uv, 4096, 640 * 240);
	gst_buffer_append_memory(buf, uv);
	gsize offsets[4] = { 0, 640 * 480 };
	gint strides[4] = { 640, 640 };
	gst_buffer_add_video_meta_full(buf, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_FORMAT_NV12, 640,
				       480, 2, offsets, strides);
	GST_BUFFER_PTS(buf) = 5 * GST_SECOND;
	GST_BUFFER_DTS(buf) = 4 * GST_SECOND;
	GST_BUFFER_DURATION(buf) = GST_SECOND / 30;
	GST_BUFFER_OFFSET(buf) = 12;
	GST_BUFFER_OFFSET_END(buf) = 13;
	GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT | GST_BUFFER_FLAG_DELTA_UNIT);
	return buf;
}

} /* namespace */

TEST(IpcFrame, ProducerSideDescribesTheBuffer)
{
	GstBuffer *buf = nv12Buffer();
	std::string why;
	auto f = frameFromBuffer(buf, 7 * GST_SECOND, &why);
	ASSERT_TRUE(f) << why;
	EXPECT_EQ(GST_MINI_OBJECT_REFCOUNT_VALUE(buf), 2) << "the frame keeps the buffer";
	ASSERT_EQ(f->memories.size(), 2u);
	EXPECT_EQ(f->memories[0].fd, gst_dmabuf_memory_get_fd(gst_buffer_peek_memory(buf, 0)));
	EXPECT_EQ(f->memories[1].offset, 4096u);
	EXPECT_EQ(f->memories[1].size, 640u * 240u);
	const Frame &h = f->header;
	EXPECT_EQ(h.clockTime, 7 * GST_SECOND);
	EXPECT_EQ(h.pts, 5 * GST_SECOND);
	EXPECT_EQ(h.dts, 4 * GST_SECOND);
	EXPECT_EQ(h.offset, 12u);
	EXPECT_TRUE(h.flags & GST_BUFFER_FLAG_DISCONT);
	ASSERT_TRUE(h.hasVideoLayout);
	EXPECT_EQ(h.video.format, uint32_t(GST_VIDEO_FORMAT_NV12));
	EXPECT_EQ(h.video.planes, 2u);
	EXPECT_EQ(h.video.offsets[1], 640u * 480u);
	EXPECT_EQ(h.video.strides[1], 640);
	f->keepAlive.reset();
	EXPECT_EQ(GST_MINI_OBJECT_REFCOUNT_VALUE(buf), 1);
	gst_buffer_unref(buf);
}

TEST(IpcFrame, SystemMemoryIsRefused)
{
	GstBuffer *buf = gst_buffer_new_allocate(nullptr, 1024, nullptr);
	std::string why;
	EXPECT_FALSE(frameFromBuffer(buf, GST_CLOCK_TIME_NONE, &why));
	EXPECT_NE(why.find("not a dma-buf"), std::string::npos) << why;
	EXPECT_NE(why.find("dmabufupload"), std::string::npos) << why;
	gst_buffer_unref(buf);
	GstBuffer *empty = gst_buffer_new();
	EXPECT_FALSE(frameFromBuffer(empty, GST_CLOCK_TIME_NONE, &why));
	gst_buffer_unref(empty);
}

/* Through the wire and back: the consumer's buffer is the producer's frame. */
TEST(IpcFrame, RoundTripKeepsMetaTimestampsAndMemoryIdentity)
{
	GstBuffer *src = nv12Buffer();
	std::string why;
	auto f = frameFromBuffer(src, 7 * GST_SECOND, &why);
	ASSERT_TRUE(f);
	f->header.memories = { { 1, f->memories[0].offset, f->memories[0].size },
			       { 2, f->memories[1].offset, f->memories[1].size } };
	auto bytes = encode(f->header);
	auto decoded = decode(bytes.data(), bytes.size());
	ASSERT_TRUE(decoded);
	const Frame &frame = std::get<Frame>(*decoded);

	/* What the consumer keeps: one memory per dma-buf, the whole of it. */
	std::map<uint32_t, GstMemory *> memories{ { 1, fakeDmaBuf(640 * 480) },
						  { 2, fakeDmaBuf(4096 + 640 * 240) } };
	int released = 0;
	for (int round = 0; round < 2; ++round) {
		GstBuffer *out = bufferFromFrame(
			frame, memories, 2 * GST_SECOND, [&released] { ++released; }, &why);
		ASSERT_NE(out, nullptr) << why;
		EXPECT_EQ(gst_buffer_peek_memory(out, 0), memories[1])
			<< "the same GstMemory every time, so importers' caches hit";
		GstMemory *uv = gst_buffer_peek_memory(out, 1);
		EXPECT_EQ(uv->parent, memories[2]) << "a range of the kept memory, not a copy";
		EXPECT_EQ(uv->offset, 4096u);
		EXPECT_EQ(uv->size, 640u * 240u);
		EXPECT_EQ(GST_BUFFER_PTS(out), 5 * GST_SECOND) << "clock time 7 s - base time 2 s";
		EXPECT_EQ(GST_BUFFER_DURATION(out), GST_SECOND / 30);
		EXPECT_EQ(GST_BUFFER_OFFSET_END(out), 13u);
		EXPECT_TRUE(GST_BUFFER_FLAG_IS_SET(out, GST_BUFFER_FLAG_DELTA_UNIT));
		EXPECT_FALSE(GST_MINI_OBJECT_FLAGS(out) & (GST_MINI_OBJECT_FLAG_LAST - 1))
			<< "no mini-object flags of the producer";
		GstVideoMeta *vm = gst_buffer_get_video_meta(out);
		ASSERT_NE(vm, nullptr);
		EXPECT_EQ(vm->format, GST_VIDEO_FORMAT_NV12);
		EXPECT_EQ(vm->offset[1], 640u * 480u);
		EXPECT_EQ(vm->stride[1], 640);
		EXPECT_EQ(released, round);
		gst_buffer_unref(out);
		EXPECT_EQ(released, round + 1) << "freeing the buffer gives the frame back";
	}
	for (auto &[id, m] : memories)
		gst_memory_unref(m);
	gst_buffer_unref(src);
}

TEST(IpcFrame, UnknownVideoFormatIsRefused)
{
	Frame f;
	f.memories = { { 1, 0, 100 } };
	f.hasVideoLayout = true;
	f.video = VideoLayout{ 100000, 8, 8, 1, {}, { 32 } };
	std::map<uint32_t, GstMemory *> memories{ { 1, fakeDmaBuf(100) } };
	std::string why;
	bool freed = false;
	EXPECT_EQ(bufferFromFrame(
			  f, memories, 0, [&] { freed = true; }, &why),
		  nullptr);
	EXPECT_NE(why.find("unknown format"), std::string::npos) << why;
	f.video.format = GST_VIDEO_FORMAT_UNKNOWN;
	EXPECT_EQ(bufferFromFrame(
			  f, memories, 0, [&] { freed = true; }, &why),
		  nullptr);
	/* No timestamp: stays none. */
	f.hasVideoLayout = false;
	GstBuffer *b = bufferFromFrame(
		f, memories, 0, [&] { freed = true; }, &why);
	ASSERT_NE(b, nullptr);
	EXPECT_FALSE(GST_BUFFER_PTS_IS_VALID(b));
	gst_buffer_unref(b);
	EXPECT_TRUE(freed);
	gst_memory_unref(memories[1]);
}
