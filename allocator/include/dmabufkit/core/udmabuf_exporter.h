/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file udmabuf_exporter.h
 * \brief dma-bufs made from sealed memfds with /dev/udmabuf.
 */
#pragma once

#include <memory>

#include "exporter.h"
#include "dmabufkit/base/unique_fd.h"

namespace dmabufkit {

/**
 * \brief Creates a memfd (F_SEAL_SHRINK, page-rounded size) per buffer and
 *        turns it into a dma-buf with UDMABUF_CREATE.
 */
class UdmabufExporter : public Exporter
{
public:
	/** \brief Open \a device (default /dev/udmabuf). */
	static Result<std::unique_ptr<UdmabufExporter>> open(const char *device = "/dev/udmabuf");

	const ExporterTraits &traits() const override { return traits_; }
	Result<DmaBuf> allocate(const AllocationRequest &request) override;

private:
	explicit UdmabufExporter(UniqueFD fd);

	UniqueFD fd_;
	ExporterTraits traits_;
};

} /* namespace dmabufkit */
