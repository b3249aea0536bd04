/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file import_probe.h
 * \brief Learning what a device can import by importing one buffer from each
 *        exporter, once per device and format class.
 *
 * Devices do not say what memory they need: vb2-dma-contig checks that a
 * dma-buf is physically contiguous only when it is queued, a display only
 * when the buffer becomes a framebuffer. So each consumer imports one buffer
 * of the size it needs from every exporter once, remembers what worked and
 * what the kernel said when it did not, and publishes that as Constraints.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "constraints.h"
#include "dma_buf.h"
#include "exporter_registry.h"
#include "dmabufkit/base/result.h"

namespace dmabufkit {

/** \brief What importing one exporter's buffer into the device gave. */
struct ImportVerdict {
	std::string exporter;	 /**< e.g. "dma-heap:reserved" */
	bool contiguous = false; /**< the exporter gives contiguous memory */
	bool accepted = false;
	Error error; /**< why the device refused (when not accepted) */
};

/** \brief What a device can import, learnt by one probe. */
struct ImportCapability {
	std::string device; /**< who: "/dev/video0 (vivid-000-vid-cap) capture" */
	/** What the kernel says about the device's DMA (IOMMU group, DMA mask). */
	std::string kernelFacts;
	std::vector<ImportVerdict> verdicts;
	/** The device refuses scattered memory and takes contiguous memory. */
	bool needsContiguous = false;
	double probeMs = 0; /**< how long the probe took */
	/** False when probing is off (DMABUFKIT_IMPORT_PROBE=0): nothing known. */
	bool probed = true;

	/** \brief These findings as the device's constraints. */
	Constraints constraints() const;
	/** \brief "needs contiguous memory; imports A; refuses B (why)". */
	std::string summary() const;
	/** \brief An error naming the device, what it needs and what to do, or
	 *         none when some exporter works. */
	std::optional<Error> nothingWorks() const;
};

/**
 * \brief Import one buffer per plane, \a planeSizes bytes each, into the
 *        device; the result is the device's verdict.
 */
using ImportAttempt = std::function<Result<void>(const std::vector<const DmaBuf *> &planes)>;

/**
 * \brief Allocate from every exporter \a registry has and import through
 *        \a attempt; every buffer is freed before returning.
 */
ImportCapability probeImports(ExporterRegistry &registry, const std::string &device,
			      const std::vector<uint64_t> &planeSizes,
			      const ImportAttempt &attempt);

/**
 * \brief The capabilities learnt in this process, by device and format class,
 *        so nothing is probed twice (never per frame).
 */
class ImportCapabilityCache
{
public:
	static ImportCapabilityCache &instance();

	/**
	 * \brief The capability under \a key, probing with \a probe the first time.
	 *
	 * With DMABUFKIT_IMPORT_PROBE=0 in the environment nothing is probed and
	 * the capability says nothing (for benchmarks and for ruling the probe
	 * out when a device misbehaves).
	 */
	ImportCapability get(const std::string &key,
			     const std::function<ImportCapability()> &probe);
	/** \brief How many probes ran in this process. */
	uint64_t probes() const;
	/** \brief Forget everything (tests; a device that was replaced). */
	void clear();

private:
	mutable std::mutex lock_;
	std::map<std::string, ImportCapability> known_;
	uint64_t probes_ = 0;
};

} /* namespace dmabufkit */
