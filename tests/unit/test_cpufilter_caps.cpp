/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmabufcpufilter caps negotiation without a pipeline: which formats each
 * operation turns into which, colorimetry kept only for unchanged formats,
 * scale freeing the size one way, the formats accepted only to explain a
 * failure, fixation, the set_caps refusals and the passthrough/in-place plan.
 */
#include <string>
#include <vector>

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include "caps_negotiation.h"

using namespace dmabufkit::cpufilter;

namespace {

class GstEnv : public ::testing::Environment
{
public:
	void SetUp() override { gst_init(nullptr, nullptr); }
};

const auto *env = ::testing::AddGlobalTestEnvironment(new GstEnv);

/* Owned caps parsed from a string, freed at the end of the scope. */
struct Caps {
	GstCaps *caps;
	explicit Caps(GstCaps *c) : caps(c) {}
	explicit Caps(const char *s) : caps(gst_caps_from_string(s)) {}
	~Caps() { gst_caps_unref(caps); }
	Caps(const Caps &) = delete;
	Caps &operator=(const Caps &) = delete;

	guint size() const { return gst_caps_get_size(caps); }
	const GstStructure *at(guint i) const { return gst_caps_get_structure(caps, i); }
	std::string str() const
	{
		gchar *s = gst_caps_to_string(caps);
		std::string out = s;
		g_free(s);
		return out;
	}
};

/* The format names of structure \a s, in order. */
std::vector<std::string> formats(const GstStructure *s)
{
	std::vector<std::string> out;
	const GValue *v = gst_structure_get_value(s, "format");
	if (!v)
		return out;
	if (G_VALUE_HOLDS_STRING(v)) {
		out.emplace_back(g_value_get_string(v));
		return out;
	}
	for (guint i = 0; i < gst_value_list_get_size(v); ++i)
		out.emplace_back(g_value_get_string(gst_value_list_get_value(v, i)));
	return out;
}

std::vector<std::string> names(const std::vector<KernelFormat> &v)
{
	std::vector<std::string> out;
	for (KernelFormat f : v)
		out.emplace_back(kernelFormatName(f));
	return out;
}

GstVideoInfo info(GstVideoFormat format, int width, int height)
{
	GstVideoInfo i;
	gst_video_info_set_format(&i, format, width, height);
	return i;
}

using Names = std::vector<std::string>;

const char *kYuy2 = "video/x-raw,format=YUY2,width=640,height=480,framerate=30/1,"
		    "colorimetry=bt709,pixel-aspect-ratio=1/1";

} /* namespace */

TEST(CpuFilterCaps, FormatsAreThoseOfThePadTemplates)
{
	EXPECT_EQ(names({ filterFormats().begin(), filterFormats().end() }),
		  (Names{ "YUY2", "UYVY", "NV12", "I420", "BGRx", "BGRA", "xRGB", "ARGB", "RGB16",
			  "GRAY8" }));
}

TEST(CpuFilterCaps, PeerFormatsPerOperation)
{
	EXPECT_EQ(names(peerFormats(Operation::Convert, GST_PAD_SINK, KernelFormat::YUY2)),
		  (Names{ "YUY2", "BGRx", "BGRA", "xRGB", "ARGB", "RGB16", "GRAY8" }));
	/* Nothing converts into a YUV format but itself. */
	EXPECT_EQ(names(peerFormats(Operation::Convert, GST_PAD_SRC, KernelFormat::NV12)),
		  (Names{ "NV12" }));
	EXPECT_EQ(names(peerFormats(Operation::Convert, GST_PAD_SRC, KernelFormat::BGRx)),
		  (Names{ "YUY2", "UYVY", "NV12", "I420", "BGRx", "BGRA", "xRGB", "ARGB", "RGB16",
			  "GRAY8" }));
	for (Operation op : { Operation::Invert, Operation::Grayscale, Operation::Snapshot })
		EXPECT_EQ(names(peerFormats(op, GST_PAD_SINK, KernelFormat::I420)),
			  (Names{ "I420" }));
	/* Scale outputs 4-byte RGB or GRAY8 only. */
	EXPECT_EQ(names(peerFormats(Operation::Scale, GST_PAD_SINK, KernelFormat::NV12)),
		  (Names{ "BGRx", "BGRA", "xRGB", "ARGB", "GRAY8" }));
	EXPECT_TRUE(peerFormats(Operation::Scale, GST_PAD_SRC, KernelFormat::RGB16).empty());
}

