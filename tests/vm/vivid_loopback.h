/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test helper: wire vivid's video output into its video capture (loopback)
 * so that what a sink shows on vid-out comes back, byte for byte, on vid-cap;
 * and read who exported, named and attached each live dma-buf (bufinfo).
 */
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dmabufkit/base/result.h"

namespace dmabufkit::test {

/**
 * \brief Loop vivid's output \a outPath into its capture \a capPath at \a width x \a height.
 *
 * vivid (6.12) copies the oldest queued output buffer into each captured
 * frame when the capture input is connected to the output
 * ("HDMI 000-0 Is Connected To" = "Output HDMI 000-0"), both sides use the
 * same fourcc, field and size, and the output is streaming. It does so with
 * memcpy per line when nothing is cropped, composed or scaled, so both sides
 * get the same DV timings (the frame size), and the on-screen text (OSD Text
 * Mode) is switched off. Without a queued output buffer it captures its test
 * pattern instead.
 */
Result<void> setupVividLoopback(const std::string &capPath, const std::string &outPath,
				uint32_t width, uint32_t height);

/** \brief Set the menu control \a control of the node \a path to its item \a item. */
Result<void> setMenuControl(const std::string &path, const std::string &control,
			    const std::string &item);

/** \brief One live dma-buf as debugfs dma_buf/bufinfo shows it. */
struct DmaBufEntry {
	std::string exporter;
	std::string name;
	std::vector<std::string> attached; /* devices that imported it */
};

/** \brief Every live dma-buf by inode. */
std::map<uint64_t, DmaBufEntry> liveDmaBufs();

} /* namespace dmabufkit::test */
