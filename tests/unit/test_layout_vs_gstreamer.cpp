/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Our frame layout for every linear format in the pixel-format table, checked
 * against GStreamer's own GstVideoInfo at many sizes (odd ones included),
 * with the 4-byte row alignment GStreamer uses by default.
 */
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include "dmabufkit/core/frame_layout.h"

using namespace dmabufkit;

namespace {

struct Size {
	uint32_t w, h;
};
const Size kSizes[] = { { 640, 480 }, { 1280, 720 }, { 1920, 1080 },
			{ 642, 362 }, { 2, 2 },	     { 4096, 2160 } };

} /* namespace */

class LayoutVsGStreamer : public ::testing::TestWithParam<std::string>
{
};

TEST_P(LayoutVsGStreamer, MatchesGstVideoInfo)
{
	const PixelFormatInfo *fmt = findPixelFormat(GetParam());
	ASSERT_NE(fmt, nullptr);
	GstVideoFormat gf = gst_video_format_from_string(GetParam().c_str());
	ASSERT_NE(gf, GST_VIDEO_FORMAT_UNKNOWN) << GetParam() << " is not a GStreamer format name";
	const GstVideoFormatInfo *gi = gst_video_format_get_info(gf);
	EXPECT_EQ(fmt->planes, GST_VIDEO_FORMAT_INFO_N_PLANES(gi));

	Constraints c;
	c.strideAlign = 4;
	for (const Size &s : kSizes) {
		GstVideoInfo info;
		ASSERT_TRUE(gst_video_info_set_format(&info, gf, s.w, s.h));
		auto l = computeFrameLayout(*fmt, s.w, s.h, c);
		ASSERT_TRUE(l.ok()) << l.error().message;
		for (unsigned p = 0; p < fmt->planes; ++p) {
			EXPECT_EQ(l->stride[p],
				  static_cast<uint32_t>(GST_VIDEO_INFO_PLANE_STRIDE(&info, p)))
				<< GetParam() << " " << s.w << "x" << s.h << " plane " << p;
			EXPECT_EQ(l->offset[p], GST_VIDEO_INFO_PLANE_OFFSET(&info, p))
				<< GetParam() << " " << s.w << "x" << s.h << " plane " << p;
		}
		EXPECT_EQ(l->frameSize, GST_VIDEO_INFO_SIZE(&info))
			<< GetParam() << " " << s.w << "x" << s.h;
	}
}

static std::vector<std::string> allFormats()
{
	gst_init(nullptr, nullptr);
	size_t n = 0;
	const PixelFormatInfo *f = pixelFormats(&n);
	std::vector<std::string> names;
	for (size_t i = 0; i < n; ++i)
		if (!f[i].tiled) /* no linear layout to compare */
			names.emplace_back(f[i].name);
	return names;
}

INSTANTIATE_TEST_SUITE_P(EveryFormat, LayoutVsGStreamer, ::testing::ValuesIn(allFormats()),
			 [](const auto &p) { return p.param; });
