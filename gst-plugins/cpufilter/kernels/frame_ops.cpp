/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "frame_ops.h"

#include <cstring>
#include <string>
#include <vector>

#include "row_kernels.h"

namespace dmabufkit::cpufilter {

namespace {

/* Rows per chunk below which splitting a frame costs more than it saves. */
constexpr int kMinRowsPerThread = 16;

struct Rgba {
	uint8_t r, g, b, a;
};

Rgba loadRgb(KernelFormat f, const uint8_t *row, int x)
{
	switch (f) {
	case KernelFormat::BGRx:
		return { row[4 * x + 2], row[4 * x + 1], row[4 * x], 0xff };
	case KernelFormat::BGRA:
		return { row[4 * x + 2], row[4 * x + 1], row[4 * x], row[4 * x + 3] };
	case KernelFormat::xRGB:
		return { row[4 * x + 1], row[4 * x + 2], row[4 * x + 3], 0xff };
	case KernelFormat::ARGB:
		return { row[4 * x + 1], row[4 * x + 2], row[4 * x + 3], row[4 * x] };
	case KernelFormat::RGB16: {
		const unsigned p = row[2 * x] | (row[2 * x + 1] << 8);
		const unsigned r = (p >> 11) & 0x1f, g = (p >> 5) & 0x3f, b = p & 0x1f;
		/* Replicate the top bits so 0x1f maps to 255. */
		return { static_cast<uint8_t>((r << 3) | (r >> 2)),
			 static_cast<uint8_t>((g << 2) | (g >> 4)),
			 static_cast<uint8_t>((b << 3) | (b >> 2)), 0xff };
	}
	case KernelFormat::GRAY8:
		return { row[x], row[x], row[x], 0xff };
	default:
		return { 0, 0, 0, 0xff };
	}
}

void storeRgb(KernelFormat f, uint8_t *row, int x, Rgba p)
{
	switch (f) {
	case KernelFormat::BGRx:
	case KernelFormat::BGRA:
		row[4 * x] = p.b, row[4 * x + 1] = p.g, row[4 * x + 2] = p.r;
		row[4 * x + 3] = f == KernelFormat::BGRA ? p.a : 0xff;
		break;
	case KernelFormat::xRGB:
	case KernelFormat::ARGB:
		row[4 * x] = f == KernelFormat::ARGB ? p.a : 0xff;
		row[4 * x + 1] = p.r, row[4 * x + 2] = p.g, row[4 * x + 3] = p.b;
		break;
	case KernelFormat::RGB16: {
		const unsigned v = ((p.r & 0xf8) << 8) | ((p.g & 0xfc) << 3) | (p.b >> 3);
		row[2 * x] = static_cast<uint8_t>(v);
		row[2 * x + 1] = static_cast<uint8_t>(v >> 8);
		break;
	}
	case KernelFormat::GRAY8:
		row[x] = rgbLuma(p.r, p.g, p.b);
		break;
	default:
		break;
	}
}

bool isRgbOrGray(KernelFormat f)
{
	return isRgb(f) || f == KernelFormat::GRAY8;
}

Result<void> checkPair(const FrameView &src, const FrameView &dst, bool sameSize)
{
	if (src.width <= 0 || src.height <= 0 || dst.width <= 0 || dst.height <= 0)
		return Error{ 0, "empty frame (" + std::to_string(src.width) + "x" +
					 std::to_string(src.height) + " to " +
					 std::to_string(dst.width) + "x" +
					 std::to_string(dst.height) + ")" };
	if (sameSize && (src.width != dst.width || src.height != dst.height))
		return Error{ 0, "source and destination sizes differ" };
	for (int p = 0; p < planeCount(src.format); ++p)
		if (!src.data[p])
			return Error{ 0, "source plane " + std::to_string(p) + " missing" };
	for (int p = 0; p < planeCount(dst.format); ++p)
		if (!dst.data[p])
			return Error{ 0, "destination plane " + std::to_string(p) + " missing" };
	return {};
}

void copyRows(const FrameView &src, const FrameView &dst, int y0, int y1)
{
	for (int p = 0; p < planeCount(src.format); ++p) {
		const bool chroma = src.planeHeight(p) != src.height;
		/* A chroma row belongs to the chunk holding its first luma row. */
		const int a = chroma ? (y0 + 1) / 2 : y0;
		const int b = chroma ? (y1 + 1) / 2 : y1;
		for (int y = a; y < b; ++y)
			if (src.row(p, y) != dst.row(p, y))
				std::memcpy(dst.row(p, y), src.row(p, y), src.planeRowBytes(p));
	}
}

YuvRowSource yuvRow(const FrameView &f, int y)
{
	YuvRowSource s{ f.format, f.row(0, y), nullptr, nullptr };
	if (f.format == KernelFormat::NV12)
		s.p1 = f.row(1, y / 2);
	if (f.format == KernelFormat::I420) {
		s.p1 = f.row(1, y / 2);
		s.p2 = f.row(2, y / 2);
	}
	return s;
}

} /* namespace */

bool canConvert(KernelFormat in, KernelFormat out)
{
	if (in == KernelFormat::Unknown || out == KernelFormat::Unknown)
		return false;
	if (in == out)
		return true;
	return (isYuv(in) || isRgbOrGray(in)) && isRgbOrGray(out);
}

bool canScale(KernelFormat f)
{
	return isRgb32(f) || f == KernelFormat::GRAY8;
}

Result<void> convertFrame(const FrameView &src, const FrameView &dst,
			  const video::YuvCoefficients &c, KernelImpl impl, ThreadPool *pool)
{
	if (!canConvert(src.format, dst.format))
		return Error{ 0, std::string("cannot convert ") + kernelFormatName(src.format) +
					 " to " + kernelFormatName(dst.format) };
	if (auto r = checkPair(src, dst, true); !r)
		return r;
	if (src.format == dst.format) {
		forRows(pool, src.height, kMinRowsPerThread,
			[&](int y0, int y1) { copyRows(src, dst, y0, y1); });
		return {};
	}
	if (isYuv(src.format)) {
		forRows(pool, src.height, kMinRowsPerThread, [&](int y0, int y1) {
			for (int y = y0; y < y1; ++y) {
				const YuvRowSource s = yuvRow(src, y);
				int x = 0;
				if (impl == KernelImpl::Simd)
					x = yuvRowToRgbSimd(s, dst.row(0, y), dst.format, src.width,
							    c);
				yuvRowToRgbScalar(s, dst.row(0, y), dst.format, x, src.width, c);
			}
		});
		return {};
	}
	/* RGB and gray rearrangements: scalar only, no display path needs them fast. */
	forRows(pool, src.height, kMinRowsPerThread, [&](int y0, int y1) {
		for (int y = y0; y < y1; ++y)
			for (int x = 0; x < src.width; ++x)
				storeRgb(dst.format, dst.row(0, y), x,
					 loadRgb(src.format, src.row(0, y), x));
	});
	return {};
}

Result<void> invertFrame(const FrameView &src, const FrameView &dst, KernelImpl impl,
			 ThreadPool *pool)
{
	if (src.format != dst.format || src.format == KernelFormat::Unknown)
		return Error{ 0, "invert needs the same known format on both sides" };
	if (auto r = checkPair(src, dst, true); !r)
		return r;
	uint32_t mask = 0xffffffffu;
	if (src.format == KernelFormat::BGRA)
		mask = 0x00ffffffu; /* keep alpha (4th byte) */
	else if (src.format == KernelFormat::ARGB)
		mask = 0xffffff00u; /* keep alpha (1st byte) */
	forRows(pool, src.height, kMinRowsPerThread, [&](int y0, int y1) {
		for (int p = 0; p < planeCount(src.format); ++p) {
			const bool chroma = src.planeHeight(p) != src.height;
			/* Chroma rows belong to the chunk holding their first luma row,
			 * so no row is inverted twice. */
			const int a = chroma ? (y0 + 1) / 2 : y0;
			const int b = chroma ? (y1 + 1) / 2 : y1;
			const size_t bytes = src.planeRowBytes(p);
			for (int y = a; y < b; ++y) {
				size_t i = 0;
				if (impl == KernelImpl::Simd)
					i = xorRowSimd(src.row(p, y), dst.row(p, y), bytes, mask);
				xorRowScalar(src.row(p, y), dst.row(p, y), bytes, i, mask);
			}
		}
	});
	return {};
}

Result<void> grayscaleFrame(const FrameView &src, const FrameView &dst, KernelImpl impl,
			    ThreadPool *pool)
{
	if (src.format != dst.format || src.format == KernelFormat::Unknown)
		return Error{ 0, "grayscale needs the same known format on both sides" };
	if (auto r = checkPair(src, dst, true); !r)
		return r;
	const KernelFormat f = src.format;
	forRows(pool, src.height, kMinRowsPerThread, [&](int y0, int y1) {
		switch (f) {
		case KernelFormat::YUY2:
		case KernelFormat::UYVY: {
			/* Keep luma, set chroma to neutral 128. */
			const int yByte = f == KernelFormat::YUY2 ? 0 : 1;
			for (int y = y0; y < y1; ++y) {
				const uint8_t *s = src.row(0, y);
				uint8_t *d = dst.row(0, y);
				const size_t n = src.planeRowBytes(0);
				for (size_t i = 0; i < n; i += 2) {
					d[i + yByte] = s[i + yByte];
					d[i + 1 - yByte] = 128;
				}
			}
			break;
		}
		case KernelFormat::NV12:
		case KernelFormat::I420:
			for (int y = y0; y < y1; ++y)
				if (src.row(0, y) != dst.row(0, y))
					std::memcpy(dst.row(0, y), src.row(0, y),
						    src.planeRowBytes(0));
			for (int p = 1; p < planeCount(f); ++p)
				for (int y = (y0 + 1) / 2; y < (y1 + 1) / 2; ++y)
					std::memset(dst.row(p, y), 128, src.planeRowBytes(p));
			break;
		case KernelFormat::GRAY8:
			for (int y = y0; y < y1; ++y)
				if (src.row(0, y) != dst.row(0, y))
					std::memcpy(dst.row(0, y), src.row(0, y),
						    src.planeRowBytes(0));
			break;
		case KernelFormat::RGB16:
			for (int y = y0; y < y1; ++y)
				for (int x = 0; x < src.width; ++x) {
					Rgba p = loadRgb(f, src.row(0, y), x);
					const uint8_t l = rgbLuma(p.r, p.g, p.b);
					storeRgb(f, dst.row(0, y), x, { l, l, l, 0xff });
				}
			break;
		default: /* 4-byte RGB */
			for (int y = y0; y < y1; ++y) {
				int x = 0;
				if (impl == KernelImpl::Simd)
					x = grayRgb32RowSimd(src.row(0, y), dst.row(0, y), f,
							     src.width);
				grayRgb32RowScalar(src.row(0, y), dst.row(0, y), f, x, src.width);
			}
		}
	});
	return {};
}

namespace {

/* Box: output pixel o covers source [o*s/d, (o+1)*s/d), at least one pixel. */
inline void boxSpan(int o, int s, int d, int &a, int &b)
{
	a = static_cast<int>(static_cast<int64_t>(o) * s / d);
	b = static_cast<int>(static_cast<int64_t>(o + 1) * s / d);
	if (b <= a)
		b = a + 1;
}

/* Bilinear: centre-aligned source position in 16.16, split into index and an
 * 8-bit weight of the next sample. */
inline void bilinearTap(int o, int s, int d, int &i0, int &i1, int &w)
{
	int64_t pos = ((2 * static_cast<int64_t>(o) + 1) * s * 65536) / (2 * d) - 32768;
	if (pos < 0)
		pos = 0;
	i0 = static_cast<int>(pos >> 16);
	w = static_cast<int>((pos & 0xffff) >> 8);
	if (i0 >= s - 1) {
		i0 = s - 1;
		w = 0;
	}
	i1 = i0 + 1 < s ? i0 + 1 : i0;
}

uint8_t boxPixel(const FrameView &src, int bpp, int c, int xa, int xb, int ya, int yb)
{
	uint32_t sum = 0;
	for (int y = ya; y < yb; ++y)
		for (int x = xa; x < xb; ++x)
			sum += src.row(0, y)[x * bpp + c];
	const uint32_t n = static_cast<uint32_t>((xb - xa) * (yb - ya));
	return static_cast<uint8_t>((sum + n / 2) / n);
}

inline uint8_t lerp2(int a, int b, int c, int d, int wx, int wy)
{
	const int top = a * (256 - wx) + b * wx;
	const int bot = c * (256 - wx) + d * wx;
	return static_cast<uint8_t>((top * (256 - wy) + bot * wy + 32768) >> 16);
}

/* Reference: everything recomputed per pixel. */
void scaleRowsReference(const FrameView &src, const FrameView &dst, ScaleMethod m, int y0, int y1)
{
	const int bpp = bytesPerPixel(src.format);
	for (int oy = y0; oy < y1; ++oy)
		for (int ox = 0; ox < dst.width; ++ox)
			for (int c = 0; c < bpp; ++c) {
				uint8_t v;
				if (m == ScaleMethod::Box) {
					int xa, xb, ya, yb;
					boxSpan(ox, src.width, dst.width, xa, xb);
					boxSpan(oy, src.height, dst.height, ya, yb);
					v = boxPixel(src, bpp, c, xa, xb, ya, yb);
				} else {
					int x0, x1, wx, sy0, sy1, wy;
					bilinearTap(ox, src.width, dst.width, x0, x1, wx);
					bilinearTap(oy, src.height, dst.height, sy0, sy1, wy);
					v = lerp2(src.row(0, sy0)[x0 * bpp + c],
						  src.row(0, sy0)[x1 * bpp + c],
						  src.row(0, sy1)[x0 * bpp + c],
						  src.row(0, sy1)[x1 * bpp + c], wx, wy);
				}
				dst.row(0, oy)[ox * bpp + c] = v;
			}
}

/* Fast form: per-column tables made once, rows summed into a line buffer. */
void scaleRowsFast(const FrameView &src, const FrameView &dst, ScaleMethod m, int y0, int y1)
{
	const int bpp = bytesPerPixel(src.format);
	const int rowBytes = dst.width * bpp;
	if (m == ScaleMethod::Bilinear) {
		std::vector<int> xs0(dst.width), xs1(dst.width), wxs(dst.width);
		for (int ox = 0; ox < dst.width; ++ox)
			bilinearTap(ox, src.width, dst.width, xs0[ox], xs1[ox], wxs[ox]);
		std::vector<int> top(rowBytes), bot(rowBytes);
		for (int oy = y0; oy < y1; ++oy) {
			int sy0, sy1, wy;
			bilinearTap(oy, src.height, dst.height, sy0, sy1, wy);
			const uint8_t *r0 = src.row(0, sy0), *r1 = src.row(0, sy1);
			uint8_t *d = dst.row(0, oy);
			for (int ox = 0; ox < dst.width; ++ox) {
				const int a = xs0[ox] * bpp, b = xs1[ox] * bpp, wx = wxs[ox];
				for (int c = 0; c < bpp; ++c) {
					const int t = r0[a + c] * (256 - wx) + r0[b + c] * wx;
					const int u = r1[a + c] * (256 - wx) + r1[b + c] * wx;
					d[ox * bpp + c] = static_cast<uint8_t>(
						(t * (256 - wy) + u * wy + 32768) >> 16);
				}
			}
		}
		return;
	}
	std::vector<int> xa(dst.width), xb(dst.width);
	for (int ox = 0; ox < dst.width; ++ox)
		boxSpan(ox, src.width, dst.width, xa[ox], xb[ox]);
	std::vector<uint32_t> sums(rowBytes);
	for (int oy = y0; oy < y1; ++oy) {
		int ya, yb;
		boxSpan(oy, src.height, dst.height, ya, yb);
		std::fill(sums.begin(), sums.end(), 0u);
		for (int y = ya; y < yb; ++y) {
			const uint8_t *r = src.row(0, y);
			for (int ox = 0; ox < dst.width; ++ox)
				for (int x = xa[ox]; x < xb[ox]; ++x)
					for (int c = 0; c < bpp; ++c)
						sums[ox * bpp + c] += r[x * bpp + c];
		}
		uint8_t *d = dst.row(0, oy);
		for (int ox = 0; ox < dst.width; ++ox) {
			const uint32_t n = static_cast<uint32_t>((xb[ox] - xa[ox]) * (yb - ya));
			for (int c = 0; c < bpp; ++c)
				d[ox * bpp + c] =
					static_cast<uint8_t>((sums[ox * bpp + c] + n / 2) / n);
		}
	}
}

} /* namespace */

Result<void> scaleFrame(const FrameView &src, const FrameView &dst, ScaleMethod method,
			KernelImpl impl, ThreadPool *pool)
{
	if (src.format != dst.format || !canScale(src.format))
		return Error{ 0, std::string("scale works on 4-byte RGB and GRAY8, not ") +
					 kernelFormatName(src.format) + " to " +
					 kernelFormatName(dst.format) };
	if (auto r = checkPair(src, dst, false); !r)
		return r;
	if (dst.width > src.width || dst.height > src.height)
		return Error{ 0, "scale only makes frames smaller" };
	forRows(pool, dst.height, 4, [&](int y0, int y1) {
		if (impl == KernelImpl::Simd)
			scaleRowsFast(src, dst, method, y0, y1);
		else
			scaleRowsReference(src, dst, method, y0, y1);
	});
	return {};
}

} /* namespace dmabufkit::cpufilter */