TEST(CpuFilterCaps, ConvertKeepsColorimetryOnlyForTheUnchangedFormat)
{
	Caps in(kYuy2);
	Caps out(transformCaps(Operation::Convert, GST_PAD_SINK, in.caps, nullptr));
	ASSERT_EQ(out.size(), 2u) << out.str();
	EXPECT_EQ(formats(out.at(0)), (Names{ "YUY2" }));
	EXPECT_STREQ(gst_structure_get_string(out.at(0), "colorimetry"), "bt709");
	EXPECT_EQ(formats(out.at(1)), (Names{ "BGRx", "BGRA", "xRGB", "ARGB", "RGB16", "GRAY8" }));
	EXPECT_FALSE(gst_structure_has_field(out.at(1), "colorimetry"));
	for (guint i = 0; i < out.size(); ++i) {
		gint w = 0;
		EXPECT_TRUE(gst_structure_get_int(out.at(i), "width", &w));
		EXPECT_EQ(w, 640);
		EXPECT_TRUE(gst_structure_has_field(out.at(i), "pixel-aspect-ratio"));
	}
}

TEST(CpuFilterCaps, AskedFromTheSourceTheUnconvertibleFormatsComeLast)
{
	Caps in("video/x-raw,format=NV12,width=64,height=48");
	Caps out(transformCaps(Operation::Convert, GST_PAD_SRC, in.caps, nullptr));
	ASSERT_EQ(out.size(), 2u) << out.str();
	EXPECT_EQ(formats(out.at(0)), (Names{ "NV12" }));
	EXPECT_EQ(formats(out.at(1)), (Names{ "YUY2", "UYVY", "I420", "BGRx", "BGRA", "xRGB",
					      "ARGB", "RGB16", "GRAY8" }));
	/* From the sink side nothing is added for that. */
	Caps down(transformCaps(Operation::Invert, GST_PAD_SINK, in.caps, nullptr));
	ASSERT_EQ(down.size(), 1u) << down.str();
	EXPECT_EQ(formats(down.at(0)), (Names{ "NV12" }));
}

TEST(CpuFilterCaps, CapsWithoutFormatMeanEveryFormat)
{
	Caps in("video/x-raw,width=64,height=48");
	Caps out(transformCaps(Operation::Invert, GST_PAD_SINK, in.caps, nullptr));
	ASSERT_EQ(out.size(), 1u) << out.str();
	EXPECT_EQ(formats(out.at(0)), names({ filterFormats().begin(), filterFormats().end() }));
}

TEST(CpuFilterCaps, ScaleAllowsSmallerOutputAndLargerInput)
{
	Caps in(kYuy2);
	Caps out(transformCaps(Operation::Scale, GST_PAD_SINK, in.caps, nullptr));
	ASSERT_EQ(out.size(), 1u) << out.str();
	EXPECT_EQ(formats(out.at(0)), (Names{ "BGRx", "BGRA", "xRGB", "ARGB", "GRAY8" }));
	const GValue *w = gst_structure_get_value(out.at(0), "width");
	ASSERT_TRUE(GST_VALUE_HOLDS_INT_RANGE(w)) << out.str();
	EXPECT_EQ(gst_value_get_int_range_min(w), 1);
	EXPECT_EQ(gst_value_get_int_range_max(w), 640);
	EXPECT_FALSE(gst_structure_has_field(out.at(0), "pixel-aspect-ratio"));

	Caps small("video/x-raw,format=BGRx,width=160,height=120");
	Caps up(transformCaps(Operation::Scale, GST_PAD_SRC, small.caps, nullptr));
	const GValue *h = gst_structure_get_value(up.at(0), "height");
	ASSERT_TRUE(GST_VALUE_HOLDS_INT_RANGE(h)) << up.str();
	EXPECT_EQ(gst_value_get_int_range_min(h), 120);
	EXPECT_EQ(gst_value_get_int_range_max(h), G_MAXINT);
}

