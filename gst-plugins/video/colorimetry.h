/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file colorimetry.h
 * \brief GStreamer colorimetry to the fixed-point YUV coefficients: the one
 * mapping the CPU filter and the tracer's preview both use.
 */
#pragma once

#include <gst/video/video.h>

#include "yuv_coefficients.h"

namespace dmabufkit::video {

/**
 * \brief Whether \a matrix converts as itself. BT.601, BT.709, BT.2020,
 * "unknown" and RGB do; any other (SMPTE 240M, FCC) reads as BT.601.
 */
bool yuvMatrixSupported(GstVideoColorMatrix matrix);

/** \brief The coefficients for \a colorimetry: its matrix (BT.601 if unsupported) and range. */
YuvCoefficients yuvCoefficientsFor(const GstVideoColorimetry &colorimetry);

} /* namespace dmabufkit::video */
