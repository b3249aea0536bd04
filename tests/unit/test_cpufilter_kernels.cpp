/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmabufcpufilter kernels on the host: every conversion against a
 * floating-point reference (within 1 LSB) and the SIMD form against the
 * scalar reference (bit-exact), on random frames with odd sizes and padded
 * strides, on colour bars, and every other operation likewise.
 */
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <tuple>
#include <future>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <hwy/targets.h>
#include <unistd.h>

#include "frame_ops.h"
#include "row_kernels.h"
#include "frame_png_writer.h"
#include "png_file.h"

using namespace dmabufkit::cpufilter;
using namespace dmabufkit::video;

namespace {

/* The error message of \a r, "" on success: the assertions compare messages. */
std::string why(const dmabufkit::Result<void> &r)
{
	return r ? std::string() : r.error().message;
}

const KernelFormat kYuv[] = { KernelFormat::YUY2, KernelFormat::UYVY, KernelFormat::NV12,
			      KernelFormat::I420 };
const KernelFormat kOut[] = { KernelFormat::BGRx, KernelFormat::BGRA,  KernelFormat::xRGB,
			      KernelFormat::ARGB, KernelFormat::RGB16, KernelFormat::GRAY8 };
const KernelFormat kAll[] = { KernelFormat::YUY2, KernelFormat::UYVY, KernelFormat::NV12,
			      KernelFormat::I420, KernelFormat::BGRx, KernelFormat::BGRA,
			      KernelFormat::xRGB, KernelFormat::ARGB, KernelFormat::RGB16,
			      KernelFormat::GRAY8 };

/* A frame with its own memory; strides padded by \a pad bytes, and a guard
 * band after the frame that must stay untouched. */
struct Frame {
	std::vector<uint8_t> mem;
	FrameView view;
	size_t size = 0;
	static constexpr size_t kGuard = 64;

