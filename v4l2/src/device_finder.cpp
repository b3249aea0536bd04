/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/v4l2/device_finder.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <linux/videodev2.h>
#include <sys/ioctl.h>

#include "dmabufkit/base/log.h"
#include "dmabufkit/base/unique_fd.h"

namespace dmabufkit::v4l2 {

namespace {

int xioctl(int fd, unsigned long req, void *arg)
{
	int r;
	do {
		r = ioctl(fd, req, arg);
	} while (r < 0 && errno == EINTR);
	return r;
}

std::string sysfsName(const std::string &node)
{
	std::ifstream in("/sys/class/video4linux/" + node + "/name");
	std::string name;
	std::getline(in, name);
	return name;
}

} /* namespace */

bool VideoNodeInfo::isCapture() const
{
	return deviceCaps & (V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_VIDEO_CAPTURE_MPLANE);
}
bool VideoNodeInfo::isOutput() const
{
	return deviceCaps & (V4L2_CAP_VIDEO_OUTPUT | V4L2_CAP_VIDEO_OUTPUT_MPLANE);
}
bool VideoNodeInfo::isMemToMem() const
{
	return deviceCaps & (V4L2_CAP_VIDEO_M2M | V4L2_CAP_VIDEO_M2M_MPLANE);
}
bool VideoNodeInfo::isMultiPlanar() const
{
	return deviceCaps & (V4L2_CAP_VIDEO_CAPTURE_MPLANE | V4L2_CAP_VIDEO_OUTPUT_MPLANE |
			     V4L2_CAP_VIDEO_M2M_MPLANE);
}
bool VideoNodeInfo::canStream() const
{
	return deviceCaps & V4L2_CAP_STREAMING;
}

Result<VideoNodeInfo> queryVideoNode(const std::string &path)
{
	UniqueFD fd(::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
	if (!fd) {
		Error e = Error::fromErrno(errno, "open " + path);
		/* The caller decides whether a node it cannot open matters. */
		DBK_LOG(V4l2, Debug, "%s", e.message.c_str());
		return e;
	}
	struct v4l2_capability cap = {};
	if (xioctl(fd.get(), VIDIOC_QUERYCAP, &cap) < 0) {
		Error e = Error::fromErrno(errno, "VIDIOC_QUERYCAP on " + path);
		DBK_LOG(V4l2, Warning, "%s", e.message.c_str());
		return e;
	}
	VideoNodeInfo info;
	info.path = path;
	info.name = sysfsName(path.substr(path.rfind('/') + 1));
	info.driver = reinterpret_cast<const char *>(cap.driver);
	info.card = reinterpret_cast<const char *>(cap.card);
	info.busInfo = reinterpret_cast<const char *>(cap.bus_info);
	info.deviceCaps =
		(cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
	DBK_LOG(V4l2, Debug, "%s: driver %s, card %s, name \"%s\", bus %s, caps 0x%08x",
		path.c_str(), info.driver.c_str(), info.card.c_str(), info.name.c_str(),
		info.busInfo.c_str(), info.deviceCaps);
	return info;
}

std::vector<VideoNodeInfo> enumerateVideoNodes()
{
	std::vector<std::pair<int, std::string>> nodes;
	if (DIR *dir = opendir("/sys/class/video4linux")) {
		while (struct dirent *e = readdir(dir)) {
			std::string n = e->d_name;
			if (n.rfind("video", 0) == 0)
				nodes.emplace_back(std::atoi(n.c_str() + 5), n);
		}
		closedir(dir);
	}
	std::sort(nodes.begin(), nodes.end());
	std::vector<VideoNodeInfo> out;
	for (const auto &[num, n] : nodes) {
		auto info = queryVideoNode("/dev/" + n);
		if (info)
			out.push_back(std::move(info).value());
	}
	return out;
}

std::vector<uint32_t> enumerateFormats(const std::string &path, uint32_t bufType)
{
	std::vector<uint32_t> out;
	UniqueFD fd(::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
	if (!fd) {
		DBK_LOG(V4l2, Warning, "%s: cannot open to list formats: %s", path.c_str(),
			std::strerror(errno));
		return out;
	}
	std::string names;
	for (uint32_t i = 0;; ++i) {
		struct v4l2_fmtdesc d = {};
		d.index = i;
		d.type = bufType;
		/* EINVAL ends the list. */
		if (xioctl(fd.get(), VIDIOC_ENUM_FMT, &d) < 0)
			break;
		out.push_back(d.pixelformat);
		names += (names.empty() ? "" : " ") + fourccName(d.pixelformat);
	}
	DBK_LOG(V4l2, Debug, "%s: buffer type %u offers %s", path.c_str(), bufType,
		names.empty() ? "nothing" : names.c_str());
	return out;
}

static bool offers(const VideoNodeInfo &n, bool outputQueue, uint32_t f)
{
	uint32_t type;
	if (outputQueue)
		type = n.isMultiPlanar() ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE
					 : V4L2_BUF_TYPE_VIDEO_OUTPUT;
	else
		type = n.isMultiPlanar() ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE
					 : V4L2_BUF_TYPE_VIDEO_CAPTURE;
	auto fmts = enumerateFormats(n.path, type);
	return std::find(fmts.begin(), fmts.end(), f) != fmts.end();
}

Result<VideoNodeInfo> findVideoNode(const VideoNodeQuery &q)
{
	auto nodes = enumerateVideoNodes();
	std::string want;
	if (!q.driver.empty())
		want += " driver=" + q.driver;
	if (!q.name.empty())
		want += " name=" + q.name;
	if (q.capture)
		want += " capture";
	if (q.memToMem)
		want += " mem2mem";
	if (q.output)
		want += " output";
	if (q.outputFourcc)
		want += " output=" + fourccName(q.outputFourcc);
	if (q.captureFourcc)
		want += " capture=" + fourccName(q.captureFourcc);
	for (const auto &n : nodes) {
		const char *skip = nullptr;
		if (!q.driver.empty() && n.driver != q.driver)
			skip = "another driver";
		else if (!q.name.empty() && n.name != q.name)
			skip = "another name";
		else if (q.capture && (!n.isCapture() || n.isMemToMem()))
			skip = "not a capture device";
		else if (q.output && (!n.isOutput() || n.isMemToMem()))
			skip = "not a video output device";
		else if (q.memToMem && !n.isMemToMem())
			skip = "not a memory-to-memory device";
		else if (q.outputFourcc && !offers(n, true, q.outputFourcc))
			skip = "its OUTPUT queue lacks the format";
		else if (q.captureFourcc && !offers(n, false, q.captureFourcc))
			skip = "its CAPTURE queue lacks the format";
		if (skip) {
			DBK_LOG(V4l2, Debug, "%s (%s, card %s): skipped for%s: %s", n.path.c_str(),
				n.driver.c_str(), n.card.c_str(), want.c_str(), skip);
			continue;
		}
		DBK_LOG(V4l2, Info, "found %s (driver %s, card %s, name \"%s\") for%s",
			n.path.c_str(), n.driver.c_str(), n.card.c_str(), n.name.c_str(),
			want.c_str());
		return n;
	}
	std::string have;
	for (const auto &n : nodes)
		have += (have.empty() ? "" : ", ") + n.path + " (" + n.driver + " \"" + n.name +
			"\")";
	Error e{ ENODEV, "no V4L2 device with" + want +
				 "; present: " + (have.empty() ? std::string("none") : have) };
	DBK_LOG(V4l2, Warning, "%s", e.message.c_str());
	return e;
}

} /* namespace dmabufkit::v4l2 */
