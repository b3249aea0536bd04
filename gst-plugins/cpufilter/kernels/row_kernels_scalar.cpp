/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The scalar reference of every row kernel. */
#include "row_kernels.h"

namespace dmabufkit::cpufilter {

namespace {

inline void loadYuv(const YuvRowSource &s, int x, int &y, int &u, int &v)
{
	const int pair = x / 2;
	switch (s.format) {
	case KernelFormat::YUY2:
		y = s.p0[2 * x];
		u = s.p0[pair * 4 + 1];
		v = s.p0[pair * 4 + 3];
		break;
	case KernelFormat::UYVY:
		y = s.p0[2 * x + 1];
		u = s.p0[pair * 4];
		v = s.p0[pair * 4 + 2];
		break;
	case KernelFormat::NV12:
		y = s.p0[x];
		u = s.p1[pair * 2];
		v = s.p1[pair * 2 + 1];
		break;
	case KernelFormat::I420:
		y = s.p0[x];
		u = s.p1[pair];
		v = s.p2[pair];
		break;
	default:
		y = u = v = 0;
	}
}

} /* namespace */

void yuvRowToRgbScalar(const YuvRowSource &src, uint8_t *dst, KernelFormat dstFormat, int x0,
		       int width, const video::YuvCoefficients &c)
{
	for (int x = x0; x < width; ++x) {
		int y, u, v;
		loadYuv(src, x, y, u, v);
		if (dstFormat == KernelFormat::GRAY8) {
			dst[x] = video::yuvToGray(c, y);
			continue;
		}
		uint8_t r, g, b;
		video::yuvToRgbPixel(c, y, u, v, r, g, b);
		uint8_t *d = dst + 4 * x;
		switch (dstFormat) {
		case KernelFormat::BGRx:
		case KernelFormat::BGRA:
			d[0] = b, d[1] = g, d[2] = r, d[3] = 0xff;
			break;
		case KernelFormat::xRGB:
		case KernelFormat::ARGB:
			d[0] = 0xff, d[1] = r, d[2] = g, d[3] = b;
			break;
		case KernelFormat::RGB16: {
			const uint16_t p = static_cast<uint16_t>(((r & 0xf8) << 8) |
								 ((g & 0xfc) << 3) | (b >> 3));
			dst[2 * x] = static_cast<uint8_t>(p);
			dst[2 * x + 1] = static_cast<uint8_t>(p >> 8);
			break;
		}
		default:
			break;
		}
	}
}

void xorRowScalar(const uint8_t *src, uint8_t *dst, size_t bytes, size_t x0, uint32_t mask)
{
	for (size_t i = x0; i < bytes; ++i)
		dst[i] = src[i] ^ static_cast<uint8_t>(mask >> (8 * (i % 4)));
}

void grayRgb32RowScalar(const uint8_t *src, uint8_t *dst, KernelFormat f, int x0, int width)
{
	const bool alphaFirst = f == KernelFormat::xRGB || f == KernelFormat::ARGB;
	for (int x = x0; x < width; ++x) {
		const uint8_t *s = src + 4 * x;
		uint8_t *d = dst + 4 * x;
		if (alphaFirst) {
			const uint8_t a = s[0], yv = rgbLuma(s[1], s[2], s[3]);
			d[0] = a, d[1] = yv, d[2] = yv, d[3] = yv;
		} else {
			const uint8_t a = s[3], yv = rgbLuma(s[2], s[1], s[0]);
			d[0] = yv, d[1] = yv, d[2] = yv, d[3] = a;
		}
	}
}

} /* namespace dmabufkit::cpufilter */
