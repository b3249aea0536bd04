/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file kms_import_decision.h
 * \brief Whether dmabufkmssink can import a frame zero-copy or must copy it
 *        into a scanout buffer (pure logic, no GStreamer, no device).
 */
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dmabufkit::kms {

/** \brief What the sink found out about one plane of a frame. */
struct PlaneSource {
	/** The plane's offset lies inside one of the buffer's memories. */
	bool located = false;
	uint64_t offset = 0;	 /**< from GstVideoMeta, else the video info */
	int64_t stride = 0;	 /**< likewise; <= 0 is unusable */
	bool dmaBuf = false;	 /**< the memory holding the plane is a dma-buf */
	std::string memoryType;	 /**< that memory's allocator type ("none" without one) */
	uint64_t skip = 0;	 /**< where the plane starts inside that memory */
	uint64_t memorySize = 0; /**< that memory's size */
	uint64_t rows = 0;	 /**< rows of the plane */
	uint64_t rowBytes = 0;	 /**< bytes of pixels in one row */
	bool cached = false;	 /**< this memory's framebuffer is already cached */
};

/** \brief The outcome: import (then the framebuffer cache decides) or copy, and why. */
struct ImportDecision {
	enum class Action { Import, Copy };
	Action action = Action::Import;
	int error = 0;	    /**< errno-style code of the reason to copy */
	std::string reason; /**< why copy; for Import, "cached framebuffer" or "new import" */

	bool import() const { return action == Action::Import; }
};

/**
 * \brief Decide for a frame with \a planes.
 *
 * Copy when \a injectedError is set (tests: the import fails with it), else
 * at the first plane that is not inside the buffer, not in a dma-buf, or
 * whose rows run past the end of its memory (planes must each lie in one
 * dma-buf for drmModeAddFB2). Otherwise import; the reason says whether every
 * plane's framebuffer is cached already.
 */
ImportDecision decideImport(const std::vector<PlaneSource> &planes, int injectedError = 0);

} /* namespace dmabufkit::kms */
