/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file frame_layout.h
 * \brief Strides, offsets and sizes of a frame under merged constraints.
 */
#pragma once

#include <array>
#include <cstdint>

#include "constraints.h"
#include "dmabufkit/base/pixel_format.h"
#include "dmabufkit/base/result.h"

namespace dmabufkit {

/**
 * \brief Where each plane of a frame lives.
 *
 * With a single memory, offset[] are offsets into the one dma-buf and
 * memorySize[0] its size. With one memory per plane, offset[] are 0 and
 * memorySize[p] is the size of plane p's dma-buf. frameSize is the sum.
 */
struct FrameLayout {
	unsigned planes = 0;
	bool perPlaneMemory = false;
	std::array<uint32_t, 3> stride{};
	std::array<uint64_t, 3> offset{};
	std::array<uint64_t, 3> planeSize{};
	std::array<uint64_t, 3> memorySize{};
	uint64_t frameSize = 0;

	/** \brief Number of dma-bufs a frame needs. */
	unsigned memories() const { return perPlaneMemory ? planes : 1; }
};

/** \brief Extra padding a caller asks for (from GstVideoAlignment). */
struct LayoutPadding {
	uint32_t top = 0, bottom = 0, left = 0, right = 0;
	/** Per-plane stride alignment masks, as GstVideoAlignment stride_align. */
	std::array<uint32_t, 3> strideAlignMask{};
};

/**
 * \brief Compute the layout of a \a width x \a height frame of \a format.
 *
 * Fails with a message naming the constraint when it cannot be met, e.g. a
 * packed stride that is not a multiple of the required stride alignment.
 */
Result<FrameLayout> computeFrameLayout(const PixelFormatInfo &format, uint32_t width,
				       uint32_t height, const Constraints &constraints,
				       const LayoutPadding &padding = {});

} /* namespace dmabufkit */
