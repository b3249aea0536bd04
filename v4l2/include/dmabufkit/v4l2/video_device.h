/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file video_device.h
 * \brief An open V4L2 node: ioctls with named errors, formats, events,
 *        controls, codec commands and polling.
 */
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <linux/videodev2.h>
#include <poll.h>

#include "dmabufkit/base/result.h"
#include "dmabufkit/base/unique_fd.h"
#include "dmabufkit/v4l2/device_finder.h"
#include "dmabufkit/v4l2/device_format.h"

namespace dmabufkit::v4l2 {

/** \brief How ioctls reach the driver. */
enum class OpenMode {
	Raw,	 /**< plain ioctl(2): memory-to-memory nodes, zero-copy capture */
	LibV4l2, /**< through libv4l2 (v4l2_fd_open), whose format conversion helps old capture
		    devices */
};

/** \brief One entry of VIDIOC_ENUM_FMT. */
struct FormatDescription {
	uint32_t fourcc = 0;
	uint32_t flags = 0; /**< V4L2_FMT_FLAG_* (COMPRESSED, EMULATED, ...) */
	std::string description;
};

/** \brief One entry of VIDIOC_ENUM_FRAMESIZES (discrete: min == max, step 0). */
struct FrameSizeRange {
	uint32_t minWidth = 0, maxWidth = 0, stepWidth = 0;
	uint32_t minHeight = 0, maxHeight = 0, stepHeight = 0;
	bool isDiscrete() const { return minWidth == maxWidth && minHeight == maxHeight; }
};

/** \brief A V4L2 control found by name. */
struct ControlInfo {
	uint32_t id = 0;
	uint32_t type = 0;
	std::string name;
	int64_t minimum = 0, maximum = 0, defaultValue = 0;
};

class VideoDevice
{
public:
	~VideoDevice();
	VideoDevice(const VideoDevice &) = delete;
	VideoDevice &operator=(const VideoDevice &) = delete;

	/**
	 * \brief Open \a path and query its capabilities.
	 *
	 * Fails naming the path and errno (ENOENT: no such device; EBUSY; ...),
	 * and with ENOTTY when the node cannot stream video.
	 */
	static Result<std::unique_ptr<VideoDevice>> open(const std::string &path,
							 OpenMode mode = OpenMode::Raw);

	int fd() const { return fd_.get(); }
	const std::string &path() const { return info_.path; }
	/** \brief "PATH (CARD)", naming the device in log messages. */
	const char *label() const { return label_.c_str(); }
	const VideoNodeInfo &info() const { return info_; }
	OpenMode mode() const { return mode_; }
	bool multiPlanar() const { return info_.isMultiPlanar(); }
	/** \brief The CAPTURE buffer type of this node (MPLANE when multi-planar). */
	uint32_t captureType() const;
	/** \brief The OUTPUT buffer type of this node (MPLANE when multi-planar). */
	uint32_t outputType() const;

	/**
	 * \brief Issue an ioctl, retrying on EINTR.
	 * \param name the request's name for the error, e.g. "VIDIOC_S_FMT"
	 * \return An error "NAME on PATH: strerror (errno N)" on failure.
	 */
	Result<void> ioctl(unsigned long request, void *arg, const char *name) const;
	/** \brief Build the error ioctl() returns, for callers that look at errno first. */
	Error ioctlError(const char *name, int err) const;

	std::vector<FormatDescription> enumFormats(uint32_t type) const;
	std::vector<FrameSizeRange> enumFrameSizes(uint32_t fourcc) const;

	/**
	 * \brief Frame rates (frames per second as num/den) for one size.
	 *
	 * Discrete intervals only; empty when the driver has none or uses ranges.
	 */
	std::vector<std::pair<uint32_t, uint32_t>> enumFrameRates(uint32_t fourcc, uint32_t width,
								  uint32_t height) const;
	/** \brief VIDIOC_S_PARM: ask for \a num/\a den frames per second on a capture queue. */
	Result<void> setFrameRate(uint32_t type, uint32_t num, uint32_t den) const;

	Result<DeviceFormat> getFormat(uint32_t type) const;
	/** \brief VIDIOC_S_FMT (or TRY_FMT when \a tryOnly); returns what the driver chose. */
	Result<DeviceFormat> setFormat(uint32_t type, const DeviceFormat &fmt,
				       bool tryOnly = false) const;

	Result<void> subscribeEvent(uint32_t type, uint32_t id = 0) const;
	/** \brief Dequeue one pending event; nullopt when none is pending. */
	Result<std::optional<struct v4l2_event>> dequeueEvent() const;

	std::optional<ControlInfo> findControl(const std::string &name) const;
	Result<int32_t> getControl(uint32_t id) const;
	Result<void> setControl(uint32_t id, int32_t value) const;

	/** \brief VIDIOC_ENCODER_CMD (V4L2_ENC_CMD_STOP drains, START resumes). */
	Result<void> encoderCommand(uint32_t cmd) const;
	/** \brief VIDIOC_DECODER_CMD (V4L2_DEC_CMD_STOP drains, START resumes). */
	Result<void> decoderCommand(uint32_t cmd) const;

	/**
	 * \brief Wait up to \a timeoutMs (-1: forever) for \a events.
	 * \param wakeFd an fd (eventfd, pipe) whose readability interrupts the wait
	 * \return The returned events; ETIMEDOUT naming the device when the time
	 *         ran out (the dequeue watchdog); ECANCELED when \a wakeFd woke us.
	 */
	Result<short> poll(short events, int timeoutMs, int wakeFd = -1) const;
	/**
	 * \brief poll() for a wait that may well time out (a service loop's slice).
	 * \return The returned events, 0 when the time ran out; ECANCELED when
	 *         \a wakeFd woke us.
	 */
	Result<short> wait(short events, int timeoutMs, int wakeFd = -1) const;

private:
	VideoDevice() = default;

	UniqueFD fd_;
	VideoNodeInfo info_;
	std::string label_;
	OpenMode mode_ = OpenMode::Raw;
};

} /* namespace dmabufkit::v4l2 */
