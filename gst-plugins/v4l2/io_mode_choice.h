/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file io_mode_choice.h
 * \brief How dmabufv4l2src picks between importing into a pool and
 *        exporting driver buffers: pure logic, no GStreamer.
 */
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace dmabufkit::gstv4l2 {

/** \brief The io-mode property's values. */
enum class IoMode { Auto, Export, Import };

/** \brief A pool the source may import into. */
enum class PoolCandidate {
	Downstream, /**< the pool downstream offered in the ALLOCATION query */
	Own,	    /**< a dmabufkit pool of our own */
};

/**
 * \brief The order in which pools are tried and what follows when they
 * refuse.
 *
 * auto tries downstream's pool, then exports; import tries downstream's
 * pool, then its own, and fails when both refuse; export tries nothing.
 * Ask next(), try that pool, and tell accept() or refuse(why) until next()
 * gives nullopt.
 */
class IoModeChoice
{
public:
	IoModeChoice(IoMode requested, bool downstreamOffered);

	/** \brief The pool to try now, or nullopt when the choice is made. */
	std::optional<PoolCandidate> next() const;
	/** \brief The pool next() gave can be imported into. */
	void accept();
	/** \brief The pool next() gave cannot be imported into, because \a why. */
	void refuse(std::string why);

	/** \brief The accepted pool, or nullopt: export (or failed()). */
	std::optional<PoolCandidate> accepted() const { return accepted_; }
	/** \brief io-mode=import and no pool can be imported into. */
	bool failed() const;
	/** \brief The last refusal, or "" when none refused. */
	const std::string &lastRefusal() const { return lastRefusal_; }
	/** \brief Why the source ends up where it does, for the log. */
	std::string reason() const;

private:
	IoMode requested_;
	bool downstreamOffered_;
	std::vector<PoolCandidate> candidates_;
	size_t tried_ = 0;
	std::optional<PoolCandidate> accepted_;
	std::string lastRefusal_;
};

/** \brief "auto", "export" or "import". */
const char *ioModeName(IoMode mode);

} /* namespace dmabufkit::gstv4l2 */
