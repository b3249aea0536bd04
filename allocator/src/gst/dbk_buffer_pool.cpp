/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/dbk_buffer_pool.h"

#include <atomic>
#include <mutex>
#include <string>

#include "dmabufkit/dbk_constraints_convert.h"
#include "dmabufkit/core/frame_layout.h"
#include "dmabufkit/base/pixel_format.h"

#include "gst_log_backend.h"

#define GST_CAT_DEFAULT dmabufkit::gstLogCategory(dmabufkit::LogCategory::Allocator)

using namespace dmabufkit;

#define CONFIG_CONSTRAINTS "dmabufkit-constraints"
#define CONFIG_NAME_PREFIX "dmabufkit-name-prefix"

namespace {

struct PoolState {
	DbkAllocator *allocator = nullptr;
	GstVideoInfo info{};
	FrameLayout layout;
	Constraints constraints;
	DbkConstraints cConstraints{};
	GstVideoAlignment align{};
	bool hasAlign = false;
	bool configured = false;
	std::string prefix = "dmabufkit-pool";
	std::string exporter;
	std::string decision; /* the exporter choice in words */
	std::string error;
	std::mutex lock;
	std::atomic<uint64_t> allocated{ 0 };
	std::atomic<int64_t> inFlight{ 0 };
	std::atomic<uint64_t> waits{ 0 };
	std::atomic<uint64_t> nextIndex{ 0 };
	/* start() puts its preallocated buffers in the queue through
	 * release_buffer(); those were never in flight. */
	bool starting = false;
};

} /* namespace */

struct _DbkBufferPool {
	GstBufferPool parent;
	PoolState *state;
};

G_DEFINE_TYPE(DbkBufferPool, dbk_buffer_pool, GST_TYPE_BUFFER_POOL)

static const gchar **dbk_buffer_pool_get_options(GstBufferPool *)
{
	static const gchar *options[] = { GST_BUFFER_POOL_OPTION_VIDEO_META,
					  GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT, nullptr };
	return options;
}

static gboolean fail_config(DbkBufferPool *self, const std::string &msg)
{
	GST_ERROR_OBJECT(self, "%s", msg.c_str());
	std::lock_guard lock(self->state->lock);
	self->state->error = msg;
	return FALSE;
}

