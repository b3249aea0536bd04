/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which raw format a stateful decoder should write for a new stream: the
 * one it picked if downstream takes it, else a repacking of the same
 * sampling that the driver offers and downstream takes.
 */
#pragma once

#include <functional>
#include <vector>

#include <gst/video/video-format.h>

namespace dmabufkit::v4l2 {

/**
 * \brief True when \a a and \a b hold the same samples in a different
 * arrangement: same colour model (YUV, RGB, gray), same number of
 * components and the same chroma subsampling.
 *
 * After V4L2_EVENT_SOURCE_CHANGE the decoder's G_FMT is the stream's
 * native layout. The stateful decoder interface lets a client pick another
 * CAPTURE format, but only a repacking is safe to ask for: some drivers
 * (vicodec) list every format before CAPTURE streams and raise another
 * SOURCE_CHANGE when the sampling does not match the bitstream.
 */
bool sameSampling(GstVideoFormat a, GstVideoFormat b);

/**
 * \brief Choose the CAPTURE format for a decoded stream.
 * \param native the format the driver chose (G_FMT on CAPTURE)
 * \param offered the formats VIDIOC_ENUM_FMT lists on CAPTURE, in its order
 * \param accepted whether downstream takes a format at the stream's size
 * \return \a native if accepted, else the first format of \a offered with
 * the same sampling that is accepted, else GST_VIDEO_FORMAT_UNKNOWN
 */
GstVideoFormat chooseDecodedFormat(GstVideoFormat native,
				   const std::vector<GstVideoFormat> &offered,
				   const std::function<bool(GstVideoFormat)> &accepted);

} /* namespace dmabufkit::v4l2 */
