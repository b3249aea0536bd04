/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file png_file.h
 * \brief 8-bit RGB PNG files through libpng: the CPU filter's frames, the
 * KMS writeback captures, and the tests that read them back.
 */
#pragma once

#include <string>

#include "dmabufkit/base/result.h"
#include "rgb_image.h"

namespace dmabufkit::video {

/**
 * \brief Encode \a image as an 8-bit RGB PNG into \a path.
 *
 * Favours speed over size (zlib level 1): these files are for people and
 * tests, not archives.
 */
Result<void> writePng(const std::string &path, const RgbImage &image);

/** \brief Decode an 8-bit RGB or RGBA PNG (alpha dropped). */
Result<RgbImage> readPng(const std::string &path);

} /* namespace dmabufkit::video */
