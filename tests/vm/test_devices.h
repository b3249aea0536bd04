/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test helper: the guest's devices by role ("vivid-capture", "vicodec-encoder",
 * "vkms-card", ...), found by driver and name, never by node number.
 */
#pragma once

#include <string>
#include <vector>

#include "dmabufkit/base/result.h"

namespace dmabufkit::test {

/** \brief Path of the device that plays \a role, or an error saying what exists. */
Result<std::string> findDevice(const std::string &role);

/** \brief Every role this helper knows, with a one-line description. */
std::vector<std::pair<std::string, std::string>> deviceRoles();

/** \brief /dev/videoN of the node whose sysfs name is \a name ("vivid-001-vid-cap"). */
Result<std::string> findNodeNamed(const std::string &name);

/** \brief The first /dev/dri/card* whose driver is \a driver. */
Result<std::string> findDrmCard(const std::string &driver);

/**
 * \brief Sets \a control ("percentage_of_dropped_buffers") of \a device on
 * a fd of our own, as v4l2-ctl would (a button is pressed whatever \a value).
 * \return "" or what failed
 */
std::string setControl(const std::string &device, const char *control, int value);

} /* namespace dmabufkit::test */
