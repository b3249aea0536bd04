/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tracer's live preview picture: a small RGB888 thumbnail point-sampled
 * from a mapped video frame. Built for the streaming thread: configure() does
 * all per-caps work (sizes, sample positions, colour coefficients) once, and
 * make() then only reads the sampled pixels and writes into the caller's
 * preallocated storage; nothing is allocated per frame.
 */
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <dmabufkit/base/result.h>
#include <gst/video/video.h>

#include "yuv_coefficients.h"

namespace dmabufkit::dmabuftrace {

class Thumbnail
{
public:
	static constexpr int kMaxWidth = 160;
	static constexpr int kMaxHeight = 120;
	static constexpr size_t kMaxBytes = size_t(kMaxWidth) * kMaxHeight * 3;

	/* The formats with a preview, as a caps list ("BGRx, BGRA, ..."). */
	static const char *supportedFormats();
	static bool supports(GstVideoFormat format);
	/* The thumbnail size for a @width x @height frame: at most kMaxWidth x
	   kMaxHeight, aspect kept, never larger than the frame. */
	static void fit(int width, int height, int *outWidth, int *outHeight);

	/* Prepares for frames described by @info; fails (saying why) when they
	   have no preview. */
	dmabufkit::Result<void> configure(const GstVideoInfo &info);
	bool configured() const { return width_ > 0; }
	int width() const { return width_; }
	int height() const { return height_; }
	size_t bytes() const { return size_t(width_) * height_ * 3; }

	/* Samples @frame (mapped, described by the configured info) into @out,
	   width() * height() pixels of R, G, B, rows packed. */
	void make(const GstVideoFrame &frame, uint8_t *out) const;

private:
	enum class Kind { Rgb, Yuv, Gray };
	Kind kind_ = Kind::Rgb;
	int width_ = 0;
	int height_ = 0;
	int components_ = 0;
	/* Per component (R, G, B or Y, U, V): its plane, the vertical
	   subsampling shift and, per thumbnail column, the byte offset of the
	   sample within a row. */
	std::array<int, 3> plane_{};
	std::array<int, 3> hShift_{};
	std::array<std::array<int32_t, kMaxWidth>, 3> column_{};
	/* Per thumbnail row, the source row sampled. */
	std::array<int32_t, kMaxHeight> row_{};
	video::YuvCoefficients coeffs_{};
};

} /* namespace dmabufkit::dmabuftrace */
