/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/dbk_allocator.h"

#include <atomic>
#include <cerrno>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <unistd.h>

#include "dmabufkit/dbk_constraints_convert.h"
#include "dmabufkit/internal/exporter_selector.h"
#include "dmabufkit/core/cpu_access.h"
#include "dmabufkit/core/dma_buf.h"
#include "dmabufkit/core/drm_dumb_exporter.h"
#include "dmabufkit/core/exporter_registry.h"
#include "dmabufkit/core/fence.h"
#include "dmabufkit/base/log.h"
#include "gst_log_backend.h"

#define GST_CAT_DEFAULT gstLogCategory(LogCategory::Allocator)

using namespace dmabufkit;

namespace {

/* Counters of one allocator, shared with its memories (which may outlive
 * nothing: a memory holds a reference on its allocator). */
struct AllocatorState {
	ExporterRegistry registry;
	/* Set when the allocator serves one fixed exporter. */
	std::string fixedExporter;
	CpuAccessCounters counters;
	std::atomic<uint64_t> allocated{ 0 };
	std::atomic<uint64_t> live{ 0 };
	std::atomic<uint64_t> liveBytes{ 0 };
};

/* Every live allocator's counters, and those of finalized ones, so the
 * process-wide totals need no atomic on the map hot path. */
std::mutex statesLock;
std::vector<AllocatorState *> liveStates;
uint64_t retiredStarts = 0, retiredEnds = 0, retiredFailures = 0;

/* What a root memory of ours carries: the dma-buf identity and the single
 * CPU mapping, created on first map and kept until the memory is freed. */
struct MemoryState {
	AllocatorState *owner = nullptr;
	int fd = -1;
	uint64_t size = 0;
	ino_t inode = 0;
	std::once_flag mapOnce;
	std::atomic<uint8_t *> mapped{ nullptr };
	CpuMapping mapping;
	std::string mapError;

	~MemoryState()
	{
		if (owner) {
			owner->live--;
			owner->liveBytes -= size;
		}
	}
};

GQuark memoryStateQuark()
{
	static GQuark q = g_quark_from_static_string("dbk-memory-state");
	return q;
}

GstMemory *rootOf(GstMemory *mem)
{
	while (mem->parent)
		mem = mem->parent;
	return mem;
}

MemoryState *stateOf(GstMemory *mem)
{
	return static_cast<MemoryState *>(
		gst_mini_object_get_qdata(GST_MINI_OBJECT_CAST(rootOf(mem)), memoryStateQuark()));
}

uint64_t flagsToSync(GstMapFlags flags)
{
	Access a = (flags & GST_MAP_WRITE)
			   ? ((flags & GST_MAP_READ) ? Access::ReadWrite : Access::Write)
			   : Access::Read;
	return syncFlags(a);
}

} /* namespace */

struct _DbkAllocator {
	GstDmaBufAllocator parent;
	AllocatorState *state;
};

G_DEFINE_TYPE(DbkAllocator, dbk_allocator, GST_TYPE_DMABUF_ALLOCATOR)

static GstAllocatorClass *fd_parent_class(void)
{
	return GST_ALLOCATOR_CLASS(dbk_allocator_parent_class);
}

/**
 * dbk_init:
 *
 * Initialise the library: its debug categories ("dmabufkit-allocator",
 * "-v4l2", "-kms", "-tracer", "-base") and the routing of the GStreamer-free
 * layers' log messages into them. Called by the
 * plugin and by every constructor; safe to call many times.
 */
void dbk_init(void)
{
	static gsize done = 0;
	if (g_once_init_enter(&done)) {
		installGstLogBackend();
		g_once_init_leave(&done, 1);
	}
}

