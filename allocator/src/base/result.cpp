/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/base/result.h"

#include <cstring>

namespace dmabufkit {

Error Error::fromErrno(int err, const std::string &what)
{
	return Error{ err, what + ": " + std::strerror(err) };
}

} /* namespace dmabufkit */
