/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file frame_png_writer.h
 * \brief The filter's frames as PNG files (its "snapshot-location"), written
 * on a worker thread so the stream never waits for the file system or the
 * encoder.
 */
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "rgb_image.h"

namespace dmabufkit::cpufilter {

/**
 * \brief Why a location pattern is invalid (nullopt if valid): it needs
 * exactly one %d conversion (with optional zero padding and width, e.g.
 * %05d), other '%' only as "%%".
 */
std::optional<std::string> whyInvalidFramePath(const std::string &pattern);
/** \brief \a pattern with its %d replaced by \a index. */
std::string formatFramePath(const std::string &pattern, uint64_t index);

/** \brief A worker thread encoding queued frames as PNG files. */
class FramePngWriter
{
public:
	/* Called on the worker thread after each file: path, the frame's tag and
	 * "" or the failure. */
	using Done = std::function<void(const std::string &path, uint64_t tag,
					const std::string &error)>;

	explicit FramePngWriter(Done done, size_t maxPending = 2);
	~FramePngWriter(); /* writes what is queued, then joins */
	FramePngWriter(const FramePngWriter &) = delete;
	FramePngWriter &operator=(const FramePngWriter &) = delete;

	/**
	 * \brief Queue a file; false (and nothing queued) when maxPending are
	 * waiting. \a tag (e.g. the frame number) is handed back to Done.
	 */
	bool submit(std::string path, video::RgbImage image, uint64_t tag = 0);
	/** \brief Block until the queue is empty and the worker idle. */
	void flush();

private:
	void run();

	struct Job {
		std::string path;
		video::RgbImage image;
		uint64_t tag;
	};

	Done done_;
	size_t maxPending_;
	std::mutex mutex_;
	std::condition_variable cond_;
	std::deque<Job> queue_;
	bool busy_ = false;
	bool stop_ = false;
	std::thread thread_;
};

} /* namespace dmabufkit::cpufilter */
