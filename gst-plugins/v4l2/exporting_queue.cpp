/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "exporting_queue.h"

#include <cerrno>
#include <ctime>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>

#include "dmabufkit/base/log.h"
#include "dmabufkit/core/dma_buf.h"

namespace dmabufkit::gstv4l2 {

namespace {

struct Release {
	std::weak_ptr<ExportingQueue> queue;
	unsigned index;
	unsigned plane;
};

GQuark releaseQuark()
{
	static GQuark q = g_quark_from_static_string("dmabufkit-v4l2-release");
	return q;
}

} /* namespace */

ExportingQueue::ExportingQueue(const v4l2::VideoDevice &dev, uint32_t type)
	: dev_(dev), label_(dev.label()), queue_(dev, type),
	  releaseFd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
{
}

unsigned ExportingQueue::queuedCount() const
{
	return queued_;
}

void ExportingQueue::countQueued()
{
	queued_ = queue_.queuedCount();
}

/* A memory that comes back while the queue lives is kept (see
 * memoryDisposed()); only these last references free them. */
ExportingQueue::~ExportingQueue()
{
	requeuer_.reset();
	std::vector<GstMemory *> idle;
	{
		std::lock_guard<std::mutex> g(lock_);
		for (auto &planes : idle_)
			for (GstMemory *&m : planes)
				if (m)
					idle.push_back(std::exchange(m, nullptr));
	}
	for (GstMemory *m : idle)
		gst_memory_unref(m);
}

Result<std::shared_ptr<ExportingQueue>> ExportingQueue::create(const v4l2::VideoDevice &dev,
							       uint32_t type, unsigned count,
							       const std::string &namePrefix)
{
	std::shared_ptr<ExportingQueue> q(new ExportingQueue(dev, type));
	auto n = q->queue_.allocate(count, V4L2_MEMORY_MMAP);
	if (!n)
		return n.error();
	for (unsigned i = 0; i < *n; ++i) {
		auto fds = q->queue_.exportBuffer(i);
		if (!fds)
			return fds.error();
		struct stat st;
		q->inodes_.push_back(fstat((*fds)[0].get(), &st) == 0 ? st.st_ino : 0);
		/* Name through a borrowed view; a failure to name is not fatal. */
		if (auto b = DmaBuf::borrow((*fds)[0].get()))
			(void)b->setName(namePrefix + ":" + std::to_string(i));
		q->fds_.push_back(std::move(fds).value());
	}
	q->downstream_.assign(*n, false);
	q->parked_.assign(*n, false);
	q->idle_.resize(*n);
	for (unsigned i = 0; i < *n; ++i)
		q->idle_[i].assign(q->fds_[i].size(), nullptr);
	/* this, not a shared_ptr: the queue outlives the thread it joins. */
	try {
		q->requeuer_ = std::make_unique<ReleaseRequeuer>(
			"rq:" + namePrefix,
			[raw = q.get()](unsigned i) { raw->requeueReleased(i); });
	} catch (const std::system_error &e) {
		DBK_LOG(V4l2, Error,
			"%s: cannot start the thread that requeues released buffers: %s",
			dev.label(), e.what());
		return Error{ e.code().value(), std::string("starting a thread for ") + dev.path() +
							": " + e.what() +
							" (too many threads? check ulimit -u)" };
	}
	DBK_LOG(V4l2, Info, "%s: %s: exporting %u MMAP buffers as dma-bufs %s:0..%u (asked %u)",
		dev.label(), v4l2::bufferTypeName(type), *n, namePrefix.c_str(), *n - 1, count);
	return q;
}

unsigned ExportingQueue::count() const
{
	return static_cast<unsigned>(fds_.size());
}

uint64_t ExportingQueue::inode(unsigned index) const
{
	return index < inodes_.size() ? inodes_[index] : 0;
}

Result<void> ExportingQueue::queueAllFree()
{
	std::lock_guard<std::mutex> d(deviceLock_);
	for (unsigned i = 0; i < fds_.size(); ++i) {
		bool out;
		{
			std::lock_guard<std::mutex> g(lock_);
			out = downstream_[i];
		}
		if (queue_.isQueued(i) || out)
			continue;
		auto r = queue_.queueMmap(i);
		countQueued();
		if (!r)
			return r;
	}
	return {};
}

Result<void> ExportingQueue::streamOn()
{
	std::lock_guard<std::mutex> d(deviceLock_);
	auto r = queue_.streamOn();
	std::lock_guard<std::mutex> g(lock_);
	if (r)
		streaming_ = true;
	return r;
}

Result<std::optional<v4l2::DequeuedBuffer>> ExportingQueue::dequeue()
{
	if (auto e = takeAsyncError())
		return *e;
	std::lock_guard<std::mutex> d(deviceLock_);
	auto r = queue_.dequeue();
	countQueued();
	return r;
}

uint64_t ExportingQueue::queuedAtNs(unsigned index) const
{
	std::lock_guard<std::mutex> d(deviceLock_);
	return queue_.queuedAtNs(index);
}

std::vector<unsigned> ExportingQueue::queuedBefore(unsigned index) const
{
	std::lock_guard<std::mutex> d(deviceLock_);
	return queue_.queuedBefore(index);
}

Result<std::optional<v4l2::DequeuedBuffer>> ExportingQueue::takeIfDone(unsigned index)
{
	std::lock_guard<std::mutex> d(deviceLock_);
	auto r = queue_.takeIfDone(index);
	countQueued();
	if (r && *r) {
		std::lock_guard<std::mutex> g(lock_);
		parked_[index] = true;
	}
	return r;
}

/* A buffer taken through QUERYBUF is still DONE in vb2, which refuses to
 * queue it again (EINVAL) until STREAMOFF: it stays with us until then. */
bool ExportingQueue::parked(unsigned index) const
{
	if (!parked_[index])
		return false;
	DBK_LOG(V4l2, Debug, "%s: %s: buffer %u taken after the LAST buffer: not requeued",
		label_.c_str(), v4l2::bufferTypeName(queue_.type()), index);
	return true;
}

Result<void> ExportingQueue::requeue(unsigned index)
{
	std::lock_guard<std::mutex> d(deviceLock_);
	{
		std::lock_guard<std::mutex> g(lock_);
		if (!active_ || parked(index))
			return {};
	}
	DBK_LOG(V4l2, Trace, "%s: %s: buffer %u back to the driver unused", label_.c_str(),
		v4l2::bufferTypeName(queue_.type()), index);
	auto r = queue_.queueMmap(index);
	countQueued();
	return r;
}

bool ExportingQueue::requeueable(unsigned index) const
{
	return active_ && streaming_ && !parked(index);
}

/*
 * ReleaseRequeuer thread: buffer \a index came back from downstream. It
 * counts as downstream until its QBUF is over, so that a stream waiting for
 * a buffer (queuedCount() 0, outstanding() not) waits on releaseFd() instead
 * of polling a queue the driver has nothing in.
 */
void ExportingQueue::requeueReleased(unsigned index)
{
	std::optional<Error> failed;
	{
		std::lock_guard<std::mutex> d(deviceLock_);
		bool queue;
		{
			std::lock_guard<std::mutex> g(lock_);
			queue = requeueable(index);
		}
		if (queue) {
			auto r = queue_.queueMmap(index);
			countQueued();
			if (!r) {
				DBK_LOG(V4l2, Error,
					"%s: requeueing buffer %u released downstream failed: %s",
					label_.c_str(), index, r.error().message.c_str());
				failed = r.error();
			}
		} else {
			DBK_LOG(V4l2, Trace, "%s: buffer %u released after streaming stopped; kept",
				label_.c_str(), index);
		}
		/* Still under deviceLock_: once it is free, a DQBUF may hand the
		 * buffer out again, and wrap() marks it downstream. */
		std::lock_guard<std::mutex> g(lock_);
		downstream_[index] = false;
		outstanding_--;
		if (failed && !asyncError_)
			asyncError_ = std::move(failed);
	}
	uint64_t one = 1;
	(void)!write(releaseFd_.get(), &one, sizeof(one));
}

std::optional<Error> ExportingQueue::takeAsyncError()
{
	std::lock_guard<std::mutex> g(lock_);
	auto e = std::move(asyncError_);
	asyncError_.reset();
	return e;
}

/*
 * The last reference to one of our memories went away: keep the memory
 * (a mini-object dispose that returns FALSE resurrects it, as GstBufferPool
 * does with buffers) and, for plane 0, have its buffer requeued. Once the
 * queue is gone the memory is freed as usual.
 */
gboolean ExportingQueue::memoryDisposed(GstMiniObject *obj)
{
	auto *rel = static_cast<Release *>(gst_mini_object_get_qdata(obj, releaseQuark()));
	bool kept = false;
	/* Nothing may touch obj or rel once q is released: the queue's last
	 * reference may be q, whose destructor then frees the memory. */
	if (auto q = rel ? rel->queue.lock() : nullptr) {
		{
			std::lock_guard<std::mutex> g(q->lock_);
			GstMemory *&slot = q->idle_[rel->index][rel->plane];
			if (!slot) {
				slot = gst_memory_ref(GST_MEMORY_CAST(obj));
				kept = true;
			}
		}
		/* The QBUF is the requeuer's: it may wait for a whole job of
		 * the device, and this thread is downstream's. */
		if (rel->plane == 0)
			q->requeuer_->post(rel->index);
	}
	return kept ? FALSE : TRUE;
}

/* Buffer \a index's memory of \a plane: the one kept from last time, or a
 * new one over a dup of the exported fd (lock_ not held). */
GstMemory *ExportingQueue::memoryFor(unsigned index, unsigned plane, DbkAllocator *allocator)
{
	{
		std::lock_guard<std::mutex> g(lock_);
		if (GstMemory *kept = std::exchange(idle_[index][plane], nullptr))
			return kept;
	}
	GstMemory *mem =
		dbk_allocator_import(allocator, dup(fds_[index][plane].get()), TRUE, nullptr);
	if (!mem)
		return nullptr;
	/* Ours until freed: dbk memories set no dispose of their own. */
	g_assert(!GST_MINI_OBJECT_CAST(mem)->dispose);
	gst_mini_object_set_qdata(GST_MINI_OBJECT_CAST(mem), releaseQuark(),
				  new Release{ weak_from_this(), index, plane },
				  [](gpointer data) { delete static_cast<Release *>(data); });
	GST_MINI_OBJECT_CAST(mem)->dispose = memoryDisposed;
	return mem;
}

GstBuffer *ExportingQueue::wrap(const v4l2::DequeuedBuffer &d, DbkAllocator *allocator)
{
	/* Downstream from here: a failure below gives the buffer back through
	 * the requeuer, which counts it back. */
	{
		std::lock_guard<std::mutex> g(lock_);
		downstream_[d.index] = true;
	}
	outstanding_++;
	GstBuffer *buf = gst_buffer_new();
	for (unsigned p = 0; p < fds_[d.index].size(); ++p) {
		GstMemory *mem = memoryFor(d.index, p, allocator);
		if (!mem) {
			DBK_LOG(V4l2, Error, "%s: cannot wrap exported buffer %u plane %u",
				label_.c_str(), d.index, p);
			/* Plane 0's memory, once in, posts the buffer as it goes. */
			if (p == 0)
				requeuer_->post(d.index);
			gst_buffer_unref(buf);
			return nullptr;
		}
		/* The payload this time; a kept memory still has last time's. */
		gsize offset = d.dataOffset[p];
		gsize used = d.bytesUsed[p] > offset ? d.bytesUsed[p] - offset : 0;
		if (!used || offset + used > mem->maxsize)
			offset = 0, used = mem->maxsize;
		gst_memory_resize(
			mem, static_cast<gssize>(offset) - static_cast<gssize>(mem->offset), used);
		gst_buffer_append_memory(buf, mem);
	}
	return buf;
}

Result<void> ExportingQueue::stop()
{
	std::lock_guard<std::mutex> d(deviceLock_);
	{
		std::lock_guard<std::mutex> g(lock_);
		active_ = false;
		streaming_ = false;
	}
	DBK_LOG(V4l2, Debug, "%s: %s: stopping, %u buffers still downstream", label_.c_str(),
		v4l2::bufferTypeName(queue_.type()), outstanding_.load());
	auto r = queue_.release();
	countQueued();
	return r;
}

void addVideoMeta(GstBuffer *buf, const GstVideoInfo &info)
{
	gsize offsets[GST_VIDEO_MAX_PLANES];
	gint strides[GST_VIDEO_MAX_PLANES];
	for (unsigned i = 0; i < GST_VIDEO_MAX_PLANES; ++i) {
		offsets[i] = info.offset[i];
		strides[i] = info.stride[i];
	}
	gst_buffer_add_video_meta_full(buf, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_INFO_FORMAT(&info),
				       GST_VIDEO_INFO_WIDTH(&info), GST_VIDEO_INFO_HEIGHT(&info),
				       GST_VIDEO_INFO_N_PLANES(&info), offsets, strides);
}

namespace {

uint64_t monotonicNow()
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + ts.tv_nsec;
}

/* The pipeline clock's time for CLOCK_MONOTONIC @p monotonicNs: exact when the
 * clock is a system clock on CLOCK_MONOTONIC (GStreamer's default), else from
 * the tightest of three brackets of the two clocks read together. (Reading
 * them apart let a preemption between the reads shift one frame's PTS by its
 * length: under load two frames came out in the wrong order.) */
GstClockTime clockTimeOf(GstClock *clock, uint64_t monotonicNs)
{
	if (GST_IS_SYSTEM_CLOCK(clock)) {
		GstClockType type = GST_CLOCK_TYPE_REALTIME;
		g_object_get(clock, "clock-type", &type, nullptr);
		if (type == GST_CLOCK_TYPE_MONOTONIC) {
			GstClockTime internal, external, num, denom;
			gst_clock_get_calibration(clock, &internal, &external, &num, &denom);
			return gst_clock_adjust_with_calibration(clock, monotonicNs, internal,
								 external, num, denom);
		}
	}
	GstClockTime now = 0;
	uint64_t mono = 0, window = UINT64_MAX;
	for (int i = 0; i < 3 && window > 100000; ++i) {
		const uint64_t before = monotonicNow();
		const GstClockTime t = gst_clock_get_time(clock);
		const uint64_t after = monotonicNow();
		if (after - before < window) {
			window = after - before;
			now = t;
			mono = before + window / 2;
		}
	}
	/* How long ago the driver captured the frame, taken off the clock's now. */
	const uint64_t age = mono > monotonicNs ? mono - monotonicNs : 0;
	return now > age ? now - age : 0;
}

} /* namespace */

GstClockTime driverTimestampToRunningTime(GstElement *element, uint64_t monotonicNs)
{
	GstClock *clock = gst_element_get_clock(element);
	if (!clock)
		return GST_CLOCK_TIME_NONE;
	GstClockTime at = clockTimeOf(clock, monotonicNs);
	/* Some drivers stamp a frame with its end before it is over (vivid: up
	 * to 90% of a frame period ahead): a live source never stamps the
	 * future, or sinks would wait for it and latency would read negative. */
	const GstClockTime now = gst_clock_get_time(clock);
	if (at > now) {
		DBK_LOG(V4l2, Trace, "driver timestamp %.3f ms ahead of the clock: stamped now",
			double(at - now) / 1e6);
		at = now;
	}
	gst_object_unref(clock);
	const GstClockTime base = gst_element_get_base_time(element);
	return at > base ? at - base : 0;
}

} /* namespace dmabufkit::gstv4l2 */
