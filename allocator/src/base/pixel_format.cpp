/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/base/pixel_format.h"

#include <numeric>

#include <drm_fourcc.h>
#include <linux/videodev2.h>

namespace dmabufkit {

namespace {

using P = PixelFormatInfo::Plane;
constexpr P kNone{ 0, 1, 1, 1 };
constexpr P kByte{ 1, 1, 1, 1 };

constexpr ColourModel Yuv = ColourModel::Yuv;
constexpr ColourModel Rgb = ColourModel::Rgb;
constexpr ColourModel Gray = ColourModel::Gray;
constexpr PlaneLayout Packed = PlaneLayout::Packed;
constexpr PlaneLayout SemiPlanar = PlaneLayout::SemiPlanar;
constexpr PlaneLayout Planar = PlaneLayout::Planar;

/*
 * Names: GStreamer names bytes in memory, DRM and V4L2 name components of a
 * little-endian word, so GStreamer's BGRx (B,G,R,X in memory) is DRM
 * XRGB8888 and V4L2 XBGR32. The order is the V4L2 elements' caps order.
 *
 * A DRM fourcc is filled in only for formats the KMS sink offers: a DRM
 * fourcc here puts the format into dmabufkmssink's caps.
 */
/* clang-format off */
const PixelFormatInfo kFormats[] = {
	/* packed YUV */
	{ "YUY2", DRM_FORMAT_YUYV, V4L2_PIX_FMT_YUYV, 0, Yuv, Packed, 1,
	  { P{ 4, 2, 1, 1 }, kNone, kNone }, "YUV 4:2:2 packed, Y0 U Y1 V" },
	{ "YVYU", DRM_FORMAT_YVYU, V4L2_PIX_FMT_YVYU, 0, Yuv, Packed, 1,
	  { P{ 4, 2, 1, 1 }, kNone, kNone }, "YUV 4:2:2 packed, Y0 V Y1 U" },
	{ "UYVY", DRM_FORMAT_UYVY, V4L2_PIX_FMT_UYVY, 0, Yuv, Packed, 1,
	  { P{ 4, 2, 1, 1 }, kNone, kNone }, "YUV 4:2:2 packed, U Y0 V Y1" },
	{ "VYUY", DRM_FORMAT_VYUY, V4L2_PIX_FMT_VYUY, 0, Yuv, Packed, 1,
	  { P{ 4, 2, 1, 1 }, kNone, kNone }, "YUV 4:2:2 packed, V Y0 U Y1" },
	{ "AYUV", 0, V4L2_PIX_FMT_AYUV32, 0, Yuv, Packed, 1,
	  { P{ 4, 1, 1, 1 }, kNone, kNone }, "YUV 4:4:4 packed with alpha, A Y U V" },
	{ "VUYA", 0, V4L2_PIX_FMT_VUYA32, 0, Yuv, Packed, 1,
	  { P{ 4, 1, 1, 1 }, kNone, kNone }, "YUV 4:4:4 packed with alpha, V U Y A" },
	/* semi-planar YUV */
	{ "NV12", DRM_FORMAT_NV12, V4L2_PIX_FMT_NV12, V4L2_PIX_FMT_NV12M, Yuv, SemiPlanar, 2,
	  { kByte, P{ 2, 1, 2, 2 }, kNone }, "Y/UV 4:2:0" },
	{ "NV21", DRM_FORMAT_NV21, V4L2_PIX_FMT_NV21, V4L2_PIX_FMT_NV21M, Yuv, SemiPlanar, 2,
	  { kByte, P{ 2, 1, 2, 2 }, kNone }, "Y/VU 4:2:0" },
	{ "NV16", DRM_FORMAT_NV16, V4L2_PIX_FMT_NV16, V4L2_PIX_FMT_NV16M, Yuv, SemiPlanar, 2,
	  { kByte, P{ 2, 1, 2, 1 }, kNone }, "Y/UV 4:2:2" },
	{ "NV61", DRM_FORMAT_NV61, V4L2_PIX_FMT_NV61, V4L2_PIX_FMT_NV61M, Yuv, SemiPlanar, 2,
	  { kByte, P{ 2, 1, 2, 1 }, kNone }, "Y/VU 4:2:2" },
	{ "NV24", DRM_FORMAT_NV24, V4L2_PIX_FMT_NV24, 0, Yuv, SemiPlanar, 2,
	  { kByte, P{ 2, 1, 1, 1 }, kNone }, "Y/UV 4:4:4" },
	{ "P010_10LE", 0, V4L2_PIX_FMT_P010, 0, Yuv, SemiPlanar, 2,
	  { P{ 2, 1, 1, 1 }, P{ 4, 1, 2, 2 }, kNone }, "Y/UV 4:2:0, 10 bits in 16 (LE, high bits)" },
	{ "NV12_4L4", 0, V4L2_PIX_FMT_NV12_4L4, 0, Yuv, SemiPlanar, 2,
	  { kByte, P{ 2, 1, 2, 2 }, kNone }, "Y/UV 4:2:0 in 4x4 tiles", true },
	/* planar YUV */
	{ "I420", DRM_FORMAT_YUV420, V4L2_PIX_FMT_YUV420, V4L2_PIX_FMT_YUV420M, Yuv, Planar, 3,
	  { kByte, P{ 1, 1, 2, 2 }, P{ 1, 1, 2, 2 } }, "Y/U/V 4:2:0" },
	{ "YV12", DRM_FORMAT_YVU420, V4L2_PIX_FMT_YVU420, V4L2_PIX_FMT_YVU420M, Yuv, Planar, 3,
	  { kByte, P{ 1, 1, 2, 2 }, P{ 1, 1, 2, 2 } }, "Y/V/U 4:2:0" },
	{ "Y42B", DRM_FORMAT_YUV422, V4L2_PIX_FMT_YUV422P, V4L2_PIX_FMT_YUV422M, Yuv, Planar, 3,
	  { kByte, P{ 1, 1, 2, 1 }, P{ 1, 1, 2, 1 } }, "Y/U/V 4:2:2" },
	{ "Y41B", 0, V4L2_PIX_FMT_YUV411P, 0, Yuv, Planar, 3,
	  { kByte, P{ 1, 1, 4, 1 }, P{ 1, 1, 4, 1 } }, "Y/U/V 4:1:1" },
	{ "YUV9", 0, V4L2_PIX_FMT_YUV410, 0, Yuv, Planar, 3,
	  { kByte, P{ 1, 1, 4, 4 }, P{ 1, 1, 4, 4 } }, "Y/U/V 4:1:0" },
	{ "YVU9", 0, V4L2_PIX_FMT_YVU410, 0, Yuv, Planar, 3,
	  { kByte, P{ 1, 1, 4, 4 }, P{ 1, 1, 4, 4 } }, "Y/V/U 4:1:0" },
	{ "NV12_64Z32", 0, 0, V4L2_PIX_FMT_NV12MT, Yuv, SemiPlanar, 2,
	  { kByte, P{ 2, 1, 2, 2 }, kNone }, "Y/UV 4:2:0 in 64x32 Z-tiles", true },
	{ "Y444", DRM_FORMAT_YUV444, 0, V4L2_PIX_FMT_YUV444M, Yuv, Planar, 3,
	  { kByte, kByte, kByte }, "Y/U/V 4:4:4" },
	/* grey */
	{ "GRAY8", DRM_FORMAT_R8, V4L2_PIX_FMT_GREY, 0, Gray, Packed, 1,
	  { kByte, kNone, kNone }, "grey, 8 bits" },
	{ "GRAY16_LE", DRM_FORMAT_R16, V4L2_PIX_FMT_Y16, 0, Gray, Packed, 1,
	  { P{ 2, 1, 1, 1 }, kNone, kNone }, "grey, 16 bits little-endian" },
	{ "GRAY16_BE", 0, V4L2_PIX_FMT_Y16_BE, 0, Gray, Packed, 1,
	  { P{ 2, 1, 1, 1 }, kNone, kNone }, "grey, 16 bits big-endian" },
	/* RGB */
	{ "RGB16", DRM_FORMAT_RGB565, V4L2_PIX_FMT_RGB565, 0, Rgb, Packed, 1,
	  { P{ 2, 1, 1, 1 }, kNone, kNone }, "RGB 5:6:5 little-endian" },
	{ "RGB15", 0, V4L2_PIX_FMT_XRGB555, 0, Rgb, Packed, 1,
	  { P{ 2, 1, 1, 1 }, kNone, kNone }, "xRGB 1:5:5:5 little-endian" },
	{ "RGB", DRM_FORMAT_BGR888, V4L2_PIX_FMT_RGB24, 0, Rgb, Packed, 1,
	  { P{ 3, 1, 1, 1 }, kNone, kNone }, "R G B" },
	{ "BGR", DRM_FORMAT_RGB888, V4L2_PIX_FMT_BGR24, 0, Rgb, Packed, 1,
	  { P{ 3, 1, 1, 1 }, kNone, kNone }, "B G R" },
	{ "BGRx", DRM_FORMAT_XRGB8888, V4L2_PIX_FMT_XBGR32, 0, Rgb, Packed, 1,
	  { P{ 4, 1, 1, 1 }, kNone, kNone }, "B G R x" },
	{ "BGRA", DRM_FORMAT_ARGB8888, V4L2_PIX_FMT_ABGR32, 0, Rgb, Packed, 1,
	  { P{ 4, 1, 1, 1 }, kNone, kNone }, "B G R A" },
	{ "xRGB", DRM_FORMAT_BGRX8888, V4L2_PIX_FMT_XRGB32, 0, Rgb, Packed, 1,
	  { P{ 4, 1, 1, 1 }, kNone, kNone }, "x R G B" },
	{ "ARGB", DRM_FORMAT_BGRA8888, V4L2_PIX_FMT_ARGB32, 0, Rgb, Packed, 1,
	  { P{ 4, 1, 1, 1 }, kNone, kNone }, "A R G B" },
	{ "RGBx", DRM_FORMAT_XBGR8888, V4L2_PIX_FMT_RGBX32, 0, Rgb, Packed, 1,
	  { P{ 4, 1, 1, 1 }, kNone, kNone }, "R G B x" },
	{ "RGBA", DRM_FORMAT_ABGR8888, V4L2_PIX_FMT_RGBA32, 0, Rgb, Packed, 1,
	  { P{ 4, 1, 1, 1 }, kNone, kNone }, "R G B A" },
	{ "xBGR", DRM_FORMAT_RGBX8888, V4L2_PIX_FMT_BGRX32, 0, Rgb, Packed, 1,
	  { P{ 4, 1, 1, 1 }, kNone, kNone }, "x B G R" },
	{ "ABGR", DRM_FORMAT_RGBA8888, V4L2_PIX_FMT_BGRA32, 0, Rgb, Packed, 1,
	  { P{ 4, 1, 1, 1 }, kNone, kNone }, "A B G R" },
	{ "BGRA64_LE", DRM_FORMAT_ARGB16161616, 0, 0, Rgb, Packed, 1,
	  { P{ 8, 1, 1, 1 }, kNone, kNone }, "B G R A, 16 bits each little-endian" },
};

/* Listed after the table's own fourccs by the V4L2 caps mapping. */
const V4l2FourccAlias kV4l2Aliases[] = {
	{ V4L2_PIX_FMT_BGR32, "BGRx" },
	{ V4L2_PIX_FMT_RGB32, "xRGB" },
};
/* clang-format on */

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

const PixelFormatInfo *findPixelFormatByDrm(uint32_t drmFourcc)
{
	if (!drmFourcc)
		return nullptr;
	for (const auto &f : kFormats)
		if (f.drmFourcc == drmFourcc)
			return &f;
	return nullptr;
}

const PixelFormatInfo *findPixelFormatByV4l2(uint32_t v4l2Fourcc)
{
	if (!v4l2Fourcc)
		return nullptr;
	for (const auto &f : kFormats)
		if (f.v4l2Fourcc == v4l2Fourcc || f.v4l2MplaneFourcc == v4l2Fourcc)
			return &f;
	for (const auto &a : kV4l2Aliases)
		if (a.fourcc == v4l2Fourcc)
			return findPixelFormat(a.name);
	return nullptr;
}

const PixelFormatInfo *pixelFormats(size_t *count)
{
	*count = sizeof(kFormats) / sizeof(kFormats[0]);
	return kFormats;
}

const V4l2FourccAlias *v4l2FourccAliases(size_t *count)
{
	*count = sizeof(kV4l2Aliases) / sizeof(kV4l2Aliases[0]);
	return kV4l2Aliases;
}

std::string fourccName(uint32_t fourcc)
{
	std::string s;
	for (int i = 0; i < 4; ++i) {
		char c = static_cast<char>((fourcc >> (8 * i)) & 0xff);
		s += (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	return s;
}

} /* namespace dmabufkit */
