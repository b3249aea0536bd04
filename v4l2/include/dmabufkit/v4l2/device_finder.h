/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file device_finder.h
 * \brief Find V4L2 devices by driver, name and capability, never by number.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dmabufkit/base/pixel_format.h" /* fourccName, for callers printing fourccs */
#include "dmabufkit/base/result.h"

namespace dmabufkit::v4l2 {

/** \brief What VIDIOC_QUERYCAP and sysfs say about one /dev/videoN. */
struct VideoNodeInfo {
	std::string path;   /**< /dev/videoN */
	std::string name;   /**< video_device name from sysfs, e.g. "stateful-encoder" */
	std::string driver; /**< QUERYCAP driver, e.g. "vivid" */
	std::string card;   /**< QUERYCAP card */
	std::string busInfo;
	uint32_t deviceCaps = 0;

	bool isCapture() const;
	bool isOutput() const;
	bool isMemToMem() const;
	bool isMultiPlanar() const;
	bool canStream() const;
};

/** \brief Query one node; fails with the ioctl, errno and path in the message. */
Result<VideoNodeInfo> queryVideoNode(const std::string &path);

/** \brief Every video node of the system, in /dev/videoN order. */
std::vector<VideoNodeInfo> enumerateVideoNodes();

/**
 * \brief Fourccs a node offers on a queue (VIDIOC_ENUM_FMT).
 * \param bufType a V4L2_BUF_TYPE_* value
 */
std::vector<uint32_t> enumerateFormats(const std::string &path, uint32_t bufType);

/** \brief What to look for; empty fields match anything. */
struct VideoNodeQuery {
	std::string driver;
	std::string name;	    /**< exact sysfs/video_device name */
	bool capture = false;	    /**< needs a video capture queue (not M2M) */
	bool memToMem = false;	    /**< needs to be a memory-to-memory device */
	uint32_t outputFourcc = 0;  /**< M2M: OUTPUT queue must offer it */
	uint32_t captureFourcc = 0; /**< M2M: CAPTURE queue must offer it */
	bool output = false;	    /**< needs a video output queue (not M2M) */
};

/** \brief The first node matching \a query, or an error listing what exists. */
Result<VideoNodeInfo> findVideoNode(const VideoNodeQuery &query);

/** \brief Make a fourcc from four characters. */
constexpr uint32_t fourcc(char a, char b, char c, char d)
{
	return static_cast<uint32_t>(a) | (static_cast<uint32_t>(b) << 8) |
	       (static_cast<uint32_t>(c) << 16) | (static_cast<uint32_t>(d) << 24);
}

} /* namespace dmabufkit::v4l2 */
