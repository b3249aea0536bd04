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

#include <string>

#include "thread_pool.h"
#include "video_frame.h"
#include "yuv_coefficients.h"

namespace dmabufkit::cpufilter {

enum class KernelImpl { Scalar, Simd };
enum class ScaleMethod { Box, Bilinear };

/* Conversions: YUV to RGB/GRAY8, RGB/GRAY8 to RGB/GRAY8, and copies. */
bool canConvert(PixelFormat in, PixelFormat out);
bool canScale(PixelFormat f);

/* Each returns an empty string on success, else why it cannot run. */
std::string convertFrame(const FrameView &src, const FrameView &dst, const video::YuvCoefficients &c,
			 KernelImpl impl, ThreadPool *pool = nullptr);
std::string invertFrame(const FrameView &src, const FrameView &dst, KernelImpl impl,
			ThreadPool *pool = nullptr);
std::string grayscaleFrame(const FrameView &src, const FrameView &dst, KernelImpl impl,
			   ThreadPool *pool = nullptr);
std::string scaleFrame(const FrameView &src, const FrameView &dst, ScaleMethod method,
		       KernelImpl impl, ThreadPool *pool = nullptr);

} /* namespace dmabufkit::cpufilter */
