/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dbk-bench-map: CPU map+unmap cycles per second on one 1 MiB dma-buf (system
 * heap), touching one byte per cycle, through
 *   ours         DbkAllocator: cached mapping + SYNC START/END
 *   stock        GstDmaBufAllocator memory (mmap/munmap per map)
 *   stock-keep   GstDmaBufAllocator memory with GST_FD_MEMORY_FLAG_KEEP_MAPPED
 * Prints one JSON object. Run under strace -c to count syscalls per access.
 *
 *   dbk-bench-map VARIANT CYCLES
 */
#include <chrono>
#include <cstdio>
#include <cstring>
#include <gst/allocators/allocators.h>
#include <gst/gst.h>
#include <unistd.h>

#include <dmabufkit/dmabufkit.h>

#include "dmabufkit/core/dma_heap_exporter.h"

using namespace dmabufkit;

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	if (argc != 3) {
		fprintf(stderr, "usage: %s ours|stock|stock-keep CYCLES\n", argv[0]);
		return 2;
	}
	const std::string variant = argv[1];
	const long cycles = atol(argv[2]);
	auto heap = DmaHeapExporter::open("system");
	if (!heap) {
		fprintf(stderr, "%s\n", heap.error().message.c_str());
		return 1;
	}
	const gsize size = 1 << 20;
	auto buf = (*heap)->allocate({ size, "bench-map", 0 });
	if (!buf) {
		fprintf(stderr, "%s\n", buf.error().message.c_str());
		return 1;
	}

	GstAllocator *alloc = nullptr;
	GstMemory *mem = nullptr;
	if (variant == "ours") {
		alloc = GST_ALLOCATOR(dbk_allocator_new());
		mem = dbk_allocator_import(DBK_ALLOCATOR(alloc), buf->fd(), FALSE, nullptr);
	} else if (variant == "stock" || variant == "stock-keep") {
		alloc = gst_dmabuf_allocator_new();
		mem = gst_dmabuf_allocator_alloc_with_flags(alloc, dup(buf->fd()), size,
							    variant == "stock-keep"
								    ? GST_FD_MEMORY_FLAG_KEEP_MAPPED
								    : GST_FD_MEMORY_FLAG_NONE);
	} else {
		fprintf(stderr, "unknown variant %s\n", variant.c_str());
		return 2;
	}
	if (!mem) {
		fprintf(stderr, "cannot wrap the dma-buf\n");
		return 1;
	}

	const auto t0 = std::chrono::steady_clock::now();
	GstMapInfo info;
	for (long i = 0; i < cycles; ++i) {
		if (!gst_memory_map(mem, &info, GST_MAP_READWRITE)) {
			fprintf(stderr, "map failed at cycle %ld\n", i);
			return 1;
		}
		info.data[(i * 4096) % size]++;
		gst_memory_unmap(mem, &info);
	}
	const double s =
		std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	printf("{\"variant\": \"%s\", \"cycles\": %ld, \"seconds\": %.4f, \"cycles_per_s\": "
	       "%.1f}\n",
	       variant.c_str(), cycles, s, cycles / s);
	gst_memory_unref(mem);
	gst_object_unref(alloc);
	return 0;
}