static gboolean dbk_buffer_pool_set_config(GstBufferPool *pool, GstStructure *config)
{
	DbkBufferPool *self = DBK_BUFFER_POOL(pool);
	PoolState *st = self->state;
	GstCaps *caps = nullptr;
	guint size, min, max;
	if (!gst_buffer_pool_config_get_params(config, &caps, &size, &min, &max) || !caps)
		return fail_config(self, "pool configuration has no caps");
	GstVideoInfo info;
	if (!gst_video_info_from_caps(&info, caps)) {
		gchar *s = gst_caps_to_string(caps);
		std::string msg = std::string("caps are not raw video: ") + s;
		g_free(s);
		return fail_config(self, msg);
	}
	const char *fmtName = gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&info));
	const PixelFormatInfo *fmt = findPixelFormat(fmtName ? fmtName : "");
	if (!fmt || fmt->tiled)
		return fail_config(self, std::string("video format ") + (fmtName ? fmtName : "?") +
						 " is not supported by the dmabufkit pool");

	GstAllocator *cfgAlloc = nullptr;
	gst_buffer_pool_config_get_allocator(config, &cfgAlloc, nullptr);
	if (cfgAlloc && DBK_IS_ALLOCATOR(cfgAlloc) && cfgAlloc != GST_ALLOCATOR(st->allocator)) {
		gst_object_unref(st->allocator);
		st->allocator = DBK_ALLOCATOR(gst_object_ref(cfgAlloc));
	}

	DbkConstraints dc;
	if (!dbk_buffer_pool_config_get_constraints(config, &dc))
		dbk_constraints_init(&dc, nullptr);
	Constraints c = gst::toCore(dc);

	LayoutPadding pad;
	GstVideoAlignment align;
	gst_video_alignment_reset(&align);
	bool hasAlign =
		gst_buffer_pool_config_has_option(config, GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT);
	if (hasAlign) {
		gst_buffer_pool_config_get_video_alignment(config, &align);
		pad.top = align.padding_top;
		pad.bottom = align.padding_bottom;
		pad.left = align.padding_left;
		pad.right = align.padding_right;
		for (unsigned p = 0; p < 3; ++p)
			pad.strideAlignMask[p] = align.stride_align[p];
	}

	auto layout = computeFrameLayout(*fmt, GST_VIDEO_INFO_WIDTH(&info),
					 GST_VIDEO_INFO_HEIGHT(&info), c, pad);
	if (!layout)
		return fail_config(self, layout.error().message);
	/* A device may need more than the caps' frame (vivid's multi-planar
	 * output: 128 bytes past it): the configured size is the least a
	 * single-memory buffer holds. */
	if (!layout->perPlaneMemory && size > layout->frameSize) {
		GST_DEBUG_OBJECT(self,
				 "buffers of %u bytes asked for, %" G_GUINT64_FORMAT
				 " for the frame: the buffers get the larger size",
				 size, layout->frameSize);
		layout->memorySize[0] = size;
		layout->frameSize = size;
	}

	uint64_t largest = 0;
	for (unsigned m = 0; m < layout->memories(); ++m)
		largest = std::max(largest, layout->memorySize[m]);
	GError *err = nullptr;
	gchar *exporter = dbk_allocator_select_exporter(st->allocator, &dc, largest, &err);
	if (!exporter) {
		std::string msg = err->message;
		g_error_free(err);
		return fail_config(self, msg);
	}

	gchar *decision = dbk_allocator_describe_choice(st->allocator, &dc, largest, exporter);

	/* Report the layout we really use through the video info. */
	for (unsigned p = 0; p < fmt->planes; ++p) {
		GST_VIDEO_INFO_PLANE_STRIDE(&info, p) = static_cast<gint>(layout->stride[p]);
		uint64_t base = 0;
		for (unsigned q = 0; layout->perPlaneMemory && q < p; ++q)
			base += layout->memorySize[q];
		GST_VIDEO_INFO_PLANE_OFFSET(&info, p) =
			static_cast<gsize>(base + layout->offset[p]);
	}
	GST_VIDEO_INFO_SIZE(&info) = static_cast<gsize>(layout->frameSize);

	const gchar *prefix = gst_structure_get_string(config, CONFIG_NAME_PREFIX);
	{
		std::lock_guard lock(st->lock);
		st->info = info;
		st->layout = *layout;
		st->constraints = c;
		st->cConstraints = dc;
		st->align = align;
		st->hasAlign = hasAlign;
		st->exporter = exporter;
		st->decision = decision;
		st->error.clear();
		if (prefix)
			st->prefix = prefix;
		st->configured = true;
	}
	g_free(exporter);
	GST_INFO_OBJECT(self, "allocation decision: %s", decision);
	g_free(decision);

	GST_INFO_OBJECT(self,
			"%s %ux%u: %u memor%s, frame %" G_GUINT64_FORMAT
			" bytes, strides %u/%u/%u, exporter %s, constraints: %s",
			fmtName, GST_VIDEO_INFO_WIDTH(&info), GST_VIDEO_INFO_HEIGHT(&info),
			layout->memories(), layout->memories() == 1 ? "y" : "ies",
			layout->frameSize, layout->stride[0], layout->stride[1], layout->stride[2],
			st->exporter.c_str(), c.describe().c_str());
	GST_INFO_OBJECT(self,
			"exporter %s chosen for this pool, %u to %u buffers (0: no limit), "
			"offsets %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
			st->exporter.c_str(), min, max, layout->offset[0], layout->offset[1],
			layout->offset[2]);

	gst_buffer_pool_config_set_params(config, caps, static_cast<guint>(layout->frameSize), min,
					  max);
	return GST_BUFFER_POOL_CLASS(dbk_buffer_pool_parent_class)->set_config(pool, config);
}

