/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host tests of dmabufv4l2convert's caps logic: what it offers for caps on
 * either pad given what the device's queues take (vim2m's lists here), and
 * which caps it picks.
 */
#include <gtest/gtest.h>

#include "convert_caps.h"
#include "gst_environment.h"

using namespace dmabufkit::gstv4l2;

DBK_TEST_GST_ENVIRONMENT();

namespace {

/* vim2m in 6.12: RGB565, RGB24, BGR24 in; those and YUYV out; 32x32..640x480 step 2. */
constexpr const char *kIn = "video/x-raw,format={RGB16,RGB,BGR},width=[32,640,2],"
			    "height=[32,480],framerate=[0/1,2147483647/1]";
constexpr const char *kOut = "video/x-raw,format={RGB16,RGB,BGR,YUY2},width=[32,640,2],"
			     "height=[32,480],framerate=[0/1,2147483647/1]";

struct Caps {
	GstCaps *c;
	explicit Caps(const char *s) : c(gst_caps_from_string(s)) {}
	explicit Caps(GstCaps *owned) : c(owned) {}
	~Caps() { gst_caps_unref(c); }
	std::string str() const
	{
		gchar *s = gst_caps_to_string(c);
		std::string r = s;
		g_free(s);
		return r;
	}
};

GstCaps *transform(GstPadDirection d, const char *caps, const char *filter = nullptr)
{
	Caps in(caps), devIn(kIn), devOut(kOut);
	Caps f(filter ? filter : "ANY");
	return convertTransformCaps(d, in.c, devIn.c, devOut.c, filter ? f.c : nullptr);
}

} /* namespace */

TEST(ConvertCaps, PassthroughComesFirst)
{
	Caps r(transform(GST_PAD_SINK,
			 "video/x-raw,format=RGB,width=320,height=240,framerate=30/1"));
	ASSERT_GE(gst_caps_get_size(r.c), 2u) << r.str();
	Caps first(gst_caps_copy_nth(r.c, 0));
	Caps in("video/x-raw,format=RGB,width=320,height=240,framerate=30/1");
	EXPECT_TRUE(gst_caps_is_equal(first.c, in.c)) << r.str();
}

TEST(ConvertCaps, OffersWhatTheDeviceWritesWithTheInputsRate)
{
	Caps r(transform(GST_PAD_SINK,
			 "video/x-raw,format=RGB,width=320,height=240,framerate=30/1"));
	Caps yuy2("video/x-raw,format=YUY2,width=640,height=480,framerate=30/1");
	Caps bgrSmall("video/x-raw,format=BGR,width=32,height=32,framerate=30/1");
	EXPECT_TRUE(gst_caps_can_intersect(r.c, yuy2.c)) << r.str();
	EXPECT_TRUE(gst_caps_can_intersect(r.c, bgrSmall.c)) << r.str();
	Caps otherRate("video/x-raw,format=YUY2,width=640,height=480,framerate=25/1");
	EXPECT_FALSE(gst_caps_can_intersect(r.c, otherRate.c)) << "a converter keeps the rate";
	Caps tooBig("video/x-raw,format=BGR,width=1280,height=720,framerate=30/1");
	EXPECT_FALSE(gst_caps_can_intersect(r.c, tooBig.c)) << "beyond the device's sizes";
	Caps odd("video/x-raw,format=BGR,width=321,height=240,framerate=30/1");
	EXPECT_FALSE(gst_caps_can_intersect(r.c, odd.c)) << "the device's width step is 2";
	Caps nv12("video/x-raw,format=NV12,width=320,height=240,framerate=30/1");
	EXPECT_FALSE(gst_caps_can_intersect(r.c, nv12.c)) << "the device does not write NV12";
}

TEST(ConvertCaps, InputTheDeviceCannotReadIsPassthroughOnly)
{
	Caps r(transform(GST_PAD_SINK, "video/x-raw,format=YUY2,width=320,height=240"));
	Caps in("video/x-raw,format=YUY2,width=320,height=240");
	EXPECT_TRUE(gst_caps_is_equal(r.c, in.c)) << r.str();
	Caps big(transform(GST_PAD_SINK, "video/x-raw,format=RGB,width=1280,height=720"));
	Caps bigIn("video/x-raw,format=RGB,width=1280,height=720");
	EXPECT_TRUE(gst_caps_is_equal(big.c, bigIn.c)) << big.str();
}

TEST(ConvertCaps, SrcCapsMapBackToWhatTheDeviceReads)
{
	Caps r(transform(GST_PAD_SRC,
			 "video/x-raw,format=YUY2,width=160,height=120,framerate=30/1"));
	Caps rgb16("video/x-raw,format=RGB16,width=640,height=480,framerate=30/1");
	EXPECT_TRUE(gst_caps_can_intersect(r.c, rgb16.c)) << r.str();
	Caps yuy2Big("video/x-raw,format=YUY2,width=640,height=480,framerate=30/1");
	EXPECT_FALSE(gst_caps_can_intersect(r.c, yuy2Big.c)) << "the device cannot read YUY2";
}

TEST(ConvertCaps, FilterApplies)
{
	Caps r(transform(GST_PAD_SINK, "video/x-raw,format=RGB,width=320,height=240",
			 "video/x-raw,format=BGR"));
	ASSERT_FALSE(gst_caps_is_empty(r.c));
	for (guint i = 0; i < gst_caps_get_size(r.c); ++i)
		EXPECT_STREQ(gst_structure_get_string(gst_caps_get_structure(r.c, i), "format"),
			     "BGR");
}

TEST(ConvertCaps, FixatePrefersPassthrough)
{
	Caps in("video/x-raw,format=RGB,width=320,height=240,framerate=30/1");
	GstCaps *other = transform(GST_PAD_SINK, "video/x-raw,format=RGB,width=320,height=240,"
						 "framerate=30/1");
	Caps fixed(convertFixateCaps(in.c, other));
	EXPECT_TRUE(gst_caps_is_equal(fixed.c, in.c)) << fixed.str();
}

TEST(ConvertCaps, FixateKeepsSizeWhenOnlyTheFormatChanges)
{
	Caps in("video/x-raw,format=RGB,width=320,height=240,framerate=30/1");
	GstCaps *other = transform(GST_PAD_SINK,
				   "video/x-raw,format=RGB,width=320,height=240,"
				   "framerate=30/1",
				   "video/x-raw,format=YUY2");
	Caps fixed(convertFixateCaps(in.c, other));
	Caps want("video/x-raw,format=YUY2,width=320,height=240,framerate=30/1");
	EXPECT_TRUE(gst_caps_is_equal(fixed.c, want.c)) << fixed.str();
}

TEST(ConvertCaps, FixateKeepsFormatWhenOnlyTheSizeChanges)
{
	Caps in("video/x-raw,format=BGR,width=320,height=240,framerate=30/1");
	GstCaps *other = transform(GST_PAD_SINK,
				   "video/x-raw,format=BGR,width=320,height=240,"
				   "framerate=30/1",
				   "video/x-raw,width=160,height=120");
	Caps fixed(convertFixateCaps(in.c, other));
	Caps want("video/x-raw,format=BGR,width=160,height=120,framerate=30/1");
	EXPECT_TRUE(gst_caps_is_equal(fixed.c, want.c)) << fixed.str();
}
