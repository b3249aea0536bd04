/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "video_frame.h"

namespace dmabufkit::cpufilter {

namespace {

struct FormatName {
	PixelFormat format;
	const char *name;
};

constexpr FormatName formatNames[] = {
	{ PixelFormat::YUY2, "YUY2" },	 { PixelFormat::UYVY, "UYVY" }, { PixelFormat::NV12, "NV12" },
	{ PixelFormat::I420, "I420" },	 { PixelFormat::BGRx, "BGRx" }, { PixelFormat::xRGB, "xRGB" },
	{ PixelFormat::BGRA, "BGRA" },	 { PixelFormat::ARGB, "ARGB" }, { PixelFormat::RGB16, "RGB16" },
	{ PixelFormat::GRAY8, "GRAY8" },
};

} /* namespace */

PixelFormat pixelFormatFromName(std::string_view name)
{
	for (const auto &f : formatNames)
		if (name == f.name)
			return f.format;
	return PixelFormat::Unknown;
}

const char *pixelFormatName(PixelFormat f)
{
	for (const auto &n : formatNames)
		if (n.format == f)
			return n.name;
	return "unknown";
}

bool isYuv(PixelFormat f)
{
	return f == PixelFormat::YUY2 || f == PixelFormat::UYVY || f == PixelFormat::NV12 ||
	       f == PixelFormat::I420;
}

bool isRgb32(PixelFormat f)
{
	return f == PixelFormat::BGRx || f == PixelFormat::xRGB || f == PixelFormat::BGRA ||
	       f == PixelFormat::ARGB;
}

bool isRgb(PixelFormat f)
{
	return isRgb32(f) || f == PixelFormat::RGB16;
}

int planeCount(PixelFormat f)
{
	switch (f) {
	case PixelFormat::NV12:
		return 2;
	case PixelFormat::I420:
		return 3;
	case PixelFormat::Unknown:
		return 0;
	default:
		return 1;
	}
}

int bytesPerPixel(PixelFormat f)
{
	if (isRgb32(f))
		return 4;
	switch (f) {
	case PixelFormat::YUY2:
	case PixelFormat::UYVY:
	case PixelFormat::RGB16:
		return 2;
	default:
		return 1;
	}
}

int FrameView::planeHeight(int plane) const
{
	if (plane > 0 && (format == PixelFormat::NV12 || format == PixelFormat::I420))
		return (height + 1) / 2;
	return height;
}

size_t FrameView::planeRowBytes(int plane) const
{
	const size_t w = static_cast<size_t>(width);
	switch (format) {
	case PixelFormat::YUY2:
	case PixelFormat::UYVY:
		return (w + 1) / 2 * 4;
	case PixelFormat::NV12:
		return plane == 0 ? w : (w + 1) / 2 * 2;
	case PixelFormat::I420:
		return plane == 0 ? w : (w + 1) / 2;
	default:
		return w * bytesPerPixel(format);
	}
}

PackedLayout packedLayout(PixelFormat f, int width, int height, int strideAlign)
{
	FrameView v;
	v.format = f;
	v.width = width;
	v.height = height;
	PackedLayout l;
	size_t offset = 0;
	for (int p = 0; p < planeCount(f); ++p) {
		size_t row = v.planeRowBytes(p);
		row = (row + strideAlign - 1) / strideAlign * strideAlign;
		l.stride[p] = static_cast<ptrdiff_t>(row);
		l.offset[p] = offset;
		offset += row * v.planeHeight(p);
	}
	l.size = offset;
	return l;
}

} /* namespace dmabufkit::cpufilter */
