/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file leak_counters.h
 * \brief What a test counts before and after a run to prove nothing leaked:
 *        the process's open fds and the system's live dma-bufs.
 */
#pragma once

#include <string>

namespace dmabufkit::test {

/**
 * \brief Open fds of this process (/proc/self/fd). With DBK_TEST_LIST_FDS
 *        set in the environment, each fd and its target is printed too.
 */
int countOpenFds();

/**
 * \brief The fds above stderr and their targets, "fd 3 -> /dev/video0; ...":
 *        for the message of a failed fd count, to say what leaked.
 */
std::string openFdTargets();

/**
 * \brief Open sync_file fds of this process (fences exported or made by a
 *        test, e.g. sw_sync): fds whose target is anon_inode:sync_file.
 */
int countSyncFiles();

/**
 * \brief Live dma-bufs system-wide ("Total N objects" of debugfs
 *        dma_buf/bufinfo), or -1 when debugfs does not say (not in the VM).
 */
int countLiveDmaBufs();

/**
 * \brief countLiveDmaBufs() once it is down to \a expected, or after
 *        \a timeoutMs. Only for a pipeline whose last references the kernel
 *        drops after it is gone: stock kmssink's framebuffers are released
 *        by the DRM commit's cleanup, which runs on a kernel worker. A
 *        count that stays above \a expected is a leak.
 */
int countLiveDmaBufsOnceSettled(int expected, int timeoutMs = 2000);

/** \brief The whole of debugfs dma_buf/bufinfo (empty outside the VM). */
std::string dmaBufInfo();

} /* namespace dmabufkit::test */
