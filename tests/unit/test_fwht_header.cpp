/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The FWHT frame header parser of the stateless decoder: every verdict on a
 * hand-built frame, the control it fills, the raw formats that carry a
 * stream, and a fuzz run (random bytes, mutations, truncations) that must
 * give a verdict with a message for every input and never read out of
 * bounds (the unit suite also runs under AddressSanitizer).
 */
#include <cstring>
#include <gtest/gtest.h>
#include <random>
#include <vector>

#include <linux/videodev2.h>

#include "dmabufkit/v4l2/fwht_header.h"

using namespace dmabufkit::v4l2;

namespace {

void putBe32(std::vector<uint8_t> &b, size_t at, uint32_t v)
{
	b[at] = uint8_t(v >> 24);
	b[at + 1] = uint8_t(v >> 16);
	b[at + 2] = uint8_t(v >> 8);
	b[at + 3] = uint8_t(v);
}

constexpr uint32_t kYuv420Flags = V4L2_FWHT_FL_PIXENC_YUV | (2u << 16); /* 3 components */

/* A frame as vicodec's encoder writes it: header then \a payload bytes. */
std::vector<uint8_t> frame(uint32_t width, uint32_t height, uint32_t payload,
			   uint32_t flags = kYuv420Flags | V4L2_FWHT_FL_I_FRAME,
			   uint32_t version = 3)
{
	std::vector<uint8_t> b(kFwhtHeaderSize + payload, 0x11);
	const uint8_t magic[8] = { 0x4f, 0x4f, 0x4f, 0x4f, 0xff, 0xff, 0xff, 0xff };
	memcpy(b.data(), magic, 8);
	putBe32(b, 8, version);
	putBe32(b, 12, width);
	putBe32(b, 16, height);
	putBe32(b, 20, flags);
	putBe32(b, 24, V4L2_COLORSPACE_REC709);
	putBe32(b, 28, V4L2_XFER_FUNC_709);
	putBe32(b, 32, V4L2_YCBCR_ENC_601);
	putBe32(b, 36, V4L2_QUANTIZATION_LIM_RANGE);
	putBe32(b, 40, payload);
	return b;
}

FwhtFrame parse(const std::vector<uint8_t> &b)
{
	return parseFwhtFrame(b.data(), b.size());
}

} /* namespace */

TEST(FwhtHeader, ParsesAnIntraFrame)
{
	auto b = frame(640, 480, 1000);
	auto f = parse(b);
	ASSERT_TRUE(f.ok()) << f.message;
	EXPECT_TRUE(f.message.empty());
	EXPECT_EQ(f.header.version, 3u);
	EXPECT_EQ(f.header.width, 640u);
	EXPECT_EQ(f.header.height, 480u);
	EXPECT_TRUE(f.header.isIntra());
	EXPECT_EQ(f.header.colorspace, uint32_t(V4L2_COLORSPACE_REC709));
	EXPECT_EQ(f.header.xferFunc, uint32_t(V4L2_XFER_FUNC_709));
	EXPECT_EQ(f.header.ycbcrEnc, uint32_t(V4L2_YCBCR_ENC_601));
	EXPECT_EQ(f.header.quantization, uint32_t(V4L2_QUANTIZATION_LIM_RANGE));
	EXPECT_EQ(f.payloadOffset, kFwhtHeaderSize);
	EXPECT_EQ(f.payloadSize, 1000u);
	EXPECT_EQ(f.trailingBytes, 0u);
	const FwhtSampling s = f.header.sampling();
	EXPECT_EQ(s.widthDiv, 2u);
	EXPECT_EQ(s.heightDiv, 2u);
	EXPECT_EQ(s.components, 3u);
	EXPECT_EQ(s.pixenc, uint32_t(V4L2_FWHT_FL_PIXENC_YUV));
}

TEST(FwhtHeader, PFrameAndTrailingBytes)
{
	auto b = frame(1280, 720, 64, kYuv420Flags);
	b.resize(b.size() + 7, 0);
	auto f = parse(b);
	ASSERT_TRUE(f.ok()) << f.message;
	EXPECT_FALSE(f.header.isIntra());
	EXPECT_EQ(f.payloadSize, 64u);
	EXPECT_EQ(f.trailingBytes, 7u);
}

