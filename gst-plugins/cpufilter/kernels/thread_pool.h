/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file thread_pool.h
 * \brief A fixed set of worker threads that split a frame's rows.
 *
 * Kept alive for the element's life so a frame costs two condition-variable
 * round trips, not thread creation.
 */
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace dmabufkit::cpufilter {

class ThreadPool
{
public:
	/** \brief \a threads workers in all, the calling thread included (>= 1). */
	explicit ThreadPool(unsigned threads);
	~ThreadPool();
	ThreadPool(const ThreadPool &) = delete;
	ThreadPool &operator=(const ThreadPool &) = delete;

	unsigned size() const { return static_cast<unsigned>(workers_.size()) + 1; }

	/**
	 * \brief Run fn(begin, end) over [0, count) in at most size() chunks and
	 * wait for all; chunks smaller than \a minChunk are not split further.
	 */
	void parallelFor(int count, int minChunk, const std::function<void(int, int)> &fn);

private:
	void workerLoop(unsigned index);

	std::vector<std::thread> workers_;
	std::mutex mutex_;
	std::condition_variable wake_;
	std::condition_variable done_;
	const std::function<void(int, int)> *job_ = nullptr;
	int count_ = 0;
	unsigned chunks_ = 0;
	unsigned pending_ = 0;
	unsigned generation_ = 0;
	bool stop_ = false;
};

/** \brief Run on \a pool if given, else inline. */
void forRows(ThreadPool *pool, int count, int minChunk, const std::function<void(int, int)> &fn);

} /* namespace dmabufkit::cpufilter */
