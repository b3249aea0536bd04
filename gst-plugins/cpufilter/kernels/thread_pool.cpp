/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "thread_pool.h"

#include <algorithm>

namespace dmabufkit::cpufilter {

namespace {

void chunkBounds(int count, unsigned chunks, unsigned i, int &begin, int &end)
{
	begin = static_cast<int>(static_cast<long>(count) * i / chunks);
	end = static_cast<int>(static_cast<long>(count) * (i + 1) / chunks);
}

} /* namespace */

ThreadPool::ThreadPool(unsigned threads)
{
	for (unsigned i = 1; i < std::max(threads, 1u); ++i)
		workers_.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool()
{
	{
		std::lock_guard lock(mutex_);
		stop_ = true;
	}
	wake_.notify_all();
	for (auto &t : workers_)
		t.join();
}

void ThreadPool::parallelFor(int count, int minChunk, const std::function<void(int, int)> &fn)
{
	if (count <= 0)
		return;
	unsigned chunks = std::min<unsigned>(size(), std::max(1, count / std::max(minChunk, 1)));
	if (chunks <= 1) {
		fn(0, count);
		return;
	}
	{
		std::lock_guard lock(mutex_);
		job_ = &fn;
		count_ = count;
		chunks_ = chunks;
		pending_ = chunks - 1;
		generation_++;
	}
	wake_.notify_all();
	int begin, end;
	chunkBounds(count, chunks, 0, begin, end);
	fn(begin, end);
	std::unique_lock lock(mutex_);
	done_.wait(lock, [this] { return pending_ == 0; });
	job_ = nullptr;
}

void ThreadPool::workerLoop(unsigned index)
{
	unsigned seen = 0;
	for (;;) {
		const std::function<void(int, int)> *job;
		int count;
		unsigned chunks;
		{
			std::unique_lock lock(mutex_);
			wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
			if (stop_)
				return;
			seen = generation_;
			job = job_;
			count = count_;
			chunks = chunks_;
		}
		if (index < chunks) {
			int begin, end;
			chunkBounds(count, chunks, index, begin, end);
			(*job)(begin, end);
			std::lock_guard lock(mutex_);
			if (--pending_ == 0)
				done_.notify_one();
		}
	}
}

void forRows(ThreadPool *pool, int count, int minChunk, const std::function<void(int, int)> &fn)
{
	if (pool)
		pool->parallelFor(count, minChunk, fn);
	else
		fn(0, count);
}

} /* namespace dmabufkit::cpufilter */
