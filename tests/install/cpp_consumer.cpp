/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A C++ consumer of the installed public C++ headers (base/ and core/),
 * built by test-install through pkg-config against the installed library.
 * test-install generates all-headers.h, which includes every installed
 * header, so a public header that includes an uninstalled one fails here.
 */
#include "all-headers.h"

#include <cstdio>
#include <fcntl.h>

using namespace dmabufkit;

int main()
{
	Constraints display;
	display.consumer = "display";
	display.scanout = true;
	display.strideAlign = 64;
	Constraints encoder;
	encoder.consumer = "encoder";
	encoder.strideAlign = 16;
	encoder.contiguous = true;

	Result<Constraints> merged = mergeConstraints({ display, encoder });
	if (!merged || merged->strideAlign != 64 || !merged->scanout || !merged->contiguous) {
		std::fprintf(stderr, "cpp-consumer: mergeConstraints gave a wrong result\n");
		return 1;
	}

	Constraints single = display, perPlane = encoder;
	single.memoryLayout = MemoryLayout::Single;
	perPlane.memoryLayout = MemoryLayout::PerPlane;
	Result<Constraints> conflict = mergeConstraints({ single, perPlane });
	if (conflict || conflict.error().message.find("display") == std::string::npos) {
		std::fprintf(stderr,
			     "cpp-consumer: a conflict was not reported by consumer name\n");
		return 1;
	}

	UniqueFD fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
	const int raw = fd.get();
	UniqueFD moved = std::move(fd);
	if (fd.isValid() || moved.get() != raw || raw < 0) {
		std::fprintf(stderr, "cpp-consumer: UniqueFD does not move ownership\n");
		return 1;
	}

	std::printf("cpp-consumer: merged %s\n", merged->describe().c_str());
	return 0;
}
