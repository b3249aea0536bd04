/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file fence.h
 * \brief Optional synchronization with devices, kept apart from mapping.
 *
 * Mapping and SYNC START/END only deal with cache coherency. Waiting for a
 * device that still reads or writes the buffer (implicit fences) is a
 * separate step a caller takes when it needs to.
 */
#pragma once

#include "cpu_access.h"
#include "dmabufkit/base/result.h"
#include "dmabufkit/base/unique_fd.h"

namespace dmabufkit {

/**
 * \brief Wait until the CPU may perform \a access on the dma-buf \a fd.
 *
 * Reading waits for writers (POLLIN); writing waits for every user (POLLOUT).
 * \param timeoutMs -1 to wait forever
 * \return ETIMEDOUT when the fences did not signal in time
 */
Result<void> waitForFences(int fd, Access access, int timeoutMs);

/**
 * \brief Export the buffer's current fences as a sync_file
 *        (DMA_BUF_IOCTL_EXPORT_SYNC_FILE, Linux 6.0+).
 * \return ENOTTY when the kernel lacks the ioctl
 */
Result<UniqueFD> exportSyncFile(int fd, Access access);

} /* namespace dmabufkit */
