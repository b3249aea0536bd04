/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "frame_sink.h"

#include <cerrno>
#include <utility>

#include <gst/allocators/allocators.h>

#include "dmabufkit/base/log.h"

namespace dmabufkit::gstv4l2 {

ExportedFrameSink::ExportedFrameSink(std::unique_ptr<v4l2::ExportedOutputQueue> queue)
	: queue_(std::move(queue)), held_(queue_->count(), nullptr)
{
}

ExportedFrameSink::~ExportedFrameSink()
{
	(void)queue_->bufferQueue().streamOff();
	dropAll();
}

std::optional<unsigned> ExportedFrameSink::indexOf(GstBuffer *buf) const
{
	const auto inodes = ImportingQueue::inodesOf(buf);
	if (inodes.empty() || !inodes[0])
		return std::nullopt;
	return queue_->indexOfInode(inodes[0]);
}

std::optional<std::string> ExportedFrameSink::whyNotQueueable(GstBuffer *buf, size_t) const
{
	if (indexOf(buf))
		return std::nullopt;
	GstMemory *m = gst_buffer_n_memory(buf) ? gst_buffer_peek_memory(buf, 0) : nullptr;
	if (m && gst_is_dmabuf_memory(m))
		return "the frame is a dma-buf, but not one of the sink's own buffers (export "
		       "mode queues only those; io-mode=import would import it)";
	return std::string("the frame is in ") +
	       (m && m->allocator ? m->allocator->mem_type : "unknown") +
	       " memory, not in a buffer of the sink's pool (upstream did not use the pool "
	       "offered in the ALLOCATION query)";
}

Result<void> ExportedFrameSink::queue(GstBuffer *buf, uint64_t timestampNs, uint32_t bytesUsed)
{
	auto index = indexOf(buf);
	if (!index)
		return Error{ EINVAL, "not a buffer of the sink's pool" };
	std::vector<uint32_t> used;
	for (guint i = 0; i < gst_buffer_n_memory(buf); ++i) {
		GstMemory *m = gst_buffer_peek_memory(buf, i);
		used.push_back(gst_buffer_n_memory(buf) == 1 && bytesUsed
				       ? bytesUsed
				       : static_cast<uint32_t>(m->offset + m->size));
	}
	if (auto r = queue_->queue(*index, used, timestampNs); !r)
		return r;
	held_[*index] = gst_buffer_ref(buf);
	return {};
}

Result<unsigned> ExportedFrameSink::reclaim()
{
	unsigned n = 0;
	if (!streaming())
		return n; /* vb2 refuses DQBUF (EINVAL) before STREAMON */
	for (;;) {
		auto d = queue_->dequeue();
		if (!d)
			return d.error();
		if (!*d)
			return n;
		const unsigned i = (*d)->index;
		/* Back to the pool, for upstream to draw the next frame into. */
		if (i < held_.size() && held_[i])
			gst_buffer_unref(std::exchange(held_[i], nullptr));
		++n;
	}
}

bool ExportedFrameSink::hasFreeSlot() const
{
	return queue_->bufferQueue().queuedCount() < queue_->count();
}

unsigned ExportedFrameSink::queuedCount() const
{
	return queue_->bufferQueue().queuedCount();
}

bool ExportedFrameSink::holds(GstBuffer *buf) const
{
	auto i = indexOf(buf);
	return i && queue_->bufferQueue().isQueued(*i);
}

Result<void> ExportedFrameSink::streamOn()
{
	return queue_->bufferQueue().streamOn();
}

bool ExportedFrameSink::streaming() const
{
	return queue_->bufferQueue().streaming();
}

void ExportedFrameSink::dropAll()
{
	for (auto &b : held_)
		if (b)
			gst_buffer_unref(std::exchange(b, nullptr));
}

Result<void> ExportedFrameSink::flush()
{
	auto r = queue_->bufferQueue().streamOff();
	dropAll();
	return r;
}

ImportedFrameSink::ImportedFrameSink(std::unique_ptr<ImportingQueue> queue)
	: queue_(std::move(queue))
{
}

ImportedFrameSink::~ImportedFrameSink()
{
	(void)queue_->release();
}

std::optional<std::string> ImportedFrameSink::whyNotQueueable(GstBuffer *buf, size_t minSize) const
{
	return queue_->whyNotImportable(buf, minSize);
}

Result<void> ImportedFrameSink::queue(GstBuffer *buf, uint64_t timestampNs, uint32_t bytesUsed)
{
	return queue_->queue(buf, timestampNs, bytesUsed);
}

Result<unsigned> ImportedFrameSink::reclaim()
{
	unsigned n = 0;
	if (!streaming())
		return n;
	for (;;) {
		auto d = queue_->dequeue();
		if (!d)
			return d.error();
		if (!*d)
			return n;
		if ((*d)->second)
			gst_buffer_unref((*d)->second);
		++n;
	}
}

} /* namespace dmabufkit::gstv4l2 */
