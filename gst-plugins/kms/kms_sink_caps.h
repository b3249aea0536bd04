/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file kms_sink_caps.h
 * \brief dmabufkmssink's caps: every format with a DRM fourcc (pad
 *        template), or what the chosen plane shows (device open).
 */
#pragma once

#include <string>

#include <gst/gst.h>

#include "kms_device.h"

/** \brief video/x-raw in every format that has a DRM fourcc. */
GstCaps *kms_sink_template_caps();
/** \brief video/x-raw in the formats of \a dev's plane, up to its maximum size. */
GstCaps *kms_sink_device_caps(const dmabufkit::kms::KmsDevice &dev);
/** \brief "BGRA, BGRx, ..." for messages. */
std::string kms_sink_plane_format_names(const dmabufkit::kms::KmsDevice &dev);
