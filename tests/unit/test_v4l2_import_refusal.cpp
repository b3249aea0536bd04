/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host tests of the text a refused DMABUF QBUF carries: the queued dma-buf's
 * numbers against what the format needs, and which one does not fit.
 */
#include <cerrno>
#include <gtest/gtest.h>

#include "dmabufkit/v4l2/import_refusal.h"

using dmabufkit::v4l2::DeviceFormat;
using dmabufkit::v4l2::explainImportRefusal;
using dmabufkit::v4l2::QueuedImportPlane;

namespace {

DeviceFormat yuyv640x480()
{
	DeviceFormat f;
	f.width = 640;
	f.height = 480;
	f.numPlanes = 1;
	f.planes[0].bytesPerLine = 1280;
	f.planes[0].sizeImage = 614400;
	return f;
}

} /* namespace */

TEST(ImportRefusal, SmallDmaBufNamesItsSizeAndSizeimage)
{
	const std::string t =
		explainImportRefusal(EINVAL, { { 4096, 4096, 4096, 0 } }, yuyv640x480(), false);
	EXPECT_NE(t.find("dma-buf 4096 bytes"), std::string::npos) << t;
	EXPECT_NE(t.find("sizeimage 614400"), std::string::npos) << t;
	EXPECT_NE(t.find("bytesperline 1280"), std::string::npos) << t;
	EXPECT_NE(t.find("smaller than sizeimage 614400"), std::string::npos) << t;
}

TEST(ImportRefusal, PayloadLargerThanTheBufferOnOutput)
{
	const std::string t = explainImportRefusal(EINVAL, { { 614400, 614400, 700000, 0 } },
						   yuyv640x480(), true);
	EXPECT_NE(t.find("bytesused 700000 is larger than the 614400 bytes"), std::string::npos)
		<< t;
}

TEST(ImportRefusal, OffsetAtOrPastThePayload)
{
	const std::string t = explainImportRefusal(EINVAL, { { 614400, 614400, 1000, 1000 } },
						   yuyv640x480(), true);
	EXPECT_NE(t.find("data_offset 1000 is not below bytesused 1000"), std::string::npos) << t;
}

TEST(ImportRefusal, PlaneCountDiffers)
{
	DeviceFormat nv12m = yuyv640x480();
	nv12m.numPlanes = 2;
	nv12m.planes[0] = { 640, 307200 };
	nv12m.planes[1] = { 640, 153600 };
	const std::string t =
		explainImportRefusal(EINVAL, { { 460800, 460800, 460800, 0 } }, nv12m, false);
	EXPECT_NE(t.find("plane count differs (1 queued, 2 needed)"), std::string::npos) << t;
	EXPECT_NE(t.find("plane 1: sizeimage 153600, bytesperline 640"), std::string::npos) << t;
}

TEST(ImportRefusal, FittingLayoutPointsAtTheMemoryAndContiguity)
{
	const std::string t = explainImportRefusal(EFAULT, { { 614400, 614400, 614400, 0 } },
						   yuyv640x480(), false);
	EXPECT_NE(t.find("contiguous"), std::string::npos) << t;
	EXPECT_NE(t.find("dma-buf 614400 bytes, length 614400, bytesused 614400, data_offset 0"),
		  std::string::npos)
		<< t;
	EXPECT_EQ(t.find("smaller"), std::string::npos) << t;
}
