/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file shared_fd.h
 * \brief A file descriptor owned jointly: closed when the last copy goes.
 */
#pragma once

#include <memory>
#include <utility>

#include "dmabufkit/base/unique_fd.h"

namespace dmabufkit {

/**
 * \brief Shared ownership of one fd, for objects that must keep a device or
 *        buffer open for as long as any of them lives (an allocator serving
 *        a sink's DRM fd, memories outliving the element that made them).
 *
 * Copies refer to the same fd; it is closed when the last copy is destroyed.
 * Use UniqueFD where there is one owner.
 */
class SharedFD
{
public:
	SharedFD() = default;
	/** \brief Take ownership of \a fd. */
	explicit SharedFD(UniqueFD fd)
		: fd_(fd.isValid() ? std::make_shared<UniqueFD>(std::move(fd)) : nullptr)
	{
	}

	int get() const { return fd_ ? fd_->get() : -1; }
	bool isValid() const { return fd_ != nullptr; }
	explicit operator bool() const { return isValid(); }
	/** \brief How many SharedFD objects own this fd (0 when empty). */
	long useCount() const { return fd_.use_count(); }

private:
	std::shared_ptr<UniqueFD> fd_;
};

} /* namespace dmabufkit */
