/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host tests of the V4L2 layer's pure logic: the V4L2 <-> GStreamer format
 * mapping, stride/offset derivation, the dma-buf -> buffer index cache and
 * the choice of a decoded format.
 */
#include <algorithm>
#include <set>

#include <gst/gst.h>
#include <gtest/gtest.h>

#include "decoded_format.h"
#include "dmabufkit/v4l2/device_finder.h"
#include "dmabufkit/v4l2/dmabuf_index_cache.h"
#include "format_map.h"
#include "dmabufkit/v4l2/device_format.h"

using namespace dmabufkit::v4l2;

TEST(FormatMap, RoundTripsEverySinglePlaneFourcc)
{
	std::set<GstVideoFormat> seen;
	for (const auto &m : rawFormatMappings()) {
		EXPECT_EQ(videoFormatFromFourcc(m.fourcc), m.format)
			<< dmabufkit::fourccName(m.fourcc);
		uint32_t back = fourccFromVideoFormat(m.format, m.multiPlanar);
		/* The deprecated BGR4/RGB4 map one way only; everything else round-trips. */
		if (m.fourcc != V4L2_PIX_FMT_BGR32 && m.fourcc != V4L2_PIX_FMT_RGB32) {
			EXPECT_EQ(back, m.fourcc) << dmabufkit::fourccName(m.fourcc) << " -> "
						  << gst_video_format_to_string(m.format) << " -> "
						  << dmabufkit::fourccName(back);
		}
		EXPECT_EQ(isMultiPlanarFourcc(m.fourcc), m.multiPlanar);
	}
}

TEST(FormatMap, RgbByteOrder)
{
	/* V4L2 names components in a little-endian word; GStreamer bytes in memory. */
	EXPECT_EQ(videoFormatFromFourcc(V4L2_PIX_FMT_XBGR32), GST_VIDEO_FORMAT_BGRx);
	EXPECT_EQ(videoFormatFromFourcc(V4L2_PIX_FMT_XRGB32), GST_VIDEO_FORMAT_xRGB);
	EXPECT_EQ(videoFormatFromFourcc(V4L2_PIX_FMT_RGBA32), GST_VIDEO_FORMAT_RGBA);
	EXPECT_EQ(videoFormatFromFourcc(V4L2_PIX_FMT_BGRA32), GST_VIDEO_FORMAT_ABGR);
	EXPECT_EQ(videoFormatFromFourcc(V4L2_PIX_FMT_BGR24), GST_VIDEO_FORMAT_BGR);
	EXPECT_EQ(videoFormatFromFourcc(V4L2_PIX_FMT_YUYV), GST_VIDEO_FORMAT_YUY2);
	EXPECT_EQ(fourccFromVideoFormat(GST_VIDEO_FORMAT_BGRx), V4L2_PIX_FMT_XBGR32);
	EXPECT_EQ(fourccFromVideoFormat(GST_VIDEO_FORMAT_NV12, true), V4L2_PIX_FMT_NV12M);
	EXPECT_EQ(fourccFromVideoFormat(GST_VIDEO_FORMAT_NV12, false), V4L2_PIX_FMT_NV12);
	EXPECT_EQ(videoFormatFromFourcc(V4L2_PIX_FMT_FWHT), GST_VIDEO_FORMAT_UNKNOWN);
}

