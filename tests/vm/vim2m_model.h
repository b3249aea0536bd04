/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file vim2m_model.h
 * \brief What vim2m (drivers/media/test-drivers/vim2m.c, Linux 6.12) computes
 *        for a frame, modelled so tests check the converter against frames
 *        derived from the input, never against the element's own output.
 *
 * RGB565 input is widened to 8 bits with the low bits set (r5 << 3 | 7);
 * lines are taken nearest-first vertically (y * inH / outH) and pixels by
 * an integer step plus an error term in units of the output width
 * horizontally, two output pixels at a time; YUYV uses BT.601
 * limited-range integer coefficients with the chroma of the first pixel of
 * each pair; RGB565 output writes the first pixel's colour to both pixels
 * of a pair (the driver does not advance to the second sample).
 */
#pragma once

#include <cstdint>
#include <vector>

#include <gst/video/video.h>

namespace dmabufkit::test {

/**
 * \brief The frame vim2m writes for \a in (packed rows of \a inFmt, \a inW x \a inH)
 *        converted to \a outFmt, \a outW x \a outH, packed rows. Formats: RGB16, RGB,
 *        BGR in; those and YUY2 out; no flips.
 */
std::vector<uint8_t> vim2mReference(const std::vector<uint8_t> &in, GstVideoFormat inFmt,
				    unsigned inW, unsigned inH, GstVideoFormat outFmt,
				    unsigned outW, unsigned outH);

} /* namespace dmabufkit::test */