static GstFlowReturn dbk_buffer_pool_alloc_buffer(GstBufferPool *pool, GstBuffer **buffer,
						  GstBufferPoolAcquireParams *)
{
	DbkBufferPool *self = DBK_BUFFER_POOL(pool);
	PoolState *st = self->state;
	const FrameLayout &l = st->layout;
	const uint64_t index = st->nextIndex++;
	GstBuffer *buf = gst_buffer_new();

	for (unsigned m = 0; m < l.memories(); ++m) {
		gchar *name = l.memories() > 1 ? g_strdup_printf("%s:%" G_GUINT64_FORMAT ".%u",
								 st->prefix.c_str(), index, m)
					       : g_strdup_printf("%s:%" G_GUINT64_FORMAT,
								 st->prefix.c_str(), index);
		GError *err = nullptr;
		GstMemory *mem = dbk_allocator_alloc_dmabuf_with_stride(
			st->allocator, l.memorySize[m], l.stride[m], &st->cConstraints, name, &err);
		g_free(name);
		if (!mem) {
			GST_ERROR_OBJECT(self, "buffer %" G_GUINT64_FORMAT ": %s", index,
					 err->message);
			{
				std::lock_guard lock(st->lock);
				st->error = err->message;
			}
			g_error_free(err);
			gst_buffer_unref(buf);
			return GST_FLOW_ERROR;
		}
		gst_buffer_append_memory(buf, mem);
	}

	gsize offsets[GST_VIDEO_MAX_PLANES] = {};
	gint strides[GST_VIDEO_MAX_PLANES] = {};
	for (unsigned p = 0; p < l.planes; ++p) {
		offsets[p] = GST_VIDEO_INFO_PLANE_OFFSET(&st->info, p);
		strides[p] = GST_VIDEO_INFO_PLANE_STRIDE(&st->info, p);
	}
	GstVideoMeta *meta = gst_buffer_add_video_meta_full(
		buf, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_INFO_FORMAT(&st->info),
		GST_VIDEO_INFO_WIDTH(&st->info), GST_VIDEO_INFO_HEIGHT(&st->info), l.planes,
		offsets, strides);
	if (st->hasAlign)
		gst_video_meta_set_alignment(meta, st->align);

	st->allocated++;
	GST_TRACE_OBJECT(self, "allocated buffer %" G_GUINT64_FORMAT " (%u memor%s) from %s", index,
			 l.memories(), l.memories() == 1 ? "y" : "ies", st->exporter.c_str());
	*buffer = buf;
	return GST_FLOW_OK;
}

static GstFlowReturn dbk_buffer_pool_acquire_buffer(GstBufferPool *pool, GstBuffer **buffer,
						    GstBufferPoolAcquireParams *params)
{
	DbkBufferPool *self = DBK_BUFFER_POOL(pool);
	auto *parent = GST_BUFFER_POOL_CLASS(dbk_buffer_pool_parent_class);
	const bool dontWait = params && (params->flags & GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT);

	GstBufferPoolAcquireParams tryParams = {};
	if (params)
		tryParams = *params;
	tryParams.flags = static_cast<GstBufferPoolAcquireFlags>(
		tryParams.flags | GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT);
	GstFlowReturn ret = parent->acquire_buffer(pool, buffer, &tryParams);
	if (ret == GST_FLOW_EOS && !dontWait) {
		/* Every buffer is in flight: the producer waits for a consumer. */
		self->state->waits++;
		ret = parent->acquire_buffer(pool, buffer, params);
	}
	if (ret == GST_FLOW_OK)
		self->state->inFlight++;
	return ret;
}

static gboolean dbk_buffer_pool_start(GstBufferPool *pool)
{
	PoolState *st = DBK_BUFFER_POOL(pool)->state;
	st->starting = true;
	gboolean ok = GST_BUFFER_POOL_CLASS(dbk_buffer_pool_parent_class)->start(pool);
	st->starting = false;
	return ok;
}

static void dbk_buffer_pool_release_buffer(GstBufferPool *pool, GstBuffer *buffer)
{
	PoolState *st = DBK_BUFFER_POOL(pool)->state;
	if (!st->starting)
		st->inFlight--;
	GST_BUFFER_POOL_CLASS(dbk_buffer_pool_parent_class)->release_buffer(pool, buffer);
}

static void dbk_buffer_pool_finalize(GObject *object)
{
	DbkBufferPool *self = DBK_BUFFER_POOL(object);
	gst_object_unref(self->state->allocator);
	delete self->state;
	G_OBJECT_CLASS(dbk_buffer_pool_parent_class)->finalize(object);
}

