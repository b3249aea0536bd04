/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file fence.h
 * \brief Synchronization with devices, kept apart from mapping.
 *
 * Mapping and SYNC START/END only deal with cache coherency. Waiting for a
 * device that still reads or writes the buffer (implicit fences) is a
 * separate step: every CPU access of dmabufkit takes it with a bound before
 * SYNC START, because the kernel's START waits for those fences without one.
 */
#pragma once

#include <cstdint>

#include "cpu_access.h"
#include "dmabufkit/base/result.h"
#include "dmabufkit/base/unique_fd.h"

namespace dmabufkit {

/** \brief The bound used where no caller chose one (elements' fence-timeout default). */
constexpr int kDefaultFenceTimeoutMs = 1000;

/**
 * \brief Wait until the CPU may perform \a access on the dma-buf \a fd.
 *
 * Reading waits for writers (POLLIN); writing waits for every user (POLLOUT).
 * Signalled fences cost one poll() that does not sleep; only a wait that
 * sleeps is timed and reported to the fence-wait observer.
 * \param timeoutMs -1 to wait forever, 0 to only check
 * \return ETIMEDOUT when the fences did not signal in time, with a message
 *   naming the buffer (inode, name), its exporter and what to do
 */
Result<void> waitForFences(int fd, Access access, int timeoutMs);

/** \brief One wait that had to sleep, as the observer sees it. */
struct FenceWaitEvent {
	int fd;
	uint64_t inode;
	Access access;
	uint64_t waitedNs; /* how long it slept */
	bool timedOut;
};

/**
 * \brief Called on the waiting thread after each wait that slept (not for
 * fences already signalled). One observer per process (the tracer); nullptr
 * removes it.
 */
using FenceWaitObserver = void (*)(const FenceWaitEvent &event, void *data);
void setFenceWaitObserver(FenceWaitObserver observer, void *data);

/**
 * \brief Export the buffer's current fences as a sync_file
 *        (DMA_BUF_IOCTL_EXPORT_SYNC_FILE, Linux 6.0+).
 * \return ENOTTY when the kernel lacks the ioctl
 */
Result<UniqueFD> exportSyncFile(int fd, Access access);

} /* namespace dmabufkit */