TEST(FwhtHeader, EveryVerdictHasAMessage)
{
	struct Case {
		const char *what;
		std::vector<uint8_t> bytes;
		FwhtVerdict verdict;
		const char *keyword;
	};
	auto badMagic = frame(640, 480, 10);
	badMagic[3] = 0x4e;
	auto tooBig = frame(640, 480, 10);
	putBe32(tooBig, 40, 640 * 480 * 2); /* more than 4:2:0 at 640x480 can take */
	auto half = frame(640, 480, 0);
	half.resize(20);
	std::vector<Case> cases = {
		{ "empty", {}, FwhtVerdict::Truncated, "header" },
		{ "half a header", half, FwhtVerdict::Truncated, "44" },
		{ "bad magic", badMagic, FwhtVerdict::NotFwht, "magic" },
		{ "version 0", frame(640, 480, 10, kYuv420Flags, 0),
		  FwhtVerdict::UnsupportedVersion, "version 0" },
		{ "version 4", frame(640, 480, 10, kYuv420Flags, 4),
		  FwhtVerdict::UnsupportedVersion, "version 4" },
		{ "zero width", frame(0, 480, 10), FwhtVerdict::BadDimensions, "0x480" },
		{ "huge height", frame(640, 100000, 10), FwhtVerdict::BadDimensions, "640x100000" },
		{ "two components", frame(640, 480, 10, V4L2_FWHT_FL_PIXENC_YUV | (1u << 16)),
		  FwhtVerdict::BadFlags, "2 components" },
		{ "no pixel encoding", frame(640, 480, 10, 2u << 16), FwhtVerdict::BadFlags,
		  "pixel encoding" },
		{ "empty payload", frame(640, 480, 0), FwhtVerdict::EmptyPayload, "no compressed" },
		{ "oversized", tooBig, FwhtVerdict::Oversized, "at most 460800" },
	};
	auto truncated = frame(640, 480, 1000);
	truncated.resize(truncated.size() - 1);
	cases.push_back({ "payload cut", truncated, FwhtVerdict::Truncated, "999" });
	for (const auto &c : cases) {
		auto f = parse(c.bytes);
		EXPECT_EQ(f.verdict, c.verdict) << c.what << ": got " << fwhtVerdictName(f.verdict)
						<< " (" << f.message << ")";
		EXPECT_FALSE(f.message.empty()) << c.what;
		EXPECT_NE(f.message.find(c.keyword), std::string::npos)
			<< c.what << ": \"" << f.message << "\" lacks \"" << c.keyword << "\"";
	}
}

TEST(FwhtHeader, VersionOneHasNoComponentFlags)
{
	/* Version 1 predates the component and encoding fields: 3 components, encoding unknown. */
	auto f = parse(frame(640, 480, 10, V4L2_FWHT_FL_I_FRAME, 1));
	ASSERT_TRUE(f.ok()) << f.message;
	EXPECT_EQ(f.header.sampling().components, 3u);
	EXPECT_EQ(f.header.sampling().pixenc, 0u);
}

TEST(FwhtHeader, MaxPayloadFollowsTheCodedSize)
{
	FwhtHeader h;
	h.version = 3;
	h.width = 640;
	h.height = 480;
	h.flags = kYuv420Flags;
	EXPECT_EQ(fwhtMaxPayload(h), 640u * 480 * 3 / 2);
	/* 642 wide: chroma 321 rounds to 328, luma to 656. */
	h.width = 642;
	EXPECT_EQ(fwhtCodedDimension(642, 2), 656u);
	EXPECT_EQ(fwhtMaxPayload(h), 656u * 480 * 3 / 2);
	h.width = 640;
	h.flags = V4L2_FWHT_FL_PIXENC_RGB | (3u << 16) | V4L2_FWHT_FL_CHROMA_FULL_WIDTH |
		  V4L2_FWHT_FL_CHROMA_FULL_HEIGHT; /* 4 components, full chroma */
	EXPECT_EQ(fwhtMaxPayload(h), 4u * 640 * 480);
	h.flags = V4L2_FWHT_FL_PIXENC_RGB | V4L2_FWHT_FL_CHROMA_FULL_WIDTH |
		  V4L2_FWHT_FL_CHROMA_FULL_HEIGHT; /* grey */
	EXPECT_EQ(fwhtMaxPayload(h), 640u * 480);
}

TEST(FwhtHeader, ControlCarriesEveryField)
{
	auto f = parse(frame(800, 600, 10, kYuv420Flags));
	ASSERT_TRUE(f.ok());
	auto p = fwhtParams(f.header, 123000);
	EXPECT_EQ(p.backward_ref_ts, 123000u);
	EXPECT_EQ(p.version, 3u);
	EXPECT_EQ(p.width, 800u);
	EXPECT_EQ(p.height, 600u);
	EXPECT_EQ(p.flags, kYuv420Flags);
	EXPECT_EQ(p.colorspace, uint32_t(V4L2_COLORSPACE_REC709));
	EXPECT_EQ(p.xfer_func, uint32_t(V4L2_XFER_FUNC_709));
	EXPECT_EQ(p.ycbcr_enc, uint32_t(V4L2_YCBCR_ENC_601));
	EXPECT_EQ(p.quantization, uint32_t(V4L2_QUANTIZATION_LIM_RANGE));
}