static void dbk_buffer_pool_class_init(DbkBufferPoolClass *klass)
{
	dbk_init();
	G_OBJECT_CLASS(klass)->finalize = dbk_buffer_pool_finalize;
	GstBufferPoolClass *pc = GST_BUFFER_POOL_CLASS(klass);
	pc->get_options = dbk_buffer_pool_get_options;
	pc->set_config = dbk_buffer_pool_set_config;
	pc->alloc_buffer = dbk_buffer_pool_alloc_buffer;
	pc->acquire_buffer = dbk_buffer_pool_acquire_buffer;
	pc->release_buffer = dbk_buffer_pool_release_buffer;
	pc->start = dbk_buffer_pool_start;
}

static void dbk_buffer_pool_init(DbkBufferPool *self)
{
	self->state = new PoolState;
}

/**
 * dbk_buffer_pool_new:
 * @allocator: (nullable): the allocator to use; %NULL for a new one of its own
 *   (so the pool's access statistics are its alone)
 *
 * Returns: (transfer full): a new pool
 */
GstBufferPool *dbk_buffer_pool_new(DbkAllocator *allocator)
{
	dbk_init();
	auto *self = static_cast<DbkBufferPool *>(g_object_new(DBK_TYPE_BUFFER_POOL, nullptr));
	self->state->allocator =
		allocator ? DBK_ALLOCATOR(gst_object_ref(allocator)) : dbk_allocator_new();
	gst_object_ref_sink(self);
	return GST_BUFFER_POOL(self);
}

/**
 * dbk_buffer_pool_config_set_constraints:
 * @config: a pool configuration
 * @c: merged constraints the buffers must satisfy
 */
void dbk_buffer_pool_config_set_constraints(GstStructure *config, const DbkConstraints *c)
{
	GstStructure *s = dbk_constraints_to_structure(c);
	gst_structure_set(config, CONFIG_CONSTRAINTS, GST_TYPE_STRUCTURE, s, nullptr);
	gst_structure_free(s);
}

/**
 * dbk_buffer_pool_config_get_constraints:
 * @config: a pool configuration
 * @c: (out): the constraints set on it
 *
 * Returns: %FALSE when none are set
 */
gboolean dbk_buffer_pool_config_get_constraints(GstStructure *config, DbkConstraints *c)
{
	const GValue *v = gst_structure_get_value(config, CONFIG_CONSTRAINTS);
	if (!v || !GST_VALUE_HOLDS_STRUCTURE(v))
		return FALSE;
	return dbk_constraints_from_structure(gst_value_get_structure(v), c, nullptr);
}

/**
 * dbk_buffer_pool_config_set_name_prefix:
 * @config: a pool configuration
 * @prefix: dma-bufs are named "PREFIX:N" (visible in bufinfo)
 */
void dbk_buffer_pool_config_set_name_prefix(GstStructure *config, const gchar *prefix)
{
	gst_structure_set(config, CONFIG_NAME_PREFIX, G_TYPE_STRING, prefix, nullptr);
}

/**
 * dbk_buffer_pool_get_stats:
 * @pool: the pool
 * @stats: (out): its statistics
 */
void dbk_buffer_pool_get_stats(DbkBufferPool *self, DbkPoolStats *stats)
{
	stats->allocated = self->state->allocated;
	int64_t inflight = self->state->inFlight;
	stats->in_flight = inflight > 0 ? static_cast<guint64>(inflight) : 0;
	stats->waits = self->state->waits;
	dbk_allocator_get_stats(self->state->allocator, &stats->access);
}

/**
 * dbk_buffer_pool_get_stats_structure:
 * @pool: the pool
 *
 * Returns: (transfer full): a "dmabufkit/pool-stats" structure with the
 * fields allocated, in-flight, waits, sync-starts, sync-ends, mmaps,
 * munmaps, live, live-bytes (all guint64), exporter, name-prefix and
 * decision (strings; see dbk_buffer_pool_get_decision())
 */
GstStructure *dbk_buffer_pool_get_stats_structure(DbkBufferPool *self)
{
	DbkPoolStats s;
	dbk_buffer_pool_get_stats(self, &s);
	std::lock_guard lock(self->state->lock);
	return gst_structure_new(
		"dmabufkit/pool-stats", "allocated", G_TYPE_UINT64, s.allocated, "in-flight",
		G_TYPE_UINT64, s.in_flight, "waits", G_TYPE_UINT64, s.waits, "sync-starts",
		G_TYPE_UINT64, s.access.sync_starts, "sync-ends", G_TYPE_UINT64, s.access.sync_ends,
		"mmaps", G_TYPE_UINT64, s.access.mmaps, "munmaps", G_TYPE_UINT64, s.access.munmaps,
		"live", G_TYPE_UINT64, s.access.live, "live-bytes", G_TYPE_UINT64,
		s.access.live_bytes, "exporter", G_TYPE_STRING, self->state->exporter.c_str(),
		"name-prefix", G_TYPE_STRING, self->state->prefix.c_str(), "decision",
		G_TYPE_STRING, self->state->decision.c_str(), nullptr);
}

