/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "thumbnail.h"

#include <algorithm>
#include <cerrno>

#include "colorimetry.h"

namespace dmabufkit::dmabuftrace {

/* Formats whose every component is one byte at a fixed place, so one
   sampler driven by GstVideoFormatInfo reads them all. Not VYUY: GStreamer
   1.22 describes it with UYVY's byte offsets (its pack functions are right),
   so the table would swap its chroma. */
static constexpr GstVideoFormat kFormats[] = {
	GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_BGRA,  GST_VIDEO_FORMAT_xRGB, GST_VIDEO_FORMAT_ARGB,
	GST_VIDEO_FORMAT_RGBx, GST_VIDEO_FORMAT_RGBA,  GST_VIDEO_FORMAT_xBGR, GST_VIDEO_FORMAT_ABGR,
	GST_VIDEO_FORMAT_RGB,  GST_VIDEO_FORMAT_BGR,   GST_VIDEO_FORMAT_YUY2, GST_VIDEO_FORMAT_YVYU,
	GST_VIDEO_FORMAT_UYVY, GST_VIDEO_FORMAT_NV12,  GST_VIDEO_FORMAT_NV21, GST_VIDEO_FORMAT_NV16,
	GST_VIDEO_FORMAT_NV61, GST_VIDEO_FORMAT_I420,  GST_VIDEO_FORMAT_YV12, GST_VIDEO_FORMAT_Y42B,
	GST_VIDEO_FORMAT_Y444, GST_VIDEO_FORMAT_GRAY8,
};

const char *Thumbnail::supportedFormats()
{
	return "BGRx, BGRA, xRGB, ARGB, RGBx, RGBA, xBGR, ABGR, RGB, BGR, YUY2, YVYU, UYVY, NV12, "
	       "NV21, NV16, NV61, I420, YV12, Y42B, Y444, GRAY8";
}

bool Thumbnail::supports(GstVideoFormat format)
{
	return std::find(std::begin(kFormats), std::end(kFormats), format) != std::end(kFormats);
}

void Thumbnail::fit(int width, int height, int *outWidth, int *outHeight)
{
	int w = std::min(width, kMaxWidth);
	int h = std::max(1, int((int64_t(height) * w + width / 2) / width));
	if (h > kMaxHeight) {
		h = std::min(height, kMaxHeight);
		w = std::max(1, int((int64_t(width) * h + height / 2) / height));
	}
	*outWidth = w;
	*outHeight = h;
}

/* The centre of thumbnail cell @i of @n over @size source pixels. */
static int32_t samplePosition(int i, int n, int size)
{
	return int32_t((int64_t(2 * i + 1) * size) / (2 * n));
}

dmabufkit::Result<void> Thumbnail::configure(const GstVideoInfo &info)
{
	width_ = height_ = 0;
	const GstVideoFormatInfo *f = info.finfo;
	int w = GST_VIDEO_INFO_WIDTH(&info), h = GST_VIDEO_INFO_HEIGHT(&info);
	if (!f || !supports(GST_VIDEO_FORMAT_INFO_FORMAT(f)))
		return dmabufkit::Error{ EINVAL,
					 std::string("no preview for format ") +
						 (f ? GST_VIDEO_FORMAT_INFO_NAME(f) : "(none)") +
						 " (previews exist for " + supportedFormats() +
						 ")" };
	if (w <= 0 || h <= 0)
		return dmabufkit::Error{ EINVAL, "no preview for an empty frame" };
	kind_ = GST_VIDEO_FORMAT_INFO_IS_RGB(f)	   ? Kind::Rgb
		: GST_VIDEO_FORMAT_INFO_IS_GRAY(f) ? Kind::Gray
						   : Kind::Yuv;
	components_ = kind_ == Kind::Gray ? 1 : 3;
	int tw, th;
	fit(w, h, &tw, &th);
	for (int c = 0; c < components_; ++c) {
		plane_[c] = GST_VIDEO_FORMAT_INFO_PLANE(f, c);
		hShift_[c] = GST_VIDEO_FORMAT_INFO_H_SUB(f, c);
		const int wShift = GST_VIDEO_FORMAT_INFO_W_SUB(f, c);
		const int pstride = GST_VIDEO_FORMAT_INFO_PSTRIDE(f, c);
		const int poffset = GST_VIDEO_FORMAT_INFO_POFFSET(f, c);
		for (int x = 0; x < tw; ++x)
			column_[c][x] = (samplePosition(x, tw, w) >> wShift) * pstride + poffset;
	}
	for (int y = 0; y < th; ++y)
		row_[y] = samplePosition(y, th, h);
	/* Unknown and exotic matrices read as BT.601: a preview, not a reference. */
	coeffs_ = video::yuvCoefficientsFor(info.colorimetry);
	width_ = tw;
	height_ = th;
	return {};
}

void Thumbnail::make(const GstVideoFrame &frame, uint8_t *out) const
{
	const uint8_t *rows[3] = {};
	for (int y = 0; y < height_; ++y) {
		for (int c = 0; c < components_; ++c) {
			const int p = plane_[c];
			rows[c] = static_cast<const uint8_t *>(
					  GST_VIDEO_FRAME_PLANE_DATA(&frame, p)) +
				  ptrdiff_t(row_[y] >> hShift_[c]) *
					  GST_VIDEO_FRAME_PLANE_STRIDE(&frame, p);
		}
		switch (kind_) {
		case Kind::Rgb:
			for (int x = 0; x < width_; ++x) {
				*out++ = rows[0][column_[0][x]];
				*out++ = rows[1][column_[1][x]];
				*out++ = rows[2][column_[2][x]];
			}
			break;
		case Kind::Gray:
			for (int x = 0; x < width_; ++x) {
				const uint8_t v = rows[0][column_[0][x]];
				*out++ = v;
				*out++ = v;
				*out++ = v;
			}
			break;
		case Kind::Yuv:
			for (int x = 0; x < width_; ++x) {
				video::yuvToRgbPixel(coeffs_, rows[0][column_[0][x]],
						     rows[1][column_[1][x]], rows[2][column_[2][x]],
						     out[0], out[1], out[2]);
				out += 3;
			}
			break;
		}
	}
}

} /* namespace dmabufkit::dmabuftrace */
