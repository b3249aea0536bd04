/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "format_map.h"

#include <cerrno>
#include <algorithm>
#include <cstring>

#include <linux/videodev2.h>

#include "dmabufkit/v4l2/device_finder.h"
#include "dmabufkit/v4l2/pixel_format.h"

namespace dmabufkit::v4l2 {

/*
 * V4L2 names RGB formats by component order in a little-endian word,
 * GStreamer by byte order in memory: V4L2 XBGR32 ('XR24') is B,G,R,X in
 * memory, which GStreamer calls BGRx.
 */
const std::vector<RawFormatMapping> &rawFormatMappings()
{
	static const std::vector<RawFormatMapping> m = {
		/* packed YUV */
		{ V4L2_PIX_FMT_YUYV, GST_VIDEO_FORMAT_YUY2, false },
		{ V4L2_PIX_FMT_YVYU, GST_VIDEO_FORMAT_YVYU, false },
		{ V4L2_PIX_FMT_UYVY, GST_VIDEO_FORMAT_UYVY, false },
		{ V4L2_PIX_FMT_VYUY, GST_VIDEO_FORMAT_VYUY, false },
		{ V4L2_PIX_FMT_AYUV32, GST_VIDEO_FORMAT_AYUV, false },
		{ V4L2_PIX_FMT_VUYA32, GST_VIDEO_FORMAT_VUYA, false },
		/* semi-planar YUV, one memory */
		{ V4L2_PIX_FMT_NV12, GST_VIDEO_FORMAT_NV12, false },
		{ V4L2_PIX_FMT_NV21, GST_VIDEO_FORMAT_NV21, false },
		{ V4L2_PIX_FMT_NV16, GST_VIDEO_FORMAT_NV16, false },
		{ V4L2_PIX_FMT_NV61, GST_VIDEO_FORMAT_NV61, false },
		{ V4L2_PIX_FMT_NV24, GST_VIDEO_FORMAT_NV24, false },
		{ V4L2_PIX_FMT_P010, GST_VIDEO_FORMAT_P010_10LE, false },
		{ V4L2_PIX_FMT_NV12_4L4, GST_VIDEO_FORMAT_NV12_4L4, false },
		/* planar YUV, one memory */
		{ V4L2_PIX_FMT_YUV420, GST_VIDEO_FORMAT_I420, false },
		{ V4L2_PIX_FMT_YVU420, GST_VIDEO_FORMAT_YV12, false },
		{ V4L2_PIX_FMT_YUV422P, GST_VIDEO_FORMAT_Y42B, false },
		{ V4L2_PIX_FMT_YUV411P, GST_VIDEO_FORMAT_Y41B, false },
		{ V4L2_PIX_FMT_YUV410, GST_VIDEO_FORMAT_YUV9, false },
		{ V4L2_PIX_FMT_YVU410, GST_VIDEO_FORMAT_YVU9, false },
		/* one memory per plane */
		{ V4L2_PIX_FMT_NV12M, GST_VIDEO_FORMAT_NV12, true },
		{ V4L2_PIX_FMT_NV21M, GST_VIDEO_FORMAT_NV21, true },
		{ V4L2_PIX_FMT_NV16M, GST_VIDEO_FORMAT_NV16, true },
		{ V4L2_PIX_FMT_NV61M, GST_VIDEO_FORMAT_NV61, true },
		{ V4L2_PIX_FMT_NV12MT, GST_VIDEO_FORMAT_NV12_64Z32, true },
		{ V4L2_PIX_FMT_YUV420M, GST_VIDEO_FORMAT_I420, true },
		{ V4L2_PIX_FMT_YVU420M, GST_VIDEO_FORMAT_YV12, true },
		{ V4L2_PIX_FMT_YUV422M, GST_VIDEO_FORMAT_Y42B, true },
		{ V4L2_PIX_FMT_YUV444M, GST_VIDEO_FORMAT_Y444, true },
		/* grey */
		{ V4L2_PIX_FMT_GREY, GST_VIDEO_FORMAT_GRAY8, false },
		{ V4L2_PIX_FMT_Y16, GST_VIDEO_FORMAT_GRAY16_LE, false },
		{ V4L2_PIX_FMT_Y16_BE, GST_VIDEO_FORMAT_GRAY16_BE, false },
		/* RGB */
		{ V4L2_PIX_FMT_RGB565, GST_VIDEO_FORMAT_RGB16, false },
		{ V4L2_PIX_FMT_XRGB555, GST_VIDEO_FORMAT_RGB15, false },
		{ V4L2_PIX_FMT_RGB24, GST_VIDEO_FORMAT_RGB, false },
		{ V4L2_PIX_FMT_BGR24, GST_VIDEO_FORMAT_BGR, false },
		{ V4L2_PIX_FMT_XBGR32, GST_VIDEO_FORMAT_BGRx, false },
		{ V4L2_PIX_FMT_ABGR32, GST_VIDEO_FORMAT_BGRA, false },
		{ V4L2_PIX_FMT_XRGB32, GST_VIDEO_FORMAT_xRGB, false },
		{ V4L2_PIX_FMT_ARGB32, GST_VIDEO_FORMAT_ARGB, false },
		{ V4L2_PIX_FMT_RGBX32, GST_VIDEO_FORMAT_RGBx, false },
		{ V4L2_PIX_FMT_RGBA32, GST_VIDEO_FORMAT_RGBA, false },
		{ V4L2_PIX_FMT_BGRX32, GST_VIDEO_FORMAT_xBGR, false },
		{ V4L2_PIX_FMT_BGRA32, GST_VIDEO_FORMAT_ABGR, false },
		/* Deprecated ambiguous-alpha fourccs: map one way only (listed last). */
		{ V4L2_PIX_FMT_BGR32, GST_VIDEO_FORMAT_BGRx, false },
		{ V4L2_PIX_FMT_RGB32, GST_VIDEO_FORMAT_xRGB, false },
	};
	return m;
}

const std::vector<CodecMapping> &codecMappings()
{
	static const std::vector<CodecMapping> m = {
		{ V4L2_PIX_FMT_FWHT, "video/x-fwht", "" },
		{ V4L2_PIX_FMT_H264, "video/x-h264", ",stream-format=byte-stream,alignment=au" },
		{ V4L2_PIX_FMT_HEVC, "video/x-h265", ",stream-format=byte-stream,alignment=au" },
		{ V4L2_PIX_FMT_VP8, "video/x-vp8", "" },
		{ V4L2_PIX_FMT_VP9, "video/x-vp9", "" },
		{ V4L2_PIX_FMT_MPEG2, "video/mpeg", ",mpegversion=2,systemstream=false" },
		{ V4L2_PIX_FMT_MJPEG, "image/jpeg", "" },
		{ V4L2_PIX_FMT_JPEG, "image/jpeg", "" },
	};
	return m;
}

GstVideoFormat videoFormatFromFourcc(uint32_t fourcc)
{
	for (const auto &e : rawFormatMappings())
		if (e.fourcc == fourcc)
			return e.format;
	return GST_VIDEO_FORMAT_UNKNOWN;
}

uint32_t fourccFromVideoFormat(GstVideoFormat format, bool multiPlanar)
{
	uint32_t single = 0;
	for (const auto &e : rawFormatMappings()) {
		if (e.format != format)
			continue;
		if (e.multiPlanar == multiPlanar)
			return e.fourcc;
		if (!single)
			single = e.fourcc;
	}
	return single;
}

bool isMultiPlanarFourcc(uint32_t fourcc)
{
	for (const auto &e : rawFormatMappings())
		if (e.fourcc == fourcc)
			return e.multiPlanar;
	return false;
}

const CodecMapping *codecFromFourcc(uint32_t fourcc)
{
	for (const auto &e : codecMappings())
		if (e.fourcc == fourcc)
			return &e;
	return nullptr;
}

uint32_t codecFourccFromMediaType(const std::string &mediaType)
{
	for (const auto &e : codecMappings())
		if (mediaType == e.mediaType)
			return e.fourcc;
	return 0;
}

Result<void> videoInfoFromFormat(const PixelFormat &fmt, GstVideoInfo *info)
{
	GstVideoFormat vf = videoFormatFromFourcc(fmt.fourcc);
	if (vf == GST_VIDEO_FORMAT_UNKNOWN)
		return Error{ EINVAL, "V4L2 format " + fourccToString(fmt.fourcc) +
					      " has no GStreamer video format" };
	if (!gst_video_info_set_format(info, vf, fmt.width, fmt.height))
		return Error{ EINVAL, "invalid size " + fmt.toString() };
	const GstVideoFormatInfo *finfo = info->finfo;
	const unsigned nPlanes = GST_VIDEO_INFO_N_PLANES(info);
	const bool perPlaneMemory = isMultiPlanarFourcc(fmt.fourcc);
	if (perPlaneMemory && fmt.numPlanes != nPlanes)
		return Error{ EINVAL, fmt.toString() + ": expected " + std::to_string(nPlanes) +
					      " memory planes" };

	/* Tiled formats keep GStreamer's own stride encoding. */
	if (GST_VIDEO_FORMAT_INFO_IS_TILED(finfo)) {
		info->size = fmt.planes[0].sizeImage;
		return {};
	}

	const gint defaultStride0 = GST_VIDEO_INFO_PLANE_STRIDE(info, 0);
	gsize offset = 0;
	for (unsigned p = 0; p < nPlanes; ++p) {
		gint stride;
		if (perPlaneMemory)
			stride = static_cast<gint>(fmt.planes[p].bytesPerLine);
		else
			stride = static_cast<gint>(static_cast<uint64_t>(fmt.planes[0].bytesPerLine) *
						   GST_VIDEO_INFO_PLANE_STRIDE(info, p) / defaultStride0);
		if (stride < GST_VIDEO_INFO_PLANE_STRIDE(info, p))
			return Error{ EINVAL, fmt.toString() + ": stride of plane " +
						      std::to_string(p) + " too small" };
		info->stride[p] = stride;
		info->offset[p] = offset;
		gint comp[GST_VIDEO_MAX_COMPONENTS];
		gst_video_format_info_component(finfo, p, comp);
		gsize planeHeight = GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT(finfo, comp[0], fmt.height);
		if (perPlaneMemory)
			offset += fmt.planes[p].sizeImage;
		else
			offset += static_cast<gsize>(stride) * planeHeight;
	}
	gsize reported = 0;
	for (unsigned i = 0; i < fmt.numPlanes; ++i)
		reported += fmt.planes[i].sizeImage;
	info->size = std::max<gsize>(offset, reported);
	return {};
}

} /* namespace dmabufkit::v4l2 */
