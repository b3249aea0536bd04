/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pixel-format table (dmabufkit/base/pixel_format.h), every entry held
 * against GStreamer's own GstVideoFormatInfo and GstVideoInfo: plane count,
 * colour model, subsampling, bytes per block, and for linear formats the
 * strides, plane heights, offsets and size at even and odd sizes. Then the
 * DRM and V4L2 fourccs: unique, found again by their lookups, and the pairs
 * the KMS and V4L2 layers rely on.
 */
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include <drm_fourcc.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>
#include <linux/videodev2.h>

#include "dmabufkit/base/pixel_format.h"
#include "dmabufkit/core/frame_layout.h"

using namespace dmabufkit;

namespace {

struct Size {
	uint32_t w, h;
};
const Size kSizes[] = { { 1, 1 },     { 2, 2 },	    { 3, 5 },	    { 15, 7 },
			{ 640, 480 }, { 641, 479 }, { 1918, 1082 }, { 4097, 2161 } };

uint32_t roundUp4(uint32_t v)
{
	return (v + 3) / 4 * 4;
}

std::vector<const PixelFormatInfo *> allFormats()
{
	gst_init(nullptr, nullptr);
	size_t n = 0;
	const PixelFormatInfo *f = pixelFormats(&n);
	std::vector<const PixelFormatInfo *> out;
	for (size_t i = 0; i < n; ++i)
		out.push_back(&f[i]);
	return out;
}

GstVideoFormat gstFormat(const PixelFormatInfo &f)
{
	return gst_video_format_from_string(std::string(f.name).c_str());
}

/* The components GStreamer stores in plane \a p. */
std::vector<unsigned> componentsOfPlane(const GstVideoFormatInfo *gi, unsigned p)
{
	std::vector<unsigned> comps;
	for (unsigned c = 0; c < GST_VIDEO_FORMAT_INFO_N_COMPONENTS(gi); ++c)
		if (GST_VIDEO_FORMAT_INFO_PLANE(gi, c) == p)
			comps.push_back(c);
	return comps;
}

} /* namespace */

class PixelFormatEntry : public ::testing::TestWithParam<const PixelFormatInfo *>
{
};

TEST_P(PixelFormatEntry, NameIsAGStreamerFormat)
{
	const PixelFormatInfo &f = *GetParam();
	const GstVideoFormat gf = gstFormat(f);
	ASSERT_NE(gf, GST_VIDEO_FORMAT_UNKNOWN) << f.name << " is not a GStreamer format name";
	EXPECT_EQ(std::string_view(gst_video_format_to_string(gf)), f.name);
	EXPECT_FALSE(f.description.empty()) << f.name;
}

TEST_P(PixelFormatEntry, ModelLayoutAndPlanesMatchGstVideoFormatInfo)
{
	const PixelFormatInfo &f = *GetParam();
	const GstVideoFormatInfo *gi = gst_video_format_get_info(gstFormat(f));
	ASSERT_NE(gi, nullptr) << f.name;
	EXPECT_EQ(f.planes, GST_VIDEO_FORMAT_INFO_N_PLANES(gi)) << f.name;
	EXPECT_EQ(f.tiled, bool(GST_VIDEO_FORMAT_INFO_IS_TILED(gi))) << f.name;
	switch (f.model) {
	case ColourModel::Yuv:
		EXPECT_TRUE(GST_VIDEO_FORMAT_INFO_IS_YUV(gi)) << f.name;
		break;
	case ColourModel::Rgb:
		EXPECT_TRUE(GST_VIDEO_FORMAT_INFO_IS_RGB(gi)) << f.name;
		break;
	case ColourModel::Gray:
		EXPECT_TRUE(GST_VIDEO_FORMAT_INFO_IS_GRAY(gi)) << f.name;
		break;
	}
	const unsigned expectedPlanes = f.layout == PlaneLayout::Packed	      ? 1
					: f.layout == PlaneLayout::SemiPlanar ? 2
									      : 3;
	EXPECT_EQ(f.planes, expectedPlanes) << f.name << ": layout and plane count disagree";
	if (f.layout == PlaneLayout::SemiPlanar) {
		EXPECT_EQ(componentsOfPlane(gi, 1).size(), 2u) << f.name << ": chroma interleaved";
	}

	/* Per plane: the widest pixel stride of its components is one block; the
	 * largest subsampling of its components is the block's pixel extent. */
	for (unsigned p = 0; p < f.planes; ++p) {
		const auto comps = componentsOfPlane(gi, p);
		ASSERT_FALSE(comps.empty()) << f.name << " plane " << p;
		int pstride = 0;
		unsigned wSub = 0, hSub = 0;
		for (unsigned c : comps) {
			pstride = std::max(pstride, GST_VIDEO_FORMAT_INFO_PSTRIDE(gi, c));
			wSub = std::max<unsigned>(wSub, GST_VIDEO_FORMAT_INFO_W_SUB(gi, c));
			hSub = std::max<unsigned>(hSub, GST_VIDEO_FORMAT_INFO_H_SUB(gi, c));
		}
		const auto &pl = f.plane[p];
		EXPECT_EQ(pl.bytesPerBlock, unsigned(pstride)) << f.name << " plane " << p;
		EXPECT_EQ(pl.hSub * pl.blockWidth, 1u << wSub) << f.name << " plane " << p;
		EXPECT_EQ(pl.vSub, 1u << hSub) << f.name << " plane " << p;
	}
}

