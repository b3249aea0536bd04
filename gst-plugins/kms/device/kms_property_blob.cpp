/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kms_property_blob.h"

#include <cerrno>
#include <cstring>
#include <utility>
#include <xf86drmMode.h>

#include "dmabufkit/base/log.h"

namespace dmabufkit::kms {

PropertyBlob::PropertyBlob(PropertyBlob &&other) noexcept
	: fd_(std::exchange(other.fd_, -1)), id_(std::exchange(other.id_, 0))
{
}

PropertyBlob &PropertyBlob::operator=(PropertyBlob &&other) noexcept
{
	if (this != &other) {
		reset();
		fd_ = std::exchange(other.fd_, -1);
		id_ = std::exchange(other.id_, 0);
	}
	return *this;
}

PropertyBlob::~PropertyBlob()
{
	reset();
}

Result<PropertyBlob> PropertyBlob::create(int fd, const void *data, size_t size,
					  const std::string &device)
{
	PropertyBlob blob;
	if (drmModeCreatePropertyBlob(fd, data, size, &blob.id_) != 0) {
		const int err = errno;
		Error e =
			Error::fromErrno(err, "drmModeCreatePropertyBlob (" + std::to_string(size) +
						      " bytes) on " + device);
		DBK_LOG(Kms, Error, "%s", e.message.c_str());
		return e;
	}
	blob.fd_ = fd;
	DBK_LOG(Kms, Debug, "%s: created property blob %u (%zu bytes)", device.c_str(), blob.id_,
		size);
	return blob;
}

void PropertyBlob::reset()
{
	if (id_ && drmModeDestroyPropertyBlob(fd_, id_) != 0) {
		const int err = errno;
		DBK_LOG(Kms, Warning, "drmModeDestroyPropertyBlob(%u) on DRM fd %d failed: %s", id_,
			fd_, std::strerror(err));
	}
	id_ = 0;
	fd_ = -1;
}

} /* namespace dmabufkit::kms */
