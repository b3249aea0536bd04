/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "format_map.h"

#include <cerrno>
#include <algorithm>
#include <cstring>

#include <linux/videodev2.h>

#include "dmabufkit/base/pixel_format.h"
#include "dmabufkit/v4l2/device_finder.h"
#include "dmabufkit/v4l2/device_format.h"

namespace dmabufkit::v4l2 {

/*
 * The raw formats come from the pixel-format table (dmabufkit/base): per
 * entry its single-memory fourcc then its one-memory-per-plane fourcc, then
 * the deprecated aliases, which therefore map one way only.
 */
const std::vector<RawFormatMapping> &rawFormatMappings()
{
	static const std::vector<RawFormatMapping> m = [] {
		std::vector<RawFormatMapping> out;
		size_t n = 0;
		const PixelFormatInfo *all = pixelFormats(&n);
		for (size_t i = 0; i < n; ++i) {
			const GstVideoFormat vf =
				gst_video_format_from_string(std::string(all[i].name).c_str());
			if (vf == GST_VIDEO_FORMAT_UNKNOWN)
				continue;
			if (all[i].v4l2Fourcc)
				out.push_back({ all[i].v4l2Fourcc, vf, false });
			if (all[i].v4l2MplaneFourcc)
				out.push_back({ all[i].v4l2MplaneFourcc, vf, true });
		}
		const V4l2FourccAlias *aliases = v4l2FourccAliases(&n);
		for (size_t i = 0; i < n; ++i)
			out.push_back({ aliases[i].fourcc,
					gst_video_format_from_string(
						std::string(aliases[i].name).c_str()),
					false });
		return out;
	}();
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

Result<void> videoInfoFromFormat(const DeviceFormat &fmt, GstVideoInfo *info)
{
	GstVideoFormat vf = videoFormatFromFourcc(fmt.fourcc);
	if (vf == GST_VIDEO_FORMAT_UNKNOWN)
		return Error{ EINVAL, "V4L2 format " + fourccName(fmt.fourcc) +
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
			stride = static_cast<gint>(
				static_cast<uint64_t>(fmt.planes[0].bytesPerLine) *
				GST_VIDEO_INFO_PLANE_STRIDE(info, p) / defaultStride0);
		gint comp[GST_VIDEO_MAX_COMPONENTS];
		gst_video_format_info_component(finfo, p, comp);
		/* The least a row takes: GStreamer's default strides are rounded
		 * up to 4, a packed device's (vim2m's RGB24 at 330 pixels: 990) need not be. */
		const gint rowBytes = GST_VIDEO_FORMAT_INFO_PSTRIDE(finfo, comp[0]) *
				      GST_VIDEO_FORMAT_INFO_SCALE_WIDTH(finfo, comp[0], fmt.width);
		if (stride < rowBytes)
			return Error{ EINVAL, fmt.toString() + ": stride of plane " +
						      std::to_string(p) + " too small" };
		info->stride[p] = stride;
		info->offset[p] = offset;
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
