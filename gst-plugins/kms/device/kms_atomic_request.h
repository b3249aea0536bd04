/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file kms_atomic_request.h
 * \brief One atomic KMS request: property changes, tested, then committed.
 */
#pragma once

#include <string>
#include <vector>
#include <xf86drmMode.h>

#include "dmabufkit/base/result.h"
#include "kms_device.h"

namespace dmabufkit::kms {

/**
 * \brief Collects property changes by name and applies them atomically.
 *
 * A property the object does not have makes test() and commit() fail with a
 * message naming it (instead of a bare EINVAL from the kernel).
 */
class AtomicRequest
{
public:
	enum class State { Building, Tested, Committed, Failed };

	AtomicRequest();
	~AtomicRequest();
	AtomicRequest(const AtomicRequest &) = delete;
	AtomicRequest &operator=(const AtomicRequest &) = delete;

	/** \brief Set \a name (a string literal: it is kept) of \a object to \a value. */
	void set(const ObjectProperties &object, const char *name, uint64_t value);
	/** \brief DRM_MODE_ATOMIC_TEST_ONLY with \a flags (e.g. ALLOW_MODESET). */
	Result<void> test(int fd, uint32_t flags);
	/** \brief Commit with \a flags; \a userData comes back with the page-flip event. */
	Result<void> commit(int fd, uint32_t flags, void *userData);
	State state() const { return state_; }
	/** \brief "31.FB_ID=52 31.CRTC_ID=..." for error messages. */
	std::string describe() const;

private:
	/* What was set, kept raw: the text is only built when a commit fails,
	 * not for every frame. */
	struct Item {
		uint32_t objectId;
		const char *name; /* a string literal of the caller */
		uint64_t value;
	};

	drmModeAtomicReq *req_;
	State state_ = State::Building;
	std::string missing_;
	std::vector<Item> items_;
};

} /* namespace dmabufkit::kms */
