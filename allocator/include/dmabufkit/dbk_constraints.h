/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:dbk-constraints
 * @title: DbkConstraints
 * @short_description: buffer constraints exchanged in ALLOCATION queries
 *
 * A consumer (typically a sink pad's element) states what the buffers it is
 * given must satisfy with dbk_query_add_constraints() while answering an
 * ALLOCATION query. The producer reads the merge of every consumer's needs
 * with dbk_query_get_constraints() and configures its pool with them.
 *
 * On the wire the constraints travel as allocation meta parameters of the
 * API type DBK_CONSTRAINTS_META_API_TYPE, one #GstStructure named
 * "dmabufkit/constraints" per consumer, with these optional fields:
 *
 * - consumer (string): who states the constraints
 * - cpu-mappable, contiguous, scanout, packed-stride (boolean)
 * - stride-align, offset-align (uint, powers of two)
 * - memory-layout (string): "any", "single" or "per-plane"
 * - max-size (guint64): largest acceptable dma-buf in bytes, 0 for none
 * - refused-exporters (string): exporters the consumer's device refused, one
 *   "exporter<TAB>reason" per line (learnt by a probe import)
 * - accepted-exporters (string): exporters whose buffers the device imported,
 *   comma-separated; they satisfy "scanout" for a display that proved it
 *
 * Elements that do not know dmabufkit ignore the meta, so adding it is safe.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * DbkMemoryLayout:
 * @DBK_MEMORY_LAYOUT_ANY: no preference
 * @DBK_MEMORY_LAYOUT_SINGLE: every plane in one dma-buf
 * @DBK_MEMORY_LAYOUT_PER_PLANE: one dma-buf per plane
 */
typedef enum {
	DBK_MEMORY_LAYOUT_ANY = 0,
	DBK_MEMORY_LAYOUT_SINGLE = 1,
	DBK_MEMORY_LAYOUT_PER_PLANE = 2,
} DbkMemoryLayout;

#define DBK_CONSTRAINTS_CONSUMER_LEN 128
#define DBK_CONSTRAINTS_EXPORTERS_LEN 1024

/**
 * DbkConstraints:
 * @consumer: who states them (for error messages)
 * @cpu_mappable: buffers must be mmap-able
 * @contiguous: buffers must be physically contiguous
 * @scanout: buffers must be scanout-capable
 * @packed_stride: strides must be exactly width x bytes per pixel, planes packed
 * @stride_align: row pitch alignment in bytes (power of two, 1 for none)
 * @offset_align: plane offset alignment in bytes (power of two, 1 for none)
 * @memory_layout: how planes are spread over dma-bufs
 * @max_size: largest dma-buf in bytes, 0 for no limit
 * @refused_exporters: exporters the device refused, "exporter<TAB>reason"
 *   lines; use dbk_constraints_add_refusal()
 * @accepted_exporters: comma-separated exporters the device imported; use
 *   dbk_constraints_add_accepted()
 *
 * Initialise with dbk_constraints_init().
 */
typedef struct {
	gchar consumer[DBK_CONSTRAINTS_CONSUMER_LEN];
	gboolean cpu_mappable;
	gboolean contiguous;
	gboolean scanout;
	gboolean packed_stride;
	guint stride_align;
	guint offset_align;
	DbkMemoryLayout memory_layout;
	guint64 max_size;
	gchar refused_exporters[DBK_CONSTRAINTS_EXPORTERS_LEN];
	gchar accepted_exporters[DBK_CONSTRAINTS_EXPORTERS_LEN];
} DbkConstraints;

#define DBK_CONSTRAINTS_STRUCTURE_NAME "dmabufkit/constraints"

GType dbk_constraints_meta_api_get_type(void);
#define DBK_CONSTRAINTS_META_API_TYPE (dbk_constraints_meta_api_get_type())

void dbk_constraints_init(DbkConstraints *c, const gchar *consumer);
void dbk_constraints_add_refusal(DbkConstraints *c, const gchar *exporter, const gchar *reason);
void dbk_constraints_add_accepted(DbkConstraints *c, const gchar *exporter);
GstStructure *dbk_constraints_to_structure(const DbkConstraints *c);
gboolean dbk_constraints_from_structure(const GstStructure *s, DbkConstraints *c, GError **error);
gboolean dbk_constraints_merge(const DbkConstraints *all, guint n, DbkConstraints *merged,
			       GError **error);
gchar *dbk_constraints_to_string(const DbkConstraints *c);

void dbk_query_add_constraints(GstQuery *query, const DbkConstraints *c);
gboolean dbk_query_get_constraints(GstQuery *query, DbkConstraints *merged, guint *n_consumers,
				   GError **error);
guint dbk_query_add_branch_constraints(GstPad *srcpad, GstQuery *query);

/**
 * DBK_ERROR:
 *
 * Error domain of the dmabufkit library.
 */
#define DBK_ERROR (dbk_error_quark())
GQuark dbk_error_quark(void);

/**
 * DbkError:
 * @DBK_ERROR_FAILED: a system call failed (the message names it)
 * @DBK_ERROR_NO_EXPORTER: no exporter meets the constraints
 * @DBK_ERROR_INVALID: invalid argument (size 0, not a dma-buf, ...)
 * @DBK_ERROR_CONFLICT: constraints contradict each other
 * @DBK_ERROR_TIMED_OUT: a device did not finish with a buffer in time (its fences did
 *   not signal within the bound, dbk_buffer_wait_fences())
 */
typedef enum {
	DBK_ERROR_FAILED,
	DBK_ERROR_NO_EXPORTER,
	DBK_ERROR_INVALID,
	DBK_ERROR_CONFLICT,
	DBK_ERROR_TIMED_OUT,
} DbkError;

G_END_DECLS
