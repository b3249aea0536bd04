/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "video_frame.h"

namespace dmabufkit::cpufilter {

namespace {

struct FormatName {
	KernelFormat format;
	const char *name;
};

constexpr FormatName formatNames[] = {
	{ KernelFormat::YUY2, "YUY2" },	 { KernelFormat::UYVY, "UYVY" }, { KernelFormat::NV12, "NV12" },
	{ KernelFormat::I420, "I420" },	 { KernelFormat::BGRx, "BGRx" }, { KernelFormat::xRGB, "xRGB" },
	{ KernelFormat::BGRA, "BGRA" },	 { KernelFormat::ARGB, "ARGB" }, { KernelFormat::RGB16, "RGB16" },
	{ KernelFormat::GRAY8, "GRAY8" },
};

} /* namespace */

KernelFormat kernelFormatFromName(std::string_view name)
{
	for (const auto &f : formatNames)
		if (name == f.name)
			return f.format;
	return KernelFormat::Unknown;
}

const char *kernelFormatName(KernelFormat f)
{
	for (const auto &n : formatNames)
		if (n.format == f)
			return n.name;
	return "unknown";
}

bool isYuv(KernelFormat f)
{
	return f == KernelFormat::YUY2 || f == KernelFormat::UYVY || f == KernelFormat::NV12 ||
	       f == KernelFormat::I420;
}

bool isRgb32(KernelFormat f)
{
	return f == KernelFormat::BGRx || f == KernelFormat::xRGB || f == KernelFormat::BGRA ||
	       f == KernelFormat::ARGB;
}

bool isRgb(KernelFormat f)
{
	return isRgb32(f) || f == KernelFormat::RGB16;
}

int planeCount(KernelFormat f)
{
	switch (f) {
	case KernelFormat::NV12:
		return 2;
	case KernelFormat::I420:
		return 3;
	case KernelFormat::Unknown:
		return 0;
	default:
		return 1;
	}
}

int bytesPerPixel(KernelFormat f)
{
	if (isRgb32(f))
		return 4;
	switch (f) {
	case KernelFormat::YUY2:
	case KernelFormat::UYVY:
	case KernelFormat::RGB16:
		return 2;
	default:
		return 1;
	}
}

int FrameView::planeHeight(int plane) const
{
	if (plane > 0 && (format == KernelFormat::NV12 || format == KernelFormat::I420))
		return (height + 1) / 2;
	return height;
}

size_t FrameView::planeRowBytes(int plane) const
{
	const size_t w = static_cast<size_t>(width);
	switch (format) {
	case KernelFormat::YUY2:
	case KernelFormat::UYVY:
		return (w + 1) / 2 * 4;
	case KernelFormat::NV12:
		return plane == 0 ? w : (w + 1) / 2 * 2;
	case KernelFormat::I420:
		return plane == 0 ? w : (w + 1) / 2;
	default:
		return w * bytesPerPixel(format);
	}
}

PackedLayout packedLayout(KernelFormat f, int width, int height, int strideAlign)
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
