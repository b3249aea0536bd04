/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/internal/exporter_selector.h"

#include <cerrno>

#include "dmabufkit/base/log.h"

namespace dmabufkit {

std::optional<std::string> exporterMismatch(const ExporterTraits &traits, const Constraints &c,
					    uint64_t bufferSize)
{
	if (const ExporterRefusal *r = c.refusal(traits.name))
		return "refused by " + r->reason;
	if (c.cpuMappable && !traits.cpuMappable)
		return "not CPU-mappable";
	if (c.contiguous && !traits.contiguous)
		return "not physically contiguous";
	/* A display that imported this exporter's buffers proved they scan out. */
	if (c.scanout && !traits.scanout && !c.accepts(traits.name))
		return "not scanout-capable";
	if (c.maxSize && bufferSize > c.maxSize)
		return "buffer of " + std::to_string(bufferSize) + " bytes exceeds max-size " +
		       std::to_string(c.maxSize);
	if (traits.maxSize && bufferSize > traits.maxSize)
		return "buffer of " + std::to_string(bufferSize) + " bytes exceeds its limit of " +
		       std::to_string(traits.maxSize);
	return std::nullopt;
}

Result<size_t> selectExporter(const std::vector<ExporterTraits> &candidates,
			      const Constraints &constraints, uint64_t bufferSize)
{
	if (candidates.empty())
		return Error{ ENODEV, "no dma-buf exporter on this machine (no /dev/dma_heap/*, "
				      "no /dev/udmabuf, no DRM device with dumb buffers)" };
	std::string reasons;
	for (size_t i = 0; i < candidates.size(); ++i) {
		std::optional<std::string> why =
			exporterMismatch(candidates[i], constraints, bufferSize);
		if (!why)
			return i;
		DBK_LOG(Allocator, Debug, "exporter %s rejected for %s: %s",
			candidates[i].name.c_str(),
			constraints.consumer.empty() ? "the consumers"
						     : constraints.consumer.c_str(),
			why->c_str());
		reasons += "; " + candidates[i].name + ": " + *why;
	}
	std::string owner = constraints.consumer.empty() ? "the consumers" : constraints.consumer;
	std::string remedy;
	bool anyContiguous = false;
	for (const ExporterTraits &t : candidates)
		anyContiguous |= t.contiguous;
	if (constraints.contiguous && !anyContiguous)
		remedy = ". No contiguous exporter on this machine: enable CONFIG_DMABUF_HEAPS_CMA "
			 "and boot with cma=64M (or reserve a CMA area for the device)";
	return Error{ ENOTSUP, "no exporter meets the constraints of " + owner + " (" +
				       constraints.describe() + ")" + reasons + remedy };
}

std::string describeChoice(const std::vector<ExporterTraits> &candidates, const Constraints &c,
			   uint64_t bufferSize, const std::string &chosen)
{
	std::string d = chosen + " for " +
			(c.consumer.empty() ? "no stated consumer" : c.consumer) + " (" +
			c.describe() + ")";
	for (const ExporterTraits &t : candidates) {
		if (t.name == chosen)
			break;
		if (std::optional<std::string> why = exporterMismatch(t, c, bufferSize))
			d += "; not " + t.name + ": " + *why;
	}
	return d;
}

} /* namespace dmabufkit */