TEST(FormatMap, EveryVicodecAndVividFormatWeNeedIsMapped)
{
	for (uint32_t f : { V4L2_PIX_FMT_YUV420, V4L2_PIX_FMT_YVU420, V4L2_PIX_FMT_YUV422P,
			    V4L2_PIX_FMT_NV12,	 V4L2_PIX_FMT_NV21,   V4L2_PIX_FMT_NV16,
			    V4L2_PIX_FMT_NV61,	 V4L2_PIX_FMT_NV24,   V4L2_PIX_FMT_YUYV,
			    V4L2_PIX_FMT_YVYU,	 V4L2_PIX_FMT_UYVY,   V4L2_PIX_FMT_VYUY,
			    V4L2_PIX_FMT_BGR24,	 V4L2_PIX_FMT_RGB24,  V4L2_PIX_FMT_XBGR32,
			    V4L2_PIX_FMT_ABGR32, V4L2_PIX_FMT_XRGB32, V4L2_PIX_FMT_ARGB32,
			    V4L2_PIX_FMT_RGBX32, V4L2_PIX_FMT_RGBA32, V4L2_PIX_FMT_BGRX32,
			    V4L2_PIX_FMT_BGRA32, V4L2_PIX_FMT_GREY,   V4L2_PIX_FMT_RGB565 })
		EXPECT_NE(videoFormatFromFourcc(f), GST_VIDEO_FORMAT_UNKNOWN)
			<< dmabufkit::fourccName(f);
}

TEST(FormatMap, Codecs)
{
	EXPECT_EQ(codecFourccFromMediaType("video/x-fwht"), V4L2_PIX_FMT_FWHT);
	EXPECT_EQ(codecFourccFromMediaType("video/x-h264"), V4L2_PIX_FMT_H264);
	EXPECT_EQ(codecFourccFromMediaType("video/x-raw"), 0u);
	ASSERT_NE(codecFromFourcc(V4L2_PIX_FMT_FWHT), nullptr);
	EXPECT_STREQ(codecFromFourcc(V4L2_PIX_FMT_FWHT)->mediaType, "video/x-fwht");
}

TEST(FormatMap, VideoInfoFromPaddedNv12)
{
	DeviceFormat f;
	f.fourcc = V4L2_PIX_FMT_NV12;
	f.width = 640;
	f.height = 480;
	f.planes[0] = { 704, 704 * 480 * 3 / 2 };
	GstVideoInfo info;
	auto r = videoInfoFromFormat(f, &info);
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(GST_VIDEO_INFO_FORMAT(&info), GST_VIDEO_FORMAT_NV12);
	EXPECT_EQ(info.stride[0], 704);
	EXPECT_EQ(info.stride[1], 704);
	EXPECT_EQ(info.offset[1], 704u * 480);
	EXPECT_EQ(info.size, 704u * 480 * 3 / 2);
}

TEST(FormatMap, VideoInfoFromI420HalvesChromaStride)
{
	DeviceFormat f;
	f.fourcc = V4L2_PIX_FMT_YUV420;
	f.width = 640;
	f.height = 360;
	f.planes[0] = { 640, 640 * 360 * 3 / 2 };
	GstVideoInfo info;
	ASSERT_TRUE(videoInfoFromFormat(f, &info).ok());
	EXPECT_EQ(info.stride[1], 320);
	EXPECT_EQ(info.stride[2], 320);
	EXPECT_EQ(info.offset[1], 640u * 360);
	EXPECT_EQ(info.offset[2], 640u * 360 + 320u * 180);
}

TEST(FormatMap, VideoInfoFromMultiPlanarNv12M)
{
	DeviceFormat f;
	f.fourcc = V4L2_PIX_FMT_NV12M;
	f.width = 1280;
	f.height = 720;
	f.numPlanes = 2;
	f.planes[0] = { 1280, 1280 * 720 };
	f.planes[1] = { 1280, 1280 * 360 };
	GstVideoInfo info;
	ASSERT_TRUE(videoInfoFromFormat(f, &info).ok());
	EXPECT_EQ(info.offset[1], 1280u * 720);
	EXPECT_EQ(info.size, 1280u * 720 * 3 / 2);
	f.numPlanes = 1;
	EXPECT_FALSE(videoInfoFromFormat(f, &info).ok()) << "plane count mismatch accepted";
}

TEST(FormatMap, RejectsTooSmallStrideAndUnknownFourcc)
{
	DeviceFormat f;
	f.fourcc = V4L2_PIX_FMT_YUYV;
	f.width = 640;
	f.height = 480;
	f.planes[0] = { 640, 640 * 480 };
	GstVideoInfo info;
	EXPECT_FALSE(videoInfoFromFormat(f, &info).ok());
	f.fourcc = V4L2_PIX_FMT_FWHT;
	EXPECT_FALSE(videoInfoFromFormat(f, &info).ok());
}

