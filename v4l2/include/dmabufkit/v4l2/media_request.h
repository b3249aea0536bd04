/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file media_request.h
 * \brief The media controller side of a stateless codec: the /dev/mediaN
 *        a video node belongs to, and requests (MEDIA_IOC_REQUEST_ALLOC)
 *        that bundle a buffer with its controls.
 */
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "dmabufkit/base/result.h"
#include "dmabufkit/base/unique_fd.h"

namespace dmabufkit::v4l2 {

/**
 * \brief One request: an fd of the media device. Fill it (controls with
 * its fd, a buffer with V4L2_BUF_FLAG_REQUEST_FD), queue it, wait for it,
 * then reinit it for the next frame.
 */
class MediaRequest
{
public:
	MediaRequest(UniqueFD fd, std::string label) : fd_(std::move(fd)), label_(std::move(label))
	{
	}
	int fd() const { return fd_.get(); }

	/** \brief MEDIA_REQUEST_IOC_QUEUE: the driver validates and runs it. */
	Result<void> queue() const;
	/** \brief MEDIA_REQUEST_IOC_REINIT: empty it for reuse (after completion). */
	Result<void> reinit() const;
	/**
	 * \brief Wait up to \a timeoutMs for completion (POLLPRI on the fd).
	 * \return ETIMEDOUT naming the device when the time ran out.
	 */
	Result<void> wait(int timeoutMs) const;

private:
	UniqueFD fd_;
	std::string label_;
};

/** \brief A media device (/dev/mediaN) opened to allocate requests. */
class MediaDevice
{
public:
	/**
	 * \brief The media device that has \a videoPath as an interface
	 * (MEDIA_IOC_G_TOPOLOGY of every /dev/media*, matched by device number).
	 *
	 * Fails with ENODEV naming the node and what was searched when none
	 * has it: the driver registers no media controller, so no requests.
	 */
	static Result<std::unique_ptr<MediaDevice>> forVideoNode(const std::string &videoPath);

	const std::string &path() const { return path_; }
	/** \brief MEDIA_IOC_DEVICE_INFO's driver and model, e.g. "vicodec". */
	const std::string &model() const { return model_; }
	/** \brief "PATH (MODEL)", naming the device in messages. */
	const char *label() const { return label_.c_str(); }

	/** \brief MEDIA_IOC_REQUEST_ALLOC; ENOTTY when the driver has no request support. */
	Result<MediaRequest> allocRequest() const;

private:
	MediaDevice() = default;

	UniqueFD fd_;
	std::string path_, model_, label_;
};

} /* namespace dmabufkit::v4l2 */