/**
 * dbk_buffer_pool_get_exporter_name:
 *
 * Returns: (nullable): the exporter chosen at configuration, or %NULL
 */
const gchar *dbk_buffer_pool_get_exporter_name(DbkBufferPool *self)
{
	return self->state->configured ? self->state->exporter.c_str() : nullptr;
}

/**
 * dbk_buffer_pool_get_decision:
 *
 * Returns: (transfer full) (nullable): why the pool's exporter was chosen:
 *   for which consumers, because of which constraint, and why each
 *   preferred exporter was passed over; %NULL before configuration
 */
gchar *dbk_buffer_pool_get_decision(DbkBufferPool *self)
{
	std::lock_guard lock(self->state->lock);
	return self->state->configured ? g_strdup(self->state->decision.c_str()) : nullptr;
}

/**
 * dbk_buffer_pool_get_error:
 *
 * Returns: (nullable): why the last configuration or allocation failed
 */
const gchar *dbk_buffer_pool_get_error(DbkBufferPool *self)
{
	return self->state->error.empty() ? nullptr : self->state->error.c_str();
}

/**
 * dbk_buffer_pool_get_video_info:
 * @info: (out): the video info with the strides, offsets and size in use
 *
 * Returns: %FALSE before a successful configuration
 */
gboolean dbk_buffer_pool_get_video_info(DbkBufferPool *self, GstVideoInfo *info)
{
	std::lock_guard lock(self->state->lock);
	if (!self->state->configured)
		return FALSE;
	*info = self->state->info;
	return TRUE;
}

/**
 * dbk_buffer_pool_decide_allocation:
 * @query: an ALLOCATION query answered by downstream
 * @exporter: (nullable): "auto" (or %NULL) to pick by constraints, or an
 *   exporter name ("dma-heap:system", "udmabuf", "drm-dumb", ...)
 * @cpu_write: the producer writes the frames with the CPU (adds cpu-mappable)
 * @name_prefix: the pool's dma-bufs are named "PREFIX:N"
 * @error: (out) (optional): %DBK_ERROR_INVALID (no caps),
 *   %DBK_ERROR_CONFLICT (downstream constraints contradict),
 *   %DBK_ERROR_NO_EXPORTER (unknown exporter, or none meets the constraints)
 *
 * What a producer's decide_allocation needs: merges the constraints every
 * consumer stated in @query, takes the first pool downstream offered when it
 * is a #DbkBufferPool (e.g. a display's scanout pool) or makes one on
 * @exporter, configures it for the query's caps (at least 2 buffers,
 * GstVideoMeta) and puts it first in @query.
 *
 * Returns: (transfer full) (nullable): the configured pool, inactive
 */
