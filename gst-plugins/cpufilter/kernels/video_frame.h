/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file video_frame.h
 * \brief The pixel formats the CPU filter kernels handle and a view of one
 * frame in memory (plane pointers and strides, no ownership).
 *
 * Plane count and geometry come from the pixel-format table
 * (dmabufkit/base/pixel_format.h); KernelFormat only selects a kernel.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dmabufkit {
struct PixelFormatInfo;
}

namespace dmabufkit::cpufilter {

/** \brief The formats the kernels process, named as in GStreamer caps (memory byte order). */
enum class KernelFormat {
	Unknown,
	YUY2, /* Y0 U Y1 V */
	UYVY, /* U Y0 V Y1 */
	NV12, /* Y plane, interleaved UV plane at half height */
	I420, /* Y, U, V planes, chroma at half width and height */
	BGRx,
	xRGB,
	BGRA,
	ARGB,
	RGB16, /* little-endian 5:6:5, red in the top bits */
	GRAY8,
};

KernelFormat kernelFormatFromName(std::string_view name);
const char *kernelFormatName(KernelFormat f);
/** \brief The table entry of \a f; nullptr for Unknown. */
const PixelFormatInfo *kernelFormatInfo(KernelFormat f);
bool isYuv(KernelFormat f);
bool isRgb(KernelFormat f); /* the 4-byte formats and RGB16 */
bool isRgb32(KernelFormat f);
int planeCount(KernelFormat f);
/* Bytes per pixel of plane 0 for packed formats (YUY2 counts 2). */
int bytesPerPixel(KernelFormat f);

/** \brief One frame: up to three planes, each a pointer and a row stride. */
struct FrameView {
	KernelFormat format = KernelFormat::Unknown;
	int width = 0;
	int height = 0;
	uint8_t *data[3] = {};
	ptrdiff_t stride[3] = {};

	uint8_t *row(int plane, int y) const { return data[plane] + stride[plane] * y; }
	/* Rows of plane \a plane (chroma planes of NV12/I420 have (h+1)/2). */
	int planeHeight(int plane) const;
	/* Bytes of plane \a plane that hold pixels in one row. */
	size_t planeRowBytes(int plane) const;
};

/** \brief Tightly packed strides and plane sizes, for tests and scratch frames. */
struct PackedLayout {
	ptrdiff_t stride[3] = {};
	size_t offset[3] = {};
	size_t size = 0;
};
PackedLayout packedLayout(KernelFormat f, int width, int height, int strideAlign = 1);

} /* namespace dmabufkit::cpufilter */
