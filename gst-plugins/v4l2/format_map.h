/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file format_map.h
 * \brief V4L2 pixel formats <-> GStreamer video formats and codec caps.
 */
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <gst/video/video-info.h>

#include "dmabufkit/base/result.h"

namespace dmabufkit::v4l2 {

struct DeviceFormat;

/** \brief One raw format: the V4L2 fourcc and its GStreamer equivalent. */
struct RawFormatMapping {
	uint32_t fourcc;
	GstVideoFormat format;
	bool multiPlanar; /**< the fourcc uses one memory plane per colour plane (NV12M, ...) */
};

/** \brief One compressed format: the V4L2 fourcc and its caps media type. */
struct CodecMapping {
	uint32_t fourcc;
	const char *mediaType; /**< e.g. "video/x-fwht" */
	const char *extra;     /**< extra caps fields as a caps string suffix, or "" */
};

/** \brief Every raw format mapped (single- and multi-planar fourccs), from the pixel-format table.
 */
const std::vector<RawFormatMapping> &rawFormatMappings();
/** \brief Every compressed format the layer maps. */
const std::vector<CodecMapping> &codecMappings();

/** \brief GST_VIDEO_FORMAT_UNKNOWN when \a fourcc is not a mapped raw format. */
GstVideoFormat videoFormatFromFourcc(uint32_t fourcc);
/**
 * \brief The V4L2 fourcc for \a format, 0 if none.
 * \param multiPlanar prefer the multi-planar variant (NV12M) when one exists
 */
uint32_t fourccFromVideoFormat(GstVideoFormat format, bool multiPlanar = false);
/** \brief True when \a fourcc is a multi-planar (one memory per plane) raw fourcc. */
bool isMultiPlanarFourcc(uint32_t fourcc);

/** \brief The codec mapping for \a fourcc, nullptr if none. */
const CodecMapping *codecFromFourcc(uint32_t fourcc);
/** \brief The codec fourcc for a caps media type ("video/x-fwht"), 0 if none. */
uint32_t codecFourccFromMediaType(const std::string &mediaType);

/**
 * \brief Fill \a info (format, size, strides, offsets, size) from a V4L2 format.
 *
 * Strides of the chroma planes are derived from bytesperline of the first
 * plane for single-memory formats; offsets are those of the planes packed
 * one after the other. For multi-planar fourccs each plane is its own memory
 * and the offsets are those of the memories laid end to end.
 */
Result<void> videoInfoFromFormat(const DeviceFormat &fmt, GstVideoInfo *info);

} /* namespace dmabufkit::v4l2 */
