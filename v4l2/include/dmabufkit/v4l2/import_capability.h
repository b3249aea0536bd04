/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file import_capability.h
 * \brief What a V4L2 queue can import (V4L2_MEMORY_DMABUF), learnt once per
 *        device, queue and plane count by queueing one buffer of each
 *        exporter (see dmabufkit/core/import_probe.h).
 */
#pragma once

#include <cstdint>
#include <string>

#include "dmabufkit/core/import_probe.h"
#include "dmabufkit/v4l2/device_format.h"
#include "dmabufkit/v4l2/video_device.h"

namespace dmabufkit::v4l2 {

/**
 * \brief The import capability of \a type on \a device at format \a fmt.
 *
 * Probed the first time for this device, queue and number of planes in the
 * process (cached in ImportCapabilityCache), with buffers of the sizes \a fmt
 * needs. The queue must have no buffers: the probe requests one DMABUF
 * buffer, queues it and frees it again.
 */
ImportCapability importCapability(const VideoDevice &device, uint32_t type,
				  const DeviceFormat &fmt);

/** \brief What sysfs says about the DMA of \a device: IOMMU group, DMA mask. */
std::string dmaFacts(const VideoDevice &device);

} /* namespace dmabufkit::v4l2 */