static gpointer dbk_mem_map_full(GstMemory *mem, GstMapInfo *info, gsize maxsize)
{
	MemoryState *st = stateOf(mem);
	if (!st) {
		GST_ERROR("memory %p has no dmabufkit state", mem);
		return nullptr;
	}
	uint8_t *base = st->mapped.load(std::memory_order_acquire);
	if (!base) {
		std::call_once(st->mapOnce, [st] {
			auto m = CpuMapping::map(st->fd, st->size, &st->owner->counters);
			if (m) {
				st->mapping = std::move(m).value();
				st->mapped.store(st->mapping.data(), std::memory_order_release);
			} else {
				st->mapError = m.error().message;
			}
		});
		base = st->mapped.load(std::memory_order_acquire);
	}
	if (!base) {
		GST_ERROR("cannot map dma-buf: %s", st->mapError.c_str());
		return nullptr;
	}
	if ((info->flags & GST_MAP_WRITE) && !st->mapping.writable()) {
		GST_ERROR("dma-buf fd %d is mapped read-only, cannot map it for writing", st->fd);
		return nullptr;
	}
	auto r = dmaBufSync(st->fd, DMA_BUF_SYNC_START | flagsToSync(info->flags));
	if (!r) {
		st->owner->counters.syncFailures.fetch_add(1, std::memory_order_relaxed);
		GST_ERROR("%s", r.error().message.c_str());
		return nullptr;
	}
	st->owner->counters.syncStarts.fetch_add(1, std::memory_order_relaxed);
	/* Spares unmap the qdata lookup: user_data is ours to use. */
	info->user_data[0] = st;
	/* gst_memory_map() adds mem->offset, which is relative to the fd. */
	return base;
}

static void dbk_mem_unmap_full(GstMemory *mem, GstMapInfo *info)
{
	auto *st = static_cast<MemoryState *>(info->user_data[0]);
	if (!st)
		st = stateOf(mem);
	if (!st)
		return;
	auto r = dmaBufSync(st->fd, DMA_BUF_SYNC_END | flagsToSync(info->flags));
	if (!r) {
		st->owner->counters.syncFailures.fetch_add(1, std::memory_order_relaxed);
		GST_ERROR("%s", r.error().message.c_str());
		return;
	}
	st->owner->counters.syncEnds.fetch_add(1, std::memory_order_relaxed);
}

static void destroy_memory_state(gpointer data)
{
	delete static_cast<MemoryState *>(data);
}

/* Turn a DmaBuf into a GstMemory of ours; the memory owns the fd if the
 * DmaBuf did. */
static GstMemory *wrap_dmabuf(DbkAllocator *self, DmaBuf buf, bool counted)
{
	const bool owned = buf.ownsFd();
	const uint64_t size = buf.size();
	const ino_t inode = buf.inode();
	const int fd = buf.release();
	GstMemory *mem = gst_fd_allocator_alloc(GST_ALLOCATOR(self), fd, size,
						owned ? GST_FD_MEMORY_FLAG_NONE
						      : GST_FD_MEMORY_FLAG_DONT_CLOSE);
	if (!mem) {
		if (owned)
			close(fd);
		return nullptr;
	}
	auto *st = new MemoryState;
	st->owner = self->state;
	st->fd = fd;
	st->size = size;
	st->inode = inode;
	self->state->live++;
	self->state->liveBytes += size;
	if (counted)
		self->state->allocated++;
	gst_mini_object_set_qdata(GST_MINI_OBJECT_CAST(mem), memoryStateQuark(), st,
				  destroy_memory_state);
	return mem;
}

static Result<Exporter *> choose_exporter(DbkAllocator *self, const Constraints &c, uint64_t size)
{
	if (!self->state->fixedExporter.empty()) {
		auto e = self->state->registry.find(self->state->fixedExporter);
		if (!e)
			return e;
		std::optional<std::string> why = exporterMismatch((*e)->traits(), c, size);
		if (why) {
			Error err{ ENOTSUP,
				   (*e)->traits().name + " cannot meet the constraints of " +
					   (c.consumer.empty() ? std::string("the consumers")
							       : c.consumer) +
					   ": " + *why };
			GST_WARNING_OBJECT(self, "exporter %s was asked for: %s",
					   self->state->fixedExporter.c_str(), err.message.c_str());
			return err;
		}
		GST_TRACE_OBJECT(self, "exporter %s (asked for) serves %" G_GUINT64_FORMAT " bytes",
				 (*e)->traits().name.c_str(), size);
		return e;
	}
	return self->state->registry.select(c, size);
}

/**
 * dbk_allocator_alloc_dmabuf_with_stride:
 * @allocator: the allocator
 * @size: bytes
 * @stride: row pitch of the caller's layout (0 if none); DRM dumb buffers
 *   are created with it
 * @constraints: (nullable): what the buffer must satisfy
 * @name: (nullable): dma-buf name for bufinfo, e.g. "dmabufupload:3"
 * @error: (out) (optional): why it failed
 *
 * Returns: (transfer full) (nullable): a dma-buf memory, or %NULL with @error set
 */
