/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "rgb_image.h"

namespace dmabufkit::video {

namespace {

/* Byte offsets of R, G and B within a 4-byte pixel. */
struct Offsets {
	unsigned r, g, b;
};

Offsets offsetsOf(Rgb32Order order)
{
	switch (order) {
	case Rgb32Order::BGRx:
		return { 2, 1, 0 };
	case Rgb32Order::xRGB:
		return { 1, 2, 3 };
	case Rgb32Order::RGBx:
		return { 0, 1, 2 };
	case Rgb32Order::xBGR:
		return { 3, 2, 1 };
	}
	return { 2, 1, 0 };
}

} /* namespace */

void packRgb888Row(Rgb32Order order, const uint8_t *src, uint8_t *dst, size_t width)
{
	const Offsets o = offsetsOf(order);
	for (size_t x = 0; x < width; ++x, src += 4, dst += 3) {
		dst[0] = src[o.r];
		dst[1] = src[o.g];
		dst[2] = src[o.b];
	}
}

RgbImage packRgb888(Rgb32Order order, const uint8_t *src, size_t stride, int width, int height)
{
	RgbImage image;
	if (width <= 0 || height <= 0)
		return image;
	image.width = width;
	image.height = height;
	const size_t rowBytes = static_cast<size_t>(width) * 3;
	image.rgb.resize(rowBytes * height);
	for (int y = 0; y < height; ++y)
		packRgb888Row(order, src + static_cast<size_t>(y) * stride,
			      image.rgb.data() + static_cast<size_t>(y) * rowBytes, width);
	return image;
}

} /* namespace dmabufkit::video */
