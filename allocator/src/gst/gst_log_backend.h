/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file gst_log_backend.h
 * \brief Route the GStreamer-free layers' logs into GStreamer debug categories.
 */
#pragma once

#include <gst/gst.h>

#include "dmabufkit/base/log.h"

namespace dmabufkit {

/**
 * \brief Create the "dmabufkit-<layer>" debug categories and install the
 *        backend that writes every layer's messages to them. Idempotent.
 */
void installGstLogBackend();

/** \brief The GStreamer debug category of \a category (after installGstLogBackend()). */
GstDebugCategory *gstLogCategory(LogCategory category);

} /* namespace dmabufkit */
