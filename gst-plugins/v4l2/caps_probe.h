/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GstCaps from what a V4L2 queue offers. */
#pragma once

#include <gst/gst.h>

#include "dmabufkit/v4l2/video_device.h"

namespace dmabufkit::gstv4l2 {

/**
 * \brief Raw video caps of queue \a type of \a dev: every non-emulated format
 * with a GStreamer equivalent, its frame sizes and (capture nodes) frame rates.
 */
GstCaps *probeRawCaps(const v4l2::VideoDevice &dev, uint32_t type);

/**
 * \brief probeRawCaps() remembered per device (path, driver, card, bus) and
 * queue: a device's formats do not change, and probing costs hundreds of
 * ioctls on every start otherwise. Transfer full.
 */
GstCaps *cachedRawCaps(const v4l2::VideoDevice &dev, uint32_t type);

/** \brief Codec caps (video/x-fwht, ...) of queue \a type of \a dev. */
GstCaps *probeCodecCaps(const v4l2::VideoDevice &dev, uint32_t type);

/** \brief Raw caps of every mapped format with a size range (pad templates). */
GstCaps *allRawCaps();
/** \brief Caps of every mapped codec (pad templates). */
GstCaps *allCodecCaps();

} /* namespace dmabufkit::gstv4l2 */
