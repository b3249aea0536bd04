/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Highway forms of the row kernels, compiled once per x86 target and
 * chosen at run time (HWY_DYNAMIC_DISPATCH).
 *
 * Every load and store is order-preserving across the whole vector
 * (LoadInterleaved2, StoreInterleaved2/4, PromoteTo), so the code does not
 * depend on the per-128-bit-block behaviour of the wider targets: pixel
 * pairs travel as 16-bit lanes, one lane per pair of pixels.
 */
/* The per-target entry points are reached through HWY_EXPORT's table, not
 * through a header, so they have no prior declaration by design. */
#pragma GCC diagnostic ignored "-Wmissing-declarations"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "row_kernels_simd.cpp"
#include <hwy/foreach_target.h> /* must come before highway.h */
#include <hwy/highway.h>

#include "row_kernels.h"

HWY_BEFORE_NAMESPACE();
namespace dmabufkit::cpufilter {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

namespace {

using DU = hn::ScalableTag<uint16_t>;
using DI = hn::ScalableTag<int16_t>;
using VU = hn::Vec<DU>;
using VI = hn::Vec<DI>;

HWY_INLINE const uint16_t *u16(const uint8_t *p)
{
	return reinterpret_cast<const uint16_t *>(p);
}

HWY_INLINE uint16_t *u16(uint8_t *p)
{
	return reinterpret_cast<uint16_t *>(p);
}

struct Coeffs {
	VI yOff, yMul, rv, gu, gv, bu, c128, round, zero, max;
	explicit Coeffs(const video::YuvCoefficients &c)
	{
		const DI di;
		yOff = hn::Set(di, c.yOffset);
		yMul = hn::Set(di, c.yMul);
		rv = hn::Set(di, c.rv);
		gu = hn::Set(di, c.gu);
		gv = hn::Set(di, c.gv);
		bu = hn::Set(di, c.bu);
		c128 = hn::Set(di, 128);
		round = hn::Set(di, 16);
		zero = hn::Zero(di);
		max = hn::Set(di, 255);
	}
};

HWY_INLINE VU finish(const Coeffs &k, VI sum)
{
	const DU du;
	VI v = hn::ShiftRight<5>(hn::Add(sum, k.round));
	return hn::BitCast(du, hn::Min(hn::Max(v, k.zero), k.max));
}

HWY_INLINE VI lumaTerm(const Coeffs &k, VU y)
{
	const DI di;
	return hn::MulHigh(hn::ShiftLeft<7>(hn::Sub(hn::BitCast(di, y), k.yOff)), k.yMul);
}

HWY_INLINE VI chromaTerm(const Coeffs &k, VU c)
{
	const DI di;
	return hn::ShiftLeft<8>(hn::Sub(hn::BitCast(di, c), k.c128));
}

template<KernelFormat Src>
HWY_INLINE void loadPairs(const YuvRowSource &s, int x, VU &ye, VU &yo, VU &u, VU &v)
{
	const DU du;
	const hn::Rebind<uint8_t, DU> d8;
	const VU lo = hn::Set(du, 0xff);
	if constexpr (Src == KernelFormat::YUY2 || Src == KernelFormat::UYVY) {
		VU a, b;
		hn::LoadInterleaved2(du, u16(s.p0 + 2 * x), a, b);
		if constexpr (Src == KernelFormat::YUY2) {
			ye = hn::And(a, lo), u = hn::ShiftRight<8>(a);
			yo = hn::And(b, lo), v = hn::ShiftRight<8>(b);
		} else {
			u = hn::And(a, lo), ye = hn::ShiftRight<8>(a);
			v = hn::And(b, lo), yo = hn::ShiftRight<8>(b);
		}
	} else {
		const VU y = hn::LoadU(du, u16(s.p0 + x));
		ye = hn::And(y, lo), yo = hn::ShiftRight<8>(y);
		if constexpr (Src == KernelFormat::NV12) {
			const VU uv = hn::LoadU(du, u16(s.p1 + x));
			u = hn::And(uv, lo), v = hn::ShiftRight<8>(uv);
		} else {
			u = hn::PromoteTo(du, hn::LoadU(d8, s.p1 + x / 2));
			v = hn::PromoteTo(du, hn::LoadU(d8, s.p2 + x / 2));
		}
	}
}

template<KernelFormat Src, KernelFormat Dst>
int yuvRow(const YuvRowSource &s, uint8_t *dst, int width, const video::YuvCoefficients &c)
{
	const DU du;
	const Coeffs k(c);
	const int step = static_cast<int>(2 * hn::Lanes(du));
	const VU ff = hn::Set(du, 0xff);
	const VU ff00 = hn::Set(du, 0xff00);
	int x = 0;
	for (; x + step <= width; x += step) {
		VU ye, yo, u, v;
		loadPairs<Src>(s, x, ye, yo, u, v);
		const VI ysE = lumaTerm(k, ye), ysO = lumaTerm(k, yo);
		if constexpr (Dst == KernelFormat::GRAY8) {
			const VU ge = finish(k, ysE), go = finish(k, ysO);
			hn::StoreU(hn::Or(ge, hn::ShiftLeft<8>(go)), du, u16(dst + x));
			continue;
		}
		const VI us = chromaTerm(k, u), vs = chromaTerm(k, v);
		const VI rC = hn::MulHigh(vs, k.rv);
		const VI gC = hn::Add(hn::MulHigh(us, k.gu), hn::MulHigh(vs, k.gv));
		const VI bC = hn::MulHigh(us, k.bu);
		const VU rE = finish(k, hn::Add(ysE, rC)), rO = finish(k, hn::Add(ysO, rC));
		const VU gE = finish(k, hn::Add(ysE, gC)), gO = finish(k, hn::Add(ysO, gC));
		const VU bE = finish(k, hn::Add(ysE, bC)), bO = finish(k, hn::Add(ysO, bC));
		if constexpr (Dst == KernelFormat::BGRx || Dst == KernelFormat::BGRA) {
			hn::StoreInterleaved4(hn::Or(bE, hn::ShiftLeft<8>(gE)), hn::Or(rE, ff00),
					      hn::Or(bO, hn::ShiftLeft<8>(gO)), hn::Or(rO, ff00),
					      du, u16(dst + 4 * x));
		} else if constexpr (Dst == KernelFormat::xRGB || Dst == KernelFormat::ARGB) {
			hn::StoreInterleaved4(
				hn::Or(ff, hn::ShiftLeft<8>(rE)), hn::Or(gE, hn::ShiftLeft<8>(bE)),
				hn::Or(ff, hn::ShiftLeft<8>(rO)), hn::Or(gO, hn::ShiftLeft<8>(bO)),
				du, u16(dst + 4 * x));
		} else if constexpr (Dst == KernelFormat::RGB16) {
			const VU f8 = hn::Set(du, 0xf8), fc = hn::Set(du, 0xfc);
			auto pack = [&](VU r, VU g, VU b) {
				return hn::Or(hn::Or(hn::ShiftLeft<8>(hn::And(r, f8)),
						     hn::ShiftLeft<3>(hn::And(g, fc))),
					      hn::ShiftRight<3>(b));
			};
			hn::StoreInterleaved2(pack(rE, gE, bE), pack(rO, gO, bO), du,
					      u16(dst + 2 * x));
		}
	}
	return x;
}

template<KernelFormat Src>
int yuvRowFor(const YuvRowSource &s, uint8_t *dst, KernelFormat dstFormat, int width,
	      const video::YuvCoefficients &c)
{
	switch (dstFormat) {
	case KernelFormat::BGRx:
	case KernelFormat::BGRA:
		return yuvRow<Src, KernelFormat::BGRx>(s, dst, width, c);
	case KernelFormat::xRGB:
	case KernelFormat::ARGB:
		return yuvRow<Src, KernelFormat::xRGB>(s, dst, width, c);
	case KernelFormat::RGB16:
		return yuvRow<Src, KernelFormat::RGB16>(s, dst, width, c);
	case KernelFormat::GRAY8:
		return yuvRow<Src, KernelFormat::GRAY8>(s, dst, width, c);
	default:
		return 0;
	}
}

} /* namespace */

int YuvRowToRgb(const YuvRowSource &s, uint8_t *dst, KernelFormat dstFormat, int width,
		const video::YuvCoefficients &c)
{
	switch (s.format) {
	case KernelFormat::YUY2:
		return yuvRowFor<KernelFormat::YUY2>(s, dst, dstFormat, width, c);
	case KernelFormat::UYVY:
		return yuvRowFor<KernelFormat::UYVY>(s, dst, dstFormat, width, c);
	case KernelFormat::NV12:
		return yuvRowFor<KernelFormat::NV12>(s, dst, dstFormat, width, c);
	case KernelFormat::I420:
		return yuvRowFor<KernelFormat::I420>(s, dst, dstFormat, width, c);
	default:
		return 0;
	}
}

size_t XorRow(const uint8_t *src, uint8_t *dst, size_t bytes, uint32_t mask)
{
	const hn::ScalableTag<uint32_t> d32;
	const hn::ScalableTag<uint8_t> d8;
	const auto m = hn::BitCast(d8, hn::Set(d32, mask));
	const size_t n = hn::Lanes(d8);
	if (n % 4 != 0)
		return 0; /* the one-lane scalar target cannot hold the pattern */
	size_t i = 0;
	for (; i + n <= bytes; i += n)
		hn::StoreU(hn::Xor(hn::LoadU(d8, src + i), m), d8, dst + i);
	return i;
}

int GrayRgb32Row(const uint8_t *src, uint8_t *dst, KernelFormat f, int width)
{
	const DU du;
	const VU lo = hn::Set(du, 0xff), hi = hn::Set(du, 0xff00);
	const VU kr = hn::Set(du, 77), kg = hn::Set(du, 150), kb = hn::Set(du, 29),
		 rnd = hn::Set(du, 128);
	const bool alphaFirst = f == KernelFormat::xRGB || f == KernelFormat::ARGB;
	const int step = static_cast<int>(hn::Lanes(du));
	int x = 0;
	for (; x + step <= width; x += step) {
		VU a, b;
		/* Two 16-bit lanes per pixel: BG|RA, or AR|GB. */
		hn::LoadInterleaved2(du, u16(src + 4 * x), a, b);
		VU r, g, bl, alpha;
		if (alphaFirst) {
			alpha = hn::And(a, lo), r = hn::ShiftRight<8>(a);
			g = hn::And(b, lo), bl = hn::ShiftRight<8>(b);
		} else {
			bl = hn::And(a, lo), g = hn::ShiftRight<8>(a);
			r = hn::And(b, lo), alpha = hn::ShiftRight<8>(b);
		}
		const VU yv = hn::ShiftRight<8>(hn::Add(hn::Add(hn::Mul(r, kr), hn::Mul(g, kg)),
							hn::Add(hn::Mul(bl, kb), rnd)));
		const VU yy = hn::Or(yv, hn::ShiftLeft<8>(yv));
		if (alphaFirst)
			hn::StoreInterleaved2(hn::Or(alpha, hn::And(yy, hi)), yy, du,
					      u16(dst + 4 * x));
		else
			hn::StoreInterleaved2(yy, hn::Or(hn::ShiftLeft<8>(alpha), hn::And(yy, lo)),
					      du, u16(dst + 4 * x));
	}
	return x;
}

const char *TargetName()
{
	return hwy::TargetName(HWY_TARGET);
}

} /* namespace HWY_NAMESPACE */
} /* namespace dmabufkit::cpufilter */
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace dmabufkit::cpufilter {

HWY_EXPORT(YuvRowToRgb);
HWY_EXPORT(XorRow);
HWY_EXPORT(GrayRgb32Row);
HWY_EXPORT(TargetName);

int yuvRowToRgbSimd(const YuvRowSource &src, uint8_t *dst, KernelFormat dstFormat, int width,
		    const video::YuvCoefficients &c)
{
	return HWY_DYNAMIC_DISPATCH(YuvRowToRgb)(src, dst, dstFormat, width, c);
}

size_t xorRowSimd(const uint8_t *src, uint8_t *dst, size_t bytes, uint32_t mask)
{
	return HWY_DYNAMIC_DISPATCH(XorRow)(src, dst, bytes, mask);
}

int grayRgb32RowSimd(const uint8_t *src, uint8_t *dst, KernelFormat f, int width)
{
	return HWY_DYNAMIC_DISPATCH(GrayRgb32Row)(src, dst, f, width);
}

const char *simdTargetName()
{
	return HWY_DYNAMIC_DISPATCH(TargetName)();
}

} /* namespace dmabufkit::cpufilter */
#endif
