/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file row_kernels.h
 * \brief Row kernels, each in a scalar reference and a Highway SIMD form.
 *
 * The SIMD forms process as many whole vectors as fit in the row and return
 * the number of pixels done; the caller finishes the row with the scalar form
 * from there (always an even pixel). Both forms compute the same integers.
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "video_frame.h"
#include "yuv_coefficients.h"

namespace dmabufkit::cpufilter {

/* Source row of a YUV format: YUY2/UYVY use p0; NV12 p0 (Y) and p1 (UV);
 * I420 p0 (Y), p1 (U), p2 (V). Chroma pointers are for the row's chroma line. */
struct YuvRowSource {
	KernelFormat format;
	const uint8_t *p0;
	const uint8_t *p1;
	const uint8_t *p2;
};

void yuvRowToRgbScalar(const YuvRowSource &src, uint8_t *dst, KernelFormat dstFormat, int x0,
		       int width, const video::YuvCoefficients &c);
int yuvRowToRgbSimd(const YuvRowSource &src, uint8_t *dst, KernelFormat dstFormat, int width,
		    const video::YuvCoefficients &c);

/* XOR every byte with the 32-bit little-endian pattern \a mask repeated
 * (so the alpha byte of BGRA/ARGB can be kept). src may equal dst. */
void xorRowScalar(const uint8_t *src, uint8_t *dst, size_t bytes, size_t x0, uint32_t mask);
size_t xorRowSimd(const uint8_t *src, uint8_t *dst, size_t bytes, uint32_t mask);

/* Luma weights of RGB to gray (BT.601, full range, 8-bit fraction). */
inline uint8_t rgbLuma(int r, int g, int b)
{
	return static_cast<uint8_t>((77 * r + 150 * g + 29 * b + 128) >> 8);
}

/* Grayscale a row of a 4-byte RGB format in its own format. */
void grayRgb32RowScalar(const uint8_t *src, uint8_t *dst, KernelFormat f, int x0, int width);
int grayRgb32RowSimd(const uint8_t *src, uint8_t *dst, KernelFormat f, int width);

/* Name of the SIMD target chosen at run time (e.g. "AVX2"). */
const char *simdTargetName();

} /* namespace dmabufkit::cpufilter */
