/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/core/drm_dumb_exporter.h"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "dmabufkit/base/log.h"
#include "dmabufkit/internal/contiguity_probe.h"
namespace dmabufkit {

namespace {
constexpr const char *kCat = "drm-dumb";

std::string driverName(int fd)
{
	drmVersionPtr v = drmGetVersion(fd);
	if (!v)
		return {};
	std::string name(v->name, v->name_len);
	drmFreeVersion(v);
	return name;
}

bool supportsDumb(int fd)
{
	uint64_t cap = 0;
	return drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &cap) == 0 && cap;
}
} /* namespace */

DrmDumbExporter::DrmDumbExporter(UniqueFD owned, int fd, std::string driver)
	: owned_(std::move(owned)), fd_(fd), driver_(std::move(driver))
{
	traits_.name = "drm-dumb:" + driver_;
	traits_.cpuMappable = true;
	traits_.contiguous = false;
	traits_.scanout = true;
	traits_.maxSize = 0;
}

Result<std::unique_ptr<DrmDumbExporter>> DrmDumbExporter::fromFd(int fd)
{
	std::string driver = driverName(fd);
	if (driver.empty())
		return Error{ ENODEV, "fd " + std::to_string(fd) + " is not a DRM device" };
	if (!supportsDumb(fd))
		return Error{ ENOTSUP, "DRM driver " + driver + " has no dumb buffers" };
	auto e = std::unique_ptr<DrmDumbExporter>(new DrmDumbExporter(UniqueFD(), fd, driver));
	/* DMA-API drivers (most SoC displays) give contiguous dumb buffers, shmem
	 * ones (vkms, virtio) do not: measure it. */
	e->traits_.contiguous = probeContiguity(*e, false).contiguous;
	return e;
}

Result<std::unique_ptr<DrmDumbExporter>> DrmDumbExporter::adopt(UniqueFD fd)
{
	auto e = fromFd(fd.get());
	if (!e)
		return e.error();
	const int raw = fd.get();
	const std::string driver = (*e)->driver();
	auto own =
		std::unique_ptr<DrmDumbExporter>(new DrmDumbExporter(std::move(fd), raw, driver));
	own->traits_.contiguous = (*e)->traits_.contiguous;
	return own;
}

Result<std::unique_ptr<DrmDumbExporter>> DrmDumbExporter::open(const std::string &device)
{
	UniqueFD fd(::open(device.c_str(), O_RDWR | O_CLOEXEC));
	if (!fd) {
		Error e = Error::fromErrno(errno, "cannot open DRM device " + device);
		DBK_LOG(Allocator, Debug, "%s", e.message.c_str());
		return e;
	}
	/* The first opener of a primary node becomes master; an allocator must
	 * not keep a display sink from modesetting. */
	drmDropMaster(fd.get());
	std::string driver = driverName(fd.get());
	if (driver.empty()) {
		DBK_LOG(Allocator, Debug, "%s: not a DRM device", device.c_str());
		return Error{ ENODEV, device + " is not a DRM device" };
	}
	if (!supportsDumb(fd.get())) {
		DBK_LOG(Allocator, Debug, "%s (%s): no dumb buffers", device.c_str(),
			driver.c_str());
		return Error{ ENOTSUP, device + " (" + driver + ") has no dumb buffers" };
	}
	DBK_LOG(Allocator, Debug, "%s (%s): opened as exporter drm-dumb:%s", device.c_str(),
		driver.c_str(), driver.c_str());
	int raw = fd.get();
	auto own =
		std::unique_ptr<DrmDumbExporter>(new DrmDumbExporter(std::move(fd), raw, driver));
	own->traits_.contiguous = probeContiguity(*own, false).contiguous;
	return own;
}

Result<std::unique_ptr<DrmDumbExporter>> DrmDumbExporter::openFirst(const std::string &driver)
{
	std::string tried;
	for (int i = 0; i < 16; ++i) {
		std::string path = "/dev/dri/card" + std::to_string(i);
		if (access(path.c_str(), F_OK) != 0)
			continue;
		auto e = open(path);
		if (!e) {
			tried += "; " + e.error().message;
			continue;
		}
		if (!driver.empty() && (*e)->driver() != driver) {
			DBK_LOG(Allocator, Debug, "%s is %s, not %s: skipped", path.c_str(),
				(*e)->driver().c_str(), driver.c_str());
			tried += "; " + path + " is " + (*e)->driver();
			continue;
		}
		return e;
	}
	return Error{ ENODEV,
		      "no DRM device with dumb buffers" +
			      (driver.empty() ? std::string() : " and driver " + driver) +
			      (tried.empty() ? std::string(" (no /dev/dri/card*)") : tried) };
}

Result<DmaBuf> DrmDumbExporter::allocate2D(uint32_t width, uint32_t height, uint32_t bpp,
					   const std::string &name, uint32_t *pitch)
{
	if (!width || !height || !bpp)
		return Error{ EINVAL, traits_.name + ": cannot allocate an empty dumb buffer" };
	uint32_t handle = 0, p = 0;
	uint64_t size = 0;
	if (drmModeCreateDumbBuffer(fd(), width, height, bpp, 0, &handle, &p, &size) < 0) {
		Error e = Error::fromErrno(errno, traits_.name + ": DRM_IOCTL_MODE_CREATE_DUMB " +
							  std::to_string(width) + "x" +
							  std::to_string(height) + "@" +
							  std::to_string(bpp));
		DBK_LOG(Allocator, Error, "%s", e.message.c_str());
		return e;
	}
	int dmabuf = -1;
	int ret = drmPrimeHandleToFD(fd(), handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf);
	int err = errno;
	/* The exported dma-buf keeps the GEM object alive. */
	drmModeDestroyDumbBuffer(fd(), handle);
	if (ret < 0) {
		Error e = Error::fromErrno(err, traits_.name + ": drmPrimeHandleToFD");
		DBK_LOG(Allocator, Error, "%s", e.message.c_str());
		return e;
	}
	auto buf = DmaBuf::adopt(UniqueFD(dmabuf));
	if (!buf)
		return buf.error();
	DBK_LOG(Allocator, Trace, "%s: dumb buffer %ux%u@%u, pitch %u, %llu bytes, dma-buf fd %d",
		traits_.name.c_str(), width, height, bpp, p, static_cast<unsigned long long>(size),
		buf->fd());
	nameDmaBuf(*buf, name, kCat);
	if (pitch)
		*pitch = p;
	return std::move(buf).value();
}

Result<DmaBuf> DrmDumbExporter::allocate(const AllocationRequest &request)
{
	if (auto r = checkAllocationSize(traits_, request.size); !r)
		return r.error();
	uint32_t width = request.stride ? request.stride : 4096;
	uint64_t rows = (request.size + width - 1) / width;
	if (rows > UINT32_MAX)
		return Error{ EINVAL, traits_.name + ": buffer too large" };
	uint32_t pitch = 0;
	auto buf = allocate2D(width, static_cast<uint32_t>(rows), 8, request.name, &pitch);
	if (!buf)
		return buf;
	if (request.stride && pitch != request.stride) {
		DBK_LOG(Allocator, Warning, "%s: driver chose pitch %u for stride %u, refused",
			traits_.name.c_str(), pitch, request.stride);
		return Error{ EINVAL, traits_.name + ": driver chose pitch " +
					      std::to_string(pitch) + " for a layout with stride " +
					      std::to_string(request.stride) };
	}
	return buf;
}

} /* namespace dmabufkit */
