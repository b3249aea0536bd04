/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file kms_format.h
 * \brief DRM fourccs of display planes and the GStreamer formats they are,
 * looked up in the pixel-format table (dmabufkit/base/pixel_format.h).
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dmabufkit/base/pixel_format.h"

namespace dmabufkit::kms {

/** \brief GStreamer name of DRM \a fourcc ("BGRx" for XRGB8888); empty if unknown. */
std::string_view gstFormatForDrm(uint32_t fourcc);
/** \brief DRM fourcc of GStreamer format \a name, 0 if it has none. */
uint32_t drmFormatForGst(std::string_view name);
/* "XR24"-style printable fourcc, from the base layer. */
using dmabufkit::fourccName;

/**
 * \brief The GStreamer formats a plane can show, in the plane's order,
 *        without duplicates; \a unmapped receives the plane's fourccs that
 *        have no GStreamer name (e.g. XRGB16161616 in GStreamer 1.22).
 */
std::vector<std::string> gstFormatsForPlane(const std::vector<uint32_t> &fourccs,
					    std::vector<uint32_t> *unmapped = nullptr);

} /* namespace dmabufkit::kms */
