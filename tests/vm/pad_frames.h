/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test helper: the frames that pass a pad, kept as packed pixel rows (no
 * stride padding) with their dma-buf inodes, so tests compare what devices
 * produced with references computed from their input.
 */
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include <gst/gst.h>
#include <gst/video/video.h>

namespace dmabufkit::test {

/** \brief The inode of the first memory of \a buf when it is a dma-buf, else 0. */
uint64_t inodeOf(GstBuffer *buf);

/** \brief Frames seen on a pad: packed first-plane rows and dma-buf inodes. */
struct Frames {
	std::mutex lock;
	GstVideoInfo info{};
	std::vector<std::vector<uint8_t>> pixels;
	std::vector<uint64_t> inodes;
	std::vector<GstClockTime> pts;
	std::vector<const void *> buffers; /* identity, for passthrough */
	unsigned unmappable = 0;
};

/** \brief A buffer probe recording into the Frames \a data points at. */
GstPadProbeReturn recordFrame(GstPad *pad, GstPadProbeInfo *pi, gpointer data);

/** \brief Record the frames entering \a element (its "sink" pad) of \a pipeline. */
void recordFramesInto(GstElement *pipeline, const char *element, Frames *frames);

} /* namespace dmabufkit::test */
