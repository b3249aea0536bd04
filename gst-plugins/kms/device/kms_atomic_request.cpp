/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kms_atomic_request.h"

#include <cerrno>
#include <xf86drm.h>

#include "dmabufkit/base/log.h"

namespace dmabufkit::kms {

AtomicRequest::AtomicRequest() : req_(drmModeAtomicAlloc())
{
}

AtomicRequest::~AtomicRequest()
{
	if (req_)
		drmModeAtomicFree(req_);
}

void AtomicRequest::set(const ObjectProperties &o, const char *name, uint64_t value)
{
	uint32_t id = o.id(name);
	if (!id) {
		/* Reported by test()/commit(), which name the device through their caller. */
		DBK_LOG(Kms, Warning, "KMS object %u has no property %s", o.objectId, name);
		missing_ += (missing_.empty() ? "" : ", ") + std::string(name) + " of object " +
			    std::to_string(o.objectId);
		return;
	}
	if (req_ && drmModeAtomicAddProperty(req_, o.objectId, id, value) < 0)
		missing_ += (missing_.empty() ? "" : ", ") + std::string("cannot add ") + name;
	items_.push_back({ o.objectId, name, value });
}

std::string AtomicRequest::describe() const
{
	std::string text;
	for (const Item &i : items_)
		text += (text.empty() ? "" : " ") + std::to_string(i.objectId) + "." + i.name +
			"=" + std::to_string(i.value);
	return text;
}

Result<void> AtomicRequest::test(int fd, uint32_t flags)
{
	if (!req_)
		return Error{ ENOMEM, "drmModeAtomicAlloc" };
	if (!missing_.empty())
		return Error{ EINVAL, "atomic request: missing property " + missing_ };
	if (drmModeAtomicCommit(fd, req_, flags | DRM_MODE_ATOMIC_TEST_ONLY, nullptr) != 0) {
		const int e = errno; /* before describe() allocates */
		state_ = State::Failed;
		return Error::fromErrno(e, "TEST_ONLY atomic commit [" + describe() + "]");
	}
	state_ = State::Tested;
	return {};
}

Result<void> AtomicRequest::commit(int fd, uint32_t flags, void *userData)
{
	if (!req_)
		return Error{ ENOMEM, "drmModeAtomicAlloc" };
	if (!missing_.empty())
		return Error{ EINVAL, "atomic request: missing property " + missing_ };
	if (drmModeAtomicCommit(fd, req_, flags, userData) != 0) {
		const int e = errno; /* before describe() allocates */
		state_ = State::Failed;
		return Error::fromErrno(e, "atomic commit [" + describe() + "]");
	}
	state_ = State::Committed;
	return {};
}

} /* namespace dmabufkit::kms */
