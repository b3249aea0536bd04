/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:dbk-buffer-pool
 * @title: DbkBufferPool
 * @short_description: a video buffer pool of dma-bufs laid out by constraints
 *
 * The pool allocates one dma-buf per frame (or one per plane when the
 * constraints ask for it) through a #DbkAllocator, lays the planes out to
 * satisfy the merged #DbkConstraints and any #GstVideoAlignment, and attaches
 * a #GstVideoMeta with the strides and offsets actually used. Every dma-buf
 * is named "PREFIX:N" (see dbk_buffer_pool_config_set_name_prefix()).
 *
 * Supported options: GST_BUFFER_POOL_OPTION_VIDEO_META and
 * GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT.
 */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include <dmabufkit/dbk_allocator.h>
#include <dmabufkit/dbk_constraints.h>

G_BEGIN_DECLS

#define DBK_TYPE_BUFFER_POOL (dbk_buffer_pool_get_type())
G_DECLARE_FINAL_TYPE(DbkBufferPool, dbk_buffer_pool, DBK, BUFFER_POOL, GstBufferPool)

/**
 * DbkPoolStats:
 * @allocated: buffers allocated
 * @in_flight: buffers acquired and not yet returned
 * @waits: acquires that had to wait for a free buffer
 * @access: CPU access counters of the pool's memories
 */
typedef struct {
	guint64 allocated;
	guint64 in_flight;
	guint64 waits;
	DbkAccessStats access;
} DbkPoolStats;

GstBufferPool *dbk_buffer_pool_new(DbkAllocator *allocator);
GstBufferPool *dbk_buffer_pool_decide_allocation(GstQuery *query, const gchar *exporter,
						 gboolean cpu_write, const gchar *name_prefix,
						 GError **error);
void dbk_buffer_pool_post_allocation_error(GstElement *element, const gchar *exporter,
					   const GError *error);

void dbk_buffer_pool_config_set_constraints(GstStructure *config, const DbkConstraints *c);
gboolean dbk_buffer_pool_config_get_constraints(GstStructure *config, DbkConstraints *c);
void dbk_buffer_pool_config_set_name_prefix(GstStructure *config, const gchar *prefix);

void dbk_buffer_pool_get_stats(DbkBufferPool *pool, DbkPoolStats *stats);
GstStructure *dbk_buffer_pool_get_stats_structure(DbkBufferPool *pool);
const gchar *dbk_buffer_pool_get_exporter_name(DbkBufferPool *pool);
gchar *dbk_buffer_pool_get_decision(DbkBufferPool *pool);
const gchar *dbk_buffer_pool_get_error(DbkBufferPool *pool);
gboolean dbk_buffer_pool_get_video_info(DbkBufferPool *pool, GstVideoInfo *info);

G_END_DECLS
