/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kms_writeback.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <drm_fourcc.h>
#include <sys/mman.h>
#include <utility>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "png_file.h"

namespace dmabufkit::kms {

DumbFramebuffer::DumbFramebuffer(DumbFramebuffer &&o) noexcept
	: fd_(std::exchange(o.fd_, -1)), handle_(std::exchange(o.handle_, 0)),
	  fb_(std::exchange(o.fb_, 0)), pitch_(o.pitch_), data_(std::exchange(o.data_, nullptr)),
	  size_(std::exchange(o.size_, 0))
{
}

DumbFramebuffer &DumbFramebuffer::operator=(DumbFramebuffer &&o) noexcept
{
	if (this != &o) {
		release();
		fd_ = std::exchange(o.fd_, -1);
		handle_ = std::exchange(o.handle_, 0);
		fb_ = std::exchange(o.fb_, 0);
		pitch_ = o.pitch_;
		data_ = std::exchange(o.data_, nullptr);
		size_ = std::exchange(o.size_, 0);
	}
	return *this;
}

DumbFramebuffer::~DumbFramebuffer()
{
	release();
}

void DumbFramebuffer::release()
{
	if (data_)
		munmap(data_, size_);
	if (fb_)
		drmModeRmFB(fd_, fb_);
	if (handle_)
		drmModeDestroyDumbBuffer(fd_, handle_);
	data_ = nullptr;
	fb_ = handle_ = 0;
}

Result<DumbFramebuffer> DumbFramebuffer::create(int fd, uint32_t width, uint32_t height)
{
	DumbFramebuffer b;
	b.fd_ = fd;
	uint64_t size = 0;
	if (drmModeCreateDumbBuffer(fd, width, height, 32, 0, &b.handle_, &b.pitch_, &size) != 0)
		return Error::fromErrno(errno, "DRM_IOCTL_MODE_CREATE_DUMB for a writeback buffer");
	b.size_ = size;
	uint64_t offset = 0;
	if (drmModeMapDumbBuffer(fd, b.handle_, &offset) != 0)
		return Error::fromErrno(errno, "DRM_IOCTL_MODE_MAP_DUMB");
	void *p = mmap(nullptr, b.size_, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(offset));
	if (p == MAP_FAILED)
		return Error::fromErrno(errno, "mmap of a writeback buffer");
	b.data_ = static_cast<uint8_t *>(p);
	uint32_t handles[4] = { b.handle_ }, pitches[4] = { b.pitch_ }, offsets[4] = {};
	if (drmModeAddFB2(fd, width, height, DRM_FORMAT_XRGB8888, handles, pitches, offsets, &b.fb_,
			  0) != 0)
		return Error::fromErrno(errno, "drmModeAddFB2 for a writeback buffer");
	return b;
}

Result<void> WritebackCapture::configure(int fd, uint32_t width, uint32_t height)
{
	reset();
	for (auto &b : bufs_) {
		auto r = DumbFramebuffer::create(fd, width, height);
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

bool WritebackCapture::copyLatest(Capture *out) const
{
	if (latest_ < 0)
		return false;
	const DumbFramebuffer &b = bufs_[latest_];
	out->width = width_;
	out->height = height_;
	out->sequence = captures_;
	out->pixels.resize(size_t(width_) * height_ * 4);
	for (uint32_t y = 0; y < height_; ++y)
		std::memcpy(out->pixels.data() + size_t(y) * width_ * 4, b.data() + size_t(y) * b.pitch(),
			    size_t(width_) * 4);
	return true;
}

Result<void> writePng(const std::string &path, const Capture &c)
{
	return video::writePng(path, video::packRgb888(video::Rgb32Order::BGRx, c.pixels.data(),
						       size_t(c.width) * 4, int(c.width),
						       int(c.height)));
}

} /* namespace dmabufkit::kms */
