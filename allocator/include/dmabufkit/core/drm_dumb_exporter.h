/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file drm_dumb_exporter.h
 * \brief Scanout-capable buffers: DRM dumb buffers exported with PRIME.
 */
#pragma once

#include <memory>
#include <string>

#include "exporter.h"
#include "dmabufkit/base/unique_fd.h"

namespace dmabufkit {

/**
 * \brief Creates DRM dumb buffers on a KMS device and exports them as
 *        dma-bufs (drmPrimeHandleToFD); the GEM handle is closed right
 *        away, the dma-buf keeps the memory alive.
 */
class DrmDumbExporter : public Exporter
{
public:
	/** \brief Open a DRM device node (e.g. /dev/dri/card0). */
	static Result<std::unique_ptr<DrmDumbExporter>> open(const std::string &device);
	/**
	 * \brief Open the first DRM device that supports dumb buffers,
	 *        optionally only one whose driver is \a driver.
	 */
	static Result<std::unique_ptr<DrmDumbExporter>> openFirst(const std::string &driver = {});
	/** \brief Use an fd the caller already has open (e.g. a KMS sink's); not owned. */
	static Result<std::unique_ptr<DrmDumbExporter>> fromFd(int fd);
	/** \brief Use \a fd (e.g. a dup of a KMS sink's fd), owned from now on. */
	static Result<std::unique_ptr<DrmDumbExporter>> adopt(UniqueFD fd);

	const ExporterTraits &traits() const override { return traits_; }
	/**
	 * \brief Allocate. With request.stride set, the dumb buffer is created
	 * with that pitch (8 bpp, stride wide) and fails if the driver picks
	 * another one; without it, a 4096-byte wide buffer.
	 */
	Result<DmaBuf> allocate(const AllocationRequest &request) override;
	/**
	 * \brief Allocate a width x height buffer of \a bpp bits per pixel;
	 *        \a pitch receives the driver's pitch.
	 */
	Result<DmaBuf> allocate2D(uint32_t width, uint32_t height, uint32_t bpp,
				  const std::string &name, uint32_t *pitch);

	const std::string &driver() const { return driver_; }
	int fd() const { return owned_.isValid() ? owned_.get() : fd_; }

private:
	DrmDumbExporter(UniqueFD owned, int fd, std::string driver);

	UniqueFD owned_;
	int fd_;
	std::string driver_;
	ExporterTraits traits_;
};

} /* namespace dmabufkit */
