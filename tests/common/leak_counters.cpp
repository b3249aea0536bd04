/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "leak_counters.h"

#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <string_view>
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

int countSyncFiles()
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while (struct dirent *e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		char target[64] = {};
		std::string p = std::string("/proc/self/fd/") + e->d_name;
		if (readlink(p.c_str(), target, sizeof(target) - 1) > 0 &&
		    std::string_view(target) == "anon_inode:sync_file")
			n++;
	}
	closedir(d);
	return n;
}

int countLiveDmaBufs()
{
	/* The summary is "Total N objects, M bytes"; each buffer also has a
	 * "Total N devices attached" line, which must not be taken for it. */
	std::ifstream in(kBufinfo);
	std::string line;
	while (std::getline(in, line)) {
		int n = 0;
		char what[16] = {};
		if (std::sscanf(line.c_str(), "Total %d %15s", &n, what) == 2 &&
		    std::string_view(what).rfind("objects", 0) == 0)
			return n;
	}
	return -1;
}

std::string dmaBufInfo()
{
	std::ifstream in(kBufinfo);
	return std::string(std::istreambuf_iterator<char>(in), {});
}

} /* namespace dmabufkit::test */
