/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VM test of the V4L2 layer against vivid and vicodec: formats, MMAP +
 * EXPBUF export, DMABUF import with the index cache, events, controls,
 * encoder drain, the dequeue watchdog and error messages.
 */
#include <cstring>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/videodev2.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "dmabufkit/core/dma_buf.h"
#include "dmabufkit/core/dma_heap_exporter.h"
#include "dmabufkit/v4l2/buffer_queue.h"
#include "dmabufkit/v4l2/device_finder.h"
#include "dmabufkit/v4l2/dmabuf_index_cache.h"
#include "format_map.h"
#include "dmabufkit/v4l2/video_device.h"
#include "test_devices.h"

using namespace dmabufkit;
using namespace dmabufkit::v4l2;

namespace {

std::unique_ptr<VideoDevice> openRole(const std::string &role)
{
	auto path = test::findDevice(role);
	EXPECT_TRUE(path.ok()) << path.error().message;
	if (!path)
		return nullptr;
	auto dev = VideoDevice::open(*path);
	EXPECT_TRUE(dev.ok()) << dev.error().message;
	return dev ? std::move(dev).value() : nullptr;
}

Result<DequeuedBuffer> waitDequeue(const VideoDevice &dev, BufferQueue &q, int timeoutMs)
{
	for (;;) {
		auto d = q.dequeue();
		if (!d)
			return d.error();
		if (*d)
			return **d;
		short ev = isOutputType(q.type()) ? POLLOUT : POLLIN;
		auto p = dev.poll(ev, timeoutMs);
		if (!p)
			return p.error();
	}
}

void setVividControl(const VideoDevice &dev, const char *name, int32_t value)
{
	auto c = dev.findControl(name);
	ASSERT_TRUE(c.has_value()) << "vivid has no control " << name;
	auto r = dev.setControl(c->id, value);
	ASSERT_TRUE(r.ok()) << r.error().message;
}

/* vicodec's encoder set to YUYV 640x480 in, FWHT out; the OUTPUT format it took. */
DeviceFormat setEncoderFormats(VideoDevice &dev)
{
	DeviceFormat raw;
	raw.fourcc = V4L2_PIX_FMT_YUYV;
	raw.width = 640;
	raw.height = 480;
	auto rawSet = dev.setFormat(dev.outputType(), raw);
	EXPECT_TRUE(rawSet.ok()) << rawSet.error().message;
	DeviceFormat coded;
	coded.fourcc = V4L2_PIX_FMT_FWHT;
	coded.width = 640;
	coded.height = 480;
	auto codedSet = dev.setFormat(dev.captureType(), coded);
	EXPECT_TRUE(codedSet.ok()) << codedSet.error().message;
	return rawSet ? *rawSet : DeviceFormat{};
}

} /* namespace */

TEST(V4l2Layer, OpenErrorsNameDeviceAndErrno)
{
	auto dev = VideoDevice::open("/dev/video-does-not-exist");
	ASSERT_FALSE(dev.ok());
	EXPECT_EQ(dev.error().code, ENOENT);
	EXPECT_NE(dev.error().message.find("/dev/video-does-not-exist"), std::string::npos)
		<< dev.error().message;
}

TEST(V4l2Layer, IoctlErrorNamesIoctlErrnoAndDevice)
{
	auto dev = openRole("vivid-capture");
	ASSERT_TRUE(dev);
	struct v4l2_format f = {};
	f.type = 0x7f; /* no such buffer type */
	auto r = dev->ioctl(VIDIOC_G_FMT, &f, "VIDIOC_G_FMT");
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().code, EINVAL);
	const auto &m = r.error().message;
	EXPECT_NE(m.find("VIDIOC_G_FMT"), std::string::npos) << m;
	EXPECT_NE(m.find(dev->path()), std::string::npos) << m;
	EXPECT_NE(m.find("errno 22"), std::string::npos) << m;
}