	Frame(KernelFormat f, int w, int h, int pad = 0, uint8_t fill = 0)
	{
		view.format = f;
		view.width = w;
		view.height = h;
		size_t offset = 0;
		size_t offsets[3] = {};
		for (int p = 0; p < planeCount(f); ++p) {
			view.stride[p] = static_cast<ptrdiff_t>(view.planeRowBytes(p) + pad);
			offsets[p] = offset;
			offset += view.stride[p] * view.planeHeight(p);
		}
		size = offset;
		mem.assign(size + kGuard, fill);
		for (int p = 0; p < planeCount(f); ++p)
			view.data[p] = mem.data() + offsets[p];
	}
	void randomize(std::mt19937 &rng)
	{
		for (size_t i = 0; i < size; ++i)
			mem[i] = static_cast<uint8_t>(rng());
	}
	bool guardIntact(uint8_t fill) const
	{
		for (size_t i = size; i < mem.size(); ++i)
			if (mem[i] != fill)
				return false;
		return true;
	}
	/* Pixel bytes only (padding excluded). */
	bool samePixels(const Frame &o) const
	{
		for (int p = 0; p < planeCount(view.format); ++p)
			for (int y = 0; y < view.planeHeight(p); ++y)
				if (std::memcmp(view.row(p, y), o.view.row(p, y),
						view.planeRowBytes(p)))
					return false;
		return true;
	}
};

void sampleYuv(const FrameView &f, int x, int y, int &Y, int &U, int &V)
{
	const int pair = x / 2;
	const uint8_t *r = f.row(0, y);
	switch (f.format) {
	case KernelFormat::YUY2:
		Y = r[2 * x], U = r[4 * pair + 1], V = r[4 * pair + 3];
		break;
	case KernelFormat::UYVY:
		Y = r[2 * x + 1], U = r[4 * pair], V = r[4 * pair + 2];
		break;
	case KernelFormat::NV12:
		Y = r[x], U = f.row(1, y / 2)[2 * pair], V = f.row(1, y / 2)[2 * pair + 1];
		break;
	default:
		Y = r[x], U = f.row(1, y / 2)[pair], V = f.row(2, y / 2)[pair];
	}
}

/* The exact maths, in double. */
void referenceRgb(const YuvCoefficients &c, int Y, int U, int V, double &r, double &g, double &b)
{
	const bool limited = c.range == YuvRange::Limited;
	const double y = (Y - (limited ? 16 : 0)) / (limited ? 219.0 : 255.0);
	const double u = (U - 128) / (limited ? 224.0 : 255.0);
	const double v = (V - 128) / (limited ? 224.0 : 255.0);
	const double kg = 1 - c.kr - c.kb;
	auto clip = [](double x) { return std::min(255.0, std::max(0.0, x * 255.0)); };
	r = clip(y + 2 * (1 - c.kr) * v);
	g = clip(y - 2 * c.kb * (1 - c.kb) / kg * u - 2 * c.kr * (1 - c.kr) / kg * v);
	b = clip(y + 2 * (1 - c.kb) * u);
}

void readRgb(const FrameView &f, int x, int y, int &r, int &g, int &b, int &a)
{
	const uint8_t *p = f.row(0, y);
	a = 255;
	switch (f.format) {
	case KernelFormat::BGRx:
	case KernelFormat::BGRA:
		b = p[4 * x], g = p[4 * x + 1], r = p[4 * x + 2], a = p[4 * x + 3];
		break;
	case KernelFormat::xRGB:
	case KernelFormat::ARGB:
		a = p[4 * x], r = p[4 * x + 1], g = p[4 * x + 2], b = p[4 * x + 3];
		break;
	case KernelFormat::RGB16: {
		const int v = p[2 * x] | (p[2 * x + 1] << 8);
		r = (v >> 11) << 3, g = ((v >> 5) & 0x3f) << 2, b = (v & 0x1f) << 3;
		break;
	}
	default:
		r = g = b = p[x];
	}
}

/* Largest distance of \a out from the reference, in the output's own LSBs. */
double maxErrorVsReference(const FrameView &in, const FrameView &out, const YuvCoefficients &c)
{
	double worst = 0;
	for (int y = 0; y < in.height; ++y)
		for (int x = 0; x < in.width; ++x) {
			int Y, U, V, r, g, b, a;
			sampleYuv(in, x, y, Y, U, V);
			readRgb(out, x, y, r, g, b, a);
			double rr, rg, rb;
			referenceRgb(c, Y, U, V, rr, rg, rb);
			if (out.format == KernelFormat::GRAY8) {
				double gray;
				referenceRgb(c, Y, 128, 128, gray, gray, gray);
				worst = std::max(worst, std::abs(r - gray));
			} else if (out.format == KernelFormat::RGB16) {
				/* Truncated to 5/6 bits: compare in those units. */
				worst = std::max(
					{ worst, std::abs((r >> 3) - std::round(rr) / 8.0) - 0.875,
					  std::abs((g >> 2) - std::round(rg) / 4.0) - 0.75,
					  std::abs((b >> 3) - std::round(rb) / 8.0) - 0.875 });
			} else {
				worst = std::max({ worst, std::abs(r - rr), std::abs(g - rg),
						   std::abs(b - rb) });
				EXPECT_EQ(a, 255);
			}
		}
	return worst;
}

/* 0..5: BT.601, BT.709, BT.2020, each limited then full. */
constexpr int kCoefficientSets = 6;
YuvCoefficients allCoefficients(int i)
{
	const YuvMatrix m[] = { YuvMatrix::BT601, YuvMatrix::BT709, YuvMatrix::BT2020 };
	return yuvCoefficients(m[i % 3], i >= 3 ? YuvRange::Full : YuvRange::Limited);
}

} /* namespace */

TEST(CpuFilterKernels, FixedPointWithinOneLsbOfExactMathForEveryYuvTriple)
{
	for (int i = 0; i < kCoefficientSets; ++i) {
		const YuvCoefficients c = allCoefficients(i);
		double worst = 0;
		for (int Y = 0; Y < 256; ++Y)
			for (int U = 0; U < 256; ++U)
				for (int V = 0; V < 256; ++V) {
					uint8_t r, g, b;
					yuvToRgbPixel(c, Y, U, V, r, g, b);
					double rr, rg, rb;
					referenceRgb(c, Y, U, V, rr, rg, rb);
					worst = std::max({ worst, std::abs(r - rr),
							   std::abs(g - rg), std::abs(b - rb) });
				}
		EXPECT_LT(worst, 1.0) << "coefficient set " << i;
	}
}

