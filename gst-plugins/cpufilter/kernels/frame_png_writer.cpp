/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "frame_png_writer.h"

#include "png_file.h"

namespace dmabufkit::cpufilter {

std::optional<std::string> whyInvalidFramePath(const std::string &pattern)
{
	int conversions = 0;
	for (size_t i = 0; i < pattern.size(); ++i) {
		if (pattern[i] != '%')
			continue;
		if (i + 1 < pattern.size() && pattern[i + 1] == '%') {
			++i;
			continue;
		}
		size_t j = i + 1;
		while (j < pattern.size() && pattern[j] >= '0' && pattern[j] <= '9' && j - i < 4)
			++j;
		if (j >= pattern.size() || pattern[j] != 'd') {
			return "only %d (optionally %05d) and %% may appear in \"" + pattern + "\"";
		}
		conversions++;
		i = j;
	}
	if (conversions != 1)
		return "\"" + pattern + "\" needs exactly one %d for the snapshot number";
	return std::nullopt;
}

std::string formatFramePath(const std::string &pattern, uint64_t index)
{
	/* Expands the one %[0][width]d by hand: no printf with a run-time format. */
	std::string out;
	for (size_t i = 0; i < pattern.size(); ++i) {
		if (pattern[i] != '%') {
			out += pattern[i];
			continue;
		}
		if (i + 1 < pattern.size() && pattern[i + 1] == '%') {
			out += '%';
			++i;
			continue;
		}
		size_t j = i + 1;
		const bool zero = j < pattern.size() && pattern[j] == '0';
		size_t width = 0;
		while (j < pattern.size() && pattern[j] >= '0' && pattern[j] <= '9')
			width = width * 10 + static_cast<size_t>(pattern[j++] - '0');
		std::string digits = std::to_string(index);
		if (digits.size() < width)
			digits.insert(0, width - digits.size(), zero ? '0' : ' ');
		out += digits;
		i = j; /* the 'd' */
	}
	return out;
}

FramePngWriter::FramePngWriter(Done done, size_t maxPending)
	: done_(std::move(done)), maxPending_(maxPending ? maxPending : 1),
	  thread_([this] { run(); })
{
}

FramePngWriter::~FramePngWriter()
{
	{
		std::lock_guard lock(mutex_);
		stop_ = true;
	}
	cond_.notify_all();
	thread_.join();
}

bool FramePngWriter::submit(std::string path, video::RgbImage image, uint64_t tag)
{
	{
		std::lock_guard lock(mutex_);
		if (queue_.size() >= maxPending_)
			return false;
		queue_.push_back({ std::move(path), std::move(image), tag });
	}
	cond_.notify_all();
	return true;
}

void FramePngWriter::flush()
{
	std::unique_lock lock(mutex_);
	cond_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

void FramePngWriter::run()
{
	std::unique_lock lock(mutex_);
	for (;;) {
		cond_.wait(lock, [this] { return stop_ || !queue_.empty(); });
		if (queue_.empty())
			return; /* stop_ and nothing left to write */
		auto job = std::move(queue_.front());
		queue_.pop_front();
		busy_ = true;
		lock.unlock();
		const Result<void> written = video::writePng(job.path, job.image);
		if (done_)
			done_(job.path, job.tag, written ? std::string() : written.error().message);
		lock.lock();
		busy_ = false;
		cond_.notify_all();
	}
}

} /* namespace dmabufkit::cpufilter */
