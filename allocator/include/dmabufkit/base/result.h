/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file result.h
 * \brief Error and Result types: failures carry an errno and a message.
 *
 * The library throws no exceptions; every fallible call returns a Result.
 */
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace dmabufkit {

/** \brief A failure: the errno (0 when not from a system call) and a message. */
struct Error {
	int code = 0;
	std::string message;

	/** \brief Build an Error from errno of a failed call, naming what failed. */
	static Error fromErrno(int err, const std::string &what);
};

/**
 * \brief Either a value or an Error.
 */
template<typename T> class [[nodiscard]] Result
{
public:
	Result(T value) : v_(std::move(value)) {}
	Result(Error error) : v_(std::move(error)) {}

	bool ok() const { return v_.index() == 0; }
	explicit operator bool() const { return ok(); }

	T &value() &
	{
		assert(ok());
		return std::get<0>(v_);
	}
	const T &value() const &
	{
		assert(ok());
		return std::get<0>(v_);
	}
	T &&value() &&
	{
		assert(ok());
		return std::get<0>(std::move(v_));
	}
	T *operator->() { return &value(); }
	const T *operator->() const { return &value(); }
	T &operator*() & { return value(); }

	const Error &error() const
	{
		assert(!ok());
		return std::get<1>(v_);
	}

private:
	std::variant<T, Error> v_;
};

/** \brief Result of an operation that yields nothing but may fail. */
template<> class [[nodiscard]] Result<void>
{
public:
	Result() = default;
	Result(Error error) : e_(std::move(error)) {}

	bool ok() const { return !e_.has_value(); }
	explicit operator bool() const { return ok(); }
	const Error &error() const
	{
		assert(!ok());
		return *e_;
	}

private:
	std::optional<Error> e_;
};

} /* namespace dmabufkit */
