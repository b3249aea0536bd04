/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file pixel_format.h
 * \brief The one pixel-format table of dmabufkit: GStreamer name, DRM and
 * V4L2 fourccs, and plane geometry of every format any layer handles.
 *
 * GStreamer-free. The elements get a GstVideoFormat from the name with
 * gst_video_format_from_string(); the KMS layer looks DRM fourccs up, the
 * V4L2 elements V4L2 fourccs; the allocator and the CPU filter take plane
 * geometry from here. Adding a format is one entry in pixel_format.cpp.
 * Lookups are pure: they neither log nor fail loudly.
 */
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dmabufkit {

/** \brief What the components of a format describe. */
enum class ColourModel : uint8_t {
	Yuv,
	Rgb,
	Gray,
};

/** \brief How the components are spread over planes. */
enum class PlaneLayout : uint8_t {
	Packed,	    /**< one plane, components interleaved (YUY2, BGRx, GRAY8) */
	SemiPlanar, /**< a luma plane and an interleaved chroma plane (NV12) */
	Planar,	    /**< one plane per component (I420) */
};

/**
 * \brief One pixel format: its names in every vocabulary and its planes.
 *
 * Plane geometry, per plane in memory order: bytes per block, block width in
 * pixels (2 for packed 4:2:2 like YUY2), and horizontal and vertical
 * subsampling. For tiled formats the geometry is that of the untiled
 * equivalent; the plane maths below do not apply to them.
 */
struct PixelFormatInfo {
	std::string_view name;	   /**< GStreamer name (memory byte order), e.g. "NV12" */
	uint32_t drmFourcc;	   /**< DRM fourcc (names a little-endian word), 0 if none */
	uint32_t v4l2Fourcc;	   /**< V4L2 single-memory fourcc, 0 if none */
	uint32_t v4l2MplaneFourcc; /**< V4L2 one-memory-per-plane fourcc (NV12M), 0 if none */
	ColourModel model;
	PlaneLayout layout;
	unsigned planes;
	struct Plane {
		unsigned bytesPerBlock;
		unsigned blockWidth;
		unsigned hSub;
		unsigned vSub;
	};
	std::array<Plane, 3> plane;
	std::string_view description; /**< human name, e.g. "Y/UV 4:2:0" */
	bool tiled = false;	      /**< stored in tiles (NV12_4L4): no linear layout */

	/** \brief Bytes of a row of plane \a p for \a width pixels, unpadded. */
	uint32_t packedStride(unsigned p, uint32_t width) const;
	/** \brief Rows of plane \a p for \a height pixel rows. */
	uint32_t planeHeight(unsigned p, uint32_t height) const;
	/** \brief Horizontal alignment in pixels the format needs (2 for 4:2:x). */
	uint32_t widthAlign() const;
	/** \brief Vertical alignment in pixel rows the format needs (2 for 4:2:0). */
	uint32_t heightAlign() const;
	/** \brief Bytes per sample of plane \a p (YUY2: a 4-byte block covers 2 pixels, 2). */
	unsigned bytesPerPixel(unsigned p) const
	{
		return plane[p].bytesPerBlock / plane[p].blockWidth;
	}
};

/** \brief Look a format up by its GStreamer name; nullptr if unknown. */
const PixelFormatInfo *findPixelFormat(std::string_view name);
/** \brief Look a format up by its DRM fourcc; nullptr if unknown or 0. */
const PixelFormatInfo *findPixelFormatByDrm(uint32_t drmFourcc);
/**
 * \brief Look a format up by a V4L2 fourcc, single-memory (NV12),
 *        one-memory-per-plane (NV12M) or deprecated alias (BGR4); nullptr if
 *        unknown or 0.
 */
const PixelFormatInfo *findPixelFormatByV4l2(uint32_t v4l2Fourcc);
/** \brief Every format in the table, for tests and enumeration. */
const PixelFormatInfo *pixelFormats(size_t *count);

/**
 * \brief A deprecated V4L2 fourcc read as a table format, never chosen for it.
 *
 * V4L2's BGR4/RGB4 leave the alpha byte undefined; drivers still offer them,
 * so they are understood, but the table's own fourcc is the one requested.
 */
struct V4l2FourccAlias {
	uint32_t fourcc;
	std::string_view name; /**< GStreamer name of the format it is read as */
};
/** \brief The deprecated V4L2 fourccs the table understands. */
const V4l2FourccAlias *v4l2FourccAliases(size_t *count);

/** \brief "XR24"-style printable fourcc ('?' for unprintable bytes). */
std::string fourccName(uint32_t fourcc);

} /* namespace dmabufkit */