TEST(V4l2Layer, VividFormatsAreMapped)
{
	auto dev = openRole("vivid-capture");
	ASSERT_TRUE(dev);
	auto fmts = dev->enumFormats(dev->captureType());
	ASSERT_GT(fmts.size(), 20u);
	unsigned mapped = 0;
	for (const auto &f : fmts)
		mapped += videoFormatFromFourcc(f.fourcc) != GST_VIDEO_FORMAT_UNKNOWN;
	std::printf("  vivid: %zu capture formats, %u mapped to GStreamer\n", fmts.size(), mapped);
	for (uint32_t want : { V4L2_PIX_FMT_YUYV, V4L2_PIX_FMT_NV12, V4L2_PIX_FMT_XBGR32 }) {
		bool found = false;
		for (const auto &f : fmts)
			found |= f.fourcc == want;
		EXPECT_TRUE(found) << fourccName(want);
	}
	auto sizes = dev->enumFrameSizes(V4L2_PIX_FMT_YUYV);
	ASSERT_FALSE(sizes.empty());
}

TEST(V4l2Layer, VividCustomStrideAndVideoInfo)
{
	auto dev = openRole("vivid-capture");
	ASSERT_TRUE(dev);
	DeviceFormat want;
	want.fourcc = V4L2_PIX_FMT_NV12;
	want.width = 640;
	want.height = 480;
	want.planes[0].bytesPerLine = 768;
	auto got = dev->setFormat(dev->captureType(), want);
	ASSERT_TRUE(got.ok()) << got.error().message;
	EXPECT_EQ(got->planes[0].bytesPerLine, 768u) << got->toString();
	GstVideoInfo info;
	ASSERT_TRUE(videoInfoFromFormat(*got, &info).ok());
	EXPECT_EQ(info.stride[1], 768);
	EXPECT_EQ(info.offset[1], 768u * 480);
}

TEST(V4l2Layer, VividMmapExportStreamsWithMonotonicTimestamps)
{
	auto dev = openRole("vivid-capture");
	ASSERT_TRUE(dev);
	DeviceFormat want;
	want.fourcc = V4L2_PIX_FMT_YUYV;
	want.width = 640;
	want.height = 480;
	ASSERT_TRUE(dev->setFormat(dev->captureType(), want).ok());
	BufferQueue q(*dev, dev->captureType());
	auto n = q.allocate(4, V4L2_MEMORY_MMAP);
	ASSERT_TRUE(n.ok()) << n.error().message;
	std::vector<ino_t> inodes;
	std::vector<UniqueFD> keep;
	for (unsigned i = 0; i < *n; ++i) {
		auto fds = q.exportBuffer(i);
		ASSERT_TRUE(fds.ok()) << fds.error().message;
		ASSERT_EQ(fds->size(), 1u);
		ASSERT_TRUE(DmaBuf::isDmaBuf((*fds)[0].get()));
		struct stat st;
		ASSERT_EQ(fstat((*fds)[0].get(), &st), 0);
		inodes.push_back(st.st_ino);
		keep.push_back(std::move((*fds)[0]));
		ASSERT_TRUE(q.queueMmap(i).ok());
	}
	ASSERT_TRUE(q.streamOn().ok());
	uint64_t last = 0;
	for (int i = 0; i < 10; ++i) {
		auto d = waitDequeue(*dev, q, 2000);
		ASSERT_TRUE(d.ok()) << d.error().message;
		EXPECT_EQ(d->bytesUsed[0], 640u * 480 * 2);
		EXPECT_GT(d->timestampNs, last);
		last = d->timestampNs;
		ASSERT_TRUE(q.queueMmap(d->index).ok());
	}
	ASSERT_TRUE(q.release().ok());
	/* Exported fds outlive REQBUFS(0) (orphaned buffers) and keep their identity. */
	struct stat st;
	ASSERT_EQ(fstat(keep[0].get(), &st), 0);
	EXPECT_EQ(st.st_ino, inodes[0]);
}