TEST(FormatMap, V4l2FormatConversionBothApis)
{
	DeviceFormat f;
	f.fourcc = V4L2_PIX_FMT_NV12M;
	f.width = 64;
	f.height = 32;
	f.numPlanes = 2;
	f.planes[0] = { 64, 2048 };
	f.planes[1] = { 64, 1024 };
	struct v4l2_format v;
	toV4l2Format(f, V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE, &v);
	EXPECT_EQ(v.fmt.pix_mp.num_planes, 2);
	DeviceFormat back = fromV4l2Format(v);
	EXPECT_EQ(back.numPlanes, 2u);
	EXPECT_EQ(back.planes[1].sizeImage, 1024u);
	toV4l2Format(f, V4L2_BUF_TYPE_VIDEO_OUTPUT, &v);
	back = fromV4l2Format(v);
	EXPECT_EQ(back.numPlanes, 1u);
	EXPECT_EQ(back.planes[0].bytesPerLine, 64u);
}

TEST(IndexCache, SameDmaBufGetsSameIndex)
{
	DmaBufIndexCache c(4);
	std::vector<unsigned> first;
	for (uint64_t ino = 100; ino < 104; ++ino)
		first.push_back(*c.acquire(ino));
	EXPECT_EQ(c.misses(), 4u);
	EXPECT_FALSE(c.acquire(999).has_value()) << "all busy must refuse";
	for (unsigned round = 0; round < 10; ++round) {
		for (uint64_t ino = 100; ino < 104; ++ino) {
			c.release(first[ino - 100]);
			auto i = c.acquire(ino);
			ASSERT_TRUE(i.has_value());
			EXPECT_EQ(*i, first[ino - 100]);
		}
	}
	EXPECT_EQ(c.hits(), 40u);
	EXPECT_EQ(c.misses(), 4u);
}

TEST(IndexCache, MoreDmaBufsThanSlotsEvictsLeastRecentlyUsed)
{
	DmaBufIndexCache c(2);
	auto a = *c.acquire(1);
	auto b = *c.acquire(2);
	c.release(a);
	c.release(b);
	auto x = c.acquire(3); /* evicts inode 1 (older) */
	ASSERT_TRUE(x.has_value());
	EXPECT_EQ(*x, a);
	c.release(*x);
	auto y = c.acquire(2); /* still bound */
	EXPECT_EQ(*y, b);
	EXPECT_EQ(c.hits(), 1u);
	EXPECT_EQ(c.misses(), 3u);
	c.releaseAll();
	EXPECT_EQ(c.busyCount(), 0u);
}

TEST(IndexCache, BusyDmaBufQueuedTwiceTakesAnotherSlot)
{
	DmaBufIndexCache c(2);
	auto a = c.acquire(7);
	auto b = c.acquire(7);
	ASSERT_TRUE(a && b);
	EXPECT_NE(*a, *b);
}

/* ---------------------------------------------------------------- decoded format choice */

