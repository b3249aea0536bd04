/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "test_devices.h"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>
#include <xf86drm.h>

#include "dmabufkit/base/unique_fd.h"
#include "dmabufkit/v4l2/device_finder.h"
#include "dmabufkit/v4l2/video_device.h"

namespace dmabufkit::test {

using v4l2::fourcc;

namespace {

struct Role {
	const char *name;
	const char *description;
	v4l2::VideoNodeQuery query;
};

const std::vector<Role> &roles()
{
	static const std::vector<Role> r = {
		{ "vivid-capture", "vivid video capture node", { "vivid", "", true, false, 0, 0 } },
		{ "vivid-output",
		  "vivid video output node",
		  { "vivid", "vivid-000-vid-out", false, false, 0, 0 } },
		{ "vicodec-encoder",
		  "vicodec stateful FWHT encoder",
		  { "vicodec", "", false, true, 0, fourcc('F', 'W', 'H', 'T') } },
		{ "vicodec-decoder",
		  "vicodec stateful FWHT decoder",
		  { "vicodec", "", false, true, fourcc('F', 'W', 'H', 'T'), 0 } },
		{ "vim2m", "vim2m memory-to-memory scaler", { "vim2m", "", false, true, 0, 0 } },
	};
	return r;
}

} /* namespace */

std::vector<std::pair<std::string, std::string>> deviceRoles()
{
	std::vector<std::pair<std::string, std::string>> out;
	for (const auto &r : roles())
		out.emplace_back(r.name, r.description);
	out.emplace_back("vkms-card", "vkms KMS device");
	return out;
}

Result<std::string> findNodeNamed(const std::string &name)
{
	std::string seen;
	for (const auto &n : v4l2::enumerateVideoNodes()) {
		if (n.name == name)
			return n.path;
		seen += (seen.empty() ? "" : ", ") + n.name;
	}
	return Error{ ENOENT, "no video node named \"" + name + "\" (there are: " + seen + ")" };
}

Result<std::string> findDrmCard(const std::string &driver)
{
	std::string seen;
	for (int i = 0; i < 16; ++i) {
		std::string path = "/dev/dri/card" + std::to_string(i);
		UniqueFD fd(open(path.c_str(), O_RDWR | O_CLOEXEC));
		if (!fd)
			continue;
		drmVersionPtr v = drmGetVersion(fd.get());
		if (!v)
			continue;
		std::string name(v->name, v->name_len);
		drmFreeVersion(v);
		if (name == driver)
			return path;
		seen += " " + path + "=" + name;
	}
	return Error{ ENODEV, "no DRM card with driver " + driver +
				      "; present:" + (seen.empty() ? std::string(" none") : seen) };
}

Result<std::string> findDevice(const std::string &role)
{
	if (role == "vkms-card")
		return findDrmCard("vkms");
	for (const auto &r : roles()) {
		if (role != r.name)
			continue;
		auto n = v4l2::findVideoNode(r.query);
		if (!n)
			return n.error();
		return n->path;
	}
	return Error{ EINVAL, "unknown device role \"" + role + "\"" };
}

std::string setControl(const std::string &device, const char *control, int value)
{
	auto dev = v4l2::VideoDevice::open(device);
	if (!dev)
		return dev.error().message;
	auto c = (*dev)->findControl(control);
	if (!c)
		return device + " has no control " + control;
	auto r = (*dev)->setControl(c->id, c->type == V4L2_CTRL_TYPE_BUTTON ? 0 : value);
	return r ? std::string() : r.error().message;
}

} /* namespace dmabufkit::test */
