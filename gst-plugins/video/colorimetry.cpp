/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "colorimetry.h"

namespace dmabufkit::video {

bool yuvMatrixSupported(GstVideoColorMatrix matrix)
{
	switch (matrix) {
	case GST_VIDEO_COLOR_MATRIX_BT601:
	case GST_VIDEO_COLOR_MATRIX_BT709:
	case GST_VIDEO_COLOR_MATRIX_BT2020:
	case GST_VIDEO_COLOR_MATRIX_UNKNOWN:
	case GST_VIDEO_COLOR_MATRIX_RGB:
		return true;
	default:
		return false;
	}
}

YuvCoefficients yuvCoefficientsFor(const GstVideoColorimetry &colorimetry)
{
	YuvMatrix matrix = YuvMatrix::BT601;
	if (colorimetry.matrix == GST_VIDEO_COLOR_MATRIX_BT709)
		matrix = YuvMatrix::BT709;
	else if (colorimetry.matrix == GST_VIDEO_COLOR_MATRIX_BT2020)
		matrix = YuvMatrix::BT2020;
	const YuvRange range = colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255 ? YuvRange::Full
										: YuvRange::Limited;
	return yuvCoefficients(matrix, range);
}

} /* namespace dmabufkit::video */
