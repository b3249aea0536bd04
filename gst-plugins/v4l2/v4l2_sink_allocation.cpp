/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmabufv4l2sink's allocation side: what it states in the ALLOCATION query
 * (the device's import constraints, its own exported buffers as a pool), how
 * the first frame picks export or import, and the copy fallback.
 */
#include <cerrno>

#include <dmabufkit/dbk_constraints_convert.h>

#include "frame_copy.h"
#include "import_constraints.h"
#include "output_pool.h"
#include "v4l2_sink_private.h"

GST_DEBUG_CATEGORY_EXTERN(dmabuf_v4l2_sink_debug);
#define GST_CAT_DEFAULT dmabuf_v4l2_sink_debug

using namespace dmabufkit;
using namespace dmabufkit::gstv4l2;

namespace {

GstDebugCategory *perfCategory()
{
	static GstDebugCategory *cat = _gst_debug_get_category("GST_PERFORMANCE");
	return cat;
}

/* What the device needs to read a frame it imports: what its OUTPUT queue
 * proved it imports (contiguity, refused exporters), the driver's packed
 * stride and one dma-buf per frame on the single-planar API. */
DbkConstraints deviceConstraints(GstDmabufV4l2Sink *self)
{
	SinkState *st = self->state;
	Constraints needs = st->capability ? st->capability->constraints() : Constraints{};
	needs.consumer = GST_OBJECT_NAME(self);
	needs.packedStride = true;
	if (!st->dev->multiPlanar())
		needs.memoryLayout = MemoryLayout::Single;
	DbkConstraints c;
	dmabufkit::gst::fromCore(needs, &c);
	return c;
}

/* The device's MMAP buffers, exported, as a pool; made once per format. */
Result<void> ensureExportPool(GstDmabufV4l2Sink *self)
{
	SinkState *st = self->state;
	if (st->exportPool)
		return {};
	auto q = std::make_unique<v4l2::ExportedOutputQueue>(*st->dev);
	auto n = q->allocate(st->numBuffers, GST_OBJECT_NAME(self));
	if (!n)
		return n.error();
	std::vector<std::vector<int>> fds;
	for (unsigned i = 0; i < q->count(); ++i) {
		std::vector<int> planes;
		for (const auto &fd : q->fds(i))
			planes.push_back(fd.get());
		fds.push_back(std::move(planes));
	}
	std::string name = std::string(GST_OBJECT_NAME(self)) + "-pool";
	st->exportPool = outputPoolNew(fds, st->devInfo, st->allocator, name.c_str());
	st->exportQueue = std::move(q);
	return {};
}

void addImportPool(GstDmabufV4l2Sink *self, GstQuery *query, const DbkConstraints &c)
{
	SinkState *st = self->state;
	GstBufferPool *pool = dbk_buffer_pool_new(st->allocator);
	GstStructure *config = gst_buffer_pool_get_config(pool);
	GstCaps *caps = gst_video_info_to_caps(&st->devInfo);
	gst_buffer_pool_config_set_params(config, caps, static_cast<guint>(st->devInfo.size),
					  st->numBuffers, 0);
	gst_caps_unref(caps);
	gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
	dbk_buffer_pool_config_set_constraints(config, &c);
	dbk_buffer_pool_config_set_name_prefix(config, GST_OBJECT_NAME(self));
	if (gst_buffer_pool_set_config(pool, config))
		gst_query_add_allocation_pool(query, pool, static_cast<guint>(st->devInfo.size),
					      st->numBuffers, 0);
	gst_object_unref(pool);
}

} /* namespace */

gboolean v4l2_sink_propose_allocation(GstDmabufV4l2Sink *self, GstQuery *query)
{
	SinkState *st = self->state;
	GstCaps *caps = nullptr;
	gboolean needPool = FALSE;
	gst_query_parse_allocation(query, &caps, &needPool);
	gst_query_add_allocation_meta(query, GST_VIDEO_META_API_TYPE, nullptr);
	if (!st->dev || !caps || !st->configuredCaps ||
	    !gst_caps_is_equal(caps, st->configuredCaps))
		return TRUE; /* not (yet) our format: nothing to offer */
	const DbkConstraints c = deviceConstraints(self);
	std::string decision;
	if (st->ioMode != GST_DMABUF_V4L2_SINK_IO_MODE_EXPORT) {
		dbk_query_add_constraints(query, &c);
		decision = "constraints for dma-buf producers: " + st->capability->summary();
	}
	if (st->ioMode != GST_DMABUF_V4L2_SINK_IO_MODE_IMPORT && !st->sink) {
		if (auto r = ensureExportPool(self); !r) {
			GST_WARNING_OBJECT(self, "cannot offer the device's buffers: %s",
					   r.error().message.c_str());
			decision += (decision.empty() ? "" : "; ") +
				    std::string("no pool offered: ") + r.error().message;
		} else {
			gst_query_add_allocation_pool(
				query, st->exportPool, static_cast<guint>(st->devInfo.size),
				st->exportQueue->count(), st->exportQueue->count());
			decision = "the device's " + std::to_string(st->exportQueue->count()) +
				   " exported buffers offered as a pool" +
				   (decision.empty() ? "" : "; " + decision);
		}
	} else if (st->ioMode == GST_DMABUF_V4L2_SINK_IO_MODE_IMPORT && needPool) {
		addImportPool(self, query, c);
		decision = "a dmabufkit pool offered; " + decision;
	}
	GST_INFO_OBJECT(self, "allocation: %s", decision.c_str());
	st->setString(st->decision, decision);
	return TRUE;
}

void v4l2_sink_release_allocation(GstDmabufV4l2Sink *self)
{
	SinkState *st = self->state;
	if (st->exportPool) {
		gst_buffer_pool_set_active(st->exportPool, FALSE);
		gst_object_unref(st->exportPool);
		st->exportPool = nullptr;
	}
	st->exportQueue.reset();
	if (st->copyPool) {
		gst_buffer_pool_set_active(st->copyPool, FALSE);
		gst_object_unref(st->copyPool);
		st->copyPool = nullptr;
	}
}

Result<void> v4l2_sink_setup_output(GstDmabufV4l2Sink *self, GstBuffer *first)
{
	SinkState *st = self->state;
	bool exportMode = st->ioMode == GST_DMABUF_V4L2_SINK_IO_MODE_EXPORT;
	if (st->ioMode == GST_DMABUF_V4L2_SINK_IO_MODE_AUTO) {
		/* The sink's own buffer, or anything that is not an importable dma-buf,
		 * goes through the export queue (the latter as a copy). */
		const auto inodes = ImportingQueue::inodesOf(first);
		const bool notDmabuf = inodes.empty() || !inodes[0];
		const bool own =
			st->exportQueue && !notDmabuf && st->exportQueue->indexOfInode(inodes[0]);
		exportMode = own || notDmabuf;
		GST_INFO_OBJECT(self, "io-mode auto: the first frame is %s: %s mode",
				own	     ? "one of the sink's buffers"
				: exportMode ? "not a dma-buf"
					     : "a dma-buf from upstream",
				exportMode ? "export" : "import");
	}
	std::unique_ptr<FrameSink> sink;
	if (exportMode) {
		if (auto r = ensureExportPool(self); !r)
			return r.error();
		if (!gst_buffer_pool_is_active(st->exportPool) &&
		    !gst_buffer_pool_set_active(st->exportPool, TRUE))
			return Error{ ENOMEM, "the pool of the device's buffers did not start" };
		sink = std::make_unique<ExportedFrameSink>(std::move(st->exportQueue));
	} else {
		/* Upstream's dma-bufs: the offered MMAP buffers are not needed. */
		v4l2_sink_release_allocation(self);
		auto q = std::make_unique<ImportingQueue>(*st->dev, st->dev->outputType());
		if (auto n = q->allocate(st->numBuffers); !n)
			return n.error();
		sink = std::make_unique<ImportedFrameSink>(std::move(q));
	}
	GST_OBJECT_LOCK(self);
	st->sink = std::move(sink);
	GST_OBJECT_UNLOCK(self);
	st->setString(st->activeMode, exportMode ? "export" : "import");
	return {};
}

/* Where copies go; ENOMEM when the copy pool cannot be made (posts nothing:
 * v4l2_sink_show_frame() posts the one error). */
static Result<GstBufferPool *> copyTarget(GstDmabufV4l2Sink *self)
{
	SinkState *st = self->state;
	if (std::string(st->sink->mode()) == "export") {
		if (!st->exportPool)
			return Error{ ENOMEM, "the pool of the device's buffers is gone" };
		return st->exportPool;
	}
	if (!st->copyPool) {
		auto pool = newCopyPool(st->allocator, st->devInfo, deviceConstraints(self),
					GST_OBJECT_NAME(self));
		if (!pool)
			return pool.error();
		st->copyPool = *pool;
	}
	return st->copyPool;
}

Result<GstBuffer *> v4l2_sink_prepare_frame(GstDmabufV4l2Sink *self, GstBuffer *in)
{
	SinkState *st = self->state;
	std::optional<std::string> why = st->sink->whyNotQueueable(in, st->fmt.planes[0].sizeImage);
	if (!why)
		why = layoutMismatch(in, st->info, st->devInfo);
	if (!why && st->forceCopy)
		why = "force-copy is set";
	if (!why) {
		if (std::string(st->sink->mode()) == "export")
			st->ownBuffers++;
		else
			st->imported++;
		return gst_buffer_ref(in);
	}
	auto target = copyTarget(self);
	if (!target)
		return target.error();
	GstBufferPool *pool = *target;
	if (!st->warnedCopy) {
		st->warnedCopy = true;
		st->setString(st->copyReason, *why);
		GST_CAT_WARNING_OBJECT(perfCategory(), self, "copying frames: %s", why->c_str());
		GST_ELEMENT_WARNING(
			self, STREAM, FORMAT,
			("Copying every frame: it cannot be shown without a copy"),
			("%s. Let upstream draw into the sink's pool, or feed dma-bufs "
			 "laid out as the ALLOCATION query asks (e.g. from dmabufupload "
			 "or dmabufv4l2src), to avoid the copy.",
			 why->c_str()));
	}
	auto out = copyFrame(pool, in, st->info, st->devInfo, st->fenceTimeoutMs.load());
	if (!out)
		return out.error();
	st->copies++;
	GST_CAT_LOG_OBJECT(perfCategory(), self, "copied frame %" GST_PTR_FORMAT, in);
	return out;
}