GstMemory *dbk_allocator_alloc_dmabuf_with_stride(DbkAllocator *self, gsize size, guint stride,
						  const DbkConstraints *constraints,
						  const gchar *name, GError **error)
{
	g_return_val_if_fail(DBK_IS_ALLOCATOR(self), nullptr);
	Constraints c;
	if (constraints)
		c = gst::toCore(*constraints);
	if (size == 0) {
		g_set_error(error, DBK_ERROR, DBK_ERROR_INVALID,
			    "cannot allocate a dma-buf of size 0");
		return nullptr;
	}
	auto e = choose_exporter(self, c, size);
	if (!e) {
		g_set_error(error, DBK_ERROR, DBK_ERROR_NO_EXPORTER, "%s",
			    e.error().message.c_str());
		return nullptr;
	}
	AllocationRequest req;
	req.size = size;
	req.name = name ? name : "dmabufkit";
	req.stride = stride;
	auto buf = (*e)->allocate(req);
	if (!buf) {
		g_set_error(error, DBK_ERROR,
			    buf.error().code == EINVAL ? DBK_ERROR_INVALID : DBK_ERROR_FAILED, "%s",
			    buf.error().message.c_str());
		return nullptr;
	}
	GST_DEBUG_OBJECT(self, "allocated %zu bytes from %s as \"%s\" (inode %lu)", size,
			 (*e)->traits().name.c_str(), req.name.c_str(),
			 static_cast<unsigned long>(buf->inode()));
	GstMemory *mem = wrap_dmabuf(self, std::move(buf).value(), true);
	if (mem && mem->size != size)
		gst_memory_resize(mem, 0, size);
	return mem;
}

/**
 * dbk_allocator_alloc_dmabuf:
 * @allocator: the allocator
 * @size: bytes
 * @constraints: (nullable): what the buffer must satisfy
 * @name: (nullable): dma-buf name for bufinfo
 * @error: (out) (optional): why it failed
 *
 * Returns: (transfer full) (nullable): a dma-buf memory
 */
GstMemory *dbk_allocator_alloc_dmabuf(DbkAllocator *self, gsize size,
				      const DbkConstraints *constraints, const gchar *name,
				      GError **error)
{
	return dbk_allocator_alloc_dmabuf_with_stride(self, size, 0, constraints, name, error);
}

/**
 * dbk_allocator_import:
 * @allocator: the allocator
 * @fd: a dma-buf fd from elsewhere (V4L2 EXPBUF, another process, ...)
 * @take_ownership: %TRUE to close @fd with the memory; %FALSE to leave it
 *   to the caller, who must keep it open while the memory lives
 * @error: (out) (optional): set when @fd is not a dma-buf
 *
 * Returns: (transfer full) (nullable): a memory of ours wrapping @fd, with
 * cached mapping and sync on map
 */
GstMemory *dbk_allocator_import(DbkAllocator *self, gint fd, gboolean take_ownership,
				GError **error)
{
	g_return_val_if_fail(DBK_IS_ALLOCATOR(self), nullptr);
	auto buf = take_ownership ? DmaBuf::adopt(UniqueFD(fd)) : DmaBuf::borrow(fd);
	if (!buf) {
		GST_WARNING_OBJECT(self, "cannot import fd %d: %s", fd,
				   buf.error().message.c_str());
		g_set_error(error, DBK_ERROR, DBK_ERROR_INVALID, "%s", buf.error().message.c_str());
		return nullptr;
	}
	return wrap_dmabuf(self, std::move(buf).value(), false);
}

/**
 * dbk_allocator_select_exporter:
 * @allocator: the allocator
 * @constraints: (nullable): merged constraints
 * @size: buffer size
 * @error: (out) (optional): names the constraint no exporter meets
 *
 * Returns: (transfer full) (nullable): the name of the exporter that would serve
 */
gchar *dbk_allocator_select_exporter(DbkAllocator *self, const DbkConstraints *constraints,
				     gsize size, GError **error)
{
	Constraints c;
	if (constraints)
		c = gst::toCore(*constraints);
	auto e = choose_exporter(self, c, size);
	if (!e) {
		g_set_error(error, DBK_ERROR, DBK_ERROR_NO_EXPORTER, "%s",
			    e.error().message.c_str());
		return nullptr;
	}
	return g_strdup((*e)->traits().name.c_str());
}

