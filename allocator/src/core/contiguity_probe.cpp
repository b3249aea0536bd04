/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/internal/contiguity_probe.h"

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "dmabufkit/base/log.h"

namespace dmabufkit {

namespace {

/* Large enough to stand out from other CMA users' noise, small enough to fit
 * any CMA area a board reserves for video. */
constexpr uint64_t kProbeSize = 2ull << 20;

} /* namespace */

std::optional<uint64_t> cmaFreeBytes()
{
	std::ifstream meminfo("/proc/meminfo");
	std::string line;
	while (std::getline(meminfo, line)) {
		if (line.rfind("CmaFree:", 0) != 0)
			continue;
		std::istringstream in(line.substr(8));
		uint64_t kib = 0;
		if (in >> kib)
			return kib * 1024;
	}
	return std::nullopt;
}

ContiguityVerdict probeContiguity(Exporter &exporter, bool byName)
{
	static std::mutex lock;
	static std::map<std::string, ContiguityVerdict> cache;
	const std::string &name = exporter.traits().name;
	std::lock_guard guard(lock);
	if (auto it = cache.find(name); it != cache.end())
		return it->second;

	ContiguityVerdict v{ byName, "name" };
	const std::optional<uint64_t> before = cmaFreeBytes();
	if (!before) {
		DBK_LOG(Allocator, Info, "%s: no CMA accounting in /proc/meminfo; %s by its name",
			name.c_str(), byName ? "contiguous" : "not contiguous");
	} else if (auto buf = exporter.allocate({ kProbeSize, "dmabufkit:contiguity", 0 }); !buf) {
		DBK_LOG(Allocator, Info, "%s: contiguity probe could not allocate (%s); %s by name",
			name.c_str(), buf.error().message.c_str(),
			byName ? "contiguous" : "not contiguous");
	} else {
		const uint64_t after = cmaFreeBytes().value_or(*before);
		const uint64_t drawn = *before > after ? *before - after : 0;
		/* Half: cma_alloc drains per-CPU page lists back into the CMA free
		 * count while it allocates, so the drop is often less than the size.
		 * Scattered exporters draw nothing (their pages are not movable). */
		v = ContiguityVerdict{ drawn >= kProbeSize / 2, "CmaFree" };
		DBK_LOG(Allocator, Info,
			"%s: %s physically contiguous memory (a %llu-byte buffer drew %llu bytes "
			"from the CMA areas)%s",
			name.c_str(), v.contiguous ? "gives" : "does not give",
			static_cast<unsigned long long>(kProbeSize),
			static_cast<unsigned long long>(drawn),
			v.contiguous != byName ? "; its name suggested otherwise" : "");
	}
	cache.emplace(name, v);
	return v;
}

} /* namespace dmabufkit */