TEST(CpuFilterKernels, ColourBarsBt601LimitedGiveTheExpectedRgb)
{
	/* 75% colour bars as a BT.601 limited-range source produces them
	 * (Y, U, V) and the RGB they stand for. */
	struct Bar {
		int y, u, v, r, g, b;
	} bars[] = {
		{ 180, 128, 128, 191, 191, 191 }, { 162, 44, 142, 191, 191, 0 },
		{ 131, 156, 44, 0, 191, 191 },	  { 112, 72, 58, 0, 191, 0 },
		{ 84, 184, 198, 191, 0, 191 },	  { 65, 100, 212, 191, 0, 0 },
		{ 35, 212, 114, 0, 0, 191 },	  { 16, 128, 128, 0, 0, 0 },
		{ 235, 128, 128, 255, 255, 255 },
	};
	const YuvCoefficients c = yuvCoefficients(YuvMatrix::BT601, YuvRange::Limited);
	for (KernelFormat f : kYuv) {
		const int w = 2 * 64; /* wide enough for the SIMD path */
		Frame in(f, w * 9, 2);
		for (int i = 0; i < 9; ++i)
			for (int x = i * w; x < (i + 1) * w; ++x)
				for (int y = 0; y < 2; ++y) {
					uint8_t *r = in.view.row(0, y);
					switch (f) {
					case KernelFormat::YUY2:
						r[2 * x] = bars[i].y;
						r[4 * (x / 2) + 1] = bars[i].u,
								r[4 * (x / 2) + 3] = bars[i].v;
						break;
					case KernelFormat::UYVY:
						r[2 * x + 1] = bars[i].y;
						r[4 * (x / 2)] = bars[i].u,
							   r[4 * (x / 2) + 2] = bars[i].v;
						break;
					case KernelFormat::NV12:
						r[x] = bars[i].y;
						in.view.row(1, 0)[2 * (x / 2)] = bars[i].u;
						in.view.row(1, 0)[2 * (x / 2) + 1] = bars[i].v;
						break;
					default:
						r[x] = bars[i].y;
						in.view.row(1, 0)[x / 2] = bars[i].u;
						in.view.row(2, 0)[x / 2] = bars[i].v;
					}
				}
		Frame out(KernelFormat::BGRx, w * 9, 2);
		ASSERT_EQ(why(convertFrame(in.view, out.view, c, KernelImpl::Simd)), "");
		for (int i = 0; i < 9; ++i)
			for (int x : { i * w, i * w + w / 2 + 1, (i + 1) * w - 1 }) {
				int r, g, b, a;
				readRgb(out.view, x, 1, r, g, b, a);
				EXPECT_NEAR(r, bars[i].r, 1) << kernelFormatName(f) << " bar " << i;
				EXPECT_NEAR(g, bars[i].g, 1) << kernelFormatName(f) << " bar " << i;
				EXPECT_NEAR(b, bars[i].b, 1) << kernelFormatName(f) << " bar " << i;
			}
	}
}

TEST(CpuFilterKernels, EveryYuvToRgbConversionMatchesReferenceAndSimdEqualsScalar)
{
	std::mt19937 rng(1234);
	const int sizes[][3] = { { 1, 1, 0 },	 { 2, 2, 0 },	{ 3, 5, 7 },
				 { 17, 3, 1 },	 { 33, 9, 64 }, { 64, 4, 0 },
				 { 127, 7, 13 }, { 129, 2, 3 }, { 640, 3, 128 } };
	for (KernelFormat in : kYuv)
		for (KernelFormat outFormat : kOut)
			for (int ci = 0; ci < kCoefficientSets; ++ci)
				for (const auto &s : sizes) {
					const YuvCoefficients c = allCoefficients(ci);
					Frame src(in, s[0], s[1], s[2]);
					src.randomize(rng);
					Frame simd(outFormat, s[0], s[1], s[2], 0xa5);
					Frame scalar(outFormat, s[0], s[1], s[2], 0xa5);
					ASSERT_EQ(why(convertFrame(src.view, simd.view, c,
								   KernelImpl::Simd)),
						  "");
					ASSERT_EQ(why(convertFrame(src.view, scalar.view, c,
								   KernelImpl::Scalar)),
						  "");
					const std::string what =
						std::string(kernelFormatName(in)) + "->" +
						kernelFormatName(outFormat) + " " +
						std::to_string(s[0]) + "x" + std::to_string(s[1]) +
						" coeffs " + std::to_string(ci);
					EXPECT_TRUE(simd.samePixels(scalar)) << what;
					EXPECT_TRUE(simd.guardIntact(0xa5)) << what;
					EXPECT_LT(maxErrorVsReference(src.view, scalar.view, c),
						  1.0)
						<< what;
				}
}

