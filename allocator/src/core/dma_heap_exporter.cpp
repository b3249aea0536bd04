/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/core/dma_heap_exporter.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <linux/dma-heap.h>
#include <sys/ioctl.h>
#include <sys/sysinfo.h>

#include "dmabufkit/base/log.h"
#include "dmabufkit/internal/contiguity_probe.h"

namespace dmabufkit {

namespace {
constexpr const char *kCat = "dma-heap";
constexpr const char *kHeapDir = "/dev/dma_heap";
} /* namespace */

DmaHeapExporter::DmaHeapExporter(UniqueFD fd, std::string heap)
	: fd_(std::move(fd)), heap_(std::move(heap))
{
	traits_.name = "dma-heap:" + heap_;
	traits_.cpuMappable = true;
	traits_.contiguous = false; /* probed by open() */
	traits_.scanout = false;
	/* A single allocation larger than RAM cannot succeed; say so up front. */
	struct sysinfo si;
	if (sysinfo(&si) == 0)
		traits_.maxSize = static_cast<uint64_t>(si.totalram) * si.mem_unit;
}

bool DmaHeapExporter::isContiguousHeap(const std::string &name)
{
	return name == "linux,cma" || name == "reserved" || name.find("cma") != std::string::npos;
}

std::vector<std::string> DmaHeapExporter::availableHeaps(const std::string &dirPath)
{
	std::vector<std::string> heaps;
	DIR *dir = opendir(dirPath.c_str());
	if (!dir) {
		DBK_LOG(Allocator, Debug, "%s: no dma-buf heaps (%s)", dirPath.c_str(),
			strerror(errno));
		return heaps;
	}
	while (struct dirent *e = readdir(dir)) {
		if (e->d_name[0] != '.')
			heaps.emplace_back(e->d_name);
	}
	closedir(dir);
	std::sort(heaps.begin(), heaps.end());
	return heaps;
}

Result<std::unique_ptr<DmaHeapExporter>> DmaHeapExporter::open(const std::string &heap)
{
	std::string path =
		heap.find('/') != std::string::npos ? heap : std::string(kHeapDir) + "/" + heap;
	std::string name = path.substr(path.rfind('/') + 1);
	int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		std::string msg = "cannot open dma-buf heap " + path;
		if (err == ENOENT) {
			auto heaps = availableHeaps(path.substr(0, path.rfind('/')));
			std::string list;
			for (const auto &h : heaps)
				list += (list.empty() ? "" : ", ") + h;
			msg += ": no such heap (available: " + (list.empty() ? "none" : list) + ")";
			DBK_LOG(Allocator, Debug, "%s", msg.c_str());
			return Error{ err, msg };
		}
		Error e = Error::fromErrno(err, msg);
		DBK_LOG(Allocator, Warning, "%s", e.message.c_str());
		return e;
	}
	auto exporter = std::unique_ptr<DmaHeapExporter>(new DmaHeapExporter(UniqueFD(fd), name));
	/* What the heap really gives, not what its name suggests. */
	exporter->traits_.contiguous =
		probeContiguity(*exporter, isContiguousHeap(name)).contiguous;
	DBK_LOG(Allocator, Debug, "%s: opened as exporter %s (%scontiguous, max %llu bytes)",
		path.c_str(), exporter->traits_.name.c_str(),
		exporter->traits_.contiguous ? "" : "not ",
		static_cast<unsigned long long>(exporter->traits_.maxSize));
	return exporter;
}

Result<DmaBuf> DmaHeapExporter::allocate(const AllocationRequest &request)
{
	if (auto r = checkAllocationSize(traits_, request.size); !r)
		return r.error();
	struct dma_heap_allocation_data data = {};
	data.len = request.size;
	data.fd_flags = O_RDWR | O_CLOEXEC;
	int ret;
	do {
		ret = ioctl(fd_.get(), DMA_HEAP_IOCTL_ALLOC, &data);
	} while (ret < 0 && (errno == EINTR || errno == EAGAIN));
	if (ret < 0) {
		Error e = Error::fromErrno(errno, traits_.name + ": DMA_HEAP_IOCTL_ALLOC of " +
							  std::to_string(request.size) +
							  " bytes on " + kHeapDir + "/" + heap_);
		DBK_LOG(Allocator, Error, "%s", e.message.c_str());
		return e;
	}
	auto buf = DmaBuf::adopt(UniqueFD(static_cast<int>(data.fd)));
	if (!buf)
		return buf.error();
	DBK_LOG(Allocator, Trace, "%s/%s: allocated %llu bytes as dma-buf fd %d \"%s\"", kHeapDir,
		heap_.c_str(), static_cast<unsigned long long>(request.size), buf->fd(),
		request.name.c_str());
	nameDmaBuf(*buf, request.name, kCat);
	return std::move(buf).value();
}

} /* namespace dmabufkit */
