/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file exporter_selector.h
 * \brief Pick the first exporter, in preference order, that meets merged constraints.
 */
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "dmabufkit/core/constraints.h"
#include "dmabufkit/core/exporter.h"
#include "dmabufkit/base/result.h"

namespace dmabufkit {

/**
 * \brief Why one exporter cannot serve a constraint set (nullopt if it can).
 */
std::optional<std::string> exporterMismatch(const ExporterTraits &traits,
					    const Constraints &constraints, uint64_t bufferSize);

/**
 * \brief Index of the first of \a candidates satisfying \a constraints for a
 *        buffer of \a bufferSize bytes.
 *
 * The error message names, for every candidate, the constraint it fails,
 * and who asked for it, e.g. "no exporter meets the constraints of vicodec:
 * dma-heap:system: not physically contiguous; udmabuf: ...". With no
 * candidates at all it says that the machine has no dma-buf exporter.
 */
Result<size_t> selectExporter(const std::vector<ExporterTraits> &candidates,
			      const Constraints &constraints, uint64_t bufferSize);

/**
 * \brief The decision in words: "dma-heap:reserved for CONSUMERS (NEEDS); not
 *        dma-heap:system: not physically contiguous; ...", naming every
 *        candidate preferred to \a chosen and why it was passed over.
 */
std::string describeChoice(const std::vector<ExporterTraits> &candidates,
			   const Constraints &constraints, uint64_t bufferSize,
			   const std::string &chosen);

} /* namespace dmabufkit */
