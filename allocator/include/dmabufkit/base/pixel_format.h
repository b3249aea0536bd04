/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file pixel_format.h
 * \brief Plane geometry of the pixel formats dmabufkit handles.
 */
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace dmabufkit {

/**
 * \brief How one pixel format lays out its planes.
 *
 * Named like GStreamer's video formats. For each plane: bytes per block,
 * block width in pixels (2 for packed 4:2:2 like YUYV), and horizontal and
 * vertical subsampling.
 */
struct PixelFormatInfo {
	std::string_view name;  /**< GStreamer name, e.g. "NV12" */
	uint32_t drmFourcc;     /**< DRM fourcc, 0 if none */
	unsigned planes;
	struct Plane {
		unsigned bytesPerBlock;
		unsigned blockWidth;
		unsigned hSub;
		unsigned vSub;
	};
	std::array<Plane, 3> plane;

	/** \brief Bytes of a row of plane \a p for \a width pixels, unpadded. */
	uint32_t packedStride(unsigned p, uint32_t width) const;
	/** \brief Rows of plane \a p for \a height pixel rows. */
	uint32_t planeHeight(unsigned p, uint32_t height) const;
	/** \brief Horizontal alignment in pixels the format needs (2 for 4:2:x). */
	uint32_t widthAlign() const;
	uint32_t heightAlign() const;
};

/** \brief Look a format up by its GStreamer name; nullptr if unknown. */
const PixelFormatInfo *findPixelFormat(std::string_view name);
/** \brief Every format in the table, for tests and enumeration. */
const PixelFormatInfo *pixelFormats(size_t *count);

} /* namespace dmabufkit */
