/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file frame_sink.h
 * \brief Where dmabufv4l2sink's frames go: one interface over the export mode
 *        (the OUTPUT queue's own MMAP buffers, which upstream wrote into
 *        through the sink's pool) and the import mode (upstream's dma-bufs
 *        queued with V4L2_MEMORY_DMABUF), so the element's render is one path.
 */
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gst/gst.h>

#include "dmabufkit/base/result.h"
#include "dmabufkit/v4l2/dmabuf_index_cache.h"
#include "dmabufkit/v4l2/output_queue.h"
#include "importing_queue.h"

namespace dmabufkit::gstv4l2 {

/**
 * \brief An OUTPUT queue the sink shows frames on. Each queued GstBuffer is
 *        held (a ref) until the device gives it back.
 */
class FrameSink
{
public:
	virtual ~FrameSink() = default;

	/** \brief "export" or "import". */
	virtual const char *mode() const = 0;
	/**
	 * \brief Why \a buf cannot be queued as it is (it needs a copy), or nullopt.
	 * \param minSize what the format needs in a single-memory frame
	 */
	virtual std::optional<std::string> whyNotQueueable(GstBuffer *buf,
							   size_t minSize) const = 0;
	/** \brief Queue \a buf (whyNotQueueable() said yes) stamped \a timestampNs. */
	virtual Result<void> queue(GstBuffer *buf, uint64_t timestampNs, uint32_t bytesUsed) = 0;
	/** \brief Dequeue every buffer the device is done with; how many. */
	virtual Result<unsigned> reclaim() = 0;
	virtual bool hasFreeSlot() const = 0;
	virtual unsigned queuedCount() const = 0;
	/** \brief Whether \a buf is queued in the device now (a preroll frame shown again). */
	virtual bool holds(GstBuffer *buf) const = 0;
	virtual Result<void> streamOn() = 0;
	virtual bool streaming() const = 0;
	/** \brief STREAMOFF: every buffer comes back (unshown) and is dropped. */
	virtual Result<void> flush() = 0;
	/** \brief Import mode's index cache, or nullptr. */
	virtual const v4l2::DmaBufIndexCache *indexCache() const { return nullptr; }
};

/** \brief Export mode: buffers of the sink's own pool, queued by index. */
class ExportedFrameSink : public FrameSink
{
public:
	/** \param queue allocated; its buffers are the ones the pool hands out */
	explicit ExportedFrameSink(std::unique_ptr<v4l2::ExportedOutputQueue> queue);
	~ExportedFrameSink() override;

	const char *mode() const override { return "export"; }
	std::optional<std::string> whyNotQueueable(GstBuffer *buf, size_t minSize) const override;
	Result<void> queue(GstBuffer *buf, uint64_t timestampNs, uint32_t bytesUsed) override;
	Result<unsigned> reclaim() override;
	bool hasFreeSlot() const override;
	unsigned queuedCount() const override;
	bool holds(GstBuffer *buf) const override;
	Result<void> streamOn() override;
	bool streaming() const override;
	Result<void> flush() override;
	v4l2::ExportedOutputQueue &outputQueue() { return *queue_; }

private:
	std::optional<unsigned> indexOf(GstBuffer *buf) const;
	void dropAll();

	std::unique_ptr<v4l2::ExportedOutputQueue> queue_;
	std::vector<GstBuffer *> held_;
};

/** \brief Import mode: upstream's dma-bufs, V4L2_MEMORY_DMABUF, the index cache. */
class ImportedFrameSink : public FrameSink
{
public:
	/** \param queue allocated (DMABUF slots) */
	explicit ImportedFrameSink(std::unique_ptr<ImportingQueue> queue);
	~ImportedFrameSink() override;

	const char *mode() const override { return "import"; }
	std::optional<std::string> whyNotQueueable(GstBuffer *buf, size_t minSize) const override;
	Result<void> queue(GstBuffer *buf, uint64_t timestampNs, uint32_t bytesUsed) override;
	Result<unsigned> reclaim() override;
	bool hasFreeSlot() const override { return queue_->hasFreeIndex(); }
	unsigned queuedCount() const override { return queue_->queuedCount(); }
	bool holds(GstBuffer *buf) const override { return queue_->holds(buf); }
	Result<void> streamOn() override { return queue_->streamOn(); }
	bool streaming() const override { return queue_->streaming(); }
	Result<void> flush() override { return queue_->flush(); }
	const v4l2::DmaBufIndexCache *indexCache() const override { return &queue_->cache(); }

private:
	std::unique_ptr<ImportingQueue> queue_;
};

} /* namespace dmabufkit::gstv4l2 */
