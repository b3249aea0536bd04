/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dbk-bench-fence: CPU cost of the bounded fence wait every CPU access makes
 * first (dbk_buffer_wait_fences() on a one-memory buffer whose fences have
 * signalled: one poll() that does not sleep), next to the SYNC START/END
 * pair of the map it precedes, on a 1 MiB system-heap dma-buf. CPU time of
 * the process (CLOCK_PROCESS_CPUTIME_ID). Prints one JSON object:
 *   {"cycles":N,"wait_ns":..,"map_ns":..}
 *
 *   dbk-bench-fence CYCLES
 */
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include <dmabufkit/dmabufkit.h>
#include <gst/gst.h>

namespace {

double cpuNs()
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

} /* namespace */

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	const long cycles = argc > 1 ? atol(argv[1]) : 0;
	if (cycles <= 0) {
		fprintf(stderr, "usage: %s CYCLES\n", argv[0]);
		return 2;
	}
	GError *err = nullptr;
	DbkAllocator *alloc = dbk_allocator_new_for_exporter("dma-heap:system", &err);
	GstMemory *mem =
		alloc ? dbk_allocator_alloc_dmabuf(alloc, 1 << 20, nullptr, "bench-fence", &err)
		      : nullptr;
	if (!mem) {
		fprintf(stderr, "dbk-bench-fence: %s\n", err ? err->message : "no allocator");
		return 1;
	}
	GstBuffer *buf = gst_buffer_new();
	gst_buffer_append_memory(buf, mem);

	double t0 = cpuNs();
	for (long i = 0; i < cycles; ++i) {
		if (!dbk_buffer_wait_fences(buf, GST_MAP_READ, 1000, &err)) {
			fprintf(stderr, "dbk-bench-fence: %s\n", err->message);
			return 1;
		}
	}
	const double waitNs = (cpuNs() - t0) / cycles;

	t0 = cpuNs();
	for (long i = 0; i < cycles; ++i) {
		GstMapInfo map;
		if (!gst_buffer_map(buf, &map, GST_MAP_READ))
			return 1;
		gst_buffer_unmap(buf, &map);
	}
	const double mapNs = (cpuNs() - t0) / cycles;

	printf("{\"cycles\":%ld,\"wait_ns\":%.1f,\"map_ns\":%.1f}\n", cycles, waitNs, mapNs);
	gst_buffer_unref(buf);
	gst_object_unref(alloc);
	return 0;
}
