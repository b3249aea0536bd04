/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmabufcpufilter's FrameProcessor on the host: each operation runs the
 * kernels it names, scale converts first when the formats differ, the
 * thread pool changes no byte, and kernel refusals come back as errors.
 */
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "frame_processor.h"

using namespace dmabufkit::cpufilter;
using namespace dmabufkit::video;

namespace {

/* A packed frame owning its memory. */
struct Frame {
	std::vector<uint8_t> mem;
	FrameView view;

	Frame(KernelFormat f, int w, int h)
	{
		const PackedLayout l = packedLayout(f, w, h);
		mem.assign(l.size, 0);
		view.format = f;
		view.width = w;
		view.height = h;
		for (int p = 0; p < planeCount(f); ++p) {
			view.data[p] = mem.data() + l.offset[p];
			view.stride[p] = l.stride[p];
		}
	}
	void randomize(std::mt19937 &rng)
	{
		for (auto &b : mem)
			b = static_cast<uint8_t>(rng());
	}
};

const YuvCoefficients kBt709 = yuvCoefficients(YuvMatrix::BT709, YuvRange::Limited);

} /* namespace */

TEST(CpuFilterProcessor, ScaleConvertsFirstWhenTheFormatsDiffer)
{
	std::mt19937 rng(7);
	Frame src(KernelFormat::NV12, 64, 48);
	src.randomize(rng);
	Frame mid(KernelFormat::BGRx, 64, 48), expected(KernelFormat::BGRx, 16, 12);
	ASSERT_TRUE(convertFrame(src.view, mid.view, kBt709, KernelImpl::Scalar));
	ASSERT_TRUE(scaleFrame(mid.view, expected.view, ScaleMethod::Box, KernelImpl::Scalar));

	FrameProcessor p;
	p.start(1);
	Frame out(KernelFormat::BGRx, 16, 12);
	auto r = p.process(Operation::Scale, ScaleMethod::Box, KernelImpl::Scalar, kBt709, src.view,
			   out.view);
	ASSERT_TRUE(r) << r.error().message;
	EXPECT_EQ(out.mem, expected.mem);
	p.stop();
}

TEST(CpuFilterProcessor, ThreadsChangeNoByte)
{
	std::mt19937 rng(11);
	Frame src(KernelFormat::YUY2, 96, 64);
	src.randomize(rng);
	for (Operation op : { Operation::Convert, Operation::Invert, Operation::Grayscale }) {
		const KernelFormat outFormat =
			op == Operation::Convert ? KernelFormat::BGRx : KernelFormat::YUY2;
		Frame one(outFormat, 96, 64), four(outFormat, 96, 64);
		FrameProcessor a, b;
		a.start(1);
		b.start(4);
		ASSERT_TRUE(a.process(op, ScaleMethod::Bilinear, KernelImpl::Simd, kBt709, src.view,
				      one.view));
		ASSERT_TRUE(b.process(op, ScaleMethod::Bilinear, KernelImpl::Simd, kBt709, src.view,
				      four.view));
		EXPECT_EQ(one.mem, four.mem) << static_cast<int>(op);
	}
}

TEST(CpuFilterProcessor, InvertInPlaceTwiceRestoresTheFrame)
{
	std::mt19937 rng(3);
	Frame f(KernelFormat::BGRx, 32, 16);
	f.randomize(rng);
	const auto original = f.mem;
	FrameProcessor p;
	p.start(2);
	for (int i = 0; i < 2; ++i)
		ASSERT_TRUE(p.process(Operation::Invert, ScaleMethod::Box, KernelImpl::Simd, kBt709,
				      f.view, f.view));
	EXPECT_EQ(f.mem, original);
}

TEST(CpuFilterProcessor, KernelRefusalsComeBackAsErrors)
{
	Frame src(KernelFormat::BGRx, 16, 16), dst(KernelFormat::I420, 16, 16);
	FrameProcessor p;
	p.start(1);
	auto r = p.process(Operation::Convert, ScaleMethod::Box, KernelImpl::Simd, kBt709, src.view,
			   dst.view);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().message, "cannot convert BGRx to I420");
	Frame big(KernelFormat::BGRx, 32, 32);
	r = p.process(Operation::Scale, ScaleMethod::Box, KernelImpl::Simd, kBt709, src.view,
		      big.view);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().message, "scale only makes frames smaller");
}
