/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "decoded_format.h"

#include <gst/video/video-info.h>

namespace dmabufkit::v4l2 {

bool sameSampling(GstVideoFormat a, GstVideoFormat b)
{
	if (a == b)
		return true;
	const GstVideoFormatInfo *fa = gst_video_format_get_info(a);
	const GstVideoFormatInfo *fb = gst_video_format_get_info(b);
	if (!fa || !fb || a == GST_VIDEO_FORMAT_UNKNOWN || b == GST_VIDEO_FORMAT_UNKNOWN)
		return false;
	if (GST_VIDEO_FORMAT_INFO_IS_YUV(fa) != GST_VIDEO_FORMAT_INFO_IS_YUV(fb) ||
	    GST_VIDEO_FORMAT_INFO_IS_RGB(fa) != GST_VIDEO_FORMAT_INFO_IS_RGB(fb) ||
	    GST_VIDEO_FORMAT_INFO_IS_GRAY(fa) != GST_VIDEO_FORMAT_INFO_IS_GRAY(fb) ||
	    GST_VIDEO_FORMAT_INFO_HAS_ALPHA(fa) != GST_VIDEO_FORMAT_INFO_HAS_ALPHA(fb))
		return false;
	if (GST_VIDEO_FORMAT_INFO_N_COMPONENTS(fa) != GST_VIDEO_FORMAT_INFO_N_COMPONENTS(fb))
		return false;
	if (GST_VIDEO_FORMAT_INFO_DEPTH(fa, 0) != GST_VIDEO_FORMAT_INFO_DEPTH(fb, 0))
		return false;
	for (guint c = 1; c < GST_VIDEO_FORMAT_INFO_N_COMPONENTS(fa); c++) {
		if (GST_VIDEO_FORMAT_INFO_W_SUB(fa, c) != GST_VIDEO_FORMAT_INFO_W_SUB(fb, c) ||
		    GST_VIDEO_FORMAT_INFO_H_SUB(fa, c) != GST_VIDEO_FORMAT_INFO_H_SUB(fb, c))
			return false;
	}
	return true;
}

GstVideoFormat chooseDecodedFormat(GstVideoFormat native,
				   const std::vector<GstVideoFormat> &offered,
				   const std::function<bool(GstVideoFormat)> &accepted)
{
	if (native != GST_VIDEO_FORMAT_UNKNOWN && accepted(native))
		return native;
	for (GstVideoFormat f : offered) {
		if (f != native && sameSampling(native, f) && accepted(f))
			return f;
	}
	return GST_VIDEO_FORMAT_UNKNOWN;
}

} /* namespace dmabufkit::v4l2 */
