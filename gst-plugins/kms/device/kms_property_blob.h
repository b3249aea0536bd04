/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file kms_property_blob.h
 * \brief A DRM property blob (e.g. a CRTC's MODE_ID), destroyed with its owner.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "dmabufkit/base/result.h"

namespace dmabufkit::kms {

/**
 * \brief Sole owner of a property blob created on a KMS device.
 *
 * Move-only; drmModeDestroyPropertyBlob() runs on destruction or reset().
 * The device fd is not owned and must outlive the blob.
 */
class PropertyBlob
{
public:
	PropertyBlob() = default;
	PropertyBlob(PropertyBlob &&other) noexcept;
	PropertyBlob &operator=(PropertyBlob &&other) noexcept;
	PropertyBlob(const PropertyBlob &) = delete;
	PropertyBlob &operator=(const PropertyBlob &) = delete;
	~PropertyBlob();

	/**
	 * \brief Create a blob of \a size bytes at \a data on device \a fd;
	 *        \a device names it in messages ("/dev/dri/card0 (vkms)").
	 */
	static Result<PropertyBlob> create(int fd, const void *data, size_t size,
					   const std::string &device);

	/** \brief The blob id to set as a property value, 0 when empty. */
	uint32_t id() const { return id_; }
	bool isValid() const { return id_ != 0; }
	/** \brief Destroy the blob now. */
	void reset();

private:
	int fd_ = -1;
	uint32_t id_ = 0;
};

} /* namespace dmabufkit::kms */
