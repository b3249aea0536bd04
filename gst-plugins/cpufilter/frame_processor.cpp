/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "frame_processor.h"

namespace dmabufkit::cpufilter {

void FrameProcessor::start(unsigned threads)
{
	pool_ = std::make_unique<ThreadPool>(threads);
}

void FrameProcessor::stop()
{
	pool_.reset();
}

ThreadPool *FrameProcessor::pool() const
{
	return pool_ && pool_->size() > 1 ? pool_.get() : nullptr;
}

Result<void> FrameProcessor::process(Operation op, ScaleMethod method, KernelImpl impl,
				     const video::YuvCoefficients &coeffs, const FrameView &src,
				     const FrameView &dst)
{
	ThreadPool *threads = pool();
	switch (op) {
	case Operation::Invert:
		return invertFrame(src, dst, impl, threads);
	case Operation::Grayscale:
		return grayscaleFrame(src, dst, impl, threads);
	case Operation::Scale: {
		if (src.format == dst.format)
			return scaleFrame(src, dst, method, impl, threads);
		/* Convert at the input size first, then scale. */
		const PackedLayout l = packedLayout(dst.format, src.width, src.height);
		scratch_.resize(l.size);
		FrameView mid;
		mid.format = dst.format;
		mid.width = src.width;
		mid.height = src.height;
		mid.data[0] = scratch_.data();
		mid.stride[0] = l.stride[0];
		if (auto r = convertFrame(src, mid, coeffs, impl, threads); !r)
			return r;
		return scaleFrame(mid, dst, method, impl, threads);
	}
	default:
		return convertFrame(src, dst, coeffs, impl, threads);
	}
}

} /* namespace dmabufkit::cpufilter */