TEST_P(PixelFormatEntry, LinearPlaneMathsMatchGstVideoInfo)
{
	const PixelFormatInfo &f = *GetParam();
	const GstVideoFormat gf = gstFormat(f);
	for (const Size &s : kSizes) {
		GstVideoInfo info;
		ASSERT_TRUE(gst_video_info_set_format(&info, gf, s.w, s.h)) << f.name;
		ASSERT_EQ(GST_VIDEO_INFO_N_PLANES(&info), f.planes) << f.name;
		/* GStreamer encodes tiles in the stride: no linear maths to hold. */
		if (f.tiled)
			continue;
		const std::string what =
			std::string(f.name) + " " + std::to_string(s.w) + "x" + std::to_string(s.h);
		/*
		 * GStreamer's default layout: rows padded to 4 bytes, planes back to
		 * back. At a height that is not a multiple of the subsampling it also
		 * pads the luma plane of 4:2:0 formats to an even row count, which
		 * the table's tight maths (and so the dmabufkit pool, whose video
		 * meta carries its offsets) does not: offsets are held only at
		 * heights the format's subsampling divides.
		 */
		const bool offsetsComparable = s.h % f.heightAlign() == 0;
		gsize offset = 0;
		for (unsigned p = 0; p < f.planes; ++p) {
			const uint32_t stride = roundUp4(f.packedStride(p, s.w));
			EXPECT_EQ(GST_VIDEO_INFO_PLANE_STRIDE(&info, p), gint(stride))
				<< what << " plane " << p;
			const int comp = componentsOfPlane(info.finfo, p).front();
			EXPECT_EQ(
				f.planeHeight(p, s.h),
				uint32_t(GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT(info.finfo, comp, s.h)))
				<< what << " plane " << p;
			if (offsetsComparable) {
				EXPECT_EQ(GST_VIDEO_INFO_PLANE_OFFSET(&info, p), offset)
					<< what << " plane " << p;
			}
			offset += gsize(stride) * f.planeHeight(p, s.h);
			EXPECT_EQ(f.packedStride(p, s.w) % f.plane[p].bytesPerBlock, 0u) << what;
		}
		if (offsetsComparable) {
			EXPECT_EQ(GST_VIDEO_INFO_SIZE(&info), offset) << what;
		}
	}
}

TEST_P(PixelFormatEntry, AlignmentCoversTheSubsampling)
{
	const PixelFormatInfo &f = *GetParam();
	for (unsigned p = 0; p < f.planes; ++p) {
		EXPECT_EQ(f.widthAlign() % (f.plane[p].hSub * f.plane[p].blockWidth), 0u) << f.name;
		EXPECT_EQ(f.heightAlign() % f.plane[p].vSub, 0u) << f.name;
	}
	EXPECT_EQ(f.bytesPerPixel(0) * f.plane[0].blockWidth, f.plane[0].bytesPerBlock) << f.name;
}

TEST_P(PixelFormatEntry, FoundAgainByEveryFourccItHas)
{
	const PixelFormatInfo &f = *GetParam();
	EXPECT_EQ(findPixelFormat(f.name), &f);
	if (f.drmFourcc) {
		EXPECT_EQ(findPixelFormatByDrm(f.drmFourcc), &f) << f.name;
	}
	if (f.v4l2Fourcc) {
		EXPECT_EQ(findPixelFormatByV4l2(f.v4l2Fourcc), &f) << f.name;
	}
	if (f.v4l2MplaneFourcc) {
		EXPECT_EQ(findPixelFormatByV4l2(f.v4l2MplaneFourcc), &f) << f.name;
		EXPECT_GT(f.planes, 1u) << f.name << ": one memory per plane needs planes";
	}
}

INSTANTIATE_TEST_SUITE_P(EveryEntry, PixelFormatEntry, ::testing::ValuesIn(allFormats()),
			 [](const auto &p) { return std::string(p.param->name); });