/**
 * dbk_allocator_describe_choice:
 * @allocator: the allocator
 * @constraints: (nullable): merged constraints
 * @size: buffer size
 * @exporter: the exporter chosen for them (dbk_allocator_select_exporter())
 *
 * Returns: (transfer full): the decision in words: the exporter, for which
 *   consumers and their needs, and why each preferred exporter was passed
 *   over ("dma-heap:reserved for vivid (contiguous); not dma-heap:system: not
 *   physically contiguous")
 */
gchar *dbk_allocator_describe_choice(DbkAllocator *self, const DbkConstraints *constraints,
				     gsize size, const gchar *exporter)
{
	Constraints c;
	if (constraints)
		c = gst::toCore(*constraints);
	std::vector<ExporterTraits> candidates;
	if (self->state->fixedExporter.empty())
		candidates = self->state->registry.candidates();
	std::string d = describeChoice(candidates, c, size, exporter ? exporter : "?");
	if (!self->state->fixedExporter.empty())
		d += "; asked for by name";
	return g_strdup(d.c_str());
}

static GstMemory *dbk_allocator_alloc(GstAllocator *alloc, gsize size, GstAllocationParams *params)
{
	GError *err = nullptr;
	gsize total = size + (params ? params->prefix + params->padding : 0);
	GstMemory *mem = dbk_allocator_alloc_dmabuf(DBK_ALLOCATOR(alloc), total, nullptr,
						    "dmabufkit:alloc", &err);
	if (!mem) {
		GST_ERROR_OBJECT(alloc, "%s", err->message);
		g_error_free(err);
		return nullptr;
	}
	if (params && params->prefix)
		gst_memory_resize(mem, params->prefix, size);
	return mem;
}

/**
 * dbk_allocator_get_stats:
 * @allocator: the allocator
 * @stats: (out): its counters
 */
void dbk_allocator_get_stats(DbkAllocator *self, DbkAccessStats *stats)
{
	const AllocatorState *s = self->state;
	stats->sync_starts = s->counters.syncStarts;
	stats->sync_ends = s->counters.syncEnds;
	stats->sync_failures = s->counters.syncFailures;
	stats->mmaps = s->counters.mmaps;
	stats->munmaps = s->counters.munmaps;
	stats->allocated = s->allocated;
	stats->live = s->live;
	stats->live_bytes = s->liveBytes;
}

/**
 * dbk_get_global_access_stats:
 * @stats: (out): process-wide CPU access counters (all allocators)
 *
 * Only the sync and mmap fields are filled.
 */
void dbk_get_global_access_stats(DbkAccessStats *stats)
{
	const CpuAccessCounters &c = globalCpuAccessCounters();
	*stats = {};
	/* Core users (CpuAccess) count into the global counters; GstMemory
	 * maps count per allocator. mmaps are counted globally by both. */
	stats->sync_starts = c.syncStarts;
	stats->sync_ends = c.syncEnds;
	stats->sync_failures = c.syncFailures;
	stats->mmaps = c.mmaps;
	stats->munmaps = c.munmaps;
	std::lock_guard lock(statesLock);
	stats->sync_starts += retiredStarts;
	stats->sync_ends += retiredEnds;
	stats->sync_failures += retiredFailures;
	for (const AllocatorState *st : liveStates) {
		stats->sync_starts += st->counters.syncStarts;
		stats->sync_ends += st->counters.syncEnds;
		stats->sync_failures += st->counters.syncFailures;
	}
}

static void dbk_allocator_finalize(GObject *object)
{
	DbkAllocator *self = DBK_ALLOCATOR(object);
	{
		std::lock_guard lock(statesLock);
		retiredStarts += self->state->counters.syncStarts;
		retiredEnds += self->state->counters.syncEnds;
		retiredFailures += self->state->counters.syncFailures;
		std::erase(liveStates, self->state);
	}
	delete self->state;
	self->state = nullptr;
	G_OBJECT_CLASS(dbk_allocator_parent_class)->finalize(object);
}

static void dbk_allocator_class_init(DbkAllocatorClass *klass)
{
	dbk_init();
	G_OBJECT_CLASS(klass)->finalize = dbk_allocator_finalize;
	GST_ALLOCATOR_CLASS(klass)->alloc = dbk_allocator_alloc;
	(void)fd_parent_class;
}

