/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file kms_sink_import.h
 * \brief dmabufkmssink's zero-copy path: a frame's dma-bufs as a framebuffer.
 */
#pragma once

#include <cstdint>

#include <gst/gst.h>

#include "dmabufkit/base/result.h"
#include "gstdmabufkmssink.h"

/**
 * \brief The framebuffer of \a buf, imported on first use and cached per
 *        dma-buf (forgotten when the memory goes).
 *
 * Fails with the reason to copy instead (decideImport()) or the failed
 * ioctl. \a ours marks the sink's own copy, exempt from error injection.
 */
dmabufkit::Result<uint32_t> kms_sink_import_buffer(GstDmabufKmsSink *self, GstBuffer *buf,
						   bool ours);
