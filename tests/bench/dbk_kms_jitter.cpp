/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dbk-kms-jitter PIPELINE: run a display pipeline whose sink is named
 * "sink" to EOS and print, as one JSON line, what the display path cost and
 * how regularly it rendered:
 *
 *   buffers, rendered     buffers reaching the sink, and those not dropped late
 *   late_drops            the sink's late drops (GstBaseSink "dropped")
 *   source_gaps           frames the source skipped: gaps in the buffer offsets,
 *                         which v4l2src sets to the V4L2 sequence number (vivid
 *                         counts a frame it had no queued buffer for)
 *   cpu_s, cpu_ms_per_rendered
 *                         user+sys of this process from PLAYING to EOS (there
 *                         is no sampling thread in this process to pay for)
 *   steady_*              the same from the WARMUP-th buffer (default 30) to
 *                         EOS, per frame rendered in that span: start-up
 *                         (device open, modeset, preroll) left out
 *   steady_guest_ms_per_rendered, steady_others_ms_per_rendered
 *                         CPU of every process of the guest in that span per
 *                         frame, and the biggest other consumers: what runs
 *                         in kernel threads on the pipeline's behalf (a
 *                         non-blocking atomic commit completes in a kworker,
 *                         a blocking one in the caller; vivid fills frames
 *                         in its own kthread)
 *   threads               CPU ms and voluntary/involuntary context switches of
 *                         every thread alive at EOS, by name, over the run and
 *                         from the warmup-th buffer on (steady_*)
 *   ctxsw_per_rendered    context switches of the whole process per frame
 *   render_interval_*     intervals between buffers reaching the sink (both
 *                         sinks are paced by the display: kmssink waits for
 *                         the vblank in render, dmabufkmssink for the
 *                         previous flip)
 *   frames_shown, flip_interval_*
 *                         dmabufkmssink's own page-flip statistics
 */
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fstream>
#include <map>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

#include <gst/base/gstbasesink.h>
#include <gst/gst.h>

