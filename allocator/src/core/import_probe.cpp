/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/core/import_probe.h"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "dmabufkit/base/log.h"

namespace dmabufkit {

namespace {

double msSince(std::chrono::steady_clock::time_point start)
{
	return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
		.count();
}

/* The device refuses every scattered buffer and takes (or would take) a
 * contiguous one. EFAULT is what vb2-dma-contig answers when the buffer is
 * not contiguous, so a device that refused everything with EFAULT is
 * contiguous-only even when the machine has no contiguous exporter. */
bool refusesScattered(const std::vector<ImportVerdict> &verdicts)
{
	bool anyScattered = false, contiguousOk = false, allEfault = true;
	for (const ImportVerdict &v : verdicts) {
		if (v.accepted && !v.contiguous)
			return false;
		anyScattered |= !v.contiguous;
		contiguousOk |= v.accepted && v.contiguous;
		allEfault &= v.accepted || v.error.code == EFAULT;
	}
	return anyScattered && (contiguousOk || allEfault);
}

} /* namespace */

Constraints ImportCapability::constraints() const
{
	Constraints c;
	c.consumer = device;
	c.contiguous = needsContiguous;
	bool any = false;
	for (const ImportVerdict &v : verdicts)
		any |= v.accepted;
	for (const ImportVerdict &v : verdicts) {
		if (v.accepted)
			c.acceptedExporters.push_back(v.exporter);
		else if (any)
			c.refusedExporters.push_back({ v.exporter, v.error.message });
	}
	/* A device that imported nothing tells nothing about exporters (or the
	 * probe did not fit it): refusing them all would only turn a possible
	 * failure into a certain one. Its contiguity need still stands. */
	return c;
}

std::string ImportCapability::summary() const
{
	std::string ok, refused;
	for (const ImportVerdict &v : verdicts) {
		if (v.accepted)
			ok += (ok.empty() ? "" : ", ") + v.exporter;
		else
			refused += (refused.empty() ? "" : "; ") + v.exporter + " (" +
				   v.error.message + ")";
	}
	if (!probed)
		return "not probed (DMABUFKIT_IMPORT_PROBE=0)";
	std::string s = needsContiguous ? "needs physically contiguous memory; " : "";
	s += "imports " + (ok.empty() ? std::string("nothing") : ok);
	if (!refused.empty())
		s += "; refuses " + refused;
	if (!kernelFacts.empty())
		s += "; " + kernelFacts;
	return s;
}

std::optional<Error> ImportCapability::nothingWorks() const
{
	if (!probed)
		return std::nullopt;
	for (const ImportVerdict &v : verdicts)
		if (v.accepted)
			return std::nullopt;
	std::string msg = device + " imports none of this machine's dma-bufs";
	if (verdicts.empty())
		msg += " (this machine has no dma-buf exporter)";
	for (const ImportVerdict &v : verdicts)
		msg += "; " + v.exporter + ": " + v.error.message;
	if (needsContiguous)
		msg = device +
		      " needs physically contiguous memory and no contiguous exporter "
		      "exists: enable CONFIG_DMABUF_HEAPS_CMA and boot with cma=64M (or "
		      "reserve a CMA area in the device tree), or use io-mode=export. " +
		      msg;
	return Error{ needsContiguous ? ENOMEM : ENOTSUP, msg };
}

ImportCapability probeImports(ExporterRegistry &registry, const std::string &device,
			      const std::vector<uint64_t> &planeSizes, const ImportAttempt &attempt)
{
	const auto start = std::chrono::steady_clock::now();
	ImportCapability cap;
	cap.device = device;
	const std::vector<ExporterTraits> candidates = registry.importCandidates();
	DBK_LOG(Allocator, Debug, "%s: import probe: %zu exporters known after %.1f ms",
		device.c_str(), candidates.size(), msSince(start));
	for (const ExporterTraits &t : candidates) {
		ImportVerdict v{ t.name, t.contiguous, false, {} };
		auto exporter = registry.find(t.name);
		std::vector<DmaBuf> bufs;
		for (size_t i = 0; i < planeSizes.size() && exporter && v.error.message.empty();
		     ++i) {
			auto b = (*exporter)->allocate(
				{ planeSizes[i], "dmabufkit:import-probe", 0 });
			if (b)
				bufs.push_back(std::move(b).value());
			else
				v.error = b.error();
		}
		if (!exporter)
			v.error = exporter.error();
		if (v.error.message.empty()) {
			std::vector<const DmaBuf *> planes;
			for (const DmaBuf &b : bufs)
				planes.push_back(&b);
			auto r = attempt(planes);
			v.accepted = r.ok();
			if (!r)
				v.error = r.error();
		}
		DBK_LOG(Allocator, Debug, "%s: probe import of a %s buffer: %s (at %.1f ms)",
			device.c_str(), t.name.c_str(),
			v.accepted ? "accepted" : v.error.message.c_str(), msSince(start));
		cap.verdicts.push_back(std::move(v));
	}
	cap.needsContiguous = refusesScattered(cap.verdicts);
	cap.probeMs = msSince(start);
	DBK_LOG(Allocator, Info, "%s: import probe (%.1f ms): %s", device.c_str(), cap.probeMs,
		cap.summary().c_str());
	return cap;
}

ImportCapabilityCache &ImportCapabilityCache::instance()
{
	static ImportCapabilityCache cache;
	return cache;
}

ImportCapability ImportCapabilityCache::get(const std::string &key,
					    const std::function<ImportCapability()> &probe)
{
	std::lock_guard guard(lock_);
	if (auto it = known_.find(key); it != known_.end()) {
		DBK_LOG(Allocator, Debug, "%s: import capability known (%s)", key.c_str(),
			it->second.summary().c_str());
		return it->second;
	}
	if (const char *on = getenv("DMABUFKIT_IMPORT_PROBE"); on && !strcmp(on, "0")) {
		ImportCapability none;
		none.device = key;
		none.probed = false;
		DBK_LOG(Allocator, Info, "%s: import probe off (DMABUFKIT_IMPORT_PROBE=0)",
			key.c_str());
		return none;
	}
	ImportCapability cap = probe();
	probes_++;
	known_.emplace(key, cap);
	return cap;
}

uint64_t ImportCapabilityCache::probes() const
{
	std::lock_guard guard(lock_);
	return probes_;
}

void ImportCapabilityCache::clear()
{
	std::lock_guard guard(lock_);
	known_.clear();
}

} /* namespace dmabufkit */
