/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file snapshot_writer.h
 * \brief PNG snapshots written on a worker thread, so the stream never waits
 * for the file system or the encoder.
 */
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace dmabufkit::cpufilter {

/** \brief An 8-bit RGB image, rows packed (width * 3 bytes). */
struct RgbImage {
	int width = 0;
	int height = 0;
	std::vector<uint8_t> rgb;
	uint64_t tag = 0; /* the caller's, handed back to Done (e.g. a frame number) */
};

/** \brief Encode \a image as PNG into \a path; returns "" or the failure. */
std::string writePng(const std::string &path, const RgbImage &image);

/** \brief Decode an 8-bit RGB or RGBA PNG (tests use it); returns "" or the failure. */
std::string readPng(const std::string &path, RgbImage &image);

/**
 * \brief Check a location pattern: exactly one %d conversion (with optional
 * zero padding and width, e.g. %05d), other '%' only as "%%".
 */
bool validSnapshotPattern(const std::string &pattern, std::string *why = nullptr);
std::string formatSnapshotPath(const std::string &pattern, uint64_t index);

class SnapshotWriter
{
public:
	/* Called on the worker thread after each file: path, the image's tag and
	 * "" or the failure. */
	using Done = std::function<void(const std::string &path, uint64_t tag,
					const std::string &error)>;

	explicit SnapshotWriter(Done done, size_t maxPending = 2);
	~SnapshotWriter(); /* writes what is queued, then joins */
	SnapshotWriter(const SnapshotWriter &) = delete;
	SnapshotWriter &operator=(const SnapshotWriter &) = delete;

	/** \brief Queue a file; false (and nothing queued) when maxPending are waiting. */
	bool submit(std::string path, RgbImage image);
	/** \brief Block until the queue is empty and the worker idle. */
	void flush();

private:
	void run();

	Done done_;
	size_t maxPending_;
	std::mutex mutex_;
	std::condition_variable cond_;
	std::deque<std::pair<std::string, RgbImage>> queue_;
	bool busy_ = false;
	bool stop_ = false;
	std::thread thread_;
};

} /* namespace dmabufkit::cpufilter */
