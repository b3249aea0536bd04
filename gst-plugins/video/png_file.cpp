/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "png_file.h"

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <memory>

#include <png.h>

namespace dmabufkit::video {

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

void pngWarningFn(png_structp, png_const_charp)
{
}

} /* namespace */

Result<void> writePng(const std::string &path, const RgbImage &image)
{
	if (image.width <= 0 || image.height <= 0 ||
	    image.rgb.size() < static_cast<size_t>(image.width) * image.height * 3)
		return Error{ EINVAL, "writing " + path + ": empty or short image" };
	File f(std::fopen(path.c_str(), "wb"));
	if (!f)
		return Error::fromErrno(errno, "fopen(\"" + path + "\", \"wb\")");
	PngError err;
	png_structp png =
		png_create_write_struct(PNG_LIBPNG_VER_STRING, &err, pngErrorFn, pngWarningFn);
	if (!png)
		return Error{ ENOMEM, "png_create_write_struct failed" };
	png_infop info = png_create_info_struct(png);
	if (!info || setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return Error{ EIO, "libpng writing " + path + ": " + err.message };
	}
	png_init_io(png, f.get());
	png_set_compression_level(png, 1);
	png_set_IHDR(png, info, image.width, image.height, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < image.height; ++y)
		png_write_row(png, image.rgb.data() + static_cast<size_t>(y) * image.width * 3);
	png_write_end(png, nullptr);
	png_destroy_write_struct(&png, &info);
	if (std::fflush(f.get()) != 0 || std::ferror(f.get()))
		return Error::fromErrno(errno, "writing " + path);
	if (std::fclose(f.release()) != 0)
		return Error::fromErrno(errno, "fclose(\"" + path + "\")");
	return {};
}

Result<RgbImage> readPng(const std::string &path)
{
	File f(std::fopen(path.c_str(), "rb"));
	if (!f)
		return Error::fromErrno(errno, "fopen(\"" + path + "\")");
	PngError err;
	png_structp png =
		png_create_read_struct(PNG_LIBPNG_VER_STRING, &err, pngErrorFn, pngWarningFn);
	png_infop info = png ? png_create_info_struct(png) : nullptr;
	if (!png || !info) {
		png_destroy_read_struct(&png, &info, nullptr);
		return Error{ ENOMEM, "png_create_read_struct failed" };
	}
	/* Declared before setjmp: libpng's longjmp must not skip its destructor. */
	RgbImage image;
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_read_struct(&png, &info, nullptr);
		return Error{ EIO, "libpng reading " + path + ": " + err.message };
	}
	png_init_io(png, f.get());
	png_read_info(png, info);
	const int depth = png_get_bit_depth(png, info);
	const int type = png_get_color_type(png, info);
	if (depth != 8 || (type != PNG_COLOR_TYPE_RGB && type != PNG_COLOR_TYPE_RGBA)) {
		png_destroy_read_struct(&png, &info, nullptr);
		return Error{ EINVAL, path + ": not an 8-bit RGB(A) PNG" };
	}
	if (type == PNG_COLOR_TYPE_RGBA)
		png_set_strip_alpha(png);
	png_read_update_info(png, info);
	image.width = static_cast<int>(png_get_image_width(png, info));
	image.height = static_cast<int>(png_get_image_height(png, info));
	image.rgb.assign(static_cast<size_t>(image.width) * image.height * 3, 0);
	for (int y = 0; y < image.height; ++y)
		png_read_row(png, image.rgb.data() + static_cast<size_t>(y) * image.width * 3,
			     nullptr);
	png_read_end(png, nullptr);
	png_destroy_read_struct(&png, &info, nullptr);
	return image;
}

} /* namespace dmabufkit::video */
