/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "leak_counters.h"

#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <sstream>
#include <unistd.h>

namespace dmabufkit::test {

namespace {

constexpr const char *kBufinfo = "/sys/kernel/debug/dma_buf/bufinfo";

} /* namespace */

int countOpenFds()
{
	const bool list = std::getenv("DBK_TEST_LIST_FDS") != nullptr;
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while (struct dirent *e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		if (list) {
			char target[256] = {};
			std::string p = std::string("/proc/self/fd/") + e->d_name;
			if (readlink(p.c_str(), target, sizeof(target) - 1) < 0)
				target[0] = '?';
			std::printf("    fd %s -> %s\n", e->d_name, target);
		}
	}
	closedir(d);
	return n;
}

int countLiveDmaBufs()
{
	std::ifstream in(kBufinfo);
	std::string line;
	while (std::getline(in, line))
		if (line.rfind("Total ", 0) == 0)
			return std::atoi(line.c_str() + 6);
	return -1;
}

std::string dmaBufInfo()
{
	std::ifstream in(kBufinfo);
	return std::string(std::istreambuf_iterator<char>(in), {});
}

} /* namespace dmabufkit::test */
