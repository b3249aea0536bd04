/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "dmabufkit/v4l2/video_device.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>

#include "dmabufkit/base/log.h"

#ifdef HAVE_LIBV4L2
#include <libv4l2.h>
#endif

namespace dmabufkit::v4l2 {

VideoDevice::~VideoDevice()
{
#ifdef HAVE_LIBV4L2
	if (mode_ == OpenMode::LibV4l2 && fd_)
		v4l2_close(fd_.release());
#endif
}

Result<std::unique_ptr<VideoDevice>> VideoDevice::open(const std::string &path, OpenMode mode)
{
	UniqueFD fd(::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
	if (!fd) {
		Error e = Error::fromErrno(errno, "open " + path);
		DBK_LOG(V4l2, Error, "%s", e.message.c_str());
		return e;
	}
	auto info = queryVideoNode(path);
	if (!info) {
		DBK_LOG(V4l2, Error, "%s", info.error().message.c_str());
		return info.error();
	}
	if (!info->canStream()) {
		DBK_LOG(V4l2, Error, "%s (%s, card %s) cannot stream video (caps 0x%08x)",
			path.c_str(), info->driver.c_str(), info->card.c_str(), info->deviceCaps);
		return Error{ ENOTTY, path + " (" + info->driver + ") cannot stream video" };
	}

	std::unique_ptr<VideoDevice> dev(new VideoDevice);
	dev->info_ = std::move(info).value();
	dev->label_ = path + " (" + dev->info_.card + ")";
	if (mode == OpenMode::LibV4l2) {
#ifdef HAVE_LIBV4L2
		/* libv4l2 takes the fd over; it converts formats for capture nodes. */
		int lfd = v4l2_fd_open(fd.get(), 0);
		if (lfd < 0) {
			Error e = Error::fromErrno(errno, "v4l2_fd_open on " + path);
			DBK_LOG(V4l2, Error, "%s", e.message.c_str());
			return e;
		}
		fd.release();
		dev->fd_.reset(lfd);
		dev->mode_ = OpenMode::LibV4l2;
		DBK_LOG(V4l2, Info, "%s: opened through libv4l2 (driver %s, caps 0x%08x, %s)",
			dev->label(), dev->info_.driver.c_str(), dev->info_.deviceCaps,
			dev->multiPlanar() ? "multi-planar" : "single-planar");
		return dev;
#else
		DBK_LOG(V4l2, Error, "%s: libv4l2 asked for, but built without it", path.c_str());
		return Error{ ENOTSUP,
			      "built without libv4l2; cannot open " + path + " through it" };
#endif
	}
	dev->fd_ = std::move(fd);
	DBK_LOG(V4l2, Info, "%s: opened with raw ioctls (driver %s, caps 0x%08x, %s)", dev->label(),
		dev->info_.driver.c_str(), dev->info_.deviceCaps,
		dev->multiPlanar() ? "multi-planar" : "single-planar");
	return dev;
}

uint32_t VideoDevice::captureType() const
{
	return multiPlanar() ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE : V4L2_BUF_TYPE_VIDEO_CAPTURE;
}

uint32_t VideoDevice::outputType() const
{
	return multiPlanar() ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE : V4L2_BUF_TYPE_VIDEO_OUTPUT;
}

Error VideoDevice::ioctlError(const char *name, int err) const
{
	return Error{ err, std::string(name) + " on " + info_.path + " (" + info_.driver + "): " +
				   std::strerror(err) + " (errno " + std::to_string(err) + ")" };
}

Result<void> VideoDevice::ioctl(unsigned long request, void *arg, const char *name) const
{
	int r;
	do {
#ifdef HAVE_LIBV4L2
		if (mode_ == OpenMode::LibV4l2)
			r = v4l2_ioctl(fd_.get(), request, arg);
		else
#endif
			r = ::ioctl(fd_.get(), request, arg);
	} while (r < 0 && errno == EINTR);
	if (r < 0) {
		/* Callers log failures that matter; some (EAGAIN, end of an enumeration) are
		 * routine. */
		const int err = errno;
		DBK_LOG(V4l2, Trace, "%s: %s failed: %s", label(), name, std::strerror(err));
		return ioctlError(name, err);
	}
	return {};
}

std::vector<FormatDescription> VideoDevice::enumFormats(uint32_t type) const
{
	std::vector<FormatDescription> out;
	std::string names;
	for (uint32_t i = 0;; ++i) {
		struct v4l2_fmtdesc d = {};
		d.index = i;
		d.type = type;
		/* EINVAL ends the list. */
		if (!ioctl(VIDIOC_ENUM_FMT, &d, "VIDIOC_ENUM_FMT"))
			break;
		out.push_back(
			{ d.pixelformat, d.flags, reinterpret_cast<const char *>(d.description) });
		names += (names.empty() ? "" : " ") + fourccName(d.pixelformat);
		if (d.flags & V4L2_FMT_FLAG_EMULATED)
			names += "(emulated)";
	}
	DBK_LOG(V4l2, Debug, "%s: %s offers %s", label(), bufferTypeName(type),
		names.empty() ? "no format" : names.c_str());
	return out;
}

std::vector<FrameSizeRange> VideoDevice::enumFrameSizes(uint32_t fourcc) const
{
	std::vector<FrameSizeRange> out;
	for (uint32_t i = 0;; ++i) {
		struct v4l2_frmsizeenum s = {};
		s.index = i;
		s.pixel_format = fourcc;
		if (!ioctl(VIDIOC_ENUM_FRAMESIZES, &s, "VIDIOC_ENUM_FRAMESIZES"))
			break;
		FrameSizeRange r;
		if (s.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
			r.minWidth = r.maxWidth = s.discrete.width;
			r.minHeight = r.maxHeight = s.discrete.height;
			out.push_back(r);
			continue;
		}
		r.minWidth = s.stepwise.min_width;
		r.maxWidth = s.stepwise.max_width;
		r.stepWidth = s.type == V4L2_FRMSIZE_TYPE_CONTINUOUS ? 1 : s.stepwise.step_width;
		r.minHeight = s.stepwise.min_height;
		r.maxHeight = s.stepwise.max_height;
		r.stepHeight = s.type == V4L2_FRMSIZE_TYPE_CONTINUOUS ? 1 : s.stepwise.step_height;
		out.push_back(r);
		break; /* stepwise and continuous have exactly one entry */
	}
	return out;
}

std::vector<std::pair<uint32_t, uint32_t>>
VideoDevice::enumFrameRates(uint32_t fourcc, uint32_t width, uint32_t height) const
{
	std::vector<std::pair<uint32_t, uint32_t>> out;
	for (uint32_t i = 0;; ++i) {
		struct v4l2_frmivalenum e = {};
		e.index = i;
		e.pixel_format = fourcc;
		e.width = width;
		e.height = height;
		if (!ioctl(VIDIOC_ENUM_FRAMEINTERVALS, &e, "VIDIOC_ENUM_FRAMEINTERVALS"))
			break;
		if (e.type != V4L2_FRMIVAL_TYPE_DISCRETE)
			break;
		/* An interval is seconds per frame: invert it. */
		if (e.discrete.numerator)
			out.emplace_back(e.discrete.denominator, e.discrete.numerator);
	}
	return out;
}

Result<void> VideoDevice::setFrameRate(uint32_t type, uint32_t num, uint32_t den) const
{
	struct v4l2_streamparm p = {};
	p.type = type;
	p.parm.capture.timeperframe.numerator = den;
	p.parm.capture.timeperframe.denominator = num;
	auto r = ioctl(VIDIOC_S_PARM, &p, "VIDIOC_S_PARM");
	if (!r)
		DBK_LOG(V4l2, Warning, "%s: cannot set %u/%u fps: %s", label(), num, den,
			r.error().message.c_str());
	else
		DBK_LOG(V4l2, Info, "%s: asked %u/%u fps, frame interval now %u/%u s", label(), num,
			den, p.parm.capture.timeperframe.numerator,
			p.parm.capture.timeperframe.denominator);
	return r;
}

Result<DeviceFormat> VideoDevice::getFormat(uint32_t type) const
{
	struct v4l2_format f = {};
	f.type = type;
	if (auto r = ioctl(VIDIOC_G_FMT, &f, "VIDIOC_G_FMT"); !r) {
		DBK_LOG(V4l2, Error, "%s", r.error().message.c_str());
		return r.error();
	}
	DeviceFormat pf = fromV4l2Format(f);
	DBK_LOG(V4l2, Debug, "%s: %s format is %s", label(), bufferTypeName(type),
		pf.toString().c_str());
	return pf;
}

Result<DeviceFormat> VideoDevice::setFormat(uint32_t type, const DeviceFormat &fmt,
					    bool tryOnly) const
{
	struct v4l2_format f;
	toV4l2Format(fmt, type, &f);
	auto r = tryOnly ? ioctl(VIDIOC_TRY_FMT, &f, "VIDIOC_TRY_FMT")
			 : ioctl(VIDIOC_S_FMT, &f, "VIDIOC_S_FMT");
	if (!r) {
		Error e{ r.error().code, r.error().message + " for " + fmt.toString() };
		DBK_LOG(V4l2, Error, "%s", e.message.c_str());
		return e;
	}
	DeviceFormat got = fromV4l2Format(f);
	DBK_LOG(V4l2, Info, "%s: %s %s asked %s, driver chose %s", label(),
		tryOnly ? "VIDIOC_TRY_FMT" : "VIDIOC_S_FMT", bufferTypeName(type),
		fmt.toString().c_str(), got.toString().c_str());
	return got;
}

Result<void> VideoDevice::subscribeEvent(uint32_t type, uint32_t id) const
{
	struct v4l2_event_subscription sub = {};
	sub.type = type;
	sub.id = id;
	auto r = ioctl(VIDIOC_SUBSCRIBE_EVENT, &sub, "VIDIOC_SUBSCRIBE_EVENT");
	if (!r)
		DBK_LOG(V4l2, Error, "%s (event type %u)", r.error().message.c_str(), type);
	else
		DBK_LOG(V4l2, Debug, "%s: subscribed to event type %u", label(), type);
	return r;
}

Result<std::optional<struct v4l2_event>> VideoDevice::dequeueEvent() const
{
	struct v4l2_event ev = {};
	auto r = ioctl(VIDIOC_DQEVENT, &ev, "VIDIOC_DQEVENT");
	if (!r) {
		if (r.error().code == ENOENT)
			return std::optional<struct v4l2_event>{};
		DBK_LOG(V4l2, Error, "%s", r.error().message.c_str());
		return r.error();
	}
	DBK_LOG(V4l2, Debug, "%s: event type %u (sequence %u, %u pending)", label(), ev.type,
		ev.sequence, ev.pending);
	return std::optional<struct v4l2_event>{ ev };
}

std::optional<ControlInfo> VideoDevice::findControl(const std::string &name) const
{
	auto normalise = [](std::string s) {
		for (auto &c : s)
			c = (c == ' ' || c == '-') ? '_' : static_cast<char>(std::tolower(c));
		return s;
	};
	const std::string want = normalise(name);
	struct v4l2_query_ext_ctrl q = {};
	q.id = V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND;
	while (ioctl(VIDIOC_QUERY_EXT_CTRL, &q, "VIDIOC_QUERY_EXT_CTRL")) {
		if (!(q.flags & V4L2_CTRL_FLAG_DISABLED) && normalise(q.name) == want)
			return ControlInfo{ q.id,      q.type,	  q.name,
					    q.minimum, q.maximum, q.default_value };
		q.id |= V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND;
	}
	DBK_LOG(V4l2, Debug, "%s: no control named \"%s\"", label(), name.c_str());
	return std::nullopt;
}

Result<int32_t> VideoDevice::getControl(uint32_t id) const
{
	struct v4l2_control c = {};
	c.id = id;
	if (auto r = ioctl(VIDIOC_G_CTRL, &c, "VIDIOC_G_CTRL"); !r) {
		/* Optional controls (MIN_BUFFERS_FOR_*) are often missing: the caller decides. */
		DBK_LOG(V4l2, Debug, "%s (control 0x%08x)", r.error().message.c_str(), id);
		return r.error();
	}
	DBK_LOG(V4l2, Debug, "%s: control 0x%08x = %d", label(), id, c.value);
	return c.value;
}

Result<void> VideoDevice::setControl(uint32_t id, int32_t value) const
{
	struct v4l2_control c = {};
	c.id = id;
	c.value = value;
	auto r = ioctl(VIDIOC_S_CTRL, &c, "VIDIOC_S_CTRL");
	if (!r)
		DBK_LOG(V4l2, Error, "%s (control 0x%08x = %d)", r.error().message.c_str(), id,
			value);
	else
		DBK_LOG(V4l2, Debug, "%s: control 0x%08x set to %d", label(), id, value);
	return r;
}

Result<void> VideoDevice::encoderCommand(uint32_t cmd) const
{
	struct v4l2_encoder_cmd c = {};
	c.cmd = cmd;
	auto r = ioctl(VIDIOC_ENCODER_CMD, &c, "VIDIOC_ENCODER_CMD");
	if (!r)
		DBK_LOG(V4l2, Error, "%s (command %u)", r.error().message.c_str(), cmd);
	else
		DBK_LOG(V4l2, Debug, "%s: encoder command %s", label(),
			cmd == V4L2_ENC_CMD_STOP    ? "STOP (drain)"
			: cmd == V4L2_ENC_CMD_START ? "START"
						    : "other");
	return r;
}

Result<void> VideoDevice::decoderCommand(uint32_t cmd) const
{
	struct v4l2_decoder_cmd c = {};
	c.cmd = cmd;
	auto r = ioctl(VIDIOC_DECODER_CMD, &c, "VIDIOC_DECODER_CMD");
	if (!r)
		DBK_LOG(V4l2, Error, "%s (command %u)", r.error().message.c_str(), cmd);
	else
		DBK_LOG(V4l2, Debug, "%s: decoder command %s", label(),
			cmd == V4L2_DEC_CMD_STOP    ? "STOP (drain)"
			: cmd == V4L2_DEC_CMD_START ? "START"
						    : "other");
	return r;
}

Result<short> VideoDevice::wait(short events, int timeoutMs, int wakeFd) const
{
	struct pollfd p[2] = { { fd_.get(), events, 0 }, { wakeFd, POLLIN, 0 } };
	int r;
	do {
		r = ::poll(p, wakeFd >= 0 ? 2 : 1, timeoutMs);
	} while (r < 0 && errno == EINTR);
	if (r < 0) {
		Error e = Error::fromErrno(errno, "poll on " + info_.path);
		DBK_LOG(V4l2, Error, "%s", e.message.c_str());
		return e;
	}
	if (wakeFd >= 0 && (p[1].revents & POLLIN)) {
		DBK_LOG(V4l2, Debug, "%s: wait interrupted (flush, stop or new work)", label());
		return Error{ ECANCELED, "waiting on " + info_.path + " interrupted" };
	}
	if (r > 0)
		DBK_LOG(V4l2, Trace, "%s: poll revents 0x%x", label(), p[0].revents);
	return r == 0 ? short(0) : p[0].revents;
}

Result<short> VideoDevice::poll(short events, int timeoutMs, int wakeFd) const
{
	auto r = wait(events, timeoutMs, wakeFd);
	if (r && *r == 0) {
		Error e{ ETIMEDOUT, "no buffer from " + info_.path + " (" + info_.driver +
					    ") within " + std::to_string(timeoutMs) +
					    " ms: the driver stopped delivering (watchdog)" };
		DBK_LOG(V4l2, Error, "%s", e.message.c_str());
		return e;
	}
	return r;
}

} /* namespace dmabufkit::v4l2 */