TEST(PixelFormatTable, NamesAndFourccsAreUnique)
{
	std::set<std::string_view> names;
	std::map<uint32_t, std::string_view> drm, v4l2;
	for (const PixelFormatInfo *f : allFormats()) {
		EXPECT_TRUE(names.insert(f->name).second) << f->name;
		if (f->drmFourcc) {
			EXPECT_TRUE(drm.emplace(f->drmFourcc, f->name).second)
				<< f->name << " and " << drm[f->drmFourcc] << " share "
				<< fourccName(f->drmFourcc);
		}
		for (uint32_t v : { f->v4l2Fourcc, f->v4l2MplaneFourcc })
			if (v) {
				EXPECT_TRUE(v4l2.emplace(v, f->name).second)
					<< f->name << " and " << v4l2[v] << " share "
					<< fourccName(v);
			}
	}
	size_t n = 0;
	const V4l2FourccAlias *aliases = v4l2FourccAliases(&n);
	for (size_t i = 0; i < n; ++i) {
		EXPECT_EQ(v4l2.count(aliases[i].fourcc), 0u) << "alias shadows a table fourcc";
		ASSERT_NE(findPixelFormat(aliases[i].name), nullptr) << aliases[i].name;
		EXPECT_EQ(findPixelFormatByV4l2(aliases[i].fourcc),
			  findPixelFormat(aliases[i].name));
	}
}

TEST(PixelFormatTable, DrmPairsTheKmsSinkRelies)
{
	/* DRM names a little-endian word, GStreamer bytes in memory. */
	const std::pair<const char *, uint32_t> pairs[] = {
		{ "BGRx", DRM_FORMAT_XRGB8888 },
		{ "BGRA", DRM_FORMAT_ARGB8888 },
		{ "RGBx", DRM_FORMAT_XBGR8888 },
		{ "xRGB", DRM_FORMAT_BGRX8888 },
		{ "RGB16", DRM_FORMAT_RGB565 },
		{ "RGB", DRM_FORMAT_BGR888 },
		{ "BGRA64_LE", DRM_FORMAT_ARGB16161616 },
		{ "NV12", DRM_FORMAT_NV12 },
		{ "I420", DRM_FORMAT_YUV420 },
		{ "YUY2", DRM_FORMAT_YUYV },
		{ "GRAY8", DRM_FORMAT_R8 },
	};
	for (const auto &[name, fourcc] : pairs) {
		ASSERT_NE(findPixelFormat(name), nullptr) << name;
		EXPECT_EQ(findPixelFormat(name)->drmFourcc, fourcc) << name;
	}
	EXPECT_EQ(findPixelFormatByDrm(0), nullptr);
	/* GStreamer 1.22 has no 16-bit-per-channel RGB without alpha. */
	EXPECT_EQ(findPixelFormatByDrm(DRM_FORMAT_XRGB16161616), nullptr);
	EXPECT_EQ(fourccName(DRM_FORMAT_XRGB8888), "XR24");
	EXPECT_EQ(fourccName(0), "????");
}

TEST(PixelFormatTable, V4l2PairsTheV4l2ElementsRelyOn)
{
	const std::pair<uint32_t, const char *> pairs[] = {
		{ V4L2_PIX_FMT_XBGR32, "BGRx" }, { V4L2_PIX_FMT_XRGB32, "xRGB" },
		{ V4L2_PIX_FMT_RGBA32, "RGBA" }, { V4L2_PIX_FMT_BGRA32, "ABGR" },
		{ V4L2_PIX_FMT_BGR24, "BGR" },	 { V4L2_PIX_FMT_YUYV, "YUY2" },
		{ V4L2_PIX_FMT_NV12, "NV12" },	 { V4L2_PIX_FMT_NV12M, "NV12" },
		{ V4L2_PIX_FMT_YUV420, "I420" }, { V4L2_PIX_FMT_YUV444M, "Y444" },
		{ V4L2_PIX_FMT_BGR32, "BGRx" },	 { V4L2_PIX_FMT_RGB32, "xRGB" },
	};
	for (const auto &[fourcc, name] : pairs) {
		const PixelFormatInfo *f = findPixelFormatByV4l2(fourcc);
		ASSERT_NE(f, nullptr) << fourccName(fourcc);
		EXPECT_EQ(f->name, name) << fourccName(fourcc);
	}
	EXPECT_EQ(findPixelFormat("NV12")->v4l2Fourcc, uint32_t(V4L2_PIX_FMT_NV12));
	EXPECT_EQ(findPixelFormat("NV12")->v4l2MplaneFourcc, uint32_t(V4L2_PIX_FMT_NV12M));
	EXPECT_EQ(findPixelFormat("BGRx")->v4l2Fourcc, uint32_t(V4L2_PIX_FMT_XBGR32))
		<< "the deprecated BGR4 is read, never requested";
	EXPECT_EQ(findPixelFormatByV4l2(V4L2_PIX_FMT_FWHT), nullptr)
		<< "codecs are not pixel formats";
	EXPECT_EQ(findPixelFormatByV4l2(0), nullptr);
}

TEST(PixelFormatTable, TiledFormatsHaveNoLinearLayout)
{
	const PixelFormatInfo *f = findPixelFormat("NV12_4L4");
	ASSERT_NE(f, nullptr);
	ASSERT_TRUE(f->tiled);
	auto l = computeFrameLayout(*f, 64, 64, Constraints{});
	ASSERT_FALSE(l.ok());
	EXPECT_EQ(l.error().code, EINVAL);
}
