/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file kms_mode.h
 * \brief Choosing a display mode and placing a frame in it (pure logic).
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dmabufkit/base/result.h"

namespace dmabufkit::kms {

/** \brief What mode selection needs to know about one mode. */
struct ModeCandidate {
	uint32_t width = 0;
	uint32_t height = 0;
	uint32_t refresh = 0; /**< Hz */
	bool preferred = false;
	std::string name; /**< e.g. "1024x768" */
};

struct ModeChoice {
	size_t index = 0;
	std::string reason; /**< "requested", "current", "matches the video", "preferred" */
};

/**
 * \brief Pick the mode to show a \a videoWidth x \a videoHeight stream in.
 *
 * In order: the \a requested mode ("WxH", "WxH@HZ" or a mode name; failing
 * with the list of modes when the connector has none such); the mode the
 * CRTC already runs (\a current, an index into \a modes); a mode of the
 * video's size (preferred first, then highest refresh); the preferred mode;
 * the first mode.
 */
Result<ModeChoice> selectMode(const std::vector<ModeCandidate> &modes,
			      std::optional<size_t> current, uint32_t videoWidth,
			      uint32_t videoHeight, const std::string &requested = {});

/**
 * \brief Every mode worth trying, best first, without duplicates: the
 *        requested one alone; else current, video size, preferred, first.
 *
 * The display decides (TEST_ONLY) which of them works: a plane that can
 * neither scale nor be positioned (vkms's primary plane) needs a mode of
 * the frame's size even when the CRTC already runs another.
 */
Result<std::vector<ModeChoice>> rankModes(const std::vector<ModeCandidate> &modes,
					  std::optional<size_t> current, uint32_t videoWidth,
					  uint32_t videoHeight, const std::string &requested = {});

/** \brief A rectangle in pixels. */
struct Rect {
	int32_t x = 0;
	int32_t y = 0;
	uint32_t width = 0;
	uint32_t height = 0;
	bool operator==(const Rect &) const = default;
};

/** \brief Source rectangle in the frame and destination on the CRTC. */
struct Placement {
	Rect src;
	Rect dst;
	bool coversCrtc(uint32_t modeWidth, uint32_t modeHeight) const
	{
		return dst.x == 0 && dst.y == 0 && dst.width == modeWidth &&
		       dst.height == modeHeight;
	}
};

/**
 * \brief Place a frame on a mode, without scaling unless \a canScale.
 *
 * Without \a render the frame is centred; a frame larger than the mode is
 * cropped around its centre. With \a render (the render-rectangle), the
 * frame is scaled into it when \a canScale, else centred in it and cropped
 * to it. The destination is always clipped to the mode. Fails when nothing
 * of the frame would be visible.
 */
Result<Placement> placeFrame(uint32_t frameWidth, uint32_t frameHeight, uint32_t modeWidth,
			     uint32_t modeHeight, std::optional<Rect> render = {},
			     bool canScale = false);

} /* namespace dmabufkit::kms */