TEST(V4l2Layer, WatchdogFiresWhenVividDropsEverything)
{
	auto dev = openRole("vivid-capture");
	ASSERT_TRUE(dev);
	DeviceFormat want;
	want.fourcc = V4L2_PIX_FMT_YUYV;
	want.width = 640;
	want.height = 480;
	ASSERT_TRUE(dev->setFormat(dev->captureType(), want).ok());
	setVividControl(*dev, "percentage_of_dropped_buffers", 100);
	BufferQueue q(*dev, dev->captureType());
	auto n = q.allocate(3, V4L2_MEMORY_MMAP);
	ASSERT_TRUE(n.ok());
	for (unsigned i = 0; i < *n; ++i)
		ASSERT_TRUE(q.queueMmap(i).ok());
	ASSERT_TRUE(q.streamOn().ok());
	auto d = waitDequeue(*dev, q, 500);
	ASSERT_FALSE(d.ok()) << "a buffer arrived although vivid drops all";
	EXPECT_EQ(d.error().code, ETIMEDOUT);
	EXPECT_NE(d.error().message.find(dev->path()), std::string::npos) << d.error().message;
	ASSERT_TRUE(q.release().ok());
	setVividControl(*dev, "percentage_of_dropped_buffers", 0);
}

TEST(V4l2Layer, VicodecFoundByCodecEncodesImportedDmaBufsAndDrains)
{
	/* Find the encoder by what it does, as the elements do. */
	VideoNodeQuery query;
	query.memToMem = true;
	query.captureFourcc = codecFourccFromMediaType("video/x-fwht");
	auto node = findVideoNode(query);
	ASSERT_TRUE(node.ok()) << node.error().message;
	auto opened = VideoDevice::open(node->path);
	ASSERT_TRUE(opened.ok()) << opened.error().message;
	auto &dev = *opened;

	const DeviceFormat rawSet = setEncoderFormats(*dev);
	ASSERT_EQ(rawSet.planes[0].bytesPerLine, 1280u);
	ASSERT_TRUE(dev->subscribeEvent(V4L2_EVENT_EOS).ok());

	auto heap = DmaHeapExporter::open("system");
	ASSERT_TRUE(heap.ok()) << heap.error().message;
	const uint32_t frameSize = rawSet.planes[0].sizeImage;
	BufferQueue out(*dev, dev->outputType());
	BufferQueue cap(*dev, dev->captureType());
	auto nOut = out.allocate(2, V4L2_MEMORY_DMABUF);
	ASSERT_TRUE(nOut.ok()) << nOut.error().message;
	/* As many dma-bufs as slots: after the first round every import is a hit. */
	std::vector<DmaBuf> frames;
	for (unsigned i = 0; i < *nOut; ++i) {
		auto b = (*heap)->allocate({ frameSize, "layer-test", 0 });
		ASSERT_TRUE(b.ok()) << b.error().message;
		frames.push_back(std::move(b).value());
	}

	auto nCap = cap.allocate(2, V4L2_MEMORY_MMAP);
	ASSERT_TRUE(nCap.ok()) << nCap.error().message;
	for (unsigned i = 0; i < *nCap; ++i)
		ASSERT_TRUE(cap.queueMmap(i).ok());
	ASSERT_TRUE(out.streamOn().ok());
	ASSERT_TRUE(cap.streamOn().ok());

	DmaBufIndexCache cache(*nOut);
	const int total = 12;
	int encoded = 0;
	uint64_t lastTs = 0;
	for (int i = 0; i < total; ++i) {
		/* Reclaim OUTPUT buffers the driver is done with. */
		while (out.queuedCount() == out.count()) {
			auto d = waitDequeue(*dev, out, 2000);
			ASSERT_TRUE(d.ok()) << d.error().message;
			cache.release(d->index);
		}
		const DmaBuf &f = frames[i % frames.size()];
		auto idx = cache.acquire(f.inode());
		ASSERT_TRUE(idx.has_value());
		ASSERT_TRUE(out.queueDmaBuf(*idx,
					    { { f.fd(), static_cast<uint32_t>(f.size()), frameSize,
						0 } },
					    (i + 1) * 1000000ull)
				    .ok());
		auto c = waitDequeue(*dev, cap, 2000);
		ASSERT_TRUE(c.ok()) << c.error().message;
		EXPECT_GT(c->bytesUsed[0], 0u);
		EXPECT_LT(c->bytesUsed[0], frameSize);
		EXPECT_GT(c->timestampNs, lastTs);
		lastTs = c->timestampNs;
		encoded++;
		ASSERT_TRUE(cap.queueMmap(c->index).ok());
	}
	EXPECT_EQ(encoded, total);
	std::printf("  index cache: %llu hits, %llu misses over %d imports of %zu dma-bufs\n",
		    (unsigned long long)cache.hits(), (unsigned long long)cache.misses(), total,
		    frames.size());
	EXPECT_EQ(cache.hits() + cache.misses(), uint64_t(total));
	EXPECT_EQ(cache.misses(), uint64_t(frames.size()));

	/* Drain: STOP, then the last CAPTURE buffer carries V4L2_BUF_FLAG_LAST. */
	ASSERT_TRUE(dev->encoderCommand(V4L2_ENC_CMD_STOP).ok());
	bool last = false;
	for (int i = 0; i < 10 && !last; ++i) {
		auto c = waitDequeue(*dev, cap, 2000);
		if (!c) {
			EXPECT_EQ(c.error().code, EPIPE) << c.error().message;
			break;
		}
		last = c->isLast();
		if (!last) {
			ASSERT_TRUE(cap.queueMmap(c->index).ok());
		}
	}
	EXPECT_TRUE(last) << "no LAST buffer after V4L2_ENC_CMD_STOP";
	auto ev = dev->dequeueEvent();
	ASSERT_TRUE(ev.ok()) << ev.error().message;
	ASSERT_TRUE(ev->has_value()) << "no EOS event after drain";
	EXPECT_EQ((*ev)->type, static_cast<uint32_t>(V4L2_EVENT_EOS));
	ASSERT_TRUE(dev->encoderCommand(V4L2_ENC_CMD_START).ok());
}