/* The dispatcher picks one target per machine (AVX-512 on the CI host, SSE4 or
 * AVX2 in the emulated guest): check every target this CPU can run. */
TEST(CpuFilterKernels, EverySimdTargetEqualsScalar)
{
	std::mt19937 rng(11);
	const YuvCoefficients c = yuvCoefficients(YuvMatrix::BT601, YuvRange::Limited);
	const auto targets = hwy::SupportedAndGeneratedTargets();
	ASSERT_FALSE(targets.empty());
	for (int64_t t : targets) {
		hwy::SetSupportedTargetsForTest(t);
		EXPECT_STREQ(simdTargetName(), hwy::TargetName(t));
		for (KernelFormat in : kYuv)
			for (KernelFormat outFormat : kOut) {
				Frame src(in, 203, 3, 5);
				src.randomize(rng);
				Frame simd(outFormat, 203, 3), scalar(outFormat, 203, 3);
				ASSERT_EQ(
					why(convertFrame(src.view, simd.view, c, KernelImpl::Simd)),
					"");
				ASSERT_EQ(why(convertFrame(src.view, scalar.view, c,
							   KernelImpl::Scalar)),
					  "");
				EXPECT_TRUE(simd.samePixels(scalar))
					<< hwy::TargetName(t) << " " << kernelFormatName(in) << "->"
					<< kernelFormatName(outFormat);
			}
		for (KernelFormat f : { KernelFormat::BGRA, KernelFormat::xRGB }) {
			Frame src(f, 77, 2);
			src.randomize(rng);
			Frame a(f, 77, 2), b(f, 77, 2), g1(f, 77, 2), g2(f, 77, 2);
			ASSERT_EQ(why(invertFrame(src.view, a.view, KernelImpl::Simd)), "");
			ASSERT_EQ(why(invertFrame(src.view, b.view, KernelImpl::Scalar)), "");
			EXPECT_TRUE(a.samePixels(b)) << hwy::TargetName(t);
			ASSERT_EQ(why(grayscaleFrame(src.view, g1.view, KernelImpl::Simd)), "");
			ASSERT_EQ(why(grayscaleFrame(src.view, g2.view, KernelImpl::Scalar)), "");
			EXPECT_TRUE(g1.samePixels(g2)) << hwy::TargetName(t);
		}
		std::printf("  SIMD target %s checked\n", hwy::TargetName(t));
	}
	hwy::SetSupportedTargetsForTest(0);
}

TEST(CpuFilterKernels, ThreadedConversionEqualsSingleThreaded)
{
	std::mt19937 rng(7);
	ThreadPool pool(4);
	const YuvCoefficients c = yuvCoefficients(YuvMatrix::BT709, YuvRange::Limited);
	for (KernelFormat in : kYuv) {
		Frame src(in, 321, 241, 16);
		src.randomize(rng);
		Frame a(KernelFormat::BGRx, 321, 241), b(KernelFormat::BGRx, 321, 241);
		ASSERT_EQ(why(convertFrame(src.view, a.view, c, KernelImpl::Simd, &pool)), "");
		ASSERT_EQ(why(convertFrame(src.view, b.view, c, KernelImpl::Scalar)), "");
		EXPECT_TRUE(a.samePixels(b)) << kernelFormatName(in);
	}
}

