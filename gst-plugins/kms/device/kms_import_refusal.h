/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file kms_import_refusal.h
 * \brief Why the display refused a buffer (drmPrimeFDToHandle, AddFB2,
 *        a TEST_ONLY commit), in numbers: pitch, offset and size of each
 *        plane against what the format and size need.
 */
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace dmabufkit::kms {

/** \brief A framebuffer as it was offered to the display. */
struct FramebufferLayout {
	uint32_t fourcc = 0;
	uint32_t width = 0;
	uint32_t height = 0;
	unsigned planes = 0;
	std::array<uint32_t, 4> pitches{};
	std::array<uint32_t, 4> offsets{};
	std::array<uint64_t, 4> dmabufSizes{}; /**< real size of each plane's dma-buf, 0 unknown */
};

/**
 * \brief "XR24 640x480, plane 0: pitch 2560 (needs at least 2560), offset 0,
 *        dma-buf 1228800 bytes (needs at least 1228800)", then which number
 *        does not fit, if one does not. Pure.
 */
std::string describeFramebufferNeeds(const FramebufferLayout &fb);

} /* namespace dmabufkit::kms */
