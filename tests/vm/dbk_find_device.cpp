/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dbk-find-device ROLE: print the device node that plays ROLE in the test VM,
 * e.g. `v4l2src device=$(dbk-find-device vivid-capture)`. --list shows every
 * role and what it resolves to.
 */
#include <cstdio>
#include <cstring>

#include "test_devices.h"

using namespace dmabufkit;

int main(int argc, char **argv)
{
	if (argc != 2 || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help")) {
		std::fprintf(stderr, "usage: %s ROLE | --list\nroles:\n", argv[0]);
		for (const auto &[name, desc] : test::deviceRoles())
			std::fprintf(stderr, "  %-16s %s\n", name.c_str(), desc.c_str());
		return 2;
	}
	if (!std::strcmp(argv[1], "--list")) {
		int missing = 0;
		for (const auto &[name, desc] : test::deviceRoles()) {
			auto r = test::findDevice(name);
			std::printf("%-16s %s\n", name.c_str(), r ? r->c_str() : "(not found)");
			missing += !r;
		}
		return missing ? 1 : 0;
	}
	auto r = test::findDevice(argv[1]);
	if (!r) {
		std::fprintf(stderr, "dbk-find-device: %s\n", r.error().message.c_str());
		return 1;
	}
	std::printf("%s\n", r->c_str());
	return 0;
}
