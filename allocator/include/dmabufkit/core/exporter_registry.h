/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file exporter_registry.h
 * \brief The exporters a machine has, in preference order.
 */
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "constraints.h"
#include "exporter.h"
#include "dmabufkit/base/result.h"

namespace dmabufkit {

/**
 * \brief Finds the dma-buf exporters present and chooses among them.
 *
 * Default preference: the system heap, udmabuf, contiguous (CMA) heaps, then
 * DRM dumb buffers. CMA is scarce and dumb buffers tie memory to a display
 * device, so they are chosen only when a constraint demands them. DRM devices
 * are opened only when scanout is required or an import probe runs
 * (opening a primary node can make us DRM master and lock a display sink
 * out; we drop master at once).
 */
class ExporterRegistry
{
public:
	/**
	 * \param heapDir where dma-buf heaps live
	 * \param udmabuf the udmabuf device
	 * \param drm whether DRM dumb buffers may be probed
	 * Tests point these at empty places to model a machine without exporters.
	 */
	explicit ExporterRegistry(std::string heapDir = "/dev/dma_heap",
				  std::string udmabuf = "/dev/udmabuf", bool drm = true);
	~ExporterRegistry();

	/** \brief Probe heaps and udmabuf now (DRM is probed on demand). */
	void probe();
	/** \brief Add an exporter at the end of the preference order. */
	void add(std::unique_ptr<Exporter> exporter);
	/**
	 * \brief Restrict and order the candidates by name prefix, e.g.
	 *        {"udmabuf", "dma-heap:system"}; empty to restore the default.
	 */
	void setPreference(std::vector<std::string> order);

	/** \brief Traits of every candidate, in preference order. */
	std::vector<ExporterTraits> candidates();
	/**
	 * \brief What an import probe tries: candidates() and, when a DRM device
	 *        exists (and DRM is allowed), its dumb-buffer exporter, whose
	 *        verdict a device then records like any other's.
	 */
	std::vector<ExporterTraits> importCandidates();
	/**
	 * \brief The first exporter meeting \a constraints for \a size bytes;
	 *        an error naming the unmet constraint otherwise.
	 */
	Result<Exporter *> select(const Constraints &constraints, uint64_t size);
	/** \brief The exporter whose name is (or starts with) \a name. */
	Result<Exporter *> find(const std::string &name);

private:
	std::vector<Exporter *> ordered();
	void probeDrm();

	std::recursive_mutex lock_;
	std::vector<std::unique_ptr<Exporter>> exporters_;
	std::vector<std::string> preference_;
	std::vector<std::string> probeErrors_;
	std::string heapDir_;
	std::string udmabuf_;
	bool drmAllowed_;
	bool probed_ = false;
	bool drmProbed_ = false;
};

} /* namespace dmabufkit */
