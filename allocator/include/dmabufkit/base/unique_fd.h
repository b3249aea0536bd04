/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file unique_fd.h
 * \brief An owned file descriptor, closed when it goes out of scope.
 */
#pragma once

#include <unistd.h>
#include <utility>

namespace dmabufkit {

/**
 * \brief Sole owner of a file descriptor.
 *
 * Move-only. The descriptor is closed on destruction or reset(); release()
 * gives it up without closing it.
 */
class UniqueFD
{
public:
	UniqueFD() = default;
	explicit UniqueFD(int fd) : fd_(fd) {}
	UniqueFD(UniqueFD &&other) noexcept : fd_(other.release()) {}
	UniqueFD &operator=(UniqueFD &&other) noexcept
	{
		reset(other.release());
		return *this;
	}
	UniqueFD(const UniqueFD &) = delete;
	UniqueFD &operator=(const UniqueFD &) = delete;
	~UniqueFD() { reset(); }

	int get() const { return fd_; }
	bool isValid() const { return fd_ >= 0; }
	explicit operator bool() const { return isValid(); }

	/** \brief Give up ownership; the caller must close the returned fd. */
	int release() { return std::exchange(fd_, -1); }

	/** \brief Close the owned fd (if any) and take ownership of \a fd. */
	void reset(int fd = -1)
	{
		int old = std::exchange(fd_, fd);
		if (old >= 0)
			::close(old);
	}

private:
	int fd_ = -1;
};

} /* namespace dmabufkit */
