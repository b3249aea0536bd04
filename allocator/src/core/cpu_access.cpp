/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/core/cpu_access.h"

#include <cerrno>
#include <linux/dma-buf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <utility>

#include "dmabufkit/base/log.h"

namespace dmabufkit {

namespace {
} /* namespace */

CpuAccessCounters &globalCpuAccessCounters()
{
	static CpuAccessCounters counters;
	return counters;
}

uint64_t syncFlags(Access access)
{
	switch (access) {
	case Access::Read:
		return DMA_BUF_SYNC_READ;
	case Access::Write:
		return DMA_BUF_SYNC_WRITE;
	case Access::ReadWrite:
		return DMA_BUF_SYNC_RW;
	}
	return DMA_BUF_SYNC_RW;
}

Result<void> dmaBufSync(int fd, uint64_t flags)
{
	struct dma_buf_sync sync = { flags };
	/* The ioctl may be interrupted while waiting for the exporter. */
	for (unsigned tries = 0; tries < 1000; ++tries) {
		if (ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) == 0)
			return {};
		if (errno != EINTR && errno != EAGAIN)
			break;
	}
	const char *what = (flags & DMA_BUF_SYNC_END) ? "END" : "START";
	Error e = Error::fromErrno(errno, std::string("DMA_BUF_IOCTL_SYNC ") + what +
						  " on dma-buf fd " + std::to_string(fd));
	DBK_LOG(Allocator, Error, "%s", e.message.c_str());
	return e;
}

CpuMapping::CpuMapping(CpuMapping &&other) noexcept
	: data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)),
	  writable_(other.writable_), counters_(other.counters_)
{
}

CpuMapping &CpuMapping::operator=(CpuMapping &&other) noexcept
{
	if (this != &other) {
		unmap();
		data_ = std::exchange(other.data_, nullptr);
		size_ = std::exchange(other.size_, 0);
		writable_ = other.writable_;
		counters_ = other.counters_;
	}
	return *this;
}

CpuMapping::~CpuMapping()
{
	unmap();
}

void CpuMapping::unmap()
{
	if (!data_)
		return;
	munmap(data_, size_);
	data_ = nullptr;
	globalCpuAccessCounters().munmaps++;
	if (counters_)
		counters_->munmaps++;
}

Result<CpuMapping> CpuMapping::map(int fd, size_t size, CpuAccessCounters *counters)
{
	if (size == 0)
		return Error{ EINVAL, "cannot map a zero-size dma-buf" };
	CpuMapping m;
	void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	m.writable_ = true;
	if (p == MAP_FAILED && errno == EACCES) {
		/* A read-only fd (e.g. imported O_RDONLY) still maps for reading. */
		DBK_LOG(Allocator, Debug,
			"dma-buf fd %d is read-only (EACCES): mapping it for reading", fd);
		p = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
		m.writable_ = false;
	}
	if (p == MAP_FAILED) {
		Error e = Error::fromErrno(errno, "mmap of dma-buf fd " + std::to_string(fd) +
							  " (" + std::to_string(size) + " bytes)");
		DBK_LOG(Allocator, Error, "%s", e.message.c_str());
		return e;
	}
	DBK_LOG(Allocator, Trace, "dma-buf fd %d: mapped %zu bytes %s at %p", fd, size,
		m.writable_ ? "read-write" : "read-only", p);
	m.data_ = static_cast<uint8_t *>(p);
	m.size_ = size;
	m.counters_ = counters;
	globalCpuAccessCounters().mmaps++;
	if (counters)
		counters->mmaps++;
	return m;
}

CpuAccess::CpuAccess(CpuAccess &&other) noexcept
	: fd_(std::exchange(other.fd_, -1)), access_(other.access_), counters_(other.counters_)
{
}

Result<CpuAccess> CpuAccess::begin(int fd, Access access, CpuAccessCounters *counters)
{
	auto r = dmaBufSync(fd, DMA_BUF_SYNC_START | syncFlags(access));
	if (!r) {
		globalCpuAccessCounters().syncFailures++;
		if (counters)
			counters->syncFailures++;
		return r.error();
	}
	globalCpuAccessCounters().syncStarts++;
	if (counters)
		counters->syncStarts++;
	return CpuAccess(fd, access, counters);
}

Result<void> CpuAccess::end()
{
	if (fd_ < 0)
		return {};
	int fd = std::exchange(fd_, -1);
	auto r = dmaBufSync(fd, DMA_BUF_SYNC_END | syncFlags(access_));
	if (!r) {
		globalCpuAccessCounters().syncFailures++;
		if (counters_)
			counters_->syncFailures++;
		return r;
	}
	globalCpuAccessCounters().syncEnds++;
	if (counters_)
		counters_->syncEnds++;
	return {};
}

CpuAccess::~CpuAccess()
{
	/* A failing END is logged where the ioctl fails (dmaBufSync). */
	static_cast<void>(end());
}

} /* namespace dmabufkit */
