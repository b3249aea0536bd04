/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/v4l2/fwht_header.h"

#include <cstdio>

#include <linux/videodev2.h>

namespace dmabufkit::v4l2 {

namespace {

constexpr uint8_t kMagic[8] = { 0x4f, 0x4f, 0x4f, 0x4f, 0xff, 0xff, 0xff, 0xff };
constexpr uint32_t kComponentsShift = 16;
constexpr uint32_t kComponentsMask = 0x7u << kComponentsShift;
constexpr uint32_t kPixencMask = 0x3u << 19;

uint32_t readBe32(const uint8_t *p)
{
	return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) |
	       uint32_t(p[3]);
}

FwhtFrame verdict(FwhtFrame f, FwhtVerdict v, std::string message)
{
	f.verdict = v;
	f.message = std::move(message);
	return f;
}

std::string hex(uint32_t v)
{
	char b[16];
	snprintf(b, sizeof(b), "%08x", v);
	return b;
}

std::string dims(const FwhtHeader &h)
{
	return std::to_string(h.width) + "x" + std::to_string(h.height);
}

/* A raw format vicodec's codec knows, with the sampling it codes. */
struct KnownFormat {
	uint32_t fourcc;
	FwhtSampling sampling;
};

constexpr uint32_t kYuv = V4L2_FWHT_FL_PIXENC_YUV, kRgb = V4L2_FWHT_FL_PIXENC_RGB,
		   kHsv = V4L2_FWHT_FL_PIXENC_HSV;

const KnownFormat kFormats[] = {
	{ V4L2_PIX_FMT_YUV420, { 2, 2, 3, kYuv } },  { V4L2_PIX_FMT_YVU420, { 2, 2, 3, kYuv } },
	{ V4L2_PIX_FMT_YUV422P, { 2, 1, 3, kYuv } }, { V4L2_PIX_FMT_NV12, { 2, 2, 3, kYuv } },
	{ V4L2_PIX_FMT_NV21, { 2, 2, 3, kYuv } },    { V4L2_PIX_FMT_NV16, { 2, 1, 3, kYuv } },
	{ V4L2_PIX_FMT_NV61, { 2, 1, 3, kYuv } },    { V4L2_PIX_FMT_NV24, { 1, 1, 3, kYuv } },
	{ V4L2_PIX_FMT_NV42, { 1, 1, 3, kYuv } },    { V4L2_PIX_FMT_YUYV, { 2, 1, 3, kYuv } },
	{ V4L2_PIX_FMT_YVYU, { 2, 1, 3, kYuv } },    { V4L2_PIX_FMT_UYVY, { 2, 1, 3, kYuv } },
	{ V4L2_PIX_FMT_VYUY, { 2, 1, 3, kYuv } },    { V4L2_PIX_FMT_BGR24, { 1, 1, 3, kRgb } },
	{ V4L2_PIX_FMT_RGB24, { 1, 1, 3, kRgb } },   { V4L2_PIX_FMT_HSV24, { 1, 1, 3, kHsv } },
	{ V4L2_PIX_FMT_BGR32, { 1, 1, 4, kRgb } },   { V4L2_PIX_FMT_XBGR32, { 1, 1, 4, kRgb } },
	{ V4L2_PIX_FMT_ABGR32, { 1, 1, 4, kRgb } },  { V4L2_PIX_FMT_RGB32, { 1, 1, 4, kRgb } },
	{ V4L2_PIX_FMT_XRGB32, { 1, 1, 4, kRgb } },  { V4L2_PIX_FMT_ARGB32, { 1, 1, 4, kRgb } },
	{ V4L2_PIX_FMT_BGRX32, { 1, 1, 4, kRgb } },  { V4L2_PIX_FMT_BGRA32, { 1, 1, 4, kRgb } },
	{ V4L2_PIX_FMT_RGBX32, { 1, 1, 4, kRgb } },  { V4L2_PIX_FMT_RGBA32, { 1, 1, 4, kRgb } },
	{ V4L2_PIX_FMT_HSV32, { 1, 1, 4, kHsv } },   { V4L2_PIX_FMT_GREY, { 1, 1, 1, kRgb } },
};

} /* namespace */

std::string FwhtSampling::toString() const
{
	const char *enc = pixenc == kYuv   ? "YUV"
			  : pixenc == kRgb ? "RGB"
			  : pixenc == kHsv ? "HSV"
					   : "?";
	return std::string(enc) + " " + std::to_string(components) + " components, chroma 1/" +
	       std::to_string(widthDiv) + " x 1/" + std::to_string(heightDiv);
}

FwhtSampling FwhtHeader::sampling() const
{
	FwhtSampling s;
	s.widthDiv = (flags & V4L2_FWHT_FL_CHROMA_FULL_WIDTH) ? 1 : 2;
	s.heightDiv = (flags & V4L2_FWHT_FL_CHROMA_FULL_HEIGHT) ? 1 : 2;
	if (version >= 2) {
		s.components = 1 + ((flags & kComponentsMask) >> kComponentsShift);
		s.pixenc = flags & kPixencMask;
	}
	return s;
}

bool FwhtHeader::sameGeometry(const FwhtHeader &o) const
{
	return width == o.width && height == o.height && sampling() == o.sampling();
}

