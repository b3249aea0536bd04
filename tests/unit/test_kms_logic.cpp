/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dmabufkmssink's pure logic: plane formats to GStreamer caps, mode choice,
 * frame placement. */
#include <drm_fourcc.h>
#include <gtest/gtest.h>

#include "kms_format.h"
#include "kms_import_refusal.h"
#include "kms_mode.h"

using namespace dmabufkit::kms;

TEST(KmsFormat, VkmsPlaneFormatsMapToGstreamerNames)
{
	/* The primary plane of vkms in 6.12, in the driver's order. */
	std::vector<uint32_t> vkms = { DRM_FORMAT_ARGB8888, DRM_FORMAT_XRGB8888,
				       DRM_FORMAT_XRGB16161616, DRM_FORMAT_ARGB16161616,
				       DRM_FORMAT_RGB565 };
	std::vector<uint32_t> unmapped;
	auto names = gstFormatsForPlane(vkms, &unmapped);
	EXPECT_EQ(names, (std::vector<std::string>{ "BGRA", "BGRx", "BGRA64_LE", "RGB16" }));
	/* GStreamer 1.22 has no 16-bit-per-channel RGB without alpha. */
	EXPECT_EQ(unmapped, (std::vector<uint32_t>{ DRM_FORMAT_XRGB16161616 }));
}

TEST(KmsFormat, RoundTripAndUnknowns)
{
	EXPECT_EQ(drmFormatForGst("BGRx"), uint32_t(DRM_FORMAT_XRGB8888));
	EXPECT_EQ(drmFormatForGst("BGRA"), uint32_t(DRM_FORMAT_ARGB8888));
	EXPECT_EQ(drmFormatForGst("RGB16"), uint32_t(DRM_FORMAT_RGB565));
	EXPECT_EQ(drmFormatForGst("BGRA64_LE"), uint32_t(DRM_FORMAT_ARGB16161616));
	EXPECT_EQ(drmFormatForGst("NV12"), uint32_t(DRM_FORMAT_NV12));
	EXPECT_EQ(drmFormatForGst("NOPE"), 0u);
	EXPECT_EQ(gstFormatForDrm(DRM_FORMAT_XRGB8888), "BGRx");
	EXPECT_EQ(gstFormatForDrm(0), "");
	EXPECT_EQ(gstFormatForDrm(DRM_FORMAT_XRGB16161616), "");
	EXPECT_EQ(fourccName(DRM_FORMAT_XRGB8888), "XR24");
	/* Duplicates collapse. */
	EXPECT_EQ(gstFormatsForPlane({ DRM_FORMAT_XRGB8888, DRM_FORMAT_XRGB8888 }).size(), 1u);
}

namespace {
std::vector<ModeCandidate> vkmsLikeModes()
{
	return { { 1024, 768, 60, true, "1024x768" },  { 1920, 1080, 60, false, "1920x1080" },
		 { 1280, 720, 50, false, "1280x720" }, { 1280, 720, 60, false, "1280x720" },
		 { 800, 600, 60, false, "800x600" },   { 640, 480, 60, false, "640x480" } };
}
} /* namespace */

TEST(KmsMode, RequestedModeWinsAndUnknownOneListsTheChoices)
{
	auto modes = vkmsLikeModes();
	auto r = selectMode(modes, 0, 640, 480, "1280x720");
	ASSERT_TRUE(r.ok());
	EXPECT_EQ(r->index, 3u) << "highest refresh of that size";
	EXPECT_EQ(r->reason, "requested");
	r = selectMode(modes, 0, 640, 480, "1280x720@50");
	ASSERT_TRUE(r.ok());
	EXPECT_EQ(r->index, 2u);
	modes.push_back({ 1920, 1080, 30, false, "1920x1080i" });
	r = selectMode(modes, 0, 640, 480, "1920x1080i");
	ASSERT_TRUE(r.ok());
	EXPECT_EQ(r->index, 6u) << "a mode name works too";

	auto bad = selectMode(modes, 0, 640, 480, "1234x567");
	ASSERT_FALSE(bad.ok());
	EXPECT_EQ(bad.error().code, ENOENT);
	EXPECT_NE(bad.error().message.find("1234x567 does not exist"), std::string::npos);
	EXPECT_NE(bad.error().message.find("1280x720@50, 1280x720@60"), std::string::npos)
		<< bad.error().message;
	auto junk = selectMode(modes, 0, 640, 480, "big");
	ASSERT_FALSE(junk.ok());
	EXPECT_EQ(junk.error().code, EINVAL);
	EXPECT_FALSE(selectMode({}, std::nullopt, 640, 480).ok());
}