namespace {

double processCpuSeconds()
{
	rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* CPU ms of every process of the guest (kernel threads are processes of
 * their own), by pid, with the comm of each. Read through the process CPU
 * clocks: nanoseconds, where /proc/stat only has scheduler ticks. */
struct ProcessCpu {
	std::string comm;
	double ms = 0;
};

std::map<pid_t, ProcessCpu> allProcesses()
{
	std::map<pid_t, ProcessCpu> out;
	DIR *d = opendir("/proc");
	if (!d)
		return out;
	while (dirent *e = readdir(d)) {
		const pid_t pid = pid_t(std::atoi(e->d_name));
		clockid_t id;
		timespec ts{};
		if (pid <= 0 || clock_getcpuclockid(pid, &id) != 0 || clock_gettime(id, &ts) != 0)
			continue;
		ProcessCpu &p = out[pid];
		p.ms = double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
		std::getline(std::ifstream(std::string("/proc/") + e->d_name + "/comm"), p.comm);
	}
	closedir(d);
	return out;
}

struct ThreadInfo {
	double cpuMs = 0;
	unsigned long voluntary = 0, involuntary = 0;
	unsigned count = 0;
};

unsigned long statusField(const std::string &path, const char *field)
{
	std::ifstream f(path);
	std::string line;
	const size_t n = std::strlen(field);
	while (std::getline(f, line))
		if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':')
			return std::stoul(line.substr(n + 1));
	return 0;
}

/* Per-thread CPU through the thread's CPU-time clock: nanosecond resolution,
 * where /proc/.../stat only has scheduler ticks (10 ms). The clock id of
 * thread TID is ((~TID) << 3) | CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED. */
double threadCpuMs(pid_t tid)
{
	const clockid_t id = clockid_t((~unsigned(tid)) << 3) | 4 | 2;
	timespec ts{};
	if (clock_gettime(id, &ts) != 0)
		return 0;
	return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

/* Threads alive now, merged by name (GStreamer names streaming threads
 * after their pad, e.g. "v4l2src0:src"). */
std::map<std::string, ThreadInfo> threads()
{
	std::map<std::string, ThreadInfo> out;
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return out;
	while (dirent *e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		const std::string dir = std::string("/proc/self/task/") + e->d_name;
		std::string name;
		std::getline(std::ifstream(dir + "/comm"), name);
		ThreadInfo &t = out[name];
		t.cpuMs += threadCpuMs(pid_t(std::atoi(e->d_name)));
		t.voluntary += statusField(dir + "/status", "voluntary_ctxt_switches");
		t.involuntary += statusField(dir + "/status", "nonvoluntary_ctxt_switches");
		t.count++;
	}
	closedir(d);
	return out;
}

guint64 lateDrops(GstElement *sink)
{
	guint64 dropped = 0;
	if (GstStructure *s = gst_base_sink_get_stats(GST_BASE_SINK(sink))) {
		gst_structure_get_uint64(s, "dropped", &dropped);
		gst_structure_free(s);
	}
	return dropped;
}

struct Probe {
	GstElement *sink = nullptr;
	size_t warmup = 30;
	std::vector<gint64> times;
	std::vector<guint64> offsets;
	/* At the warmup-th buffer. */
	double cpu = 0;
	std::map<pid_t, ProcessCpu> guest;
	guint64 drops = 0;
	std::map<std::string, ThreadInfo> threads;
};

GstPadProbeReturn onBuffer(GstPad *, GstPadProbeInfo *info, gpointer data)
{
	auto *p = static_cast<Probe *>(data);
	p->times.push_back(g_get_monotonic_time());
	p->offsets.push_back(GST_BUFFER_OFFSET(GST_PAD_PROBE_INFO_BUFFER(info)));
	if (p->times.size() == p->warmup) {
		/* Threads first, so reading /proc is not counted in the span. */
		p->threads = threads();
		p->cpu = processCpuSeconds();
		p->guest = allProcesses();
		p->drops = lateDrops(p->sink);
	}
	return GST_PAD_PROBE_OK;
}

std::string jsonString(const std::string &s)
{
	std::string o = "\"";
	for (char c : s)
		o += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
	return o + "\"";
}

} /* namespace */

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	size_t warmup = 30;
	if (argc == 4 && g_str_equal(argv[1], "--warmup")) {
		warmup = size_t(std::max(2, std::atoi(argv[2])));
		argv += 2;
		argc -= 2;
	}
	if (argc != 2) {
		std::fprintf(stderr, "usage: %s [--warmup N] 'PIPELINE ... ! SINK name=sink'\n",
			     argv[0]);
		return 2;
	}
	GError *err = nullptr;
	GstElement *p = gst_parse_launch(argv[1], &err);
	if (!p || err) {
		std::fprintf(stderr, "parse: %s\n", err ? err->message : "?");
		return 2;
	}
	GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
	if (!sink) {
		std::fprintf(stderr, "no element named sink\n");
		return 2;
	}
	Probe probe;
	probe.sink = sink;
	probe.warmup = warmup;
	probe.times.reserve(100000);
	probe.offsets.reserve(100000);
	GstPad *pad = gst_element_get_static_pad(sink, "sink");
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, onBuffer, &probe, nullptr);
	gst_object_unref(pad);

	const auto before = threads();
	const double cpu0 = processCpuSeconds();
	const gint64 t0 = g_get_monotonic_time();
	gst_element_set_state(p, GST_STATE_PLAYING);
	GstBus *bus = gst_element_get_bus(p);
	GstMessage *m = gst_bus_timed_pop_filtered(
		bus, 300 * GST_SECOND, GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
	const double cpuEnd = processCpuSeconds();
	const auto guestEnd = allProcesses();
	const double cpu = cpuEnd - cpu0;
	const double wall = double(g_get_monotonic_time() - t0) / 1e6;
	/* Threads are sampled before the pipeline shuts down: they are gone after. */
	auto after = threads();
	const bool ok = m && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS;
	if (m && GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
		GError *e = nullptr;
		gst_message_parse_error(m, &e, nullptr);
		std::fprintf(stderr, "error: %s\n", e->message);
		g_error_free(e);
	}
	const guint64 dropped = lateDrops(sink);
	gchar *own = nullptr;
	/* GstBaseSink has a "stats" property too; only ours has flip statistics. */
	if (g_str_equal(G_OBJECT_TYPE_NAME(sink), "GstDmabufKmsSink")) {
		GstStructure *s = nullptr;
		g_object_get(sink, "stats", &s, nullptr);
		double mean = 0, jitter = 0;
		guint64 shown = 0, commits = 0, tests = 0;
		gst_structure_get_double(s, "flip-interval-mean-us", &mean);
		gst_structure_get_double(s, "flip-interval-jitter-us", &jitter);
		gst_structure_get_uint64(s, "frames-shown", &shown);
		gst_structure_get_uint64(s, "commits", &commits);
		gst_structure_get_uint64(s, "test-commits", &tests);
		own = g_strdup_printf(
			", \"frames_shown\": %" G_GUINT64_FORMAT ", \"commits\": %" G_GUINT64_FORMAT
			", \"test_commits\": %" G_GUINT64_FORMAT
			", \"flip_interval_mean_ms\": %.3f, \"flip_interval_jitter_ms\": %.3f",
			shown, commits, tests, mean / 1000, jitter / 1000);
		gst_structure_free(s);
	}
	gst_element_set_state(p, GST_STATE_NULL);

	/* Skip the first interval: it includes prerolling. */
	const auto &times = probe.times;
	double sum = 0, sq = 0, max = 0;
	size_t n = 0;
	for (size_t i = 2; i < times.size(); ++i) {
		double ms = double(times[i] - times[i - 1]) / 1000.0;
		sum += ms;
		sq += ms * ms;
		max = std::max(max, ms);
		n++;
	}
	double mean = n ? sum / double(n) : 0;
	double sd = n ? std::sqrt(std::max(0.0, sq / double(n) - mean * mean)) : 0;
	guint64 gaps = 0;
	for (size_t i = 1; i < probe.offsets.size(); ++i) {
		guint64 a = probe.offsets[i - 1], b = probe.offsets[i];
		if (a != GST_BUFFER_OFFSET_NONE && b != GST_BUFFER_OFFSET_NONE && b > a + 1)
			gaps += b - a - 1;
	}
	const guint64 rendered = times.size() > dropped ? times.size() - dropped : 0;
	/* The warmup-th buffer itself is rendered inside the span. */
	const guint64 steadyBuffers = times.size() >= warmup ? times.size() - warmup + 1 : 0;
	const guint64 steadyDrops = dropped - std::min(dropped, probe.drops);
	const guint64 steady = steadyBuffers > steadyDrops ? steadyBuffers - steadyDrops : 0;
	const double steadyCpu = steady ? (cpuEnd - probe.cpu) * 1000 / double(steady) : 0;
	/* Guest-wide CPU over the steady span, and the other processes that
	 * used most of it (kernel threads working for the pipeline). */
	double guestMs = 0;
	std::vector<std::pair<double, std::string>> others;
	for (const auto &[pid, pc] : guestEnd) {
		auto it = probe.guest.find(pid);
		const double d = pc.ms - (it != probe.guest.end() ? it->second.ms : 0);
		guestMs += d;
		if (pid != getpid() && d > 0)
			others.emplace_back(d, pc.comm);
	}
	std::sort(others.rbegin(), others.rend());
	std::string top;
	for (size_t i = 0; i < others.size() && i < 4; ++i)
		top += (top.empty() ? "" : ", ") + jsonString(others[i].second) + ": " +
		       std::to_string(steady ? others[i].first / double(steady) : 0);
	const double steadyGuest = steady ? guestMs / double(steady) : 0;

	std::string th;
	unsigned long switches = 0, steadySwitches = 0;
	for (auto &[name, t] : after) {
		/* Only what each thread spent while the pipeline ran, and from the
		 * warmup-th buffer on. */
		ThreadInfo whole = t, steadyT = t;
		if (auto it = before.find(name); it != before.end()) {
			whole.cpuMs -= it->second.cpuMs;
			whole.voluntary -= it->second.voluntary;
			whole.involuntary -= it->second.involuntary;
		}
		if (auto it = probe.threads.find(name); it != probe.threads.end()) {
			steadyT.cpuMs -= it->second.cpuMs;
			steadyT.voluntary -= it->second.voluntary;
			steadyT.involuntary -= it->second.involuntary;
		}
		switches += whole.voluntary + whole.involuntary;
		steadySwitches += steadyT.voluntary + steadyT.involuntary;
		char buf[320];
		std::snprintf(buf, sizeof buf,
			      "%s%s: {\"cpu_ms\": %.2f, \"vcsw\": %lu, \"ivcsw\": %lu, "
			      "\"steady_cpu_ms\": %.2f, "
			      "\"steady_vcsw\": %lu, \"steady_ivcsw\": %lu, \"n\": %u}",
			      th.empty() ? "" : ", ", jsonString(name).c_str(), whole.cpuMs,
			      whole.voluntary, whole.involuntary, steadyT.cpuMs, steadyT.voluntary,
			      steadyT.involuntary, t.count);
		th += buf;
	}
	std::printf(
		"{\"ok\": %s, \"buffers\": %zu, \"rendered\": %" G_GUINT64_FORMAT
		", \"late_drops\": %" G_GUINT64_FORMAT ", \"source_gaps\": %" G_GUINT64_FORMAT
		", \"wall_s\": %.3f, \"cpu_s\": %.4f, \"cpu_ms_per_rendered\": %.3f"
		", \"steady_rendered\": %" G_GUINT64_FORMAT ", \"steady_cpu_ms_per_rendered\": %.3f"
		", \"steady_guest_ms_per_rendered\": %.4f, \"steady_others_ms_per_rendered\": {%s}"
		", \"ctxsw_per_rendered\": %.2f, \"steady_ctxsw_per_rendered\": %.2f"
		", \"render_interval_mean_ms\": %.3f, \"render_interval_jitter_ms\": %.3f, "
		"\"render_interval_max_ms\": %.3f%s, \"threads\": {%s}}\n",
		ok ? "true" : "false", times.size(), rendered, dropped, gaps, wall, cpu,
		rendered ? cpu * 1000 / double(rendered) : 0, steady, steadyCpu, steadyGuest,
		top.c_str(), rendered ? double(switches) / double(rendered) : 0,
		steady ? double(steadySwitches) / double(steady) : 0, mean, sd, max, own ? own : "",
		th.c_str());
	g_free(own);
	if (m)
		gst_message_unref(m);
	gst_object_unref(bus);
	gst_object_unref(sink);
	gst_object_unref(p);
	return ok ? 0 : 1;
}