GstBufferPool *dbk_buffer_pool_decide_allocation(GstQuery *query, const gchar *exporter,
						 gboolean cpu_write, const gchar *name_prefix,
						 GError **error)
{
	GstCaps *caps = nullptr;
	gst_query_parse_allocation(query, &caps, nullptr);
	GstVideoInfo info;
	if (!caps || !gst_video_info_from_caps(&info, caps)) {
		g_set_error(error, DBK_ERROR, DBK_ERROR_INVALID,
			    "the allocation query has no video caps");
		return nullptr;
	}
	DbkConstraints constraints;
	guint consumers = 0;
	if (!dbk_query_get_constraints(query, &constraints, &consumers, error))
		return nullptr;
	if (cpu_write)
		constraints.cpu_mappable = TRUE;

	GstBufferPool *pool = nullptr;
	guint size = 0, min = 0, max = 0;
	if (gst_query_get_n_allocation_pools(query) > 0) {
		gst_query_parse_nth_allocation_pool(query, 0, &pool, &size, &min, &max);
		if (pool && !DBK_IS_BUFFER_POOL(pool)) {
			/* Not ours: it would not give dma-bufs laid out for these consumers. */
			GST_DEBUG("downstream pool %" GST_PTR_FORMAT " is not a dmabufkit pool: "
				  "not used",
				  pool);
			gst_object_unref(pool);
			pool = nullptr;
		} else if (pool) {
			GST_INFO("using the dmabufkit pool %" GST_PTR_FORMAT " downstream offered",
				 pool);
		}
	}
	GST_INFO("%s: constraints merged from %u consumer(s) (%s): cpu-mappable %d, contiguous "
		 "%d, scanout %d, stride-align %u, offset-align %u; exporter asked: %s",
		 name_prefix ? name_prefix : "pool", consumers,
		 constraints.consumer[0] ? constraints.consumer : "none", constraints.cpu_mappable,
		 constraints.contiguous, constraints.scanout, constraints.stride_align,
		 constraints.offset_align, exporter ? exporter : "auto");
	if (!pool) {
		DbkAllocator *alloc = nullptr;
		if (exporter && !g_str_equal(exporter, "auto")) {
			alloc = dbk_allocator_new_for_exporter(exporter, error);
			if (!alloc)
				return nullptr;
		}
		pool = dbk_buffer_pool_new(alloc);
		if (alloc)
			gst_object_unref(alloc);
	}
	min = MAX(min, 2u);

	GstStructure *config = gst_buffer_pool_get_config(pool);
	gst_buffer_pool_config_set_params(config, caps, MAX(size, static_cast<guint>(info.size)),
					  min, max);
	gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
	dbk_buffer_pool_config_set_constraints(config, &constraints);
	if (name_prefix)
		dbk_buffer_pool_config_set_name_prefix(config, name_prefix);
	/* A refused configuration may have been adjusted; accept it if valid. */
	if (!gst_buffer_pool_set_config(pool, config) &&
	    !gst_buffer_pool_set_config(pool, gst_buffer_pool_get_config(pool))) {
		const gchar *why = dbk_buffer_pool_get_error(DBK_BUFFER_POOL(pool));
		GST_WARNING_OBJECT(pool, "configuration refused: %s",
				   why ? why : "pool configuration refused");
		g_set_error(error, DBK_ERROR, DBK_ERROR_NO_EXPORTER,
			    "%s (downstream constraints from %u consumer(s): %s)",
			    why ? why : "pool configuration refused", consumers,
			    constraints.consumer[0] ? constraints.consumer : "none");
		gst_object_unref(pool);
		return nullptr;
	}
	config = gst_buffer_pool_get_config(pool);
	gst_buffer_pool_config_get_params(config, nullptr, &size, &min, &max);
	gst_structure_free(config);
	if (gst_query_get_n_allocation_pools(query) > 0)
		gst_query_set_nth_allocation_pool(query, 0, pool, size, min, max);
	else
		gst_query_add_allocation_pool(query, pool, size, min, max);
	GST_INFO_OBJECT(pool, "%s: exporter %s, buffers of %u bytes, min %u max %u",
			name_prefix ? name_prefix : "pool",
			dbk_buffer_pool_get_exporter_name(DBK_BUFFER_POOL(pool)), size, min, max);
	return pool;
}

/**
 * dbk_buffer_pool_post_allocation_error:
 * @element: the element whose decide_allocation failed
 * @exporter: (nullable): the exporter it asked for
 * @error: the error of dbk_buffer_pool_decide_allocation()
 *
 * Post @error on the bus as the matching element error: no caps is a
 * negotiation error, contradicting constraints and unmet ones are settings
 * errors; the message names the exporter, the debug text says why.
 */
void dbk_buffer_pool_post_allocation_error(GstElement *element, const gchar *exporter,
					   const GError *error)
{
	GstElement *self = element;
	if (g_error_matches(error, DBK_ERROR, DBK_ERROR_INVALID))
		GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
				  ("No video caps in the allocation query"),
				  ("%s", error->message));
	else if (g_error_matches(error, DBK_ERROR, DBK_ERROR_CONFLICT))
		GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
				  ("Downstream buffer constraints conflict"),
				  ("%s", error->message));
	else
		/* The message itself names the consumers, their needs, each exporter
		 * and why it failed: the user needs all of it. */
		GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
				  ("Cannot allocate dma-bufs (exporter \"%s\"): %s",
				   exporter ? exporter : "auto", error->message),
				  ("%s", error->message));
}
