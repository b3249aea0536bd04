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

/* Calls \a f(fd, target) for each open fd of this process; returns how many
 * there are, -1 when /proc/self/fd cannot be read. */
template<typename F> int forEachFd(F &&f)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int n = 0;
	while (struct dirent *e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		char target[256] = {};
		std::string p = std::string("/proc/self/fd/") + e->d_name;
		if (readlink(p.c_str(), target, sizeof(target) - 1) < 0)
			target[0] = '?';
		f(e->d_name, std::string_view(target));
	}
	closedir(d);
	return n;
}

} /* namespace */

int countOpenFds()
{
	const bool list = std::getenv("DBK_TEST_LIST_FDS") != nullptr;
	return forEachFd([list](const char *fd, std::string_view target) {
		if (list)
			std::printf("    fd %s -> %.*s\n", fd, int(target.size()), target.data());
	});
}

std::string openFdTargets()
{
	std::string out;
	forEachFd([&out](const char *fd, std::string_view target) {
		if (std::atoi(fd) <= 2 || target.rfind("/proc/", 0) == 0)
			return; /* stdio, and the listing's own directory */
		if (!out.empty())
			out += "; ";
		out += std::string("fd ") + fd + " -> " + std::string(target);
	});
	return out;
}

int countSyncFiles()
{
	int n = 0;
	if (forEachFd([&n](const char *, std::string_view target) {
		    n += target == "anon_inode:sync_file";
	    }) < 0)
		return -1;
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

int countLiveDmaBufsOnceSettled(int expected, int timeoutMs)
{
	int n = countLiveDmaBufs();
	for (int waited = 0; n > expected && waited < timeoutMs; waited += 20) {
		usleep(20 * 1000);
		n = countLiveDmaBufs();
	}
	return n;
}

std::string dmaBufInfo()
{
	std::ifstream in(kBufinfo);
	return std::string(std::istreambuf_iterator<char>(in), {});
}

} /* namespace dmabufkit::test */