/*
 * After a LAST buffer DQBUF answers only EPIPE, so a frame the driver
 * finishes after it (a drain's STOP that raced the job, vicodec) is taken
 * through QUERYBUF: queuedBefore() names the buffers a job may still hold,
 * oldest first, and takeIfDone() takes one once the driver is done with it.
 */
TEST(V4l2Layer, BuffersQueuedBeforeAnotherAreTakenOnceDone)
{
	auto dev = openRole("vicodec-encoder");
	ASSERT_TRUE(dev);
	const DeviceFormat rawSet = setEncoderFormats(*dev);
	ASSERT_GT(rawSet.planes[0].sizeImage, 0u);
	BufferQueue out(*dev, dev->outputType());
	BufferQueue cap(*dev, dev->captureType());
	ASSERT_TRUE(out.allocate(1, V4L2_MEMORY_MMAP).ok());
	auto nCap = cap.allocate(3, V4L2_MEMORY_MMAP);
	ASSERT_TRUE(nCap.ok()) << nCap.error().message;
	ASSERT_GE(*nCap, 3u);
	for (unsigned i : { 2u, 0u, 1u })
		ASSERT_TRUE(cap.queueMmap(i).ok());
	EXPECT_EQ(cap.queuedBefore(1), (std::vector<unsigned>{ 2, 0 }));
	EXPECT_EQ(cap.queuedBefore(0), (std::vector<unsigned>{ 2 }));
	EXPECT_TRUE(cap.queuedBefore(2).empty());
	ASSERT_TRUE(out.streamOn().ok());
	ASSERT_TRUE(cap.streamOn().ok());

	auto notYet = cap.takeIfDone(2);
	ASSERT_TRUE(notYet.ok()) << notYet.error().message;
	EXPECT_FALSE(notYet->has_value()) << "a buffer the driver has not filled was taken";
	ASSERT_TRUE(out.queueMmap(0, { rawSet.planes[0].sizeImage }, 7000).ok());
	/* The encoder fills the oldest CAPTURE buffer, 2. */
	std::optional<DequeuedBuffer> done;
	for (int i = 0; i < 200 && !done; ++i) {
		auto d = cap.takeIfDone(2);
		ASSERT_TRUE(d.ok()) << d.error().message;
		done = *d;
		if (!done)
			usleep(10 * 1000);
	}
	ASSERT_TRUE(done.has_value()) << "buffer 2 not done 2 s after a frame was queued";
	EXPECT_EQ(done->index, 2u);
	EXPECT_GT(done->totalBytesUsed(), 0u);
	EXPECT_EQ(done->timestampNs, 7000u);
	EXPECT_FALSE(cap.isQueued(2));
	EXPECT_EQ(cap.queuedBefore(1), (std::vector<unsigned>{ 0 }));
	auto other = cap.takeIfDone(0);
	ASSERT_TRUE(other.ok()) << other.error().message;
	EXPECT_FALSE(other->has_value()) << "buffer 0 was not filled";
	auto again = cap.takeIfDone(2);
	ASSERT_TRUE(again.ok());
	EXPECT_FALSE(again->has_value()) << "a buffer already taken was taken twice";
}

