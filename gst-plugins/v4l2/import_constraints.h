/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file import_constraints.h
 * \brief A V4L2 element's import capability as pool constraints, and the
 *        allocation decision it led to, in words.
 */
#pragma once

#include <string>

#include <dmabufkit/dmabufkit.h>
#include <gst/gst.h>

#include "dmabufkit/base/result.h"
#include "dmabufkit/core/import_probe.h"

namespace dmabufkit::gstv4l2 {

/**
 * \brief The constraints of a pool the element's own queue imports from:
 *        what downstream stated in \a query (may be null) merged with what
 *        the device learnt (\a cap).
 */
Result<DbkConstraints> poolConstraints(GstQuery *query, const ImportCapability &cap,
				       bool singleMemory);

/** \brief Add \a cap's needs to the constraints already in a dmabufkit pool's \a config. */
void addToPoolConfig(GstStructure *config, const ImportCapability &cap);

/**
 * \brief "dma-heap:reserved for A + B (contiguous, ...); A: needs physically
 *        contiguous memory; imports ...; refuses ...".
 */
std::string allocationDecision(GstBufferPool *pool, const ImportCapability &cap);

} /* namespace dmabufkit::gstv4l2 */
