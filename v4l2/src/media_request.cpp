/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/v4l2/media_request.h"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <vector>

#include <linux/media.h>

#include "dmabufkit/base/log.h"

namespace dmabufkit::v4l2 {

namespace {

int xioctl(int fd, unsigned long req, void *arg)
{
	int r;
	do {
		r = ::ioctl(fd, req, arg);
	} while (r < 0 && errno == EINTR);
	return r;
}

Error ioctlError(const char *what, const std::string &label, int err)
{
	Error e = Error::fromErrno(err, std::string(what) + " on " + label);
	e.message += " (errno " + std::to_string(err) + ")";
	return e;
}

/* Whether the media device on \a fd lists the character device \a rdev as an interface. */
bool hasInterface(int fd, dev_t rdev)
{
	struct media_v2_topology topo = {};
	if (xioctl(fd, MEDIA_IOC_G_TOPOLOGY, &topo) < 0)
		return false;
	std::vector<struct media_v2_interface> intfs(topo.num_interfaces);
	topo = {};
	topo.num_interfaces = static_cast<uint32_t>(intfs.size());
	topo.ptr_interfaces = reinterpret_cast<uintptr_t>(intfs.data());
	if (xioctl(fd, MEDIA_IOC_G_TOPOLOGY, &topo) < 0)
		return false;
	for (uint32_t i = 0; i < topo.num_interfaces && i < intfs.size(); ++i) {
		const auto &d = intfs[i].devnode;
		if (d.major == major(rdev) && d.minor == minor(rdev))
			return true;
	}
	return false;
}

} /* namespace */

Result<void> MediaRequest::queue() const
{
	if (::ioctl(fd_.get(), MEDIA_REQUEST_IOC_QUEUE) < 0) {
		const int err = errno;
		Error e = ioctlError("MEDIA_REQUEST_IOC_QUEUE", label_, err);
		if (err == ENOENT)
			e.message +=
				": the request lacks its buffer or a control the driver requires";
		DBK_LOG(V4l2, Error, "%s", e.message.c_str());
		return e;
	}
	return {};
}

Result<void> MediaRequest::reinit() const
{
	if (::ioctl(fd_.get(), MEDIA_REQUEST_IOC_REINIT) < 0) {
		Error e = ioctlError("MEDIA_REQUEST_IOC_REINIT", label_, errno);
		DBK_LOG(V4l2, Error, "%s", e.message.c_str());
		return e;
	}
	return {};
}

Result<void> MediaRequest::wait(int timeoutMs) const
{
	struct pollfd p = { fd_.get(), POLLPRI, 0 };
	for (;;) {
		int r = ::poll(&p, 1, timeoutMs);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			Error e = Error::fromErrno(errno, "poll on request of " + label_);
			DBK_LOG(V4l2, Error, "%s", e.message.c_str());
			return e;
		}
		if (r == 0) {
			Error e{ ETIMEDOUT, "request on " + label_ + " did not complete within " +
						    std::to_string(timeoutMs) + " ms" };
			DBK_LOG(V4l2, Error, "%s", e.message.c_str());
			return e;
		}
		if (p.revents & POLLPRI)
			return {};
		Error e{ EIO, "request on " + label_ + " reported poll events 0x" +
				      std::to_string(p.revents) + " instead of completion" };
		DBK_LOG(V4l2, Error, "%s", e.message.c_str());
		return e;
	}
}

Result<std::unique_ptr<MediaDevice>> MediaDevice::forVideoNode(const std::string &videoPath)
{
	struct stat st;
	if (::stat(videoPath.c_str(), &st) < 0 || !S_ISCHR(st.st_mode))
		return Error{ ENODEV, videoPath + " is not a character device" };
	std::vector<std::string> candidates;
	if (DIR *d = ::opendir("/dev")) {
		while (struct dirent *e = ::readdir(d))
			if (strncmp(e->d_name, "media", 5) == 0)
				candidates.push_back(std::string("/dev/") + e->d_name);
		::closedir(d);
	}
	std::string searched;
	for (const auto &path : candidates) {
		UniqueFD fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
		if (!fd.isValid()) {
			DBK_LOG(V4l2, Warning, "%s: cannot open: %s", path.c_str(),
				strerror(errno));
			searched += (searched.empty() ? "" : ", ") + path + " (cannot open)";
			continue;
		}
		if (!hasInterface(fd.get(), st.st_rdev)) {
			searched += (searched.empty() ? "" : ", ") + path;
			continue;
		}
		struct media_device_info info = {};
		(void)xioctl(fd.get(), MEDIA_IOC_DEVICE_INFO, &info);
		std::unique_ptr<MediaDevice> m(new MediaDevice);
		m->fd_ = std::move(fd);
		m->path_ = path;
		m->model_ = info.model;
		m->label_ = path + " (" + m->model_ + ")";
		DBK_LOG(V4l2, Info, "%s: media device of %s", m->label(), videoPath.c_str());
		return m;
	}
	Error e{ ENODEV,
		 "no media device has " + videoPath + " as an interface (searched: " +
			 (searched.empty() ? std::string("no /dev/media* at all") : searched) +
			 "); requests need the driver's media controller "
			 "(CONFIG_MEDIA_CONTROLLER)" };
	DBK_LOG(V4l2, Error, "%s", e.message.c_str());
	return e;
}

Result<MediaRequest> MediaDevice::allocRequest() const
{
	int fd = -1;
	if (xioctl(fd_.get(), MEDIA_IOC_REQUEST_ALLOC, &fd) < 0) {
		const int err = errno;
		Error e = ioctlError("MEDIA_IOC_REQUEST_ALLOC", label_, err);
		if (err == ENOTTY)
			e.message += ": the driver does not support requests";
		DBK_LOG(V4l2, Error, "%s", e.message.c_str());
		return e;
	}
	DBK_LOG(V4l2, Debug, "%s: allocated request fd %d", label(), fd);
	return MediaRequest(UniqueFD(fd), label_);
}

} /* namespace dmabufkit::v4l2 */
