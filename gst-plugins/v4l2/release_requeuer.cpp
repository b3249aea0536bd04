/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "release_requeuer.h"

#include <pthread.h>
#include <utility>

namespace dmabufkit::gstv4l2 {

ReleaseRequeuer::ReleaseRequeuer(const std::string &threadName, Requeue requeue)
	: requeue_(std::move(requeue))
{
	thread_ = std::thread([this] { loop(); });
	pthread_setname_np(thread_.native_handle(), threadName.substr(0, 15).c_str());
}

ReleaseRequeuer::~ReleaseRequeuer()
{
	{
		std::lock_guard l(lock_);
		quit_ = true;
	}
	cv_.notify_one();
	thread_.join();
}

void ReleaseRequeuer::post(unsigned index)
{
	{
		std::lock_guard l(lock_);
		pending_.push_back(index);
	}
	cv_.notify_one();
}

void ReleaseRequeuer::loop()
{
	std::unique_lock l(lock_);
	for (;;) {
		cv_.wait(l, [this] { return quit_ || !pending_.empty(); });
		if (pending_.empty())
			return; /* quit_, nothing left */
		const unsigned index = pending_.front();
		pending_.pop_front();
		l.unlock();
		requeue_(index);
		l.lock();
	}
}

} /* namespace dmabufkit::gstv4l2 */