TEST(CpuFilterKernels, RgbAndGrayConversions)
{
	std::mt19937 rng(99);
	const YuvCoefficients c = yuvCoefficients(YuvMatrix::BT601, YuvRange::Limited);
	const KernelFormat rgb[] = { KernelFormat::BGRx, KernelFormat::BGRA,  KernelFormat::xRGB,
				     KernelFormat::ARGB, KernelFormat::RGB16, KernelFormat::GRAY8 };
	for (KernelFormat in : rgb)
		for (KernelFormat out : rgb) {
			Frame src(in, 19, 5, 3);
			src.randomize(rng);
			Frame dst(out, 19, 5, 1, 0x5a);
			ASSERT_EQ(why(convertFrame(src.view, dst.view, c, KernelImpl::Simd)), "");
			EXPECT_TRUE(dst.guardIntact(0x5a));
			for (int y = 0; y < 5; ++y)
				for (int x = 0; x < 19; ++x) {
					int r0, g0, b0, a0, r1, g1, b1, a1;
					readRgb(src.view, x, y, r0, g0, b0, a0);
					readRgb(dst.view, x, y, r1, g1, b1, a1);
					if (out == KernelFormat::GRAY8) {
						if (in == KernelFormat::RGB16)
							continue; /* bit replication: checked below
								   */
						EXPECT_EQ(r1, rgbLuma(r0, g0, b0));
					} else if (out == KernelFormat::RGB16 ||
						   in == KernelFormat::RGB16) {
						EXPECT_EQ(r1 >> 3, r0 >> 3);
						EXPECT_EQ(g1 >> 2, g0 >> 2);
						EXPECT_EQ(b1 >> 3, b0 >> 3);
					} else {
						EXPECT_EQ(r1, r0);
						EXPECT_EQ(g1, g0);
						EXPECT_EQ(b1, b0);
					}
					const bool bothAlpha = (in == KernelFormat::BGRA ||
								in == KernelFormat::ARGB) &&
							       (out == KernelFormat::BGRA ||
								out == KernelFormat::ARGB);
					if (bothAlpha) {
						EXPECT_EQ(a1, a0);
					}
				}
		}
	/* RGB16 white expands to 255, not 248. */
	Frame w16(KernelFormat::RGB16, 2, 1, 0, 0xff), wx(KernelFormat::BGRx, 2, 1);
	ASSERT_EQ(why(convertFrame(w16.view, wx.view, c, KernelImpl::Scalar)), "");
	EXPECT_EQ(wx.view.data[0][0], 255);
	EXPECT_EQ(wx.view.data[0][2], 255);
}

TEST(CpuFilterKernels, UnsupportedConversionsAreRefusedWithAReason)
{
	const YuvCoefficients c = yuvCoefficients(YuvMatrix::BT601, YuvRange::Limited);
	EXPECT_FALSE(canConvert(KernelFormat::YUY2, KernelFormat::NV12));
	EXPECT_FALSE(canConvert(KernelFormat::BGRx, KernelFormat::I420));
	Frame a(KernelFormat::YUY2, 4, 4), b(KernelFormat::NV12, 4, 4);
	EXPECT_EQ(why(convertFrame(a.view, b.view, c, KernelImpl::Simd)),
		  "cannot convert YUY2 to NV12");
	Frame z(KernelFormat::BGRx, 4, 4);
	FrameView empty = z.view;
	empty.width = 0;
	EXPECT_NE(why(convertFrame(a.view, empty, c, KernelImpl::Simd)).find("empty frame"),
		  std::string::npos);
	Frame small(KernelFormat::BGRx, 2, 2);
	EXPECT_NE(why(convertFrame(a.view, small.view, c, KernelImpl::Simd)), "");
}

TEST(CpuFilterKernels, InvertSimdEqualsScalarKeepsAlphaAndIsItsOwnInverse)
{
	std::mt19937 rng(5);
	ThreadPool pool(3);
	for (KernelFormat f : kAll)
		for (int w : { 1, 3, 31, 200 }) {
			Frame src(f, w, 9, 5);
			src.randomize(rng);
			Frame simd(f, w, 9, 5, 0x11), scalar(f, w, 9, 5, 0x11);
			ASSERT_EQ(why(invertFrame(src.view, simd.view, KernelImpl::Simd, &pool)),
				  "");
			ASSERT_EQ(why(invertFrame(src.view, scalar.view, KernelImpl::Scalar)), "");
			EXPECT_TRUE(simd.samePixels(scalar)) << kernelFormatName(f) << " " << w;
			EXPECT_TRUE(simd.guardIntact(0x11));
			for (int y = 0; y < 9; ++y)
				for (int x = 0; x < w; ++x) {
					const uint8_t *s = src.view.row(0, y),
						      *d = simd.view.row(0, y);
					if (f == KernelFormat::BGRA) {
						EXPECT_EQ(d[4 * x + 3], s[4 * x + 3]);
						EXPECT_EQ(d[4 * x], 255 - s[4 * x]);
					} else if (f == KernelFormat::ARGB) {
						EXPECT_EQ(d[4 * x], s[4 * x]);
						EXPECT_EQ(d[4 * x + 1], 255 - s[4 * x + 1]);
					} else if (f == KernelFormat::GRAY8) {
						EXPECT_EQ(d[x], 255 - s[x]);
					}
				}
			/* In place, twice: back to the original. */
			Frame copy = src;
			copy.view = src.view;
			for (int p = 0; p < 3; ++p)
				if (copy.view.data[p])
					copy.view.data[p] = copy.mem.data() +
							    (src.view.data[p] - src.mem.data());
			ASSERT_EQ(why(invertFrame(copy.view, copy.view, KernelImpl::Simd, &pool)),
				  "");
			EXPECT_FALSE(copy.samePixels(src));
			ASSERT_EQ(why(invertFrame(copy.view, copy.view, KernelImpl::Simd)), "");
			EXPECT_TRUE(copy.samePixels(src)) << kernelFormatName(f);
		}
}

