/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/base/pixel_format.h"

#include <numeric>

namespace dmabufkit {

namespace {

constexpr uint32_t fourcc(char a, char b, char c, char d)
{
	return static_cast<uint32_t>(a) | (static_cast<uint32_t>(b) << 8) |
	       (static_cast<uint32_t>(c) << 16) | (static_cast<uint32_t>(d) << 24);
}

using P = PixelFormatInfo::Plane;
constexpr P kNone{ 0, 1, 1, 1 };

/* GStreamer format names (memory byte order) with the DRM fourcc of the same
 * layout (DRM names words, so XRGB8888 is B,G,R,X in memory, GStreamer's
 * BGRx), used by the KMS sink. V4L2 fourccs live in v4l2/format_map. */
const PixelFormatInfo kFormats[] = {
	/* packed YUV 4:2:2 */
	{ "YUY2", fourcc('Y', 'U', 'Y', 'V'), 1, { P{ 4, 2, 1, 1 }, kNone, kNone } },
	{ "UYVY", fourcc('U', 'Y', 'V', 'Y'), 1, { P{ 4, 2, 1, 1 }, kNone, kNone } },
	{ "YVYU", fourcc('Y', 'V', 'Y', 'U'), 1, { P{ 4, 2, 1, 1 }, kNone, kNone } },
	{ "VYUY", fourcc('V', 'Y', 'U', 'Y'), 1, { P{ 4, 2, 1, 1 }, kNone, kNone } },
	/* semi-planar YUV */
	{ "NV12", fourcc('N', 'V', '1', '2'), 2, { P{ 1, 1, 1, 1 }, P{ 2, 1, 2, 2 }, kNone } },
	{ "NV21", fourcc('N', 'V', '2', '1'), 2, { P{ 1, 1, 1, 1 }, P{ 2, 1, 2, 2 }, kNone } },
	{ "NV16", fourcc('N', 'V', '1', '6'), 2, { P{ 1, 1, 1, 1 }, P{ 2, 1, 2, 1 }, kNone } },
	{ "NV61", fourcc('N', 'V', '6', '1'), 2, { P{ 1, 1, 1, 1 }, P{ 2, 1, 2, 1 }, kNone } },
	{ "NV24", fourcc('N', 'V', '2', '4'), 2, { P{ 1, 1, 1, 1 }, P{ 2, 1, 1, 1 }, kNone } },
	/* planar YUV */
	{ "I420", fourcc('Y', 'U', '1', '2'), 3, { P{ 1, 1, 1, 1 }, P{ 1, 1, 2, 2 }, P{ 1, 1, 2, 2 } } },
	{ "YV12", fourcc('Y', 'V', '1', '2'), 3, { P{ 1, 1, 1, 1 }, P{ 1, 1, 2, 2 }, P{ 1, 1, 2, 2 } } },
	{ "Y42B", fourcc('Y', 'U', '1', '6'), 3, { P{ 1, 1, 1, 1 }, P{ 1, 1, 2, 1 }, P{ 1, 1, 2, 1 } } },
	{ "Y444", fourcc('Y', 'U', '2', '4'), 3, { P{ 1, 1, 1, 1 }, P{ 1, 1, 1, 1 }, P{ 1, 1, 1, 1 } } },
	/* grey */
	{ "GRAY8", fourcc('R', '8', ' ', ' '), 1, { P{ 1, 1, 1, 1 }, kNone, kNone } },
	{ "GRAY16_LE", fourcc('R', '1', '6', ' '), 1, { P{ 2, 1, 1, 1 }, kNone, kNone } },
	/* RGB */
	{ "RGB16", fourcc('R', 'G', '1', '6'), 1, { P{ 2, 1, 1, 1 }, kNone, kNone } },
	{ "RGB", fourcc('B', 'G', '2', '4'), 1, { P{ 3, 1, 1, 1 }, kNone, kNone } },
	{ "BGR", fourcc('R', 'G', '2', '4'), 1, { P{ 3, 1, 1, 1 }, kNone, kNone } },
	{ "BGRx", fourcc('X', 'R', '2', '4'), 1, { P{ 4, 1, 1, 1 }, kNone, kNone } },
	{ "BGRA", fourcc('A', 'R', '2', '4'), 1, { P{ 4, 1, 1, 1 }, kNone, kNone } },
	{ "xRGB", fourcc('B', 'X', '2', '4'), 1, { P{ 4, 1, 1, 1 }, kNone, kNone } },
	{ "ARGB", fourcc('B', 'A', '2', '4'), 1, { P{ 4, 1, 1, 1 }, kNone, kNone } },
	{ "RGBx", fourcc('X', 'B', '2', '4'), 1, { P{ 4, 1, 1, 1 }, kNone, kNone } },
	{ "RGBA", fourcc('A', 'B', '2', '4'), 1, { P{ 4, 1, 1, 1 }, kNone, kNone } },
	{ "xBGR", fourcc('R', 'X', '2', '4'), 1, { P{ 4, 1, 1, 1 }, kNone, kNone } },
	{ "ABGR", fourcc('R', 'A', '2', '4'), 1, { P{ 4, 1, 1, 1 }, kNone, kNone } },
	{ "BGRA64_LE", fourcc('A', 'R', '4', '8'), 1, { P{ 8, 1, 1, 1 }, kNone, kNone } },
};

uint32_t divUp(uint32_t a, uint32_t b)
{
	return (a + b - 1) / b;
}

} /* namespace */

uint32_t PixelFormatInfo::packedStride(unsigned p, uint32_t width) const
{
	const Plane &pl = plane[p];
	return divUp(divUp(width, pl.hSub), pl.blockWidth) * pl.bytesPerBlock;
}

uint32_t PixelFormatInfo::planeHeight(unsigned p, uint32_t height) const
{
	return divUp(height, plane[p].vSub);
}

uint32_t PixelFormatInfo::widthAlign() const
{
	uint32_t a = 1;
	for (unsigned p = 0; p < planes; ++p)
		a = std::lcm(a, plane[p].hSub * plane[p].blockWidth);
	return a;
}

uint32_t PixelFormatInfo::heightAlign() const
{
	uint32_t a = 1;
	for (unsigned p = 0; p < planes; ++p)
		a = std::lcm(a, plane[p].vSub);
	return a;
}

const PixelFormatInfo *findPixelFormat(std::string_view name)
{
	for (const auto &f : kFormats)
		if (f.name == name)
			return &f;
	return nullptr;
}

const PixelFormatInfo *pixelFormats(size_t *count)
{
	*count = sizeof(kFormats) / sizeof(kFormats[0]);
	return kFormats;
}

} /* namespace dmabufkit */
