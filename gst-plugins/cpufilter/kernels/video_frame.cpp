/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "video_frame.h"

#include <array>
#include <iterator>

#include "dmabufkit/base/pixel_format.h"

namespace dmabufkit::cpufilter {

namespace {

struct FormatName {
	KernelFormat format;
	const char *name;
};

constexpr FormatName formatNames[] = {
	{ KernelFormat::YUY2, "YUY2" },	  { KernelFormat::UYVY, "UYVY" },
	{ KernelFormat::NV12, "NV12" },	  { KernelFormat::I420, "I420" },
	{ KernelFormat::BGRx, "BGRx" },	  { KernelFormat::xRGB, "xRGB" },
	{ KernelFormat::BGRA, "BGRA" },	  { KernelFormat::ARGB, "ARGB" },
	{ KernelFormat::RGB16, "RGB16" }, { KernelFormat::GRAY8, "GRAY8" },
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

const PixelFormatInfo *kernelFormatInfo(KernelFormat f)
{
	/* Looked up by name once; the plane maths run per row. */
	static const auto byFormat = [] {
		std::array<const PixelFormatInfo *, std::size(formatNames) + 1> a{};
		for (const auto &n : formatNames)
			a[static_cast<size_t>(n.format)] = findPixelFormat(n.name);
		return a;
	}();
	const auto i = static_cast<size_t>(f);
	return i < byFormat.size() ? byFormat[i] : nullptr;
}

bool isYuv(KernelFormat f)
{
	const PixelFormatInfo *info = kernelFormatInfo(f);
	return info && info->model == ColourModel::Yuv;
}

bool isRgb32(KernelFormat f)
{
	const PixelFormatInfo *info = kernelFormatInfo(f);
	return isRgb(f) && info->plane[0].bytesPerBlock == 4;
}

bool isRgb(KernelFormat f)
{
	const PixelFormatInfo *info = kernelFormatInfo(f);
	return info && info->model == ColourModel::Rgb;
}

int planeCount(KernelFormat f)
{
	const PixelFormatInfo *info = kernelFormatInfo(f);
	return info ? static_cast<int>(info->planes) : 0;
}

int bytesPerPixel(KernelFormat f)
{
	const PixelFormatInfo *info = kernelFormatInfo(f);
	return info ? static_cast<int>(info->bytesPerPixel(0)) : 1;
}

int FrameView::planeHeight(int plane) const
{
	const PixelFormatInfo *info = kernelFormatInfo(format);
	return info ? static_cast<int>(info->planeHeight(plane, static_cast<uint32_t>(height)))
		    : height;
}

size_t FrameView::planeRowBytes(int plane) const
{
	const PixelFormatInfo *info = kernelFormatInfo(format);
	return info ? info->packedStride(plane, static_cast<uint32_t>(width))
		    : static_cast<size_t>(width);
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
