/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/core/constraints.h"

#include <cerrno>
#include <numeric>

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
	return s.empty() ? "none" : s;
}

Result<Constraints> mergeConstraints(const std::vector<Constraints> &all)
{
	Constraints merged;
	std::string layoutOwner;
	for (const Constraints &c : all) {
		if (!isPowerOfTwo(c.strideAlign))
			return Error{ EINVAL, who(c.consumer) + ": stride alignment " +
						      std::to_string(c.strideAlign) +
						      " is not a power of two" };
		if (!isPowerOfTwo(c.offsetAlign))
			return Error{ EINVAL, who(c.consumer) + ": offset alignment " +
						      std::to_string(c.offsetAlign) +
						      " is not a power of two" };
		if (c.memoryLayout != MemoryLayout::Any) {
			if (merged.memoryLayout != MemoryLayout::Any &&
			    merged.memoryLayout != c.memoryLayout)
				return Error{ EINVAL, "conflicting memory layouts: " + who(layoutOwner) +
							      " needs " + layoutName(merged.memoryLayout) +
							      ", " + who(c.consumer) + " needs " +
							      layoutName(c.memoryLayout) };
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
		if (!c.consumer.empty())
			merged.consumer += (merged.consumer.empty() ? "" : " + ") + c.consumer;
	}
	return merged;
}

} /* namespace dmabufkit */
