/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The thread that gives exported V4L2 buffers back to their driver once
 * downstream released them, so that the releasing thread never waits for
 * the device.
 */
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace dmabufkit::gstv4l2 {

/**
 * \brief Runs a requeue for each buffer index posted to it, in order, on a
 * thread of its own.
 *
 * A QBUF can take as long as the device's work: vicodec takes its device
 * lock for every ioctl and codes a whole frame inside the QBUF that makes a
 * job ready. Run in the thread that dropped the last reference (a decoder's
 * chain, a sink's render), it stalled that thread for a frame's encode.
 */
class ReleaseRequeuer
{
public:
	using Requeue = std::function<void(unsigned index)>;

	/** \param threadName shown by top and the bench's per-thread CPU (15 chars kept) */
	ReleaseRequeuer(const std::string &threadName, Requeue requeue);
	/** \brief Runs the requeues still posted, then joins the thread. */
	~ReleaseRequeuer();
	ReleaseRequeuer(const ReleaseRequeuer &) = delete;
	ReleaseRequeuer &operator=(const ReleaseRequeuer &) = delete;

	/** \brief Requeue buffer \a index on the thread; returns at once. */
	void post(unsigned index);

private:
	void loop();

	Requeue requeue_;
	std::mutex lock_;
	std::condition_variable cv_;
	std::deque<unsigned> pending_;
	bool quit_ = false;
	std::thread thread_;
};

} /* namespace dmabufkit::gstv4l2 */
