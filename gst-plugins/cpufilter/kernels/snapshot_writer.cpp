/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "snapshot_writer.h"

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>

#include <png.h>

namespace dmabufkit::cpufilter {

namespace {

struct FileCloser {
	void operator()(FILE *f) const { fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;

struct PngError {
	char message[256] = {};
};

void pngErrorFn(png_structp png, png_const_charp msg)
{
	auto *e = static_cast<PngError *>(png_get_error_ptr(png));
	std::snprintf(e->message, sizeof(e->message), "%s", msg);
	png_longjmp(png, 1);
}

void pngWarningFn(png_structp, png_const_charp) {}

} /* namespace */

std::string writePng(const std::string &path, const RgbImage &image)
{
	if (image.width <= 0 || image.height <= 0 ||
	    image.rgb.size() < static_cast<size_t>(image.width) * image.height * 3)
		return "writing " + path + ": empty or short image";
	File f(std::fopen(path.c_str(), "wb"));
	if (!f)
		return "fopen(\"" + path + "\", \"wb\"): " + std::strerror(errno);
	PngError err;
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &err, pngErrorFn,
						  pngWarningFn);
	if (!png)
		return "png_create_write_struct failed";
	png_infop info = png_create_info_struct(png);
	if (!info || setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return "libpng writing " + path + ": " + err.message;
	}
	png_init_io(png, f.get());
	/* Snapshots are for people and tests, not archives: favour speed. */
	png_set_compression_level(png, 1);
	png_set_IHDR(png, info, image.width, image.height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < image.height; ++y)
		png_write_row(png, image.rgb.data() + static_cast<size_t>(y) * image.width * 3);
	png_write_end(png, nullptr);
	png_destroy_write_struct(&png, &info);
	if (std::fflush(f.get()) != 0 || std::ferror(f.get()))
		return "writing " + path + ": " + std::strerror(errno);
	File closing = std::move(f);
	if (std::fclose(closing.release()) != 0)
		return "fclose(\"" + path + "\"): " + std::strerror(errno);
	return {};
}

std::string readPng(const std::string &path, RgbImage &image)
{
	File f(std::fopen(path.c_str(), "rb"));
	if (!f)
		return "fopen(\"" + path + "\"): " + std::strerror(errno);
	PngError err;
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &err, pngErrorFn,
						 pngWarningFn);
	png_infop info = png ? png_create_info_struct(png) : nullptr;
	if (!png || !info) {
		png_destroy_read_struct(&png, &info, nullptr);
		return "png_create_read_struct failed";
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_read_struct(&png, &info, nullptr);
		return "libpng reading " + path + ": " + err.message;
	}
	png_init_io(png, f.get());
	png_read_info(png, info);
	const int depth = png_get_bit_depth(png, info);
	const int type = png_get_color_type(png, info);
	if (depth != 8 || (type != PNG_COLOR_TYPE_RGB && type != PNG_COLOR_TYPE_RGBA)) {
		png_destroy_read_struct(&png, &info, nullptr);
		return path + ": not an 8-bit RGB(A) PNG";
	}
	if (type == PNG_COLOR_TYPE_RGBA)
		png_set_strip_alpha(png);
	png_read_update_info(png, info);
	image.width = static_cast<int>(png_get_image_width(png, info));
	image.height = static_cast<int>(png_get_image_height(png, info));
	image.rgb.assign(static_cast<size_t>(image.width) * image.height * 3, 0);
	for (int y = 0; y < image.height; ++y)
		png_read_row(png, image.rgb.data() + static_cast<size_t>(y) * image.width * 3, nullptr);
	png_read_end(png, nullptr);
	png_destroy_read_struct(&png, &info, nullptr);
	return {};
}

bool validSnapshotPattern(const std::string &pattern, std::string *why)
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
			if (why)
				*why = "only %d (optionally %05d) and %% may appear in \"" + pattern + "\"";
			return false;
		}
		conversions++;
		i = j;
	}
	if (conversions != 1) {
		if (why)
			*why = "\"" + pattern + "\" needs exactly one %d for the snapshot number";
		return false;
	}
	return true;
}

std::string formatSnapshotPath(const std::string &pattern, uint64_t index)
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

SnapshotWriter::SnapshotWriter(Done done, size_t maxPending)
	: done_(std::move(done)), maxPending_(maxPending ? maxPending : 1), thread_([this] { run(); })
{
}

SnapshotWriter::~SnapshotWriter()
{
	{
		std::lock_guard lock(mutex_);
		stop_ = true;
	}
	cond_.notify_all();
	thread_.join();
}

bool SnapshotWriter::submit(std::string path, RgbImage image)
{
	{
		std::lock_guard lock(mutex_);
		if (queue_.size() >= maxPending_)
			return false;
		queue_.emplace_back(std::move(path), std::move(image));
	}
	cond_.notify_all();
	return true;
}

void SnapshotWriter::flush()
{
	std::unique_lock lock(mutex_);
	cond_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

void SnapshotWriter::run()
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
		const std::string error = writePng(job.first, job.second);
		if (done_)
			done_(job.first, job.second.tag, error);
		lock.lock();
		busy_ = false;
		cond_.notify_all();
	}
}

} /* namespace dmabufkit::cpufilter */