TEST(KmsMode, RankingCurrentThenVideoSizeThenPreferred)
{
	auto modes = vkmsLikeModes();
	auto r = rankModes(modes, 4, 640, 480);
	ASSERT_TRUE(r.ok());
	ASSERT_EQ(r->size(), 3u) << "the preferred mode is also the first: listed once";
	EXPECT_EQ((*r)[0].index, 4u);
	EXPECT_EQ((*r)[0].reason, "current");
	EXPECT_EQ((*r)[1].index, 5u);
	EXPECT_EQ((*r)[1].reason, "matches the video");
	EXPECT_EQ((*r)[2].index, 0u);
	EXPECT_EQ((*r)[2].reason, "preferred");
	/* No current mode, no mode of the video's size: preferred. */
	auto s = selectMode(modes, std::nullopt, 333, 222);
	ASSERT_TRUE(s.ok());
	EXPECT_EQ(s->index, 0u);
	EXPECT_EQ(s->reason, "preferred");
	/* Without a current mode the video size comes first. */
	s = selectMode(modes, std::nullopt, 1280, 720);
	ASSERT_TRUE(s.ok());
	EXPECT_EQ(s->index, 3u);
	/* The first mode is not listed twice when it is also the preferred one. */
	auto d = rankModes(modes, 0, 1024, 768);
	ASSERT_TRUE(d.ok());
	EXPECT_EQ(d->size(), 1u);
}

TEST(KmsPlacement, CentredCroppedAndRenderRectangle)
{
	auto p = placeFrame(640, 480, 1024, 768);
	ASSERT_TRUE(p.ok());
	EXPECT_EQ(p->src, (Rect{ 0, 0, 640, 480 }));
	EXPECT_EQ(p->dst, (Rect{ 192, 144, 640, 480 }));
	EXPECT_FALSE(p->coversCrtc(1024, 768));

	p = placeFrame(1024, 768, 1024, 768);
	ASSERT_TRUE(p.ok());
	EXPECT_TRUE(p->coversCrtc(1024, 768));

	/* Larger than the mode: cropped around the centre, no scaling. */
	p = placeFrame(1920, 1080, 1280, 720);
	ASSERT_TRUE(p.ok());
	EXPECT_EQ(p->src, (Rect{ 320, 180, 1280, 720 }));
	EXPECT_EQ(p->dst, (Rect{ 0, 0, 1280, 720 }));

	/* Centred in a render rectangle, which is clipped to the mode. */
	p = placeFrame(100, 100, 1024, 768, Rect{ 10, 20, 300, 200 });
	ASSERT_TRUE(p.ok());
	EXPECT_EQ(p->dst, (Rect{ 110, 70, 100, 100 }));
	p = placeFrame(200, 200, 1024, 768, Rect{ -100, 0, 200, 200 });
	ASSERT_TRUE(p.ok());
	EXPECT_EQ(p->src, (Rect{ 100, 0, 100, 200 }));
	EXPECT_EQ(p->dst, (Rect{ 0, 0, 100, 200 }));

	/* Scaled into the rectangle when the plane can scale. */
	p = placeFrame(640, 480, 1024, 768, Rect{ 0, 0, 1024, 768 }, true);
	ASSERT_TRUE(p.ok());
	EXPECT_EQ(p->src, (Rect{ 0, 0, 640, 480 }));
	EXPECT_EQ(p->dst, (Rect{ 0, 0, 1024, 768 }));

	EXPECT_FALSE(placeFrame(100, 100, 1024, 768, Rect{ 2000, 0, 100, 100 }).ok());
	EXPECT_FALSE(placeFrame(0, 100, 1024, 768).ok());
}

TEST(KmsImportRefusal, NumbersOfAFittingFramebuffer)
{
	dmabufkit::kms::FramebufferLayout l;
	l.fourcc = DRM_FORMAT_XRGB8888;
	l.width = 640;
	l.height = 480;
	l.planes = 1;
	l.pitches[0] = 2560;
	l.dmabufSizes[0] = 1228800;
	EXPECT_EQ(dmabufkit::kms::describeFramebufferNeeds(l),
		  "XR24 640x480, plane 0: pitch 2560 (needs at least 2560), offset 0, dma-buf "
		  "1228800 bytes (needs at least 1228800)");
}

TEST(KmsImportRefusal, ShortPitchAndSmallDmaBufAreNamed)
{
	dmabufkit::kms::FramebufferLayout l;
	l.fourcc = DRM_FORMAT_NV12;
	l.width = 640;
	l.height = 480;
	l.planes = 2;
	l.pitches = { 512, 640 };
	l.offsets = { 0, 307200 };
	l.dmabufSizes = { 307200, 307200 };
	const std::string t = dmabufkit::kms::describeFramebufferNeeds(l);
	EXPECT_NE(t.find("plane 0 pitch 512 is smaller than a row of 640 pixels (640 bytes)"),
		  std::string::npos)
		<< t;
	EXPECT_NE(t.find("plane 1 ends at byte 460800, beyond the dma-buf's 307200 bytes"),
		  std::string::npos)
		<< t;
}

TEST(KmsImportRefusal, PlaneCountMismatch)
{
	dmabufkit::kms::FramebufferLayout l;
	l.fourcc = DRM_FORMAT_NV12;
	l.width = 64;
	l.height = 64;
	l.planes = 1;
	l.pitches[0] = 64;
	const std::string t = dmabufkit::kms::describeFramebufferNeeds(l);
	EXPECT_NE(t.find("1 planes given, the format has 2"), std::string::npos) << t;
}