TEST(DecodedFormat, SameSamplingMeansARepackingOnly)
{
	using namespace dmabufkit::v4l2;
	EXPECT_TRUE(sameSampling(GST_VIDEO_FORMAT_Y42B, GST_VIDEO_FORMAT_YUY2));
	EXPECT_TRUE(sameSampling(GST_VIDEO_FORMAT_Y42B, GST_VIDEO_FORMAT_UYVY));
	EXPECT_TRUE(sameSampling(GST_VIDEO_FORMAT_Y42B, GST_VIDEO_FORMAT_NV16));
	EXPECT_TRUE(sameSampling(GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_NV12));
	EXPECT_TRUE(sameSampling(GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_YV12));
	EXPECT_TRUE(sameSampling(GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_xRGB));
	EXPECT_TRUE(sameSampling(GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_RGB));
	EXPECT_FALSE(sameSampling(GST_VIDEO_FORMAT_Y42B, GST_VIDEO_FORMAT_NV12))
		<< "4:2:2 is not 4:2:0";
	EXPECT_FALSE(sameSampling(GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_Y444));
	EXPECT_FALSE(sameSampling(GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_GRAY8));
	EXPECT_FALSE(sameSampling(GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_BGRA))
		<< "alpha is a fourth component";
	EXPECT_FALSE(sameSampling(GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_AYUV));
	EXPECT_FALSE(sameSampling(GST_VIDEO_FORMAT_NV12, GST_VIDEO_FORMAT_P010_10LE))
		<< "different depth";
	EXPECT_FALSE(sameSampling(GST_VIDEO_FORMAT_UNKNOWN, GST_VIDEO_FORMAT_NV12));
}

TEST(DecodedFormat, KeepsTheDriversChoiceElseTheFirstAcceptedRepacking)
{
	using namespace dmabufkit::v4l2;
	/* vicodec's CAPTURE list before streaming: every format, 4:2:0 first. */
	const std::vector<GstVideoFormat> offered = { GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_YV12,
						      GST_VIDEO_FORMAT_Y42B, GST_VIDEO_FORMAT_NV12,
						      GST_VIDEO_FORMAT_NV21, GST_VIDEO_FORMAT_NV16,
						      GST_VIDEO_FORMAT_YUY2, GST_VIDEO_FORMAT_UYVY,
						      GST_VIDEO_FORMAT_BGRx };
	auto only = [](std::vector<GstVideoFormat> ok) {
		return [ok](GstVideoFormat f) {
			return std::find(ok.begin(), ok.end(), f) != ok.end();
		};
	};
	EXPECT_EQ(chooseDecodedFormat(GST_VIDEO_FORMAT_Y42B, offered,
				      only({ GST_VIDEO_FORMAT_Y42B, GST_VIDEO_FORMAT_YUY2 })),
		  GST_VIDEO_FORMAT_Y42B);
	EXPECT_EQ(chooseDecodedFormat(GST_VIDEO_FORMAT_Y42B, offered,
				      only({ GST_VIDEO_FORMAT_UYVY, GST_VIDEO_FORMAT_YUY2 })),
		  GST_VIDEO_FORMAT_YUY2)
		<< "the driver's order decides between accepted repackings";
	EXPECT_EQ(chooseDecodedFormat(GST_VIDEO_FORMAT_Y42B, offered,
				      only({ GST_VIDEO_FORMAT_NV12, GST_VIDEO_FORMAT_I420 })),
		  GST_VIDEO_FORMAT_UNKNOWN)
		<< "never a format of another sampling, though the driver lists it";
	EXPECT_EQ(chooseDecodedFormat(GST_VIDEO_FORMAT_I420, offered,
				      only({ GST_VIDEO_FORMAT_NV21 })),
		  GST_VIDEO_FORMAT_NV21);
	EXPECT_EQ(chooseDecodedFormat(GST_VIDEO_FORMAT_I420, {}, only({ GST_VIDEO_FORMAT_NV12 })),
		  GST_VIDEO_FORMAT_UNKNOWN)
		<< "only what the driver offers";
}

TEST(FormatMap, VideoInfoKeepsAPackedStrideBelowGStreamersRounding)
{
	/* vim2m writes RGB24 330 pixels wide with 990-byte rows; GStreamer would pad to 992. */
	DeviceFormat f;
	f.fourcc = V4L2_PIX_FMT_RGB24;
	f.width = 330;
	f.height = 250;
	f.planes[0] = { 990, 990 * 250 };
	GstVideoInfo info;
	auto r = videoInfoFromFormat(f, &info);
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(info.stride[0], 990);
	EXPECT_EQ(info.size, 990u * 250);
	f.planes[0] = { 988, 988 * 250 };
	EXPECT_FALSE(videoInfoFromFormat(f, &info).ok()) << "less than a row of pixels";
}
