/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmabufv4l2convert's ALLOCATION queries: upstream is told what the OUTPUT
 * queue imports (the encoder's way); downstream's answer decides where the
 * CAPTURE queue writes: exported driver buffers, or dma-bufs of a pool
 * (downstream's or our own) the device imports.
 */
#include <cerrno>

#include <dmabufkit/dbk_constraints_convert.h>

#include "import_constraints.h"
#include "importing_queue.h"
#include "io_mode_choice.h"
#include "v4l2_convert_private.h"
#include "dmabufkit/v4l2/import_capability.h"

GST_DEBUG_CATEGORY_EXTERN(dmabuf_v4l2_convert_debug);
#define GST_CAT_DEFAULT dmabuf_v4l2_convert_debug

using namespace dmabufkit;
using namespace dmabufkit::gstv4l2;

gboolean v4l2_convert_propose_allocation(GstBaseTransform *trans, GstQuery *decide, GstQuery *query)
{
	auto *self = GST_DMABUF_V4L2_CONVERT(trans);
	ConvertState *st = self->state;
	if (gst_base_transform_is_passthrough(trans) || !st->configured) {
		/* Passthrough: downstream's answer is ours. (decide is null then,
		 * and also on a second query, which still wants our answer.) */
		auto *parent = GST_BASE_TRANSFORM_CLASS(
			g_type_class_peek_parent(G_OBJECT_GET_CLASS(trans)));
		return parent->propose_allocation(trans, decide, query);
	}
	gst_query_add_allocation_meta(query, GST_VIDEO_META_API_TYPE, nullptr);
	/* The device reads its own packed stride from one dma-buf; what its
	 * OUTPUT queue imports is probed once per device, before it has buffers. */
	Constraints needs;
	if (st->dev && !st->stream)
		needs = v4l2::importCapability(*st->dev, st->dev->outputType(), st->inFmt)
				.constraints();
	needs.consumer = GST_OBJECT_NAME(self);
	needs.packedStride = true;
	needs.memoryLayout = MemoryLayout::Single;
	DbkConstraints c;
	dmabufkit::gst::fromCore(needs, &c);
	dbk_query_add_constraints(query, &c);
	GstCaps *caps = nullptr;
	gboolean needPool = FALSE;
	gst_query_parse_allocation(query, &caps, &needPool);
	GstVideoInfo info;
	if (needPool && caps && gst_video_info_from_caps(&info, caps) && st->allocator) {
		const guint size = static_cast<guint>(MAX(info.size, st->devInInfo.size));
		GstBufferPool *pool = dbk_buffer_pool_new(st->allocator);
		GstStructure *config = gst_buffer_pool_get_config(pool);
		gst_buffer_pool_config_set_params(config, caps, size, 4, 0);
		gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
		dbk_buffer_pool_config_set_constraints(config, &c);
		dbk_buffer_pool_config_set_name_prefix(config, GST_OBJECT_NAME(self));
		if (gst_buffer_pool_set_config(pool, config))
			gst_query_add_allocation_pool(query, pool, size, 4, 0);
		gst_object_unref(pool);
	}
	return TRUE;
}

/* Can the CAPTURE queue write into \a pool's dma-bufs as they are? */
static Result<void> try_capture_pool(GstDmabufV4l2Convert *self, GstBufferPool *pool, GstCaps *caps,
				     guint count, const ImportCapability &cap, bool downstream)
{
	ConvertState *st = self->state;
	const guint size = static_cast<guint>(st->devOutInfo.size);
	GstStructure *config = gst_buffer_pool_get_config(pool);
	gst_buffer_pool_config_set_params(config, caps, size, count, 0);
	gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
	if (downstream && DBK_IS_BUFFER_POOL(pool))
		addToPoolConfig(config, cap);
	if (!gst_buffer_pool_set_config(pool, config)) {
		const gchar *why = DBK_IS_BUFFER_POOL(pool)
					   ? dbk_buffer_pool_get_error(DBK_BUFFER_POOL(pool))
					   : nullptr;
		return Error{ EINVAL, std::string("the pool refused its configuration") +
					      (why ? std::string(": ") + why : "") };
	}
	if (!gst_buffer_pool_set_active(pool, TRUE))
		return Error{ ENOMEM, "the pool could not allocate" };
	GstBuffer *probe = nullptr;
	if (gst_buffer_pool_acquire_buffer(pool, &probe, nullptr) != GST_FLOW_OK || !probe) {
		gst_buffer_pool_set_active(pool, FALSE);
		return Error{ ENOMEM, "the pool gave no buffer" };
	}
	ImportingQueue tmp(*st->dev, st->dev->captureType());
	std::optional<std::string> why =
		tmp.whyNotImportable(probe, st->outFmt.planes[0].sizeImage);
	if (!why) {
		gchar *exporter = dbk_memory_get_exporter(gst_buffer_peek_memory(probe, 0));
		if (exporter) {
			Constraints needs = cap.constraints();
			if (const ExporterRefusal *r = needs.refusal(exporter))
				why = std::string("its dma-bufs come from ") + exporter +
				      ", which the device refused: " + r->reason;
			g_free(exporter);
		}
	}
	GstVideoMeta *meta = gst_buffer_get_video_meta(probe);
	for (guint p = 0; !why && meta && p < meta->n_planes; ++p)
		if (meta->stride[p] != st->devOutInfo.stride[p] ||
		    meta->offset[p] != st->devOutInfo.offset[p])
			why = "plane " + std::to_string(p) + " has stride " +
			      std::to_string(meta->stride[p]) + "; the device writes stride " +
			      std::to_string(st->devOutInfo.stride[p]);
	gst_buffer_unref(probe);
	if (why) {
		gst_buffer_pool_set_active(pool, FALSE);
		return Error{ EINVAL, *why };
	}
	return {};
}

static Result<GstBufferPool *> own_capture_pool(GstDmabufV4l2Convert *self, GstQuery *query,
						const ImportCapability &cap)
{
	auto c = poolConstraints(query, cap, true);
	if (!c)
		return c.error();
	c->packed_stride = TRUE; /* the device writes its own stride */
	GstBufferPool *pool = dbk_buffer_pool_new(self->state->allocator);
	GstStructure *config = gst_buffer_pool_get_config(pool);
	dbk_buffer_pool_config_set_constraints(config, &*c);
	dbk_buffer_pool_config_set_name_prefix(config, GST_OBJECT_NAME(self));
	gst_buffer_pool_set_config(pool, config);
	return pool;
}

static void set_decision(GstDmabufV4l2Convert *self, const std::string &d)
{
	GST_INFO_OBJECT(self, "CAPTURE: %s", d.c_str());
	GST_OBJECT_LOCK(self);
	self->state->captureDecision = d;
	GST_OBJECT_UNLOCK(self);
}

static IoMode io_mode(GstDmabufV4l2IoMode m)
{
	return m == GST_DMABUF_V4L2_IO_MODE_EXPORT   ? IoMode::Export
	       : m == GST_DMABUF_V4L2_IO_MODE_IMPORT ? IoMode::Import
						     : IoMode::Auto;
}

gboolean v4l2_convert_decide_allocation(GstBaseTransform *trans, GstQuery *query)
{
	auto *self = GST_DMABUF_V4L2_CONVERT(trans);
	ConvertState *st = self->state;
	st->dropCapture();
	if (!st->configured || !st->dev)
		return TRUE;
	dbk_query_add_branch_constraints(GST_BASE_TRANSFORM_SRC_PAD(trans), query);
	GstCaps *caps = nullptr;
	gst_query_parse_allocation(query, &caps, nullptr);
	guint downstreamMin = 0;
	GstBufferPool *downstream = nullptr;
	if (gst_query_get_n_allocation_pools(query) > 0)
		gst_query_parse_nth_allocation_pool(query, 0, &downstream, nullptr, &downstreamMin,
						    nullptr);
	/* Our buffers come from the device: the base class must not run a pool. */
	while (gst_query_get_n_allocation_pools(query) > 0)
		gst_query_remove_nth_allocation_pool(query, 0);
	st->downstreamMin = downstreamMin;
	const guint count = st->captureBuffers + downstreamMin;

	IoModeChoice choice(io_mode(st->captureIoMode), downstream != nullptr);
	std::optional<ImportCapability> cap;
	if (choice.next()) {
		cap = v4l2::importCapability(*st->dev, st->dev->captureType(), st->outFmt);
		GST_INFO_OBJECT(self, "%s: %s", cap->device.c_str(), cap->summary().c_str());
	}
	GstBufferPool *pool = nullptr;
	while (auto candidate = choice.next()) {
		const bool isDownstream = *candidate == PoolCandidate::Downstream;
		GstBufferPool *p = nullptr;
		if (isDownstream) {
			p = std::exchange(downstream, nullptr);
		} else if (auto own = own_capture_pool(self, query, *cap)) {
			p = *own;
		} else {
			choice.refuse(own.error().message);
			continue;
		}
		if (auto r = try_capture_pool(self, p, caps, count, *cap, isDownstream); r) {
			choice.accept();
			pool = p;
			break;
		} else {
			GST_INFO_OBJECT(self, "%s pool not importable: %s",
					isDownstream ? "downstream's" : "our own",
					r.error().message.c_str());
			choice.refuse(r.error().message);
		}
		gst_object_unref(p);
	}
	if (downstream)
		gst_object_unref(downstream);
	if (choice.failed()) {
		GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
				  ("capture-io-mode=import: no pool gives dma-bufs %s can write "
				   "into: %s; use capture-io-mode=auto or export",
				   st->dev->path().c_str(), choice.lastRefusal().c_str()),
				  ("%s", cap ? cap->summary().c_str() : ""));
		return FALSE;
	}
	st->capturePool = pool;
	if (pool)
		set_decision(self, "import: " + allocationDecision(pool, *cap));
	else
		set_decision(self, "export: the driver's own buffers (" + choice.reason() + ")");
	return TRUE;
}

Result<std::unique_ptr<FrameSource>> v4l2_convert_capture_source(GstDmabufV4l2Convert *self)
{
	ConvertState *st = self->state;
	const unsigned count = st->captureBuffers + st->downstreamMin;
	if (st->capturePool) {
		auto q = std::make_unique<ImportingQueue>(*st->dev, st->dev->captureType());
		auto n = q->allocate(count);
		if (!n)
			return n.error();
		return std::unique_ptr<FrameSource>(
			std::make_unique<ImportingFrameSource>(std::move(q), st->capturePool));
	}
	auto q = ExportingQueue::create(*st->dev, st->dev->captureType(), count,
					GST_OBJECT_NAME(self));
	if (!q)
		return q.error();
	return std::unique_ptr<FrameSource>(std::make_unique<ExportingFrameSource>(
		std::move(q).value(), st->devOutInfo, st->allocator));
}
