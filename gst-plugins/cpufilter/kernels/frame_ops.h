/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file frame_ops.h
 * \brief The CPU filter's operations on whole frames: convert, invert,
 * grayscale, scale. Pure C++, no GStreamer.
 *
 * Every operation has a scalar reference (KernelImpl::Scalar) and a fast form
 * (KernelImpl::Simd: Highway vectors, or table-driven rows for scale); the two
 * produce identical bytes. Rows are split over \a pool when one is given.
 * Source and destination may be the same memory where the operation allows
 * it (invert, grayscale).
 */
#pragma once

#include <dmabufkit/base/result.h>

#include "thread_pool.h"
#include "video_frame.h"
#include "yuv_coefficients.h"

namespace dmabufkit::cpufilter {

enum class KernelImpl { Scalar, Simd };
enum class ScaleMethod { Box, Bilinear };

/* Conversions: YUV to RGB/GRAY8, RGB/GRAY8 to RGB/GRAY8, and copies. */
bool canConvert(KernelFormat in, KernelFormat out);
bool canScale(KernelFormat f);

/*
 * Each fails (Error code 0: no system call involved) with why it cannot run:
 * formats it does not handle, sizes that do not fit, missing planes.
 */
/** \brief Convert \a src into \a dst (same size), YUV through \a c. */
Result<void> convertFrame(const FrameView &src, const FrameView &dst,
			  const video::YuvCoefficients &c, KernelImpl impl,
			  ThreadPool *pool = nullptr);
/** \brief Invert every colour of \a src into \a dst (same format and size). */
Result<void> invertFrame(const FrameView &src, const FrameView &dst, KernelImpl impl,
			 ThreadPool *pool = nullptr);
/** \brief Remove the colour of \a src into \a dst (same format and size). */
Result<void> grayscaleFrame(const FrameView &src, const FrameView &dst, KernelImpl impl,
			    ThreadPool *pool = nullptr);
/** \brief Scale \a src down to \a dst's size (same 4-byte RGB or GRAY8 format). */
Result<void> scaleFrame(const FrameView &src, const FrameView &dst, ScaleMethod method,
			KernelImpl impl, ThreadPool *pool = nullptr);

} /* namespace dmabufkit::cpufilter */