TEST(CpuFilterKernels, GrayscaleSimdEqualsScalarAndRemovesColour)
{
	std::mt19937 rng(6);
	for (KernelFormat f : kAll)
		for (int w : { 1, 2, 5, 64, 99 }) {
			Frame src(f, w, 7, 2);
			src.randomize(rng);
			Frame simd(f, w, 7, 2), scalar(f, w, 7, 2);
			ASSERT_EQ(why(grayscaleFrame(src.view, simd.view, KernelImpl::Simd)), "");
			ASSERT_EQ(why(grayscaleFrame(src.view, scalar.view, KernelImpl::Scalar)),
				  "");
			EXPECT_TRUE(simd.samePixels(scalar)) << kernelFormatName(f) << " " << w;
			for (int y = 0; y < 7; ++y)
				for (int x = 0; x < w; ++x) {
					if (isYuv(f)) {
						int Y0, U, V, Y1;
						sampleYuv(src.view, x, y, Y0, U, V);
						sampleYuv(simd.view, x, y, Y1, U, V);
						EXPECT_EQ(Y1, Y0);
						EXPECT_EQ(U, 128);
						EXPECT_EQ(V, 128);
					} else if (f != KernelFormat::GRAY8) {
						int r, g, b, a, r0, g0, b0, a0;
						readRgb(simd.view, x, y, r, g, b, a);
						readRgb(src.view, x, y, r0, g0, b0, a0);
						if (f != KernelFormat::RGB16) {
							EXPECT_EQ(r, g);
							EXPECT_EQ(g, b);
							EXPECT_EQ(r, rgbLuma(r0, g0, b0));
							EXPECT_EQ(a, a0);
						}
					}
				}
		}
}

TEST(CpuFilterKernels, ScaleFastEqualsReferenceAndKeepsFlatColour)
{
	std::mt19937 rng(8);
	for (KernelFormat f : { KernelFormat::BGRx, KernelFormat::ARGB, KernelFormat::GRAY8 })
		for (ScaleMethod m : { ScaleMethod::Box, ScaleMethod::Bilinear })
			for (auto [sw, sh, dw, dh] : { std::tuple{ 64, 48, 32, 24 },
						       { 101, 37, 10, 9 },
						       { 7, 5, 7, 5 },
						       { 640, 360, 160, 90 },
						       { 33, 33, 1, 1 } }) {
				Frame src(f, sw, sh, 4);
				src.randomize(rng);
				Frame fast(f, dw, dh, 2, 0x77), ref(f, dw, dh, 2, 0x77);
				ThreadPool pool(2);
				ASSERT_EQ(why(scaleFrame(src.view, fast.view, m, KernelImpl::Simd,
							 &pool)),
					  "");
				ASSERT_EQ(
					why(scaleFrame(src.view, ref.view, m, KernelImpl::Scalar)),
					"");
				EXPECT_TRUE(fast.samePixels(ref))
					<< sw << "x" << sh << "->" << dw << "x" << dh;
				EXPECT_TRUE(fast.guardIntact(0x77));
				if (sw == dw && sh == dh) {
					EXPECT_TRUE(fast.samePixels(src)) << "same size must copy";
				}
				Frame flat(f, sw, sh, 0, 0x42), out(f, dw, dh);
				ASSERT_EQ(why(scaleFrame(flat.view, out.view, m, KernelImpl::Simd)),
					  "");
				for (int y = 0; y < dh; ++y)
					for (size_t i = 0; i < out.view.planeRowBytes(0); ++i)
						ASSERT_EQ(out.view.row(0, y)[i], 0x42);
			}
	Frame a(KernelFormat::BGRx, 8, 8), b(KernelFormat::BGRx, 16, 8),
		n(KernelFormat::NV12, 4, 4);
	EXPECT_EQ(why(scaleFrame(a.view, b.view, ScaleMethod::Box, KernelImpl::Simd)),
		  "scale only makes frames smaller");
	EXPECT_NE(why(scaleFrame(n.view, n.view, ScaleMethod::Box, KernelImpl::Simd)), "");
}

