/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file device_format.h
 * \brief A V4L2 format independent of the single/multi-planar API.
 */
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <linux/videodev2.h>

namespace dmabufkit::v4l2 {

/** \brief Layout of one memory plane as the driver reports it. */
struct PlaneFormat {
	uint32_t bytesPerLine = 0;
	uint32_t sizeImage = 0;
};

/**
 * \brief What VIDIOC_G/S_FMT carries, for both APIs.
 *
 * numPlanes is the number of memory planes: 1 for every single-planar
 * format, and for multi-planar fourccs (NV12M) one per colour plane.
 */
struct DeviceFormat {
	uint32_t fourcc = 0;
	uint32_t width = 0;
	uint32_t height = 0;
	uint32_t field = V4L2_FIELD_NONE;
	uint32_t colorspace = 0;
	unsigned numPlanes = 1;
	std::array<PlaneFormat, VIDEO_MAX_PLANES> planes{};

	std::string toString() const;
};

/** \brief True for the *_MPLANE buffer types. */
constexpr bool isMultiPlanarType(uint32_t type)
{
	return type == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE ||
	       type == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
}

/** \brief True for the OUTPUT buffer types. */
constexpr bool isOutputType(uint32_t type)
{
	return type == V4L2_BUF_TYPE_VIDEO_OUTPUT || type == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
}

/** \brief Fill \a f (of buffer type \a type) from \a pf. */
void toV4l2Format(const DeviceFormat &pf, uint32_t type, struct v4l2_format *f);
/** \brief Read a DeviceFormat out of \a f. */
DeviceFormat fromV4l2Format(const struct v4l2_format &f);

/** \brief Name of a buffer type ("CAPTURE", "OUTPUT_MPLANE") for messages. */
const char *bufferTypeName(uint32_t type);

} /* namespace dmabufkit::v4l2 */