TEST(CpuFilterCaps, FilterCapsComeFirst)
{
	Caps in(kYuy2);
	Caps filter("video/x-raw,format={ GRAY8, BGRx }");
	Caps out(transformCaps(Operation::Convert, GST_PAD_SINK, in.caps, filter.caps));
	ASSERT_EQ(out.size(), 1u) << out.str();
	EXPECT_EQ(formats(out.at(0)), (Names{ "GRAY8", "BGRx" }));
}

TEST(CpuFilterCaps, FixatesToTheInputFormatAndNearestSize)
{
	Caps in("video/x-raw,format=BGRx,width=640,height=480,pixel-aspect-ratio=1/1");
	GstCaps *other = gst_caps_from_string(
		"video/x-raw,format={ GRAY8, BGRx },width=[ 1, 320 ],height=[ 1, 1000 ],"
		"pixel-aspect-ratio=[ 1/2, 2/1 ]; video/x-raw,format=ARGB");
	Caps fixed(fixateCaps(in.caps, other));
	ASSERT_TRUE(gst_caps_is_fixed(fixed.caps)) << fixed.str();
	const GstStructure *s = fixed.at(0);
	EXPECT_STREQ(gst_structure_get_string(s, "format"), "BGRx");
	gint w = 0, h = 0, n = 0, d = 0;
	EXPECT_TRUE(gst_structure_get_int(s, "width", &w));
	EXPECT_TRUE(gst_structure_get_int(s, "height", &h));
	EXPECT_TRUE(gst_structure_get_fraction(s, "pixel-aspect-ratio", &n, &d));
	EXPECT_EQ(w, 320);
	EXPECT_EQ(h, 480);
	EXPECT_EQ(n, 1);
	EXPECT_EQ(d, 1);
}

TEST(CpuFilterCaps, RefusesWhatTheKernelsCannotDoWithAReason)
{
	const auto yuy2 = info(GST_VIDEO_FORMAT_YUY2, 64, 48);
	const auto bgrx = info(GST_VIDEO_FORMAT_BGRx, 64, 48);
	const auto nv12 = info(GST_VIDEO_FORMAT_NV12, 64, 48);
	const auto small = info(GST_VIDEO_FORMAT_BGRx, 32, 24);
	const auto big = info(GST_VIDEO_FORMAT_BGRx, 128, 96);
	const auto rgb16 = info(GST_VIDEO_FORMAT_RGB16, 32, 24);
	const auto rgb = info(GST_VIDEO_FORMAT_RGB, 64, 48);

	EXPECT_FALSE(whyNotProcessable(Operation::Convert, yuy2, bgrx));
	EXPECT_FALSE(whyNotProcessable(Operation::Convert, yuy2, yuy2));
	EXPECT_EQ(whyNotProcessable(Operation::Convert, yuy2, nv12),
		  "no conversion from YUY2 to NV12");
	EXPECT_EQ(whyNotProcessable(Operation::Convert, rgb, bgrx), "unsupported format");
	EXPECT_EQ(whyNotProcessable(Operation::Convert, bgrx, small),
		  "only operation=scale changes the size");
	EXPECT_EQ(whyNotProcessable(Operation::Invert, yuy2, bgrx),
		  "this operation keeps the format");
	EXPECT_FALSE(whyNotProcessable(Operation::Grayscale, nv12, nv12));

	EXPECT_FALSE(whyNotProcessable(Operation::Scale, yuy2, small));
	EXPECT_EQ(whyNotProcessable(Operation::Scale, bgrx, big),
		  "scale only makes frames smaller");
	EXPECT_EQ(whyNotProcessable(Operation::Scale, yuy2, rgb16),
		  "scale outputs 4-byte RGB or GRAY8 from a format it can convert");
}

TEST(CpuFilterCaps, PassthroughOnlyWhenTheOperationLeavesEqualCapsAlone)
{
	for (Operation op : { Operation::Convert, Operation::Scale, Operation::Snapshot }) {
		EXPECT_TRUE(planProcessing(op, true).passthrough);
		EXPECT_FALSE(planProcessing(op, true).inPlaceCapable);
		EXPECT_FALSE(planProcessing(op, false).passthrough);
	}
	for (Operation op : { Operation::Invert, Operation::Grayscale }) {
		EXPECT_FALSE(planProcessing(op, true).passthrough);
		EXPECT_TRUE(planProcessing(op, true).inPlaceCapable);
		EXPECT_FALSE(planProcessing(op, false).inPlaceCapable);
	}
}
