/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cpu_usage.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

namespace dmabufkit::dmabuftrace {

static double processCpuSeconds()
{
	timespec ts{};
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A thread's CPU time through its CPU-time clock (Linux: the clock id of
   thread @tid is ~tid << 3 | CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED): one
   syscall, where /proc/self/task/TID/stat costs three and a text parse. */
static bool threadCpuSeconds(int tid, double *seconds)
{
	const clockid_t clock = static_cast<clockid_t>((~static_cast<unsigned>(tid) << 3) | 6u);
	timespec ts{};
	if (clock_gettime(clock, &ts) != 0)
		return false;
	*seconds = ts.tv_sec + ts.tv_nsec / 1e9;
	return true;
}

static std::string threadName(int tid)
{
	char path[64], buf[64];
	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return {};
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return {};
	if (buf[n - 1] == '\n')
		--n;
	return std::string(buf, n);
}

void CpuUsage::write(JsonWriter &w, double t)
{
	double cpu = processCpuSeconds();
	double dt = prevT_ >= 0 ? t - prevT_ : 0;
	w.key("cpu").beginObject();
	w.field("process_s", cpu);
	w.field("load", dt > 0 ? (cpu - prevProcessCpu_) / dt : 0.0);
	w.key("threads").beginArray();
	for (auto &[tid, th] : threads_)
		th.seen = false;
	if (DIR *d = opendir("/proc/self/task")) {
		int count = 0;
		while (dirent *de = readdir(d)) {
			if (de->d_name[0] == '.' || ++count > 64)
				continue;
			int tid = atoi(de->d_name);
			double seconds;
			if (!threadCpuSeconds(tid, &seconds))
				continue;
			auto [it, fresh] = threads_.try_emplace(tid);
			ThreadSeen &th = it->second;
			/* Names change (GStreamer names streaming threads once they
			   run): read again now and then, not every snapshot. */
			if (t - th.nameT > 2.0) {
				th.name = threadName(tid);
				th.nameT = t;
			}
			double load = (dt > 0 && !fresh) ? (seconds - th.cpu) / dt : 0.0;
			th.cpu = seconds;
			th.seen = true;
			w.beginObject();
			w.field("tid", tid).field("name", th.name);
			w.field("cpu_s", seconds).field("load", load);
			w.endObject();
		}
		closedir(d);
	}
	std::erase_if(threads_, [](const auto &e) { return !e.second.seen; });
	w.endArray();
	w.endObject();
	prevT_ = t;
	prevProcessCpu_ = cpu;
}

} /* namespace dmabufkit::dmabuftrace */
