/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmabufipcsink's link between the producer's GstMemory objects and the
 * server's dma-buf ids: the server forgets a dma-buf when its memory is
 * freed (a pool reallocated), so it never keeps dropped dma-bufs alive.
 */
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include <gst/gst.h>

#include "ipc_server.h"

namespace dmabufkit::ipc {

/** \brief The server memories report to; cleared (under \a lock) before it is destroyed. */
struct ForgetHook {
	std::mutex lock;
	Server *server = nullptr;
};

/**
 * \brief The inode of dma-buf memory \a mem.
 *
 * Remembered on the memory (qdata) on first sight, so later frames cost no
 * fstat(); when the memory is freed, \a hook's server forgets the inode.
 */
uint64_t trackMemory(GstMemory *mem, const std::shared_ptr<ForgetHook> &hook);

} /* namespace dmabufkit::ipc */
