/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vivid_loopback.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <linux/v4l2-dv-timings.h>
#include <sstream>

#include "dmabufkit/v4l2/video_device.h"
#include "leak_counters.h"

namespace dmabufkit::test {

namespace {

using v4l2::VideoDevice;

/* The index of the menu item \a item of control \a name, or an error. */
Result<uint32_t> menuIndex(const VideoDevice &dev, const std::string &name, const std::string &item,
			   uint32_t *id)
{
	auto ctrl = dev.findControl(name);
	if (!ctrl)
		return Error{ ENOENT, dev.path() + " has no control \"" + name + "\"" };
	*id = ctrl->id;
	for (int64_t i = ctrl->minimum; i <= ctrl->maximum; ++i) {
		struct v4l2_querymenu m = {};
		m.id = ctrl->id;
		m.index = static_cast<uint32_t>(i);
		if (dev.ioctl(VIDIOC_QUERYMENU, &m, "VIDIOC_QUERYMENU") &&
		    item == reinterpret_cast<const char *>(m.name))
			return static_cast<uint32_t>(i);
	}
	return Error{ ENOENT, "control \"" + name + "\" of " + dev.path() + " has no item \"" +
				      item + "\"" };
}

/* Select the input or output whose name starts with "HDMI". */
Result<void> selectHdmi(const VideoDevice &dev, bool output)
{
	for (uint32_t i = 0; i < 16; ++i) {
		char name[32] = {};
		if (output) {
			struct v4l2_output o = {};
			o.index = i;
			if (!dev.ioctl(VIDIOC_ENUMOUTPUT, &o, "VIDIOC_ENUMOUTPUT"))
				break;
			std::memcpy(name, o.name, sizeof(name) - 1);
		} else {
			struct v4l2_input in = {};
			in.index = i;
			if (!dev.ioctl(VIDIOC_ENUMINPUT, &in, "VIDIOC_ENUMINPUT"))
				break;
			std::memcpy(name, in.name, sizeof(name) - 1);
		}
		if (std::strncmp(name, "HDMI", 4) != 0)
			continue;
		int index = static_cast<int>(i);
		return output ? dev.ioctl(VIDIOC_S_OUTPUT, &index, "VIDIOC_S_OUTPUT")
			      : dev.ioctl(VIDIOC_S_INPUT, &index, "VIDIOC_S_INPUT");
	}
	return Error{ ENOENT, dev.path() + " has no HDMI " + (output ? "output" : "input") };
}

Result<void> setTimings(const VideoDevice &dev, uint32_t width, uint32_t height)
{
	struct v4l2_dv_timings t = V4L2_DV_BT_DMT_640X480P60;
	if (width != 640 || height != 480) {
		/* Same blanking and rate family, another active area. */
		t.bt.width = width;
		t.bt.height = height;
		t.bt.pixelclock = uint64_t(width + 160) * (height + 45) * 60;
	}
	return dev.ioctl(VIDIOC_S_DV_TIMINGS, &t, "VIDIOC_S_DV_TIMINGS");
}

} /* namespace */

Result<void> setupVividLoopback(const std::string &capPath, const std::string &outPath,
				uint32_t width, uint32_t height)
{
	auto cap = VideoDevice::open(capPath);
	if (!cap)
		return cap.error();
	auto out = VideoDevice::open(outPath);
	if (!out)
		return out.error();
	if (auto r = selectHdmi(**out, true); !r)
		return r;
	if (auto r = setTimings(**out, width, height); !r)
		return r;
	if (auto r = selectHdmi(**cap, false); !r)
		return r;
	if (auto r = setTimings(**cap, width, height); !r)
		return r;
	uint32_t id = 0;
	auto osdNone = menuIndex(**cap, "OSD Text Mode", "None", &id);
	if (!osdNone)
		return osdNone.error();
	if (auto r = (*cap)->setControl(id, static_cast<int32_t>(*osdNone)); !r)
		return r;
	/* The controls are named after the vivid instance ("vivid-001-vid-cap": 001). */
	const std::string &node = (*cap)->info().name;
	const std::string inst = node.rfind("vivid-", 0) == 0 ? node.substr(6, 3) : "000";
	auto loop = menuIndex(**cap, "HDMI " + inst + "-0 Is Connected To",
			      "Output HDMI " + inst + "-0", &id);
	if (!loop)
		return loop.error();
	return (*cap)->setControl(id, static_cast<int32_t>(*loop));
}

Result<void> setMenuControl(const std::string &path, const std::string &control,
			    const std::string &item)
{
	auto dev = VideoDevice::open(path);
	if (!dev)
		return dev.error();
	uint32_t id = 0;
	auto index = menuIndex(**dev, control, item, &id);
	if (!index)
		return index.error();
	return (*dev)->setControl(id, static_cast<int32_t>(*index));
}

std::map<uint64_t, DmaBufEntry> liveDmaBufs()
{
	/* size flags mode count exp_name ino name, then per buffer its fences and
	 * "Attached Devices:" followed by one device per line. */
	std::map<uint64_t, DmaBufEntry> out;
	std::istringstream in(dmaBufInfo());
	std::string line;
	DmaBufEntry *cur = nullptr;
	bool inAttached = false;
	while (std::getline(in, line)) {
		char exp[64] = {}, name[128] = {};
		unsigned long long size, flags, mode, count, ino;
		int n = std::sscanf(line.c_str(), "%llx %llx %llx %llx %63s %llu %127s", &size,
				    &flags, &mode, &count, exp, &ino, name);
		if (n >= 6 && line[0] != '\t' && line[0] != ' ') {
			cur = &out[ino];
			cur->exporter = exp;
			cur->name = n == 7 && std::strcmp(name, "<none>") != 0 ? name : "";
			inAttached = false;
			continue;
		}
		if (!cur)
			continue;
		if (line.find("Attached Devices:") != std::string::npos) {
			inAttached = true;
			continue;
		}
		if (line.rfind("Total", 0) == 0) {
			inAttached = false;
			continue;
		}
		if (inAttached) {
			auto b = line.find_first_not_of(" \t");
			if (b != std::string::npos)
				cur->attached.push_back(line.substr(b));
		}
	}
	return out;
}

} /* namespace dmabufkit::test */
