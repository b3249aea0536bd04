/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vim2m_model.h"

namespace dmabufkit::test {

namespace {

struct Rgb {
	int r, g, b;
};

int bytesPerPixel(GstVideoFormat f)
{
	return f == GST_VIDEO_FORMAT_RGB || f == GST_VIDEO_FORMAT_BGR ? 3 : 2;
}

Rgb readPixel(GstVideoFormat f, const uint8_t *row, unsigned x)
{
	switch (f) {
	case GST_VIDEO_FORMAT_RGB16: {
		unsigned v = row[2 * x] | (row[2 * x + 1] << 8);
		/* 5/6-bit channels widened with their low bits set */
		return { int(((v >> 11) << 3) | 7), int((((v >> 5) & 63) << 2) | 3),
			 int(((v & 31) << 3) | 7) };
	}
	case GST_VIDEO_FORMAT_RGB:
		return { row[3 * x], row[3 * x + 1], row[3 * x + 2] };
	default: /* BGR */
		return { row[3 * x + 2], row[3 * x + 1], row[3 * x] };
	}
}

/* Two output pixels from two samples; YUYV takes its chroma from the first. */
void writePair(GstVideoFormat f, Rgb a, Rgb b, uint8_t *out)
{
	auto rgb565 = [](Rgb p) {
		return unsigned(((p.r << 8) & 0xf800) | ((p.g << 3) & 0x07e0) | (p.b >> 3));
	};
	auto luma = [](Rgb p) {
		return uint8_t((8453 * p.r + 16594 * p.g + 3223 * p.b + 524288) >> 15);
	};
	switch (f) {
	case GST_VIDEO_FORMAT_RGB16:
		/* vim2m writes the first sample's colour to both pixels of a pair
		 * (its RGB565 writer does not advance to the second sample). */
		for (Rgb p : { a, a }) {
			unsigned v = rgb565(p);
			*out++ = uint8_t(v & 0xff);
			*out++ = uint8_t(v >> 8);
		}
		return;
	case GST_VIDEO_FORMAT_RGB:
		for (Rgb p : { a, b }) {
			*out++ = uint8_t(p.r);
			*out++ = uint8_t(p.g);
			*out++ = uint8_t(p.b);
		}
		return;
	case GST_VIDEO_FORMAT_BGR:
		for (Rgb p : { a, b }) {
			*out++ = uint8_t(p.b);
			*out++ = uint8_t(p.g);
			*out++ = uint8_t(p.r);
		}
		return;
	default: /* YUY2 */
		out[0] = luma(a);
		out[1] = uint8_t((-4878 * a.r - 9578 * a.g + 14456 * a.b + 4210688) >> 15);
		out[2] = luma(b);
		out[3] = uint8_t((14456 * a.r - 12105 * a.g - 2351 * a.b + 4210688) >> 15);
	}
}

} /* namespace */

std::vector<uint8_t> vim2mReference(const std::vector<uint8_t> &in, GstVideoFormat inFmt,
				    unsigned inW, unsigned inH, GstVideoFormat outFmt,
				    unsigned outW, unsigned outH)
{
	const unsigned inRow = inW * bytesPerPixel(inFmt);
	const unsigned outRow =
		outW * (outFmt == GST_VIDEO_FORMAT_YUY2 ? 2 : bytesPerPixel(outFmt));
	std::vector<uint8_t> out(size_t(outRow) * outH);
	const unsigned step = inW / outW, rest = inW % outW;
	for (unsigned y = 0; y < outH; ++y) {
		const uint8_t *src = in.data() + size_t(y * inH / outH) * inRow;
		uint8_t *dst = out.data() + size_t(y) * outRow;
		/* Horizontal sampling: an error term in units of the output width. */
		unsigned pos = 0, err = 0;
		auto advance = [&]() {
			pos += step;
			err += rest;
			if (err > outW) {
				pos++;
				err -= outW;
			}
		};
		const unsigned pairBytes = outRow / (outW / 2);
		for (unsigned x = 0; x < outW / 2; ++x) {
			const unsigned first = pos;
			advance();
			const unsigned second = pos;
			advance();
			writePair(outFmt, readPixel(inFmt, src, first),
				  readPixel(inFmt, src, second), dst + size_t(x) * pairBytes);
		}
	}
	return out;
}

} /* namespace dmabufkit::test */
