/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmabufcpufilter kernels against stock GStreamer and memcpy, side by side in
 * one run on the same input: 1920x1080 YUY2 and NV12 to BGRx through
 *   - our Highway kernel, one thread and two threads,
 *   - our scalar reference, one thread,
 *   - GstVideoConverter (what videoconvert runs), one thread and two,
 *   - memcpy of the output size (8 MiB), one thread: the bandwidth limit.
 * Rounds are interleaved and the median per-frame time is reported.
 *
 *   dbk-bench-cpufilter [FRAMES_PER_ROUND] [ROUNDS]
 *
 * Exits 1 when our one-thread kernel misses a goal: at least 3x
 * GstVideoConverter on one thread, at least 50% of memcpy's throughput.
 */
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gst/gst.h>
#include <gst/video/video.h>
#include <hwy/targets.h>

#include "frame_ops.h"
#include "row_kernels.h"

using namespace dmabufkit::cpufilter;
using namespace dmabufkit::video;

namespace {

constexpr int W = 1920, H = 1080;

struct Case {
	std::string name;
	std::function<void()> run;
	std::vector<double> ms;
};

double median(std::vector<double> v)
{
	std::sort(v.begin(), v.end());
	return v[v.size() / 2];
}

FrameView view(KernelFormat f, std::vector<uint8_t> &mem)
{
	const PackedLayout l = packedLayout(f, W, H);
	mem.assign(l.size, 0);
	FrameView v;
	v.format = f;
	v.width = W;
	v.height = H;
	for (int p = 0; p < planeCount(f); ++p) {
		v.data[p] = mem.data() + l.offset[p];
		v.stride[p] = l.stride[p];
	}
	return v;
}

/* A GstVideoFrame over \a mem laid out as GStreamer's default for \a fmt. */
struct GstFrame {
	GstVideoInfo info;
	GstBuffer *buf = nullptr;
	GstVideoFrame frame;
	GstFrame(GstVideoFormat fmt, const std::vector<uint8_t> &src)
	{
		gst_video_info_set_format(&info, fmt, W, H);
		buf = gst_buffer_new_allocate(nullptr, info.size, nullptr);
		gst_buffer_fill(buf, 0, src.data(), std::min<gsize>(src.size(), info.size));
		gst_video_frame_map(&frame, &info, buf, GST_MAP_READWRITE);
	}
	~GstFrame()
	{
		gst_video_frame_unmap(&frame);
		gst_buffer_unref(buf);
	}
};

GstVideoConverter *stockConverter(GstVideoFormat in, unsigned threads)
{
	GstVideoInfo a, b;
	gst_video_info_set_format(&a, in, W, H);
	gst_video_info_set_format(&b, GST_VIDEO_FORMAT_BGRx, W, H);
	/* videoconvert's defaults, only the thread count varies. */
	return gst_video_converter_new(&a, &b,
				       gst_structure_new("options", GST_VIDEO_CONVERTER_OPT_THREADS,
							 G_TYPE_UINT, threads, nullptr));
}

} /* namespace */

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	const int frames = argc > 1 ? std::atoi(argv[1]) : 30;
	const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
	std::mt19937 rng(42);
	const YuvCoefficients coeffs = yuvCoefficients(YuvMatrix::BT709, YuvRange::Limited);
	ThreadPool pool2(2);

	std::vector<uint8_t> yuy2Mem, nv12Mem, outMem, copyMem;
	FrameView yuy2 = view(KernelFormat::YUY2, yuy2Mem),
		  nv12 = view(KernelFormat::NV12, nv12Mem);
	FrameView out = view(KernelFormat::BGRx, outMem);
	for (auto &b : yuy2Mem)
		b = static_cast<uint8_t>(rng());
	for (auto &b : nv12Mem)
		b = static_cast<uint8_t>(rng());
	copyMem.assign(outMem.size(), 1);

	GstFrame gYuy2(GST_VIDEO_FORMAT_YUY2, yuy2Mem), gNv12(GST_VIDEO_FORMAT_NV12, nv12Mem);
	GstFrame gOut(GST_VIDEO_FORMAT_BGRx, outMem);
	GstVideoConverter *cYuy2 = stockConverter(GST_VIDEO_FORMAT_YUY2, 1);
	GstVideoConverter *cNv12 = stockConverter(GST_VIDEO_FORMAT_NV12, 1);
	GstVideoConverter *cYuy2t = stockConverter(GST_VIDEO_FORMAT_YUY2, 2);
	GstVideoConverter *cNv12t = stockConverter(GST_VIDEO_FORMAT_NV12, 2);

	auto conv = [&](const FrameView &in, KernelImpl impl, ThreadPool *p) {
		return [&, impl, p, in] {
			static_cast<void>(convertFrame(in, out, coeffs, impl, p));
		};
	};
	/* Our kernel held to one narrower Highway target, e.g. 128-bit SSE4 (the
	 * vector width ORC 0.4.33's x86 backend generates). */
	auto narrow = [&](const FrameView &in, int64_t target) {
		return [&, in, target] {
			hwy::SetSupportedTargetsForTest(target);
			static_cast<void>(convertFrame(in, out, coeffs, KernelImpl::Simd, nullptr));
			hwy::SetSupportedTargetsForTest(0);
		};
	};
	std::vector<Case> cases = {
		{ "memcpy 8 MiB (1 thread)",
		  [&] { std::memcpy(outMem.data(), copyMem.data(), outMem.size()); },
		  {} },
		{ "YUY2 ours simd 1 thread", conv(yuy2, KernelImpl::Simd, nullptr), {} },
		{ "YUY2 ours simd 2 threads", conv(yuy2, KernelImpl::Simd, &pool2), {} },
		{ "YUY2 ours scalar 1 thread", conv(yuy2, KernelImpl::Scalar, nullptr), {} },
		{ "YUY2 ours SSE4 only 1t", narrow(yuy2, HWY_SSE4), {} },
		{ "YUY2 ours AVX2 only 1t", narrow(yuy2, HWY_AVX2), {} },
		{ "YUY2 GstVideoConverter 1t",
		  [&] { gst_video_converter_frame(cYuy2, &gYuy2.frame, &gOut.frame); },
		  {} },
		{ "YUY2 GstVideoConverter 2t",
		  [&] { gst_video_converter_frame(cYuy2t, &gYuy2.frame, &gOut.frame); },
		  {} },
		{ "NV12 ours simd 1 thread", conv(nv12, KernelImpl::Simd, nullptr), {} },
		{ "NV12 ours simd 2 threads", conv(nv12, KernelImpl::Simd, &pool2), {} },
		{ "NV12 ours scalar 1 thread", conv(nv12, KernelImpl::Scalar, nullptr), {} },
		{ "NV12 ours SSE4 only 1t", narrow(nv12, HWY_SSE4), {} },
		{ "NV12 ours AVX2 only 1t", narrow(nv12, HWY_AVX2), {} },
		{ "NV12 GstVideoConverter 1t",
		  [&] { gst_video_converter_frame(cNv12, &gNv12.frame, &gOut.frame); },
		  {} },
		{ "NV12 GstVideoConverter 2t",
		  [&] { gst_video_converter_frame(cNv12t, &gNv12.frame, &gOut.frame); },
		  {} },
	};
	for (auto &c : cases)
		c.run(); /* warm caches, page in */
	for (int r = 0; r < rounds; ++r)
		for (auto &c : cases) {
			const auto t0 = std::chrono::steady_clock::now();
			for (int i = 0; i < frames; ++i)
				c.run();
			const auto t1 = std::chrono::steady_clock::now();
			c.ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count() /
				       frames);
		}
	const double memcpyMs = median(cases[0].ms);
	std::printf("1920x1080 -> BGRx, SIMD target %s, %d frames x %d rounds, median ms/frame\n",
		    simdTargetName(), frames, rounds);
	std::printf("%-28s %9s %8s %12s %14s\n", "case", "ms/frame", "fps", "vs stock 1t",
		    "memcpy/this");
	for (size_t i = 0; i < cases.size(); ++i) {
		const double ms = median(cases[i].ms);
		std::string vsStock = "";
		if (i > 0) {
			const size_t stock = cases[i].name.rfind("YUY2", 0) == 0 ? 6 : 13;
			char b[32];
			std::snprintf(b, sizeof(b), "%.2fx", median(cases[stock].ms) / ms);
			vsStock = b;
		}
		std::printf("%-28s %9.3f %8.1f %12s %13.0f%%\n", cases[i].name.c_str(), ms,
			    1000.0 / ms, vsStock.c_str(), 100.0 * memcpyMs / ms);
	}
	/* Goals (docs/benchmarks.md), for our kernel on one thread: at least
	 * kGoalVsStock x GstVideoConverter on one thread, and at least
	 * kGoalVsMemcpy of memcpy's throughput. */
	constexpr double kGoalVsStock = 3.0, kGoalVsMemcpy = 0.5;
	int missed = 0;
	for (auto [ours, stock] : { std::pair<size_t, size_t>{ 1, 6 }, { 8, 13 } }) {
		const double ms = median(cases[ours].ms);
		const double vsStock = median(cases[stock].ms) / ms, vsMemcpy = memcpyMs / ms;
		const bool ok = vsStock >= kGoalVsStock && vsMemcpy >= kGoalVsMemcpy;
		missed += !ok;
		std::printf("goal %s: %.2fx GstVideoConverter (>= %.1fx), %.0f%% of memcpy "
			    "(>= %.0f%%): %s\n",
			    cases[ours].name.c_str(), vsStock, kGoalVsStock, 100.0 * vsMemcpy,
			    100.0 * kGoalVsMemcpy, ok ? "met" : "MISSED");
	}
	gst_video_converter_free(cYuy2);
	gst_video_converter_free(cNv12);
	gst_video_converter_free(cYuy2t);
	gst_video_converter_free(cNv12t);
	return missed ? 1 : 0;
}