namespace {

/* A 44-byte FWHT frame header (vicodec's struct fwht_cframe_hdr, big-endian
   fields after the magic) for a version 3, 4:2:0 YUV stream of \a w x \a h,
   announcing \a payload bytes; and \a payload bytes of zeros after it. */
std::vector<uint8_t> fwhtFrame(uint32_t w, uint32_t h, uint32_t payload)
{
	std::vector<uint8_t> f = { 0x4f, 0x4f, 0x4f, 0x4f, 0xff, 0xff, 0xff, 0xff };
	auto be32 = [&f](uint32_t v) {
		for (int shift = 24; shift >= 0; shift -= 8)
			f.push_back(static_cast<uint8_t>(v >> shift));
	};
	const uint32_t flags = V4L2_FWHT_FL_PIXENC_YUV |
			       (2u << V4L2_FWHT_FL_COMPONENTS_NUM_OFFSET) | V4L2_FWHT_FL_I_FRAME;
	for (uint32_t v :
	     { 3u, w, h, flags, uint32_t(V4L2_COLORSPACE_REC709), uint32_t(V4L2_XFER_FUNC_709),
	       uint32_t(V4L2_YCBCR_ENC_709), uint32_t(V4L2_QUANTIZATION_LIM_RANGE), payload })
		be32(v);
	f.resize(f.size() + payload, 0);
	return f;
}

} /* namespace */

/*
 * The stateful decoder announces the stream's format with
 * V4L2_EVENT_SOURCE_CHANGE once it has parsed a valid header: bytes without
 * one raise no event; a header for 1280x720 (the OUTPUT queue was set to
 * 640x480) raises exactly one, with the resolution flag, and the CAPTURE
 * format then says 1280x720.
 */
