/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:dbk-allocator
 * @title: DbkAllocator
 * @short_description: a GstDmaBufAllocator that allocates from dma-buf exporters
 *
 * DbkAllocator allocates dma-bufs from the machine's exporters (dma-buf
 * heaps, udmabuf, DRM dumb buffers), chosen by constraints, and wraps
 * foreign dma-bufs. It is a #GstDmaBufAllocator, so gst_is_dmabuf_memory()
 * is %TRUE for its memory and stock elements import it.
 *
 * CPU access differs from the stock allocator: each dma-buf is mmap-ed once
 * and the mapping is kept for the memory's life; every gst_memory_map() issues
 * DMA_BUF_IOCTL_SYNC START with the map's READ/WRITE flags and every
 * gst_memory_unmap() the matching END. Waiting for devices (implicit fences)
 * is not part of map: see dbk_buffer_wait_fences() and dbk_memory_wait_fences().
 */
#pragma once

#include <gst/allocators/allocators.h>
#include <gst/gst.h>

#include <dmabufkit/dbk_constraints.h>

G_BEGIN_DECLS

#define DBK_TYPE_ALLOCATOR (dbk_allocator_get_type())
G_DECLARE_FINAL_TYPE(DbkAllocator, dbk_allocator, DBK, ALLOCATOR, GstDmaBufAllocator)

/**
 * DbkAccessStats:
 * @sync_starts: DMA_BUF_IOCTL_SYNC START issued
 * @sync_ends: DMA_BUF_IOCTL_SYNC END issued
 * @sync_failures: SYNC ioctls that failed
 * @mmaps: mmap calls
 * @munmaps: munmap calls
 * @allocated: dma-bufs allocated (not wrapped) so far
 * @live: memories of this allocator alive now
 * @live_bytes: bytes of dma-buf they hold
 */
typedef struct {
	guint64 sync_starts;
	guint64 sync_ends;
	guint64 sync_failures;
	guint64 mmaps;
	guint64 munmaps;
	guint64 allocated;
	guint64 live;
	guint64 live_bytes;
} DbkAccessStats;

void dbk_init(void);

DbkAllocator *dbk_allocator_new(void);
DbkAllocator *dbk_allocator_new_for_exporter(const gchar *exporter, GError **error);
DbkAllocator *dbk_allocator_new_for_drm_fd(gint drm_fd, GError **error);
DbkAllocator *dbk_allocator_new_for_display(gint drm_fd, GError **error);

GstMemory *dbk_allocator_alloc_dmabuf(DbkAllocator *allocator, gsize size,
				      const DbkConstraints *constraints, const gchar *name,
				      GError **error);
GstMemory *dbk_allocator_alloc_dmabuf_with_stride(DbkAllocator *allocator, gsize size, guint stride,
						  const DbkConstraints *constraints,
						  const gchar *name, GError **error);
GstMemory *dbk_allocator_import(DbkAllocator *allocator, gint fd, gboolean take_ownership,
				GError **error);
gchar *dbk_allocator_select_exporter(DbkAllocator *allocator, const DbkConstraints *constraints,
				     gsize size, GError **error);
gchar *dbk_allocator_describe_choice(DbkAllocator *allocator, const DbkConstraints *constraints,
				     gsize size, const gchar *exporter);
void dbk_allocator_get_stats(DbkAllocator *allocator, DbkAccessStats *stats);

gboolean dbk_memory_is_dbk(GstMemory *mem);
guint64 dbk_memory_get_inode(GstMemory *mem);
gchar *dbk_memory_get_name(GstMemory *mem);
gchar *dbk_memory_get_exporter(GstMemory *mem);
gboolean dbk_memory_wait_fences(GstMemory *mem, GstMapFlags flags, gint timeout_ms, GError **error);

void dbk_get_global_access_stats(DbkAccessStats *stats);

G_END_DECLS