TEST(FwhtHeader, RawFormatsThatCarryAStream)
{
	FwhtSampling yuv420{ 2, 2, 3, V4L2_FWHT_FL_PIXENC_YUV };
	EXPECT_TRUE(fwhtFourccCarries(V4L2_PIX_FMT_NV12, yuv420));
	EXPECT_TRUE(fwhtFourccCarries(V4L2_PIX_FMT_YUV420, yuv420));
	EXPECT_FALSE(fwhtFourccCarries(V4L2_PIX_FMT_YUYV, yuv420)); /* 4:2:2 */
	EXPECT_FALSE(fwhtFourccCarries(V4L2_PIX_FMT_XBGR32, yuv420));
	FwhtSampling rgb32{ 1, 1, 4, V4L2_FWHT_FL_PIXENC_RGB };
	EXPECT_TRUE(fwhtFourccCarries(V4L2_PIX_FMT_XBGR32, rgb32));
	EXPECT_FALSE(fwhtFourccCarries(V4L2_PIX_FMT_HSV32, rgb32));
	EXPECT_FALSE(fwhtFourccCarries(V4L2_PIX_FMT_H264, yuv420));
	/* Version 1 names no encoding: any format of the same sampling. */
	FwhtSampling v1{ 2, 2, 3, 0 };
	EXPECT_TRUE(fwhtFourccCarries(V4L2_PIX_FMT_NV21, v1));
	EXPECT_EQ(fwhtSamplingOfFourcc(V4L2_PIX_FMT_GREY)->components, 1u);
	EXPECT_FALSE(fwhtSamplingOfFourcc(V4L2_PIX_FMT_MJPEG));
}

TEST(FwhtHeader, GeometryChangeIsSizeOrSampling)
{
	auto a = parse(frame(640, 480, 10)).header;
	auto b = parse(frame(640, 480, 10, kYuv420Flags)).header; /* P frame, same geometry */
	auto c = parse(frame(1280, 720, 10)).header;
	auto d =
		parse(frame(640, 480, 10,
			    V4L2_FWHT_FL_PIXENC_YUV | (2u << 16) | V4L2_FWHT_FL_CHROMA_FULL_HEIGHT))
			.header;
	EXPECT_TRUE(a.sameGeometry(b));
	EXPECT_FALSE(a.sameGeometry(c));
	EXPECT_FALSE(a.sameGeometry(d));
}

/*
 * The fuzz run: a verdict for every input, a message for every refusal, and
 * an accepted frame always lies inside the bytes given. Each input is a
 * fresh heap copy of exactly its size, so AddressSanitizer sees any read
 * past the end.
 */
TEST(FwhtHeaderFuzz, RandomMutatedAndTruncatedInputs)
{
	std::mt19937 rnd(13);
	const std::vector<std::vector<uint8_t>> seeds = {
		frame(640, 480, 500),
		frame(1280, 720, 3000, kYuv420Flags),
		frame(4096, 2160, 64, V4L2_FWHT_FL_PIXENC_RGB | (3u << 16)),
		frame(640, 360, 16, V4L2_FWHT_FL_I_FRAME, 1),
	};
	unsigned counts[8] = {};
	auto check = [&](const std::vector<uint8_t> &in) {
		auto *copy = new uint8_t[in.size() ? in.size() : 1];
		if (!in.empty())
			memcpy(copy, in.data(), in.size());
		FwhtFrame f = parseFwhtFrame(in.empty() ? nullptr : copy, in.size());
		delete[] copy;
		counts[static_cast<int>(f.verdict)]++;
		if (f.ok()) {
			EXPECT_TRUE(f.message.empty());
			EXPECT_LE(f.payloadOffset + f.payloadSize + f.trailingBytes, in.size());
			EXPECT_EQ(f.payloadOffset + f.payloadSize + f.trailingBytes, in.size());
			EXPECT_GT(f.payloadSize, 0u);
			EXPECT_LE(f.payloadSize, fwhtMaxPayload(f.header));
			EXPECT_GE(f.header.version, 1u);
			EXPECT_LE(f.header.version, kFwhtMaxVersion);
		} else {
			EXPECT_FALSE(f.message.empty()) << fwhtVerdictName(f.verdict);
		}
	};
	/* Every truncation of every seed. */
	for (const auto &s : seeds)
		for (size_t n = 0; n <= s.size() && n < 600; ++n)
			check(std::vector<uint8_t>(s.begin(), s.begin() + static_cast<long>(n)));
	/* Random bytes of random lengths, sometimes behind a valid magic. */
	for (int i = 0; i < 20000; ++i) {
		std::vector<uint8_t> b(rnd() % 200);
		for (auto &x : b)
			x = static_cast<uint8_t>(rnd());
		if (i % 2 && b.size() >= 8)
			memcpy(b.data(), seeds[0].data(), 8);
		check(b);
	}
	/* Seeds with bytes of the header flipped, payload sizes forged, lengths cut or padded. */
	for (int i = 0; i < 50000; ++i) {
		std::vector<uint8_t> b = seeds[rnd() % seeds.size()];
		const int flips = 1 + rnd() % 4;
		for (int k = 0; k < flips; ++k)
			b[rnd() % kFwhtHeaderSize] ^= static_cast<uint8_t>(1u << (rnd() % 8));
		if (rnd() % 4 == 0)
			putBe32(b, 40, static_cast<uint32_t>(rnd()));
		if (rnd() % 4 == 0)
			b.resize(rnd() % (b.size() + 64), 0);
		check(b);
	}
	/* Every class of verdict was reached, so the fuzz exercised each branch. */
	for (int v = 0; v < 8; ++v)
		EXPECT_GT(counts[v], 0u) << fwhtVerdictName(static_cast<FwhtVerdict>(v));
}
