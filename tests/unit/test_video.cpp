/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The shared video helpers (gst-plugins/video): RGB888 packing of every
 * 4-byte order, and the colorimetry -> YUV coefficients mapping.
 */
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "colorimetry.h"
#include "rgb_image.h"

using namespace dmabufkit::video;

TEST(RgbPacking, EveryOrderGivesRedGreenBlue)
{
	/* One pixel R=1 G=2 B=3 with a filler byte 9, in each memory order. */
	const struct {
		Rgb32Order order;
		uint8_t bytes[4];
	} cases[] = {
		{ Rgb32Order::BGRx, { 3, 2, 1, 9 } },
		{ Rgb32Order::xRGB, { 9, 1, 2, 3 } },
		{ Rgb32Order::RGBx, { 1, 2, 3, 9 } },
		{ Rgb32Order::xBGR, { 9, 3, 2, 1 } },
	};
	for (const auto &c : cases) {
		uint8_t rgb[3] = {};
		packRgb888Row(c.order, c.bytes, rgb, 1);
		EXPECT_EQ(rgb[0], 1) << static_cast<int>(c.order);
		EXPECT_EQ(rgb[1], 2) << static_cast<int>(c.order);
		EXPECT_EQ(rgb[2], 3) << static_cast<int>(c.order);
	}
}

TEST(RgbPacking, ImageSkipsTheStridePadding)
{
	/* 2x2 BGRx, rows 12 bytes apart (4 bytes of padding, 0xee). */
	const std::vector<uint8_t> src = { 10, 20, 30, 0, 11, 21, 31, 0, 0xee, 0xee, 0xee, 0xee,
					   12, 22, 32, 0, 13, 23, 33, 0, 0xee, 0xee, 0xee, 0xee };
	const RgbImage img = packRgb888(Rgb32Order::BGRx, src.data(), 12, 2, 2);
	EXPECT_EQ(img.width, 2);
	EXPECT_EQ(img.height, 2);
	EXPECT_EQ(img.rgb,
		  (std::vector<uint8_t>{ 30, 20, 10, 31, 21, 11, 32, 22, 12, 33, 23, 13 }));
	EXPECT_TRUE(packRgb888(Rgb32Order::BGRx, src.data(), 12, 0, 2).rgb.empty());
}

TEST(Colorimetry, MatrixAndRangeChooseTheCoefficients)
{
	auto same = [](const YuvCoefficients &a, const YuvCoefficients &b) {
		return a.matrix == b.matrix && a.range == b.range && a.yOffset == b.yOffset &&
		       a.yMul == b.yMul && a.rv == b.rv && a.gu == b.gu && a.gv == b.gv &&
		       a.bu == b.bu;
	};
	GstVideoColorimetry c{};
	c.range = GST_VIDEO_COLOR_RANGE_16_235;
	c.matrix = GST_VIDEO_COLOR_MATRIX_BT709;
	EXPECT_TRUE(
		same(yuvCoefficientsFor(c), yuvCoefficients(YuvMatrix::BT709, YuvRange::Limited)));
	c.matrix = GST_VIDEO_COLOR_MATRIX_BT2020;
	c.range = GST_VIDEO_COLOR_RANGE_0_255;
	EXPECT_TRUE(
		same(yuvCoefficientsFor(c), yuvCoefficients(YuvMatrix::BT2020, YuvRange::Full)));
	c.range = GST_VIDEO_COLOR_RANGE_UNKNOWN;
	EXPECT_EQ(yuvCoefficientsFor(c).range, YuvRange::Limited)
		<< "unknown range reads as limited";
	for (auto m : { GST_VIDEO_COLOR_MATRIX_UNKNOWN, GST_VIDEO_COLOR_MATRIX_BT601,
			GST_VIDEO_COLOR_MATRIX_RGB, GST_VIDEO_COLOR_MATRIX_SMPTE240M,
			GST_VIDEO_COLOR_MATRIX_FCC }) {
		c.matrix = m;
		EXPECT_EQ(yuvCoefficientsFor(c).matrix, YuvMatrix::BT601) << m;
	}
	EXPECT_TRUE(yuvMatrixSupported(GST_VIDEO_COLOR_MATRIX_BT709));
	EXPECT_TRUE(yuvMatrixSupported(GST_VIDEO_COLOR_MATRIX_UNKNOWN));
	EXPECT_FALSE(yuvMatrixSupported(GST_VIDEO_COLOR_MATRIX_SMPTE240M));
	EXPECT_FALSE(yuvMatrixSupported(GST_VIDEO_COLOR_MATRIX_FCC));
}
