/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Stride, offset and size math for every format the elements use. */
#include <gtest/gtest.h>

#include "dmabufkit/core/frame_layout.h"

using namespace dmabufkit;

namespace {

FrameLayout layout(const char *fmt, uint32_t w, uint32_t h, const Constraints &c = {},
		   const LayoutPadding &pad = {})
{
	const PixelFormatInfo *f = findPixelFormat(fmt);
	EXPECT_NE(f, nullptr) << fmt;
	auto l = computeFrameLayout(*f, w, h, c, pad);
	EXPECT_TRUE(l.ok()) << fmt << ": " << (l.ok() ? "" : l.error().message);
	return l.ok() ? *l : FrameLayout{};
}

} /* namespace */

TEST(FrameLayout, PackedFormats)
{
	struct {
		const char *fmt;
		uint32_t stride;
	} cases[] = { { "YUY2", 1280 }, { "UYVY", 1280 },     { "BGRx", 2560 },	 { "xRGB", 2560 },
		      { "BGRA", 2560 }, { "ARGB", 2560 },     { "RGB16", 1280 }, { "GRAY8", 640 },
		      { "RGB", 1920 },	{ "BGRA64_LE", 5120 } };
	for (const auto &c : cases) {
		FrameLayout l = layout(c.fmt, 640, 480);
		EXPECT_EQ(l.planes, 1u) << c.fmt;
		EXPECT_EQ(l.stride[0], c.stride) << c.fmt;
		EXPECT_EQ(l.offset[0], 0u) << c.fmt;
		EXPECT_EQ(l.frameSize, uint64_t(c.stride) * 480) << c.fmt;
	}
}

TEST(FrameLayout, Nv12SingleMemory)
{
	FrameLayout l = layout("NV12", 1280, 720);
	EXPECT_EQ(l.planes, 2u);
	EXPECT_FALSE(l.perPlaneMemory);
	EXPECT_EQ(l.stride[0], 1280u);
	EXPECT_EQ(l.stride[1], 1280u);
	EXPECT_EQ(l.offset[1], 1280u * 720);
	EXPECT_EQ(l.frameSize, 1280u * 720 * 3 / 2);
	EXPECT_EQ(l.memories(), 1u);
	EXPECT_EQ(l.memorySize[0], l.frameSize);
}

TEST(FrameLayout, I420OddSizeRoundsChromaUp)
{
	FrameLayout l = layout("I420", 641, 361);
	EXPECT_EQ(l.stride[0], 641u);
	EXPECT_EQ(l.stride[1], 321u);
	EXPECT_EQ(l.stride[2], 321u);
	EXPECT_EQ(l.offset[1], 641u * 361);
	EXPECT_EQ(l.offset[2], 641u * 361 + 321u * 181);
	EXPECT_EQ(l.frameSize, 641u * 361 + 2u * 321 * 181);
}

TEST(FrameLayout, YuyvOddWidthRoundsToMacropixel)
{
	FrameLayout l = layout("YUY2", 641, 3);
	EXPECT_EQ(l.stride[0], 1284u);
}

TEST(FrameLayout, StrideAndOffsetAlignment)
{
	Constraints c;
	c.strideAlign = 64;
	c.offsetAlign = 4096;
	FrameLayout l = layout("NV12", 1000, 500, c);
	EXPECT_EQ(l.stride[0], 1024u);
	EXPECT_EQ(l.stride[1], 1024u);
	EXPECT_EQ(l.offset[1], 1024u * 500); /* 512000 = 125 * 4096 */
	c.offsetAlign = 65536;
	l = layout("NV12", 1000, 500, c);
	EXPECT_EQ(l.offset[1], 524288u);
	EXPECT_EQ(l.frameSize, 524288u + 1024u * 250);
}

TEST(FrameLayout, PerPlaneMemories)
{
	Constraints c;
	c.memoryLayout = MemoryLayout::PerPlane;
	FrameLayout l = layout("I420", 640, 480, c);
	EXPECT_TRUE(l.perPlaneMemory);
	EXPECT_EQ(l.memories(), 3u);
	EXPECT_EQ(l.memorySize[0], 640u * 480);
	EXPECT_EQ(l.memorySize[1], 320u * 240);
	EXPECT_EQ(l.offset[1], 0u);
	/* A single-plane format stays in one memory. */
	EXPECT_EQ(layout("BGRx", 64, 64, c).memories(), 1u);
}

TEST(FrameLayout, PackedStrideLikeVicodec)
{
	Constraints c;
	c.consumer = "vicodec";
	c.packedStride = true;
	FrameLayout l = layout("I420", 640, 360, c);
	EXPECT_EQ(l.stride[1], 320u);
	EXPECT_EQ(l.frameSize, 640u * 360 * 3 / 2);
	/* 704 wide: luma 704 is 64-aligned, chroma 352 is not. */
	c.strideAlign = 64;
	auto r = computeFrameLayout(*findPixelFormat("I420"), 704, 360, c);
	ASSERT_FALSE(r.ok());
	EXPECT_NE(r.error().message.find("packed stride 352 of plane 1"), std::string::npos)
		<< r.error().message;
	EXPECT_NE(r.error().message.find("vicodec"), std::string::npos);
}

TEST(FrameLayout, PaddingFromVideoAlignment)
{
	LayoutPadding pad;
	pad.top = 2;
	pad.left = 16;
	pad.right = 16;
	pad.bottom = 2;
	pad.strideAlignMask = { 63, 63, 63 };
	FrameLayout l = layout("NV12", 640, 480, {}, pad);
	EXPECT_EQ(l.stride[0], 704u); /* 672 rounded up to 64 */
	EXPECT_EQ(l.offset[0], 2u * 704 + 16);
	EXPECT_EQ(l.offset[1], 704u * 484 + 1u * 704 + 16);
}

TEST(FrameLayout, ZeroSizeAndMaxSizeFail)
{
	const PixelFormatInfo *f = findPixelFormat("BGRx");
	auto z = computeFrameLayout(*f, 0, 480, {});
	ASSERT_FALSE(z.ok());
	EXPECT_NE(z.error().message.find("zero-size"), std::string::npos);
	Constraints c;
	c.maxSize = 1000;
	EXPECT_FALSE(computeFrameLayout(*f, 64, 64, c).ok());
}

TEST(PixelFormats, TableIsConsistent)
{
	size_t n = 0;
	const PixelFormatInfo *all = pixelFormats(&n);
	ASSERT_GT(n, 20u);
	for (size_t i = 0; i < n; ++i) {
		EXPECT_EQ(findPixelFormat(all[i].name), &all[i]);
		EXPECT_GE(all[i].planes, 1u);
		EXPECT_LE(all[i].planes, 3u);
		for (unsigned p = 0; p < all[i].planes; ++p)
			EXPECT_GT(all[i].plane[p].bytesPerBlock, 0u) << all[i].name;
	}
	EXPECT_EQ(findPixelFormat("NOPE"), nullptr);
	EXPECT_EQ(findPixelFormat("NV12")->widthAlign(), 2u);
	EXPECT_EQ(findPixelFormat("NV12")->heightAlign(), 2u);
	EXPECT_EQ(findPixelFormat("YUY2")->widthAlign(), 2u);
	EXPECT_EQ(findPixelFormat("YUY2")->heightAlign(), 1u);
}