TEST(V4l2Layer, VicodecDecoderSignalsSourceChange)
{
	auto dev = openRole("vicodec-decoder");
	ASSERT_TRUE(dev);
	auto fmts = dev->enumFormats(dev->outputType());
	ASSERT_EQ(fmts.size(), 1u);
	EXPECT_EQ(fmts[0].fourcc, V4L2_PIX_FMT_FWHT);
	EXPECT_TRUE(fmts[0].flags & V4L2_FMT_FLAG_COMPRESSED);
	auto sub = dev->subscribeEvent(V4L2_EVENT_SOURCE_CHANGE);
	ASSERT_TRUE(sub.ok()) << sub.error().message;

	DeviceFormat coded;
	coded.fourcc = V4L2_PIX_FMT_FWHT;
	coded.width = 640;
	coded.height = 480;
	auto set = dev->setFormat(dev->outputType(), coded);
	ASSERT_TRUE(set.ok()) << set.error().message;
	const uint32_t slot = set->planes[0].sizeImage;

	auto heap = DmaHeapExporter::open("system");
	ASSERT_TRUE(heap.ok()) << heap.error().message;
	std::vector<DmaBuf> bufs;
	for (int i = 0; i < 2; ++i) {
		auto b = (*heap)->allocate({ slot, "source-change-test", 0 });
		ASSERT_TRUE(b.ok()) << b.error().message;
		bufs.push_back(std::move(b).value());
	}
	auto fill = [slot](const DmaBuf &b, const std::vector<uint8_t> &bytes) {
		ASSERT_LE(bytes.size(), slot);
		void *m = mmap(nullptr, slot, PROT_WRITE, MAP_SHARED, b.fd(), 0);
		ASSERT_NE(m, MAP_FAILED);
		std::memcpy(m, bytes.data(), bytes.size());
		munmap(m, slot);
	};
	BufferQueue out(*dev, dev->outputType());
	auto n = out.allocate(2, V4L2_MEMORY_DMABUF);
	ASSERT_TRUE(n.ok()) << n.error().message;
	ASSERT_GE(*n, 2u);
	ASSERT_TRUE(out.streamOn().ok());

	/* No magic anywhere: consumed, no event. */
	const std::vector<uint8_t> noise(4096, 0x5a);
	fill(bufs[0], noise);
	ASSERT_TRUE(out.queueDmaBuf(0,
				    { { bufs[0].fd(), static_cast<uint32_t>(bufs[0].size()),
					static_cast<uint32_t>(noise.size()), 0 } },
				    1000)
			    .ok());
	auto p = dev->wait(POLLPRI, 300);
	ASSERT_TRUE(p.ok()) << p.error().message;
	EXPECT_FALSE(*p & POLLPRI) << "an event after bytes without a header";
	auto none = dev->dequeueEvent();
	ASSERT_TRUE(none.ok()) << none.error().message;
	EXPECT_FALSE(none->has_value()) << "event " << (*none)->type << " without a header";

	/* A valid header for another size than the OUTPUT format's. */
	const std::vector<uint8_t> frame = fwhtFrame(1280, 720, 1024);
	fill(bufs[1], frame);
	ASSERT_TRUE(out.queueDmaBuf(1,
				    { { bufs[1].fd(), static_cast<uint32_t>(bufs[1].size()),
					static_cast<uint32_t>(frame.size()), 0 } },
				    2000)
			    .ok());
	p = dev->poll(POLLPRI, 2000);
	ASSERT_TRUE(p.ok()) << p.error().message;
	EXPECT_TRUE(*p & POLLPRI) << "no event within 2 s of a valid header";
	auto ev = dev->dequeueEvent();
	ASSERT_TRUE(ev.ok()) << ev.error().message;
	ASSERT_TRUE(ev->has_value()) << "no V4L2_EVENT_SOURCE_CHANGE after a valid header";
	EXPECT_EQ((*ev)->type, static_cast<uint32_t>(V4L2_EVENT_SOURCE_CHANGE));
	EXPECT_EQ((*ev)->u.src_change.changes, static_cast<uint32_t>(V4L2_EVENT_SRC_CH_RESOLUTION));
	EXPECT_EQ((*ev)->pending, 0u) << "more than one event";
	auto cap = dev->getFormat(dev->captureType());
	ASSERT_TRUE(cap.ok()) << cap.error().message;
	EXPECT_EQ(cap->width, 1280u) << cap->toString();
	EXPECT_EQ(cap->height, 720u) << cap->toString();
	ASSERT_TRUE(out.release().ok());
}