static void dbk_allocator_init(DbkAllocator *self)
{
	GstAllocator *alloc = GST_ALLOCATOR(self);
	self->state = new AllocatorState;
	{
		std::lock_guard lock(statesLock);
		liveStates.push_back(self->state);
	}
	alloc->mem_type = GST_ALLOCATOR_DMABUF;
	/* Our map: one cached mmap, SYNC START/END around every access. */
	alloc->mem_map = nullptr;
	alloc->mem_unmap = nullptr;
	alloc->mem_map_full = dbk_mem_map_full;
	alloc->mem_unmap_full = dbk_mem_unmap_full;
	/* Memory of ours is not host memory in the GstAllocator sense. */
	GST_OBJECT_FLAG_UNSET(self, GST_ALLOCATOR_FLAG_CUSTOM_ALLOC);
}

/**
 * dbk_allocator_new:
 *
 * An allocator that picks, per allocation, the first exporter of the machine
 * meeting the constraints (system heap, udmabuf, CMA heaps, DRM dumb).
 *
 * Returns: (transfer full): a new allocator
 */
DbkAllocator *dbk_allocator_new(void)
{
	dbk_init();
	auto *self = static_cast<DbkAllocator *>(g_object_new(DBK_TYPE_ALLOCATOR, nullptr));
	gst_object_ref_sink(self);
	return self;
}

/**
 * dbk_allocator_new_for_exporter:
 * @exporter: exporter name or prefix: "dma-heap:system", "dma-heap" (any
 *   heap), "udmabuf", "drm-dumb", or "auto"
 * @error: (out) (optional): set when the exporter does not exist here
 *
 * Returns: (transfer full) (nullable): an allocator that only uses @exporter
 */
DbkAllocator *dbk_allocator_new_for_exporter(const gchar *exporter, GError **error)
{
	DbkAllocator *self = dbk_allocator_new();
	if (!exporter || g_str_equal(exporter, "auto"))
		return self;
	auto e = self->state->registry.find(exporter);
	if (!e) {
		g_set_error(error, DBK_ERROR, DBK_ERROR_NO_EXPORTER, "%s",
			    e.error().message.c_str());
		gst_object_unref(self);
		return nullptr;
	}
	self->state->fixedExporter = (*e)->traits().name;
	GST_INFO_OBJECT(self, "exporter %s chosen by name (\"%s\")",
			self->state->fixedExporter.c_str(), exporter);
	return self;
}

/**
 * dbk_allocator_new_for_drm_fd:
 * @drm_fd: an open KMS device; the allocator keeps its own duplicate of it
 *   (F_DUPFD_CLOEXEC), so the caller may close @drm_fd at any time
 * @error: (out) (optional): set when @drm_fd cannot be duplicated or has no
 *   dumb buffers
 *
 * Returns: (transfer full) (nullable): an allocator of scanout buffers on @drm_fd
 */
DbkAllocator *dbk_allocator_new_for_drm_fd(gint drm_fd, GError **error)
{
	/* Own a duplicate: the allocator (and pools holding it) may outlive the
	 * caller's fd, and the caller should not need to track our lifetime. */
	UniqueFD own(drm_fd >= 0 ? fcntl(drm_fd, F_DUPFD_CLOEXEC, 3) : -1);
	if (!own) {
		const int err = drm_fd >= 0 ? errno : EBADF;
		g_set_error(
			error, DBK_ERROR, DBK_ERROR_NO_EXPORTER, "%s",
			Error::fromErrno(err, "cannot duplicate DRM fd " + std::to_string(drm_fd))
				.message.c_str());
		return nullptr;
	}
	auto e = DrmDumbExporter::adopt(std::move(own));
	if (!e) {
		GST_WARNING("DRM fd %d cannot export: %s", drm_fd, e.error().message.c_str());
		g_set_error(error, DBK_ERROR, DBK_ERROR_NO_EXPORTER, "%s",
			    e.error().message.c_str());
		return nullptr;
	}
	DbkAllocator *self = dbk_allocator_new();
	self->state->fixedExporter = (*e)->traits().name;
	GST_INFO_OBJECT(self, "exporter %s on DRM fd %d (the caller's device)",
			self->state->fixedExporter.c_str(), drm_fd);
	self->state->registry.add(std::move(e).value());
	return self;
}

