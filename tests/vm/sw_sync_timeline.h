/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file sw_sync_timeline.h
 * \brief Fences a test signals by hand: a sw_sync timeline
 *        (debugfs sync/sw_sync, CONFIG_SW_SYNC) and attaching one of its
 *        fences to a dma-buf as if a device were still writing (or reading) it.
 *
 * A fence made for value V signals when the timeline, which starts at 0, is
 * advanced to V or beyond. Closing the timeline signals what is left (with
 * an error), so a test that never advances it leaves nothing pending.
 */
#pragma once

#include <cstdint>

#include <dmabufkit/base/result.h>
#include <dmabufkit/base/unique_fd.h>

namespace dmabufkit::test {

class SwSyncTimeline
{
public:
	/** \brief Open a new timeline; fails naming the debugfs path when there is none. */
	static Result<SwSyncTimeline> open();

	/** \brief A sync_file that signals when the timeline reaches \a value. */
	Result<UniqueFD> createFence(uint32_t value, const char *name);
	/** \brief Advance the timeline by \a steps, signalling the fences it passes. */
	Result<void> advance(uint32_t steps);
	/** \brief Close the timeline now (its pending fences signal with an error). */
	void close() { fd_.reset(); }

private:
	UniqueFD fd_;
};

/**
 * \brief Make \a syncFile an implicit fence of the dma-buf \a dmaBufFd
 *        (DMA_BUF_IOCTL_IMPORT_SYNC_FILE): a write fence with \a write, else
 *        a read fence. The dma-buf keeps its own reference to the fence.
 */
Result<void> attachFence(int dmaBufFd, int syncFile, bool write);

} /* namespace dmabufkit::test */
