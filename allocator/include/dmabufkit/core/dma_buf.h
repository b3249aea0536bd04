/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file dma_buf.h
 * \brief A dma-buf: its fd, size, inode identity and name.
 */
#pragma once

#include <cstdint>
#include <string>
#include <sys/types.h>

#include "dmabufkit/base/result.h"
#include "dmabufkit/base/unique_fd.h"

namespace dmabufkit {

/**
 * \brief A dma-buf file descriptor with its identity.
 *
 * A DmaBuf either owns its fd (closed with the object) or borrows a foreign
 * one (never closed here: V4L2 EXPBUF fds owned by a queue, fds owned by
 * another element). The inode is the buffer's identity: two fds that refer
 * to the same dma-buf, even in different processes, have the same inode.
 */
class DmaBuf
{
public:
	/** \brief Maximum length of a dma-buf name (DMA_BUF_NAME_LEN - 1). */
	static constexpr size_t kMaxNameLength = 31;

	DmaBuf() = default;
	DmaBuf(DmaBuf &&) noexcept = default;
	DmaBuf &operator=(DmaBuf &&) noexcept = default;
	~DmaBuf();

	/**
	 * \brief Take ownership of \a fd, which must be a dma-buf.
	 * \return An error naming the fd if it is not a dma-buf.
	 */
	static Result<DmaBuf> adopt(UniqueFD fd);
	/**
	 * \brief Wrap a foreign dma-buf fd without taking ownership.
	 *
	 * The caller keeps \a fd open for the life of the DmaBuf.
	 */
	static Result<DmaBuf> borrow(int fd);

	/** \brief True when \a fd refers to a dma-buf (checked with fstatfs). */
	static bool isDmaBuf(int fd);

	int fd() const { return owned_.isValid() ? owned_.get() : borrowed_; }
	bool isValid() const { return fd() >= 0; }
	bool ownsFd() const { return owned_.isValid(); }
	uint64_t size() const { return size_; }
	ino_t inode() const { return inode_; }

	/**
	 * \brief Name the buffer (DMA_BUF_SET_NAME) so bufinfo shows who made it.
	 *
	 * Names longer than kMaxNameLength are truncated. Fails with EBUSY when
	 * a device has the buffer attached.
	 */
	Result<void> setName(const std::string &name);
	/** \brief The buffer's current name, read back from /proc fdinfo. */
	std::string name() const;
	/** \brief The exporter's name (e.g. "system", "udmabuf", "vkms"). */
	std::string exporterName() const;

	/** \brief Give up an owned fd without closing it. */
	int release();

private:
	Result<void> init();

	UniqueFD owned_;
	int borrowed_ = -1;
	uint64_t size_ = 0;
	ino_t inode_ = 0;
};

/** \brief Read one field ("name", "exp_name", "size", ...) of a dma-buf fd's fdinfo. */
std::string dmaBufFdInfo(int fd, const std::string &field);

} /* namespace dmabufkit */
