/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file yuv_coefficients.h
 * \brief Fixed-point YUV to RGB coefficients for BT.601 / BT.709 / BT.2020
 * (non-constant luminance), limited or full range, shared by the CPU
 * filter's scalar and SIMD kernels and the tracer's preview, so all of them
 * compute the very same integers.
 *
 * R = (ys + mulhi(vs, rv) + 16) >> 5 where ys = mulhi((Y - yOffset) << 7, yMul)
 * and vs = (V - 128) << 8; mulhi(a, b) is the high half of the signed 16x16
 * product. yMul is Q14, the chroma factors Q13, so every term is Q5 and every
 * sum fits in int16.
 */
#pragma once

#include <cstdint>

namespace dmabufkit::video {

/** \brief The colour matrices the kernels convert with. */
enum class YuvMatrix { BT601, BT709, BT2020 };
/** \brief Limited (Y 16..235, C 16..240) or full (0..255) range. */
enum class YuvRange { Limited, Full };

/** \brief One matrix and range as the kernels' fixed-point factors. */
struct YuvCoefficients {
	int16_t yOffset; /* 16 for limited range, 0 for full */
	int16_t yMul;	 /* Q14 */
	int16_t rv;	 /* Q13, V contribution to R */
	int16_t gu;	 /* Q13, negative */
	int16_t gv;	 /* Q13, negative */
	int16_t bu;	 /* Q13 */
	/* The exact values the integers approximate, for reference checks. */
	double kr, kb;
	YuvMatrix matrix;
	YuvRange range;
};

/** \brief The fixed-point coefficients of \a matrix in \a range. */
YuvCoefficients yuvCoefficients(YuvMatrix matrix, YuvRange range);

/** \brief The product the SIMD kernels use: floor(a * b / 65536). */
inline int16_t mulHigh(int16_t a, int16_t b)
{
	return static_cast<int16_t>((static_cast<int32_t>(a) * b) >> 16);
}

/** \brief \a v clamped to 0..255. */
inline uint8_t clampU8(int v)
{
	return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

/** \brief One pixel, the scalar reference of the fixed-point math. */
inline void yuvToRgbPixel(const YuvCoefficients &c, int y, int u, int v, uint8_t &r, uint8_t &g,
			  uint8_t &b)
{
	const int16_t ys = mulHigh(static_cast<int16_t>((y - c.yOffset) * 128), c.yMul);
	const int16_t us = static_cast<int16_t>((u - 128) * 256);
	const int16_t vs = static_cast<int16_t>((v - 128) * 256);
	r = clampU8((ys + mulHigh(vs, c.rv) + 16) >> 5);
	g = clampU8((ys + mulHigh(us, c.gu) + mulHigh(vs, c.gv) + 16) >> 5);
	b = clampU8((ys + mulHigh(us, c.bu) + 16) >> 5);
}

/** \brief Full-range luma of a Y sample (what GRAY8 output holds). */
inline uint8_t yuvToGray(const YuvCoefficients &c, int y)
{
	const int16_t ys = mulHigh(static_cast<int16_t>((y - c.yOffset) * 128), c.yMul);
	return clampU8((ys + 16) >> 5);
}

} /* namespace dmabufkit::video */
