/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/core/constraints.h"

#include <algorithm>
#include <cerrno>
#include <numeric>

#include "dmabufkit/base/log.h"

namespace dmabufkit {

namespace {

bool isPowerOfTwo(uint32_t v)
{
	return v && !(v & (v - 1));
}

const char *layoutName(MemoryLayout l)
{
	switch (l) {
	case MemoryLayout::Any:
		return "any";
	case MemoryLayout::Single:
		return "single memory";
	case MemoryLayout::PerPlane:
		return "one memory per plane";
	}
	return "?";
}

std::string who(const std::string &consumer)
{
	return consumer.empty() ? std::string("an unnamed consumer") : consumer;
}

} /* namespace */

std::string Constraints::describe() const
{
	std::string s;
	auto add = [&s](const std::string &item) { s += (s.empty() ? "" : ", ") + item; };
	if (cpuMappable)
		add("cpu-mappable");
	if (contiguous)
		add("contiguous");
	if (scanout)
		add("scanout");
	if (packedStride)
		add("packed-stride");
	if (strideAlign > 1)
		add("stride-align=" + std::to_string(strideAlign));
	if (offsetAlign > 1)
		add("offset-align=" + std::to_string(offsetAlign));
	if (memoryLayout != MemoryLayout::Any)
		add(layoutName(memoryLayout));
	if (maxSize)
		add("max-size=" + std::to_string(maxSize));
	if (!refusedExporters.empty()) {
		std::string names;
		for (const ExporterRefusal &r : refusedExporters)
			names += (names.empty() ? "" : " ") + r.exporter;
		add("refuses " + names);
	}
	if (!acceptedExporters.empty()) {
		std::string names;
		for (const std::string &a : acceptedExporters)
			if (!refusal(a)) /* a refusal by another consumer wins */
				names += (names.empty() ? "" : " ") + a;
		if (!names.empty())
			add("imports " + names);
	}
	return s.empty() ? "none" : s;
}

const ExporterRefusal *Constraints::refusal(const std::string &exporter) const
{
	for (const ExporterRefusal &r : refusedExporters)
		if (r.exporter == exporter)
			return &r;
	return nullptr;
}

bool Constraints::accepts(const std::string &exporter) const
{
	return std::find(acceptedExporters.begin(), acceptedExporters.end(), exporter) !=
	       acceptedExporters.end();
}

namespace {

/* A merge refused: logged as a refusal, returned to the caller. */
Error refused(Error e)
{
	DBK_LOG(Allocator, Warning, "constraints refused: %s", e.message.c_str());
	return e;
}

} /* namespace */

Result<Constraints> mergeConstraints(const std::vector<Constraints> &all)
{
	Constraints merged;
	std::string layoutOwner;
	for (const Constraints &c : all) {
		DBK_LOG(Allocator, Debug, "constraints of %s: %s", who(c.consumer).c_str(),
			c.describe().c_str());
		if (!isPowerOfTwo(c.strideAlign))
			return refused(Error{ EINVAL, who(c.consumer) + ": stride alignment " +
							      std::to_string(c.strideAlign) +
							      " is not a power of two" });
		if (!isPowerOfTwo(c.offsetAlign))
			return refused(Error{ EINVAL, who(c.consumer) + ": offset alignment " +
							      std::to_string(c.offsetAlign) +
							      " is not a power of two" });
		if (c.memoryLayout != MemoryLayout::Any) {
			if (merged.memoryLayout != MemoryLayout::Any &&
			    merged.memoryLayout != c.memoryLayout)
				return refused(
					Error{ EINVAL,
					       "conflicting memory layouts: " + who(layoutOwner) +
						       " needs " + layoutName(merged.memoryLayout) +
						       ", " + who(c.consumer) + " needs " +
						       layoutName(c.memoryLayout) });
			merged.memoryLayout = c.memoryLayout;
			layoutOwner = c.consumer;
		}
		merged.cpuMappable |= c.cpuMappable;
		merged.contiguous |= c.contiguous;
		merged.scanout |= c.scanout;
		merged.packedStride |= c.packedStride;
		/* Powers of two: the lcm is the larger one. */
		merged.strideAlign = std::lcm(merged.strideAlign, c.strideAlign);
		merged.offsetAlign = std::lcm(merged.offsetAlign, c.offsetAlign);
		if (c.maxSize && (!merged.maxSize || c.maxSize < merged.maxSize))
			merged.maxSize = c.maxSize;
		for (const ExporterRefusal &r : c.refusedExporters)
			if (!merged.refusal(r.exporter))
				merged.refusedExporters.push_back(r);
		for (const std::string &a : c.acceptedExporters)
			if (!merged.accepts(a))
				merged.acceptedExporters.push_back(a);
		if (!c.consumer.empty())
			merged.consumer += (merged.consumer.empty() ? "" : " + ") + c.consumer;
	}
	DBK_LOG(Allocator, Debug, "%zu constraint set(s) merged: %s (%s)", all.size(),
		merged.describe().c_str(), who(merged.consumer).c_str());
	return merged;
}

} /* namespace dmabufkit */
