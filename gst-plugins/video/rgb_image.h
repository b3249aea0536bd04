/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file rgb_image.h
 * \brief An 8-bit RGB image and the packing of 4-byte RGB rows into it.
 *
 * The CPU filter's PNG frames and the KMS writeback captures both start
 * from 4-byte pixels (BGRx, xRGB, ...) and need RGB888 for libpng.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dmabufkit::video {

/** \brief An 8-bit RGB image, rows packed (width * 3 bytes). */
struct RgbImage {
	int width = 0;
	int height = 0;
	std::vector<uint8_t> rgb;
};

/**
 * \brief Byte order of a 4-byte RGB pixel in memory, named like the
 * GStreamer format. The fourth byte (x or A) is dropped, so BGRA packs as
 * BGRx; DRM's XRGB8888 is BGRx in memory.
 */
enum class Rgb32Order { BGRx, xRGB, RGBx, xBGR };

/** \brief Pack \a width pixels of \a order at \a src into RGB888 at \a dst. */
void packRgb888Row(Rgb32Order order, const uint8_t *src, uint8_t *dst, size_t width);

/** \brief An RgbImage of \a width x \a height 4-byte pixels, rows \a stride bytes apart. */
RgbImage packRgb888(Rgb32Order order, const uint8_t *src, size_t stride, int width, int height);

} /* namespace dmabufkit::video */
