/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the encoder and decoder elements share: finding a device by codec. */
#pragma once

#include <string>

#include <gst/gst.h>
#include <gst/video/video-info.h>

#include "dmabufkit/v4l2/device_finder.h"
#include "dmabufkit/v4l2/video_device.h"

namespace dmabufkit::gstv4l2 {

/**
 * \brief The first memory-to-memory node whose CAPTURE (encoder) or OUTPUT
 * (decoder) queue offers a codec of \a codecCaps.
 * \param codecFourcc set to the codec chosen
 */
Result<v4l2::VideoNodeInfo> findCodecDevice(GstCaps *codecCaps, bool encoder, uint32_t rawFourcc,
					    uint32_t *codecFourcc);

/** \brief Minimum buffers the driver wants on a queue (V4L2_CID_MIN_BUFFERS_FOR_*), or \a fallback. */
unsigned minBuffers(const v4l2::VideoDevice &dev, bool capture, unsigned fallback);

/** \brief OUTPUT queue slots (V4L2_MEMORY_DMABUF indices) of the codec elements. */
constexpr unsigned kOutputSlots = 8;

/**
 * \brief The latency of holding \a frames frames of the stream \a info
 * describes, or 0 when it has no frame rate.
 *
 * The codec elements collect a frame's output when the next frame arrives
 * (or at drain), so each adds one frame of latency; up to the OUTPUT
 * queue's depth when the driver falls behind.
 */
GstClockTime framesLatency(const GstVideoInfo &info, unsigned frames);

/** \brief The properties the encoder and decoder share, with their ids. */
void installCodecProperties(GObjectClass *oc, bool encoder, guint propDevice, guint propTimeout,
			    guint propCopies, guint propImported, guint propHits, guint propMisses,
			    guint propDeviceUsed);

} /* namespace dmabufkit::gstv4l2 */