/**
 * dbk_allocator_new_for_display:
 * @drm_fd: an open KMS device; the allocator keeps its own duplicate of it
 * @error: (out) (optional): set when @drm_fd cannot be duplicated or has no
 *   dumb buffers
 *
 * An allocator for a display's pool: it prefers the display's own dumb
 * buffers and falls back to the machine's other exporters (dma-buf heaps,
 * then udmabuf) when the constraints demand it, e.g. a contiguous exporter
 * for an upstream device that needs one. Constraints whose accepted
 * exporters list a heap (the display proved it imports it) let that heap
 * satisfy "scanout".
 *
 * Returns: (transfer full) (nullable): the allocator
 */
DbkAllocator *dbk_allocator_new_for_display(gint drm_fd, GError **error)
{
	DbkAllocator *self = dbk_allocator_new_for_drm_fd(drm_fd, error);
	if (!self)
		return nullptr;
	const std::string dumb = std::exchange(self->state->fixedExporter, std::string());
	self->state->registry.setPreference({ dumb, "dma-heap:", "udmabuf" });
	GST_INFO_OBJECT(self, "display allocator: %s first, then heaps and udmabuf", dumb.c_str());
	return self;
}

/**
 * dbk_memory_is_dbk:
 * @mem: a memory
 *
 * Returns: whether @mem comes from a #DbkAllocator
 */
gboolean dbk_memory_is_dbk(GstMemory *mem)
{
	return mem && mem->allocator && DBK_IS_ALLOCATOR(mem->allocator);
}

static int memory_fd(GstMemory *mem)
{
	if (!mem || !gst_is_fd_memory(mem))
		return -1;
	return gst_fd_memory_get_fd(mem);
}

/**
 * dbk_memory_get_inode:
 * @mem: any fd-backed memory
 *
 * Returns: the inode of its dma-buf (its identity across fds and
 * processes), 0 when @mem is not a dma-buf
 */
guint64 dbk_memory_get_inode(GstMemory *mem)
{
	if (MemoryState *st = dbk_memory_is_dbk(mem) ? stateOf(mem) : nullptr)
		return st->inode;
	int fd = memory_fd(mem);
	if (fd < 0)
		return 0;
	auto b = DmaBuf::borrow(fd);
	return b ? b->inode() : 0;
}

/**
 * dbk_memory_get_name:
 * @mem: any fd-backed memory
 *
 * Returns: (transfer full) (nullable): the dma-buf's name (DMA_BUF_SET_NAME)
 */
gchar *dbk_memory_get_name(GstMemory *mem)
{
	int fd = memory_fd(mem);
	if (fd < 0)
		return nullptr;
	return g_strdup(dmaBufFdInfo(fd, "name").c_str());
}

/**
 * dbk_memory_get_exporter:
 * @mem: any fd-backed memory
 *
 * Returns: (transfer full) (nullable): the kernel exporter's name
 * ("system", "udmabuf", "vivid", ...)
 */
gchar *dbk_memory_get_exporter(GstMemory *mem)
{
	int fd = memory_fd(mem);
	if (fd < 0)
		return nullptr;
	return g_strdup(dmaBufFdInfo(fd, "exp_name").c_str());
}

/**
 * dbk_memory_wait_fences:
 * @mem: a dma-buf memory
 * @flags: GST_MAP_READ to wait for writers, GST_MAP_WRITE for every user
 * @timeout_ms: how long to wait, -1 forever
 * @error: (out) (optional): set on timeout or failure
 *
 * Wait for the devices using the buffer (implicit fences). Separate from
 * map on purpose: mapping only handles cache coherency.
 */
gboolean dbk_memory_wait_fences(GstMemory *mem, GstMapFlags flags, gint timeout_ms, GError **error)
{
	int fd = memory_fd(mem);
	if (fd < 0) {
		g_set_error(error, DBK_ERROR, DBK_ERROR_INVALID, "memory is not a dma-buf");
		return FALSE;
	}
	auto r = waitForFences(fd, (flags & GST_MAP_WRITE) ? Access::Write : Access::Read,
			       timeout_ms);
	if (!r) {
		g_set_error(error, DBK_ERROR,
			    r.error().code == ETIMEDOUT ? DBK_ERROR_TIMED_OUT : DBK_ERROR_FAILED,
			    "%s", r.error().message.c_str());
		return FALSE;
	}
	return TRUE;
}