TEST(CpuFilterKernels, BoxScaleByTwoAveragesFourPixels)
{
	Frame src(KernelFormat::GRAY8, 4, 2), dst(KernelFormat::GRAY8, 2, 1);
	const uint8_t v[2][4] = { { 0, 10, 100, 101 }, { 20, 30, 102, 103 } };
	for (int y = 0; y < 2; ++y)
		std::memcpy(src.view.row(0, y), v[y], 4);
	ASSERT_EQ(why(scaleFrame(src.view, dst.view, ScaleMethod::Box, KernelImpl::Simd)), "");
	EXPECT_EQ(dst.view.data[0][0], 15);  /* (0+10+20+30)/4 */
	EXPECT_EQ(dst.view.data[0][1], 102); /* (100+101+102+103+2)/4 */
}

TEST(CpuFilterSnapshot, PatternValidationAndFormatting)
{
	EXPECT_FALSE(whyInvalidFramePath("/tmp/snap-%05d.png"));
	EXPECT_FALSE(whyInvalidFramePath("a%%b-%d.png"));
	EXPECT_TRUE(whyInvalidFramePath("/tmp/snap.png"));
	EXPECT_TRUE(whyInvalidFramePath("%d-%d.png"));
	EXPECT_TRUE(whyInvalidFramePath("%s.png"));
	EXPECT_EQ(formatFramePath("/tmp/snap-%05d.png", 42), "/tmp/snap-00042.png");
	EXPECT_EQ(formatFramePath("a%%b-%d.png", 7), "a%b-7.png");
	EXPECT_EQ(formatFramePath("s%3d", 7), "s  7");
	EXPECT_EQ(formatFramePath("s%02d", 123), "s123");
}

TEST(CpuFilterSnapshot, PngRoundTripAndUnwritableLocation)
{
	char dir[] = "/tmp/dbk-cpufilter-XXXXXX";
	ASSERT_NE(mkdtemp(dir), nullptr);
	RgbImage img;
	img.width = 33;
	img.height = 7;
	std::mt19937 rng(3);
	for (int i = 0; i < 33 * 7 * 3; ++i)
		img.rgb.push_back(static_cast<uint8_t>(rng()));
	const std::string path = std::string(dir) + "/x.png";
	auto written = writePng(path, img);
	ASSERT_TRUE(written) << written.error().message;
	auto back = readPng(path);
	ASSERT_TRUE(back) << back.error().message;
	EXPECT_EQ(back->width, 33);
	EXPECT_EQ(back->height, 7);
	EXPECT_EQ(back->rgb, img.rgb);
	auto failed = writePng(std::string(dir) + "/missing/x.png", img);
	ASSERT_FALSE(failed);
	const std::string bad = failed.error().message;
	EXPECT_NE(bad.find("fopen"), std::string::npos) << bad;
	EXPECT_NE(bad.find("No such file"), std::string::npos) << bad;
	unlink(path.c_str());
	rmdir(dir);
}

TEST(CpuFilterSnapshot, WriterReportsFailuresAndDropsWhenFull)
{
	std::promise<void> started, release;
	auto releaseFuture = release.get_future().share();
	std::vector<std::string> errors;
	std::mutex m;
	bool first = true;
	FramePngWriter writer(
		[&](const std::string &, uint64_t tag, const std::string &error) {
			EXPECT_EQ(tag, 7u);
			{
				std::lock_guard lock(m);
				errors.push_back(error);
			}
			if (first) {
				first = false;
				started.set_value();
				releaseFuture.wait(); /* hold the worker busy */
			}
		},
		1);
	RgbImage img;
	img.width = img.height = 2;
	img.rgb.assign(12, 0);
	ASSERT_TRUE(writer.submit("/nonexistent-dir/a.png", img, 7));
	started.get_future().wait();
	EXPECT_TRUE(writer.submit("/nonexistent-dir/b.png", img, 7));  /* queued */
	EXPECT_FALSE(writer.submit("/nonexistent-dir/c.png", img, 7)); /* full: dropped */
	release.set_value();
	writer.flush();
	std::lock_guard lock(m);
	ASSERT_EQ(errors.size(), 2u);
	for (const auto &e : errors)
		EXPECT_NE(e.find("/nonexistent-dir/"), std::string::npos) << e;
}
