/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file cpu_access.h
 * \brief CPU access to dma-bufs: the cached mapping and the access scope.
 *
 * The rules (from the begin/end-access design the kernel uses): map once and
 * keep the mapping for the buffer's life; bracket every CPU access with
 * DMA_BUF_IOCTL_SYNC START and END carrying the access direction, so the
 * exporter can keep caches coherent. Waiting for devices is a different
 * concern, see fence.h.
 */
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "dmabufkit/base/result.h"

namespace dmabufkit {

/** \brief Direction of a CPU access. */
enum class Access : uint32_t { Read = 1, Write = 2, ReadWrite = 3 };

/** \brief Counts of the system calls behind CPU access. */
struct CpuAccessCounters {
	std::atomic<uint64_t> syncStarts{ 0 };
	std::atomic<uint64_t> syncEnds{ 0 };
	std::atomic<uint64_t> syncFailures{ 0 };
	std::atomic<uint64_t> mmaps{ 0 };
	std::atomic<uint64_t> munmaps{ 0 };
};

/** \brief Process-wide totals over every mapping and access. */
CpuAccessCounters &globalCpuAccessCounters();

/**
 * \brief Issue DMA_BUF_IOCTL_SYNC on \a fd, retrying on EINTR and EAGAIN.
 * \param flags DMA_BUF_SYNC_START or _END ored with READ/WRITE/RW
 */
Result<void> dmaBufSync(int fd, uint64_t flags);

/**
 * \brief A CPU mapping of a whole dma-buf, made once and kept.
 *
 * Mapped read-write when the fd allows it, else read-only. Unmapped on
 * destruction.
 */
class CpuMapping
{
public:
	CpuMapping() = default;
	CpuMapping(CpuMapping &&other) noexcept;
	CpuMapping &operator=(CpuMapping &&other) noexcept;
	CpuMapping(const CpuMapping &) = delete;
	CpuMapping &operator=(const CpuMapping &) = delete;
	~CpuMapping();

	/** \brief mmap \a size bytes of \a fd; counts into \a counters too. */
	static Result<CpuMapping> map(int fd, size_t size, CpuAccessCounters *counters = nullptr);

	uint8_t *data() const { return data_; }
	size_t size() const { return size_; }
	bool writable() const { return writable_; }
	bool isValid() const { return data_ != nullptr; }

private:
	void unmap();

	uint8_t *data_ = nullptr;
	size_t size_ = 0;
	bool writable_ = false;
	CpuAccessCounters *counters_ = nullptr;
};

/**
 * \brief One CPU access to a dma-buf: SYNC START on creation, END on destruction.
 *
 * Obtain one with begin(); it cannot be copied, so END is issued exactly once.
 * A failing END is logged and counted (a destructor cannot report it).
 */
class CpuAccess
{
public:
	CpuAccess(CpuAccess &&other) noexcept;
	CpuAccess &operator=(CpuAccess &&) = delete;
	CpuAccess(const CpuAccess &) = delete;
	~CpuAccess();

	/** \brief Start an access of kind \a access on \a fd. */
	static Result<CpuAccess> begin(int fd, Access access,
				       CpuAccessCounters *counters = nullptr);

	/** \brief End the access now; returns the END ioctl's result. */
	Result<void> end();

	Access access() const { return access_; }

private:
	CpuAccess(int fd, Access access, CpuAccessCounters *counters)
		: fd_(fd), access_(access), counters_(counters)
	{
	}

	int fd_;
	Access access_;
	CpuAccessCounters *counters_;
};

/** \brief DMA_BUF_SYNC_READ/WRITE/RW bits for \a access. */
uint64_t syncFlags(Access access);

} /* namespace dmabufkit */
