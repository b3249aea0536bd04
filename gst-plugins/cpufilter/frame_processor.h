/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file frame_processor.h
 * \brief dmabufcpufilter's per-frame work: runs the operation's kernels on
 * mapped frames over a thread pool, with the scratch frame scale needs when
 * it converts first. No GStreamer: the element maps the buffers.
 */
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <dmabufkit/base/result.h>

#include "filter_operation.h"
#include "kernels/frame_ops.h"

namespace dmabufkit::cpufilter {

/** \brief Processes frames between start() and stop(). */
class FrameProcessor
{
public:
	/** \brief Split frames over \a threads threads (1: the caller's thread only). */
	void start(unsigned threads);
	/** \brief Join the threads. */
	void stop();

	/**
	 * \brief Apply \a op to \a src into \a dst (the same memory for in-place
	 * invert and grayscale); YUV input is read with \a coeffs.
	 */
	Result<void> process(Operation op, ScaleMethod method, KernelImpl impl,
			     const video::YuvCoefficients &coeffs, const FrameView &src,
			     const FrameView &dst);

private:
	/* The pool when it has more than one thread, else nullptr (run inline). */
	ThreadPool *pool() const;

	std::unique_ptr<ThreadPool> pool_;
	std::vector<uint8_t> scratch_;
};

} /* namespace dmabufkit::cpufilter */
