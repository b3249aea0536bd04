/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file filter_operation.h
 * \brief What dmabufcpufilter does to each frame, apart from GStreamer so
 * the frame processing needs no GStreamer header.
 */
#pragma once

namespace dmabufkit::cpufilter {

/** \brief What the filter does to each frame (the "operation" property). */
enum class Operation { Convert, Invert, Grayscale, Scale, Snapshot };

} /* namespace dmabufkit::cpufilter */
