/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file import_refusal.h
 * \brief Why a V4L2 queue refused a dma-buf (VIDIOC_QBUF with DMABUF), in
 *        numbers: what was queued against what the format needs.
 */
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dmabufkit/v4l2/device_format.h"

namespace dmabufkit::v4l2 {

/** \brief One plane as it was queued. */
struct QueuedImportPlane {
	uint64_t dmabufSize = 0; /**< the dma-buf's real size (lseek), 0 if unknown */
	uint32_t length = 0;	 /**< the length given to QBUF */
	uint32_t bytesUsed = 0;
	uint32_t dataOffset = 0;
};

/**
 * \brief The reason text appended to a refused DMABUF QBUF.
 *
 * Pure: names the errno's usual meaning, then each queued plane's dma-buf
 * size, bytesused and data_offset against the format's plane count,
 * sizeimage and bytesperline, and which of them does not fit.
 * \param code the errno of VIDIOC_QBUF
 * \param queued the planes queued, in memory-plane order
 * \param needs the queue's format (numPlanes, per plane sizeImage/bytesPerLine)
 * \param output true for an OUTPUT queue (bytesused is the payload)
 */
std::string explainImportRefusal(int code, const std::vector<QueuedImportPlane> &queued,
				 const DeviceFormat &needs, bool output);

} /* namespace dmabufkit::v4l2 */
