/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/core/udmabuf_exporter.h"

#include <cerrno>
#include <fcntl.h>
#include <linux/udmabuf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "dmabufkit/base/log.h"
namespace dmabufkit {

namespace {
constexpr const char *kCat = "udmabuf";

/* Logs \a e as the failure of an allocation on the udmabuf device, returns it. */
Error logged(Error e)
{
	DBK_LOG(Allocator, Error, "%s (udmabuf device)", e.message.c_str());
	return e;
}
} /* namespace */

UdmabufExporter::UdmabufExporter(UniqueFD fd) : fd_(std::move(fd))
{
	traits_.name = "udmabuf";
	traits_.cpuMappable = true;
	traits_.contiguous = false;
	traits_.scanout = false;
	/* udmabuf's default size_limit_mb module parameter is 64 MiB. */
	traits_.maxSize = 64ull << 20;
	int limit = 0;
	if (FILE *f = fopen("/sys/module/udmabuf/parameters/size_limit_mb", "r")) {
		if (fscanf(f, "%d", &limit) == 1 && limit > 0)
			traits_.maxSize = static_cast<uint64_t>(limit) << 20;
		fclose(f);
	}
}

Result<std::unique_ptr<UdmabufExporter>> UdmabufExporter::open(const char *device)
{
	int fd = ::open(device, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		if (err == ENOENT) {
			DBK_LOG(Allocator, Debug,
				"%s: no such device, udmabuf exporter unavailable", device);
			return Error{ err, std::string("cannot open ") + device +
						   ": no such device (is the kernel built with "
						   "CONFIG_UDMABUF, or `modprobe udmabuf`?)" };
		}
		Error e = Error::fromErrno(err, std::string("cannot open ") + device);
		DBK_LOG(Allocator, Warning, "%s", e.message.c_str());
		return e;
	}
	auto exporter = std::unique_ptr<UdmabufExporter>(new UdmabufExporter(UniqueFD(fd)));
	DBK_LOG(Allocator, Debug, "%s: opened as exporter udmabuf (max %llu bytes, size_limit_mb)",
		device, static_cast<unsigned long long>(exporter->traits_.maxSize));
	return exporter;
}

Result<DmaBuf> UdmabufExporter::allocate(const AllocationRequest &request)
{
	if (auto r = checkAllocationSize(traits_, request.size); !r)
		return r.error();
	const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
	const uint64_t size = (request.size + page - 1) / page * page;

	UniqueFD memfd(memfd_create(request.name.empty() ? "dmabufkit" : request.name.c_str(),
				    MFD_CLOEXEC | MFD_ALLOW_SEALING));
	if (!memfd)
		return logged(Error::fromErrno(errno, "udmabuf: memfd_create"));
	if (ftruncate(memfd.get(), static_cast<off_t>(size)) < 0)
		return logged(Error::fromErrno(errno, "udmabuf: ftruncate memfd to " +
							      std::to_string(size)));
	/* udmabuf requires the memfd not to shrink under the device's feet. */
	if (fcntl(memfd.get(), F_ADD_SEALS, F_SEAL_SHRINK) < 0)
		return logged(Error::fromErrno(errno, "udmabuf: F_SEAL_SHRINK on memfd"));

	struct udmabuf_create create = {};
	create.memfd = static_cast<__u32>(memfd.get());
	create.flags = UDMABUF_FLAGS_CLOEXEC;
	create.offset = 0;
	create.size = size;
	int fd = ioctl(fd_.get(), UDMABUF_CREATE, &create);
	if (fd < 0)
		return logged(Error::fromErrno(errno, "udmabuf: UDMABUF_CREATE of " +
							      std::to_string(size) + " bytes"));
	/* The dma-buf holds the memfd's pages; the memfd itself can go. */
	auto buf = DmaBuf::adopt(UniqueFD(fd));
	if (!buf)
		return buf.error();
	DBK_LOG(Allocator, Trace, "udmabuf: created dma-buf fd %d of %llu bytes \"%s\"", buf->fd(),
		static_cast<unsigned long long>(size), request.name.c_str());
	nameDmaBuf(*buf, request.name, kCat);
	return std::move(buf).value();
}

} /* namespace dmabufkit */
