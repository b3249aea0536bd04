/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kms_writeback.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <drm_fourcc.h>
#include <utility>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "dmabufkit/base/log.h"
#include "dmabufkit/core/drm_dumb_exporter.h"
#include "dmabufkit/core/fence.h"
#include "png_file.h"

namespace dmabufkit::kms {

DumbFramebuffer::DumbFramebuffer(DumbFramebuffer &&o) noexcept
	: fd_(std::exchange(o.fd_, -1)), fb_(std::exchange(o.fb_, 0)), pitch_(o.pitch_),
	  buf_(std::move(o.buf_)), map_(std::move(o.map_))
{
}

DumbFramebuffer &DumbFramebuffer::operator=(DumbFramebuffer &&o) noexcept
{
	if (this != &o) {
		release();
		fd_ = std::exchange(o.fd_, -1);
		fb_ = std::exchange(o.fb_, 0);
		pitch_ = o.pitch_;
		buf_ = std::move(o.buf_);
		map_ = std::move(o.map_);
	}
	return *this;
}

DumbFramebuffer::~DumbFramebuffer()
{
	release();
}

void DumbFramebuffer::release()
{
	/* The framebuffer first: it holds the buffer object too. */
	if (fb_)
		drmModeRmFB(fd_, fb_);
	fb_ = 0;
	map_ = CpuMapping();
	buf_ = DmaBuf();
}

Result<DumbFramebuffer> DumbFramebuffer::create(int fd, uint32_t width, uint32_t height,
						const std::string &device)
{
	const std::string where = device.empty() ? "DRM fd " + std::to_string(fd) : device;
	auto fail = [&](Error e) {
		DBK_LOG(Kms, Error, "%s: writeback buffer %ux%u: %s", where.c_str(), width, height,
			e.message.c_str());
		return e;
	};
	auto exporter = DrmDumbExporter::fromFd(fd);
	if (!exporter)
		return fail(exporter.error());
	DumbFramebuffer b;
	b.fd_ = fd;
	auto buf = (*exporter)->allocate2D(width, height, 32, "dmabufkmssink-writeback", &b.pitch_);
	if (!buf)
		return fail(buf.error());
	b.buf_ = std::move(*buf);
	auto map = CpuMapping::map(b.buf_.fd(), b.buf_.size());
	if (!map)
		return fail(map.error());
	b.map_ = std::move(*map);
	/* The exporter closed its GEM handle; the framebuffer needs one. */
	uint32_t handle = 0;
	if (drmPrimeFDToHandle(fd, b.buf_.fd(), &handle) != 0) {
		const int err = errno;
		return fail(Error::fromErrno(err, "drmPrimeFDToHandle of a writeback buffer"));
	}
	uint32_t handles[4] = { handle }, pitches[4] = { b.pitch_ }, offsets[4] = {};
	const int ret = drmModeAddFB2(fd, width, height, DRM_FORMAT_XRGB8888, handles, pitches,
				      offsets, &b.fb_, 0);
	const int err = errno;
	/* The framebuffer holds the buffer object; the handle is not needed. */
	drmCloseBufferHandle(fd, handle);
	if (ret != 0)
		return fail(Error::fromErrno(err, "drmModeAddFB2 for a writeback buffer"));
	DBK_LOG(Kms, Debug, "%s: writeback buffer %ux%u pitch %u, FB %u", where.c_str(), width,
		height, b.pitch_, b.fb_);
	return b;
}

Result<void> WritebackCapture::configure(int fd, uint32_t width, uint32_t height,
					 const std::string &device)
{
	reset();
	for (auto &b : bufs_) {
		auto r = DumbFramebuffer::create(fd, width, height, device);
		if (!r) {
			reset();
			return r.error();
		}
		b = std::move(*r);
	}
	width_ = width;
	height_ = height;
	return {};
}

void WritebackCapture::reset()
{
	fence_.reset();
	inFlight_ = latest_ = -1;
	for (auto &b : bufs_)
		b = DumbFramebuffer();
	width_ = height_ = 0;
}

unsigned WritebackCapture::nextSlot() const
{
	if (!configured() || inFlight_ >= 0)
		return UINT32_MAX;
	return latest_ == 0 ? 1 : 0;
}

void WritebackCapture::queued(unsigned slot, int fence)
{
	inFlight_ = static_cast<int>(slot);
	fence_.reset(fence);
}

int WritebackCapture::pendingFence() const
{
	return inFlight_ >= 0 ? fence_.get() : -1;
}

void WritebackCapture::completed(bool ok)
{
	if (inFlight_ < 0)
		return;
	if (ok) {
		latest_ = inFlight_;
		captures_++;
	} else {
		failures_++;
	}
	inFlight_ = -1;
	fence_.reset();
}

Result<bool> WritebackCapture::copyLatest(Capture *out, int fenceTimeoutMs) const
{
	if (latest_ < 0)
		return false;
	const DumbFramebuffer &b = bufs_[latest_];
	/* SYNC START waits for the device's write without a bound: wait with one. */
	if (fenceTimeoutMs != 0) {
		if (auto w = waitForFences(b.dmaBufFd(), Access::Read, fenceTimeoutMs); !w) {
			DBK_LOG(Kms, Warning, "writeback buffer FB %u: %s", b.fbId(),
				w.error().message.c_str());
			return w.error();
		}
	}
	/* Bracket the read for cache coherency; a failing SYNC is logged by
	 * CpuAccess and does not stop the copy (it did not before either). */
	auto access = CpuAccess::begin(b.dmaBufFd(), Access::Read);
	if (!access)
		DBK_LOG(Kms, Warning, "writeback buffer FB %u: %s", b.fbId(),
			access.error().message.c_str());
	out->width = width_;
	out->height = height_;
	out->sequence = captures_;
	out->pixels.resize(size_t(width_) * height_ * 4);
	for (uint32_t y = 0; y < height_; ++y)
		std::memcpy(out->pixels.data() + size_t(y) * width_ * 4,
			    b.data() + size_t(y) * b.pitch(), size_t(width_) * 4);
	return true;
}

Result<void> writePng(const std::string &path, const Capture &c)
{
	return video::writePng(path,
			       video::packRgb888(video::Rgb32Order::BGRx, c.pixels.data(),
						 size_t(c.width) * 4, int(c.width), int(c.height)));
}

} /* namespace dmabufkit::kms */