const char *fwhtVerdictName(FwhtVerdict v)
{
	switch (v) {
	case FwhtVerdict::Ok:
		return "ok";
	case FwhtVerdict::Truncated:
		return "truncated";
	case FwhtVerdict::NotFwht:
		return "not-fwht";
	case FwhtVerdict::UnsupportedVersion:
		return "unsupported-version";
	case FwhtVerdict::BadDimensions:
		return "bad-dimensions";
	case FwhtVerdict::BadFlags:
		return "bad-flags";
	case FwhtVerdict::Oversized:
		return "oversized";
	case FwhtVerdict::EmptyPayload:
		return "empty-payload";
	}
	return "unknown";
}

uint32_t fwhtCodedDimension(uint32_t dim, unsigned div)
{
	return ((dim / div + 7) / 8) * 8 * div;
}

size_t fwhtMaxPayload(const FwhtHeader &h)
{
	const FwhtSampling s = h.sampling();
	const size_t luma = size_t(fwhtCodedDimension(h.width, s.widthDiv)) *
			    fwhtCodedDimension(h.height, s.heightDiv);
	const size_t chroma = luma / (s.widthDiv * s.heightDiv);
	switch (s.components) {
	case 1:
		return luma;
	case 4:
		return 2 * luma + 2 * chroma;
	default:
		return luma + 2 * chroma;
	}
}

FwhtFrame parseFwhtFrame(const uint8_t *data, size_t size)
{
	FwhtFrame f;
	if (!data || size < kFwhtHeaderSize)
		return verdict(f, FwhtVerdict::Truncated,
			       "the buffer holds " + std::to_string(data ? size : 0) +
				       " bytes; an FWHT frame header alone takes " +
				       std::to_string(kFwhtHeaderSize));
	for (size_t i = 0; i < sizeof(kMagic); ++i)
		if (data[i] != kMagic[i])
			return verdict(f, FwhtVerdict::NotFwht,
				       "the buffer does not start with the FWHT magic "
				       "(4f4f4f4f ffffffff): not an FWHT frame, or not "
				       "one frame per buffer");
	FwhtHeader &h = f.header;
	h.version = readBe32(data + 8);
	h.width = readBe32(data + 12);
	h.height = readBe32(data + 16);
	h.flags = readBe32(data + 20);
	h.colorspace = readBe32(data + 24);
	h.xferFunc = readBe32(data + 28);
	h.ycbcrEnc = readBe32(data + 32);
	h.quantization = readBe32(data + 36);
	h.payloadSize = readBe32(data + 40);
	if (h.version == 0 || h.version > kFwhtMaxVersion)
		return verdict(f, FwhtVerdict::UnsupportedVersion,
			       "FWHT version " + std::to_string(h.version) + "; versions 1 to " +
				       std::to_string(kFwhtMaxVersion) + " exist");
	if (h.width == 0 || h.height == 0 || h.width > kFwhtMaxDimension ||
	    h.height > kFwhtMaxDimension)
		return verdict(f, FwhtVerdict::BadDimensions,
			       "frame size " + dims(h) + " is outside 1x1 to " +
				       std::to_string(kFwhtMaxDimension) + "x" +
				       std::to_string(kFwhtMaxDimension));
	if (h.version >= 2) {
		const FwhtSampling s = h.sampling();
		if (s.components != 1 && s.components != 3 && s.components != 4)
			return verdict(f, FwhtVerdict::BadFlags,
				       "the flags 0x" + hex(h.flags) + " give " +
					       std::to_string(s.components) +
					       " components; FWHT has 1, 3 or 4");
		if (!s.pixenc)
			return verdict(f, FwhtVerdict::BadFlags,
				       "the flags name no pixel encoding (YUV, RGB or HSV), "
				       "which version " +
					       std::to_string(h.version) + " requires");
	}
	if (h.payloadSize == 0)
		return verdict(f, FwhtVerdict::EmptyPayload, "the frame has no compressed data");
	const size_t max = fwhtMaxPayload(h);
	if (h.payloadSize > max)
		return verdict(f, FwhtVerdict::Oversized,
			       "the header announces " + std::to_string(h.payloadSize) +
				       " bytes of payload; a " + dims(h) +
				       " frame compresses to at most " + std::to_string(max));
	const size_t present = size - kFwhtHeaderSize;
	if (h.payloadSize > present)
		return verdict(f, FwhtVerdict::Truncated,
			       "the header announces " + std::to_string(h.payloadSize) +
				       " bytes of payload but the buffer holds " +
				       std::to_string(present));
	f.payloadSize = h.payloadSize;
	f.trailingBytes = present - h.payloadSize;
	f.verdict = FwhtVerdict::Ok;
	return f;
}

std::optional<FwhtSampling> fwhtSamplingOfFourcc(uint32_t fourcc)
{
	for (const auto &k : kFormats)
		if (k.fourcc == fourcc)
			return k.sampling;
	return std::nullopt;
}

bool fwhtFourccCarries(uint32_t fourcc, const FwhtSampling &stream)
{
	auto s = fwhtSamplingOfFourcc(fourcc);
	if (!s)
		return false;
	return s->widthDiv == stream.widthDiv && s->heightDiv == stream.heightDiv &&
	       s->components == stream.components && (!stream.pixenc || s->pixenc == stream.pixenc);
}

struct v4l2_ctrl_fwht_params fwhtParams(const FwhtHeader &h, uint64_t refTimestampNs)
{
	struct v4l2_ctrl_fwht_params p = {};
	p.backward_ref_ts = refTimestampNs;
	p.version = h.version;
	p.width = h.width;
	p.height = h.height;
	p.flags = h.flags;
	p.colorspace = h.colorspace;
	p.xfer_func = h.xferFunc;
	p.ycbcr_enc = h.ycbcrEnc;
	p.quantization = h.quantization;
	return p;
}

} /* namespace dmabufkit::v4l2 */
