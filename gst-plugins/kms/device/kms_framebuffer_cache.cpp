/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kms_framebuffer_cache.h"

#include <cerrno>
#include <cstring>
#include <cinttypes>
#include <unistd.h>
#include <utility>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "dmabufkit/base/log.h"
#include "kms_format.h"
#include "kms_import_refusal.h"

namespace dmabufkit::kms {

namespace {

/* What a refused import means: errno alone says nothing to the user. */
std::string explainRefusal(const std::string &call, int err)
{
	if (call.rfind("drmPrimeFDToHandle", 0) == 0)
		return ": the display cannot import this dma-buf (displays without an IOMMU "
		       "need physically contiguous memory, e.g. a CMA heap)";
	if (err == EINVAL || err == ERANGE)
		return ": the layout does not fit what the display needs (see the numbers above: "
		       "pitch, offset and size against the format, or a format the display "
		       "refuses)";
	return "";
}

/* The import as offered, with each dma-buf's real size, for a refusal. */
FramebufferLayout layoutOf(const FrameImport &f)
{
	FramebufferLayout l;
	l.fourcc = f.fourcc;
	l.width = f.width;
	l.height = f.height;
	l.planes = f.planes;
	l.pitches = f.pitches;
	l.offsets = f.offsets;
	for (unsigned p = 0; p < f.planes && p < 4; ++p) {
		const off_t end = f.fds[p] >= 0 ? lseek(f.fds[p], 0, SEEK_END) : -1;
		if (end > 0) {
			l.dmabufSizes[p] = static_cast<uint64_t>(end);
			(void)lseek(f.fds[p], 0, SEEK_SET);
		}
	}
	return l;
}

} /* namespace */

FramebufferCache::FramebufferCache(int fd, std::string device)
	: fd_(fd), device_(device.empty() ? "DRM fd " + std::to_string(fd) : std::move(device))
{
}

FramebufferCache::~FramebufferCache()
{
	clear();
}

Result<uint32_t> FramebufferCache::get(const FrameImport &f, bool *hit)
{
	Key key{ f.inodes, f.pitches, f.offsets, f.fourcc, f.width, f.height };
	std::lock_guard guard(lock_);
	if (closed_)
		return Error{ ENODEV, "the KMS device is closed" };
	if (auto it = fbs_.find(key); it != fbs_.end()) {
		DBK_LOG(Kms, Trace, "%s: framebuffer cache hit: FB %u for dma-buf inode %" PRIu64,
			device_.c_str(), it->second, f.inodes[0]);
		stats_.hits++;
		if (hit)
			*hit = true;
		return it->second;
	}
	if (hit)
		*hit = false;
	const std::string what = fourccName(f.fourcc) + " " + std::to_string(f.width) + "x" +
				 std::to_string(f.height) + " pitch " +
				 std::to_string(f.pitches[0]) + " offset " +
				 std::to_string(f.offsets[0]);

	uint32_t handles[4] = {}, pitches[4] = {}, offsets[4] = {};
	int err = 0;
	std::string failed;
	for (unsigned p = 0; p < f.planes && !err; ++p) {
		if (drmPrimeFDToHandle(fd_, f.fds[p], &handles[p]) != 0) {
			err = errno;
			failed = "drmPrimeFDToHandle(dma-buf fd " + std::to_string(f.fds[p]) + ")";
		}
		pitches[p] = f.pitches[p];
		offsets[p] = f.offsets[p];
	}
	uint32_t fb = 0;
	if (!err && drmModeAddFB2(fd_, f.width, f.height, f.fourcc, handles, pitches, offsets, &fb,
				  0) != 0) {
		err = errno;
		failed = "drmModeAddFB2";
	}
	/* The framebuffer holds the buffer objects; the handles are not needed. */
	for (unsigned p = 0; p < f.planes; ++p) {
		bool dup = false;
		for (unsigned q = 0; q < p; ++q)
			dup |= handles[q] == handles[p];
		if (handles[p] && !dup)
			drmCloseBufferHandle(fd_, handles[p]);
	}
	if (err) {
		stats_.failures++;
		Error e = Error::fromErrno(err, failed + " for " +
							describeFramebufferNeeds(layoutOf(f)));
		e.message += explainRefusal(failed, err);
		DBK_LOG(Kms, Error, "%s: importing a dma-buf failed: %s", device_.c_str(),
			e.message.c_str());
		return e;
	}
	DBK_LOG(Kms, Debug,
		"%s: framebuffer cache miss: imported dma-buf inode %" PRIu64
		" (%u plane%s) as FB %u, %s",
		device_.c_str(), f.inodes[0], f.planes, f.planes == 1 ? "" : "s", fb, what.c_str());
	fbs_[key] = fb;
	stats_.imports++;
	stats_.live = fbs_.size();
	return fb;
}

void FramebufferCache::forget(uint64_t inode)
{
	std::lock_guard guard(lock_);
	if (closed_)
		return;
	for (auto it = fbs_.begin(); it != fbs_.end();) {
		bool match = false;
		for (uint64_t i : it->first.inodes)
			match |= i == inode;
		if (match) {
			DBK_LOG(Kms, Trace, "%s: dma-buf inode %" PRIu64 " gone, removing FB %u",
				device_.c_str(), inode, it->second);
			if (drmModeRmFB(fd_, it->second) != 0)
				DBK_LOG(Kms, Warning, "%s: drmModeRmFB(%u) failed: %s",
					device_.c_str(), it->second, std::strerror(errno));
			it = fbs_.erase(it);
		} else {
			++it;
		}
	}
	stats_.live = fbs_.size();
}

void FramebufferCache::clear()
{
	std::lock_guard guard(lock_);
	if (!fbs_.empty())
		DBK_LOG(Kms, Debug, "%s: removing %zu cached framebuffers", device_.c_str(),
			fbs_.size());
	for (auto &[k, fb] : fbs_)
		drmModeRmFB(fd_, fb);
	fbs_.clear();
	stats_.live = 0;
	closed_ = true;
}

FramebufferCache::Stats FramebufferCache::stats() const
{
	std::lock_guard guard(lock_);
	return stats_;
}

} /* namespace dmabufkit::kms */
