/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file converter_finder.h
 * \brief Memory-to-memory converters (scalers, colour converters such as
 *        vim2m or an ISP block): raw frames in, raw frames out.
 */
#pragma once

#include <optional>
#include <string>

#include "dmabufkit/base/result.h"
#include "dmabufkit/v4l2/device_finder.h"
#include "dmabufkit/v4l2/video_device.h"

namespace dmabufkit::v4l2 {

/**
 * \brief Why \a dev is not a raw-to-raw converter (not memory-to-memory, or a
 *        codec: one of its queues offers only compressed formats), or nullopt.
 */
std::optional<std::string> whyNotConverter(const VideoDevice &dev);

/** \brief The first converter node, or ENODEV listing the nodes present and why each is not one. */
Result<VideoNodeInfo> findConverterNode();

} /* namespace dmabufkit::v4l2 */
