/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/core/exporter_registry.h"

#include <algorithm>

#include "dmabufkit/core/dma_heap_exporter.h"
#include "dmabufkit/core/drm_dumb_exporter.h"
#include "dmabufkit/internal/exporter_selector.h"
#include "dmabufkit/base/log.h"
#include "dmabufkit/core/udmabuf_exporter.h"

namespace dmabufkit {

namespace {

int rank(const ExporterTraits &t)
{
	if (t.name == "dma-heap:system")
		return 0;
	if (t.name == "udmabuf")
		return 1;
	if (t.name.rfind("dma-heap:", 0) == 0)
		return t.contiguous ? 3 : 2;
	return 4;
}
} /* namespace */

ExporterRegistry::ExporterRegistry(std::string heapDir, std::string udmabuf, bool drm)
	: heapDir_(std::move(heapDir)), udmabuf_(std::move(udmabuf)), drmAllowed_(drm)
{
}
ExporterRegistry::~ExporterRegistry() = default;

void ExporterRegistry::probe()
{
	std::lock_guard lock(lock_);
	if (probed_)
		return;
	probed_ = true;
	for (const std::string &heap : DmaHeapExporter::availableHeaps(heapDir_)) {
		auto e = DmaHeapExporter::open(heapDir_ + "/" + heap);
		if (e)
			exporters_.push_back(std::move(e).value());
		else
			probeErrors_.push_back(e.error().message);
	}
	auto u = UdmabufExporter::open(udmabuf_.c_str());
	if (u)
		exporters_.push_back(std::move(u).value());
	else
		probeErrors_.push_back(u.error().message);
	std::stable_sort(exporters_.begin(), exporters_.end(), [](const auto &a, const auto &b) {
		return rank(a->traits()) < rank(b->traits());
	});
	std::string names;
	for (const auto &e : exporters_) {
		const ExporterTraits &t = e->traits();
		DBK_LOG(Allocator, Debug,
			"exporter available: %s (cpu-mappable %d, contiguous %d, scanout %d, max "
			"%llu "
			"bytes)",
			t.name.c_str(), t.cpuMappable, t.contiguous, t.scanout,
			static_cast<unsigned long long>(t.maxSize));
		names += (names.empty() ? "" : ", ") + t.name;
	}
	for (const auto &m : probeErrors_)
		DBK_LOG(Allocator, Debug, "exporter unavailable: %s", m.c_str());
	DBK_LOG(Allocator, Info, "exporters in %s and %s: %s", heapDir_.c_str(), udmabuf_.c_str(),
		names.empty() ? "none" : names.c_str());
}

void ExporterRegistry::probeDrm()
{
	if (drmProbed_ || !drmAllowed_)
		return;
	drmProbed_ = true;
	auto d = DrmDumbExporter::openFirst();
	if (d) {
		DBK_LOG(Allocator, Info, "DRM exporter %s available", (*d)->traits().name.c_str());
		exporters_.push_back(std::move(d).value());
	} else {
		DBK_LOG(Allocator, Info, "no DRM dumb-buffer exporter: %s",
			d.error().message.c_str());
		probeErrors_.push_back(d.error().message);
	}
}

void ExporterRegistry::add(std::unique_ptr<Exporter> exporter)
{
	std::lock_guard lock(lock_);
	exporters_.push_back(std::move(exporter));
}

void ExporterRegistry::setPreference(std::vector<std::string> order)
{
	std::lock_guard lock(lock_);
	preference_ = std::move(order);
}

std::vector<Exporter *> ExporterRegistry::ordered()
{
	std::vector<Exporter *> out;
	if (preference_.empty()) {
		for (auto &e : exporters_)
			out.push_back(e.get());
		return out;
	}
	for (const std::string &prefix : preference_)
		for (auto &e : exporters_)
			if (e->traits().name.rfind(prefix, 0) == 0 &&
			    std::find(out.begin(), out.end(), e.get()) == out.end())
				out.push_back(e.get());
	return out;
}

std::vector<ExporterTraits> ExporterRegistry::candidates()
{
	std::lock_guard lock(lock_);
	probe();
	std::vector<ExporterTraits> t;
	for (Exporter *e : ordered())
		t.push_back(e->traits());
	return t;
}

std::vector<ExporterTraits> ExporterRegistry::importCandidates()
{
	std::lock_guard lock(lock_);
	probe();
	probeDrm();
	std::vector<ExporterTraits> t;
	for (Exporter *e : ordered())
		t.push_back(e->traits());
	return t;
}

Result<Exporter *> ExporterRegistry::select(const Constraints &constraints, uint64_t size)
{
	std::lock_guard lock(lock_);
	probe();
	if (constraints.scanout)
		probeDrm();
	auto list = ordered();
	std::vector<ExporterTraits> traits;
	for (Exporter *e : list)
		traits.push_back(e->traits());
	auto idx = selectExporter(traits, constraints, size);
	if (!idx) {
		Error err = idx.error();
		if (list.empty() && !probeErrors_.empty()) {
			for (const auto &m : probeErrors_)
				err.message += "; " + m;
		}
		DBK_LOG(Allocator, Warning, "no exporter for %llu-byte buffers: %s",
			static_cast<unsigned long long>(size), err.message.c_str());
		return err;
	}
	DBK_LOG(Allocator, Debug, "exporter %s chosen for %llu-byte buffers of %s (%s)%s",
		list[*idx]->traits().name.c_str(), static_cast<unsigned long long>(size),
		constraints.consumer.empty() ? "the consumers" : constraints.consumer.c_str(),
		constraints.describe().c_str(),
		*idx == 0 ? ", the first candidate" : ", earlier candidates rejected");
	return list[*idx];
}

Result<Exporter *> ExporterRegistry::find(const std::string &name)
{
	std::lock_guard lock(lock_);
	probe();
	if (name.rfind("drm-dumb", 0) == 0)
		probeDrm();
	for (auto &e : exporters_)
		if (e->traits().name == name) {
			DBK_LOG(Allocator, Debug, "exporter %s chosen by name", name.c_str());
			return e.get();
		}
	for (auto &e : exporters_)
		if (e->traits().name.rfind(name, 0) == 0) {
			DBK_LOG(Allocator, Debug, "exporter %s chosen for the name \"%s\"",
				e->traits().name.c_str(), name.c_str());
			return e.get();
		}
	std::string have;
	for (auto &e : exporters_)
		have += (have.empty() ? "" : ", ") + e->traits().name;
	std::string why;
	for (const auto &m : probeErrors_)
		why += "; " + m;
	Error err{ ENODEV, "no exporter named \"" + name +
				   "\" (available: " + (have.empty() ? "none" : have) + ")" + why };
	DBK_LOG(Allocator, Warning, "%s", err.message.c_str());
	return err;
}

} /* namespace dmabufkit */
