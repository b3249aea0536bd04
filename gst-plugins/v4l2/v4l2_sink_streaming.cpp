/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmabufv4l2sink's streaming side: showing a frame (queue, leave a buffer
 * free for upstream, STREAMON), draining at EOS and the errors it posts.
 */
#include <cerrno>
#include <unistd.h>

#include "fence_gate.h"
#include "v4l2_sink_private.h"

GST_DEBUG_CATEGORY_EXTERN(dmabuf_v4l2_sink_debug);
#define GST_CAT_DEFAULT dmabuf_v4l2_sink_debug

using namespace dmabufkit;
using namespace dmabufkit::gstv4l2;

void v4l2_sink_post_device_error(GstDmabufV4l2Sink *self, const Error &e, const char *what)
{
	const char *dev = self->state->dev ? self->state->dev->label() : "the V4L2 output device";
	switch (e.code) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
				  ("%s: the V4L2 output device is missing or was disconnected; "
				   "check the device and device-name properties",
				   what),
				  ("%s", e.message.c_str()));
		break;
	case EBUSY:
		GST_ELEMENT_ERROR(self, RESOURCE, BUSY,
				  ("%s: %s is busy (another process streams to it); stop that "
				   "process or pick another device",
				   what, dev),
				  ("%s", e.message.c_str()));
		break;
	case ETIMEDOUT:
		GST_ELEMENT_ERROR(self, RESOURCE, WRITE,
				  ("%s: %s stopped taking frames; raise timeout-ms if the device "
				   "is just slow",
				   what, dev),
				  ("%s", e.message.c_str()));
		break;
	case EIO:
		GST_ELEMENT_ERROR(self, RESOURCE, WRITE,
				  ("%s (%s): the device reported an error; set the pipeline to "
				   "READY and back to PLAYING to restart it",
				   what, dev),
				  ("%s", e.message.c_str()));
		break;
	default:
		GST_ELEMENT_ERROR(
			self, RESOURCE, WRITE,
			("%s (%s): the driver refused it; the debug message names the "
			 "ioctl and errno, GST_DEBUG=dmabufkit-v4l2:5 shows the device's side",
			 what, dev),
			("%s", e.message.c_str()));
	}
}

/* Wait until the device gave back every queued frame but the last (EOS, new
 * caps): an output device keeps showing its last frame, and gives that buffer
 * back only for the next one or at STREAMOFF (vivid does so, as displays do). */
static Result<void> wait_for_device(GstDmabufV4l2Sink *self);

Result<void> v4l2_sink_drain(GstDmabufV4l2Sink *self)
{
	SinkState *st = self->state;
	if (!st->sink || !st->sink->streaming())
		return {};
	for (;;) {
		if (auto r = st->sink->reclaim(); !r)
			return r.error();
		if (st->sink->queuedCount() <= 1)
			return {};
		if (auto r = wait_for_device(self); !r)
			return r;
	}
}

/* Wait for the device to give a buffer back. unlock() wakes the wait; a wake
 * that is not a flush or a shutdown (basesink also unlocks for a PLAYING to
 * PAUSED change, and an unlock after the last unlock_stop would stay pending)
 * is cleared and the wait goes on. */
static Result<void> wait_for_device(GstDmabufV4l2Sink *self)
{
	SinkState *st = self->state;
	for (;;) {
		auto r = v4l2::waitForOutputDone(*st->dev, static_cast<int>(st->timeoutMs),
						 st->wake.get());
		if (!r && r.error().code == EIO) {
			/* POLLERR only says the queue is in error; DQBUF says which
			 * (EIO: the driver flagged it, ENODEV: unplugged). */
			if (auto d = st->sink->reclaim(); !d)
				return d.error();
			return r;
		}
		if (r || r.error().code != ECANCELED)
			return r;
		if (GST_PAD_IS_FLUSHING(GST_BASE_SINK_PAD(self)) ||
		    GST_STATE_TARGET(self) < GST_STATE_PAUSED)
			return r;
		uint64_t v;
		(void)!read(st->wake.get(), &v, sizeof(v));
		GST_DEBUG_OBJECT(self, "woken while not flushing: waiting on");
	}
}

/* Dequeue what the device showed; wait while every buffer is queued. */
static Result<void> wait_for_free_slot(GstDmabufV4l2Sink *self)
{
	SinkState *st = self->state;
	for (;;) {
		if (auto r = st->sink->reclaim(); !r)
			return r.error();
		if (st->sink->hasFreeSlot())
			return {};
		if (auto r = wait_for_device(self); !r)
			return r;
	}
}

static GstFlowReturn flow_for(GstDmabufV4l2Sink *self, const Error &e, const char *what)
{
	if (e.code == ECANCELED)
		return GST_FLOW_FLUSHING;
	v4l2_sink_post_device_error(self, e, what);
	return GST_FLOW_ERROR;
}

GstFlowReturn v4l2_sink_show_frame(GstVideoSink *vsink, GstBuffer *buf)
{
	auto *self = GST_DMABUF_V4L2_SINK(vsink);
	SinkState *st = self->state;
	if (!st->dev || !st->configuredCaps)
		return GST_FLOW_NOT_NEGOTIATED;
	GST_LOG_OBJECT(self, "frame %" GST_PTR_FORMAT, buf);
	if (!st->sink) {
		if (auto r = v4l2_sink_setup_output(self, buf); !r)
			return flow_for(self, r.error(), "Cannot set up the output queue");
	}
	/* A buffer still queued, pushed again (a still frame): still on screen. */
	if (st->sink->holds(buf)) {
		st->prerollRepeats++;
		return GST_FLOW_OK;
	}
	auto prepared = v4l2_sink_prepare_frame(self, buf);
	if (!prepared) {
		/* One error per failure: v4l2_sink_prepare_frame() posts none. */
		if (prepared.error().code == ETIMEDOUT) {
			postFenceError(GST_ELEMENT(self), "copying a frame for the output device",
				       prepared.error());
			return GST_FLOW_ERROR;
		}
		if (prepared.error().code == ENOMEM) {
			GST_ELEMENT_ERROR(
				self, RESOURCE, NO_SPACE_LEFT,
				("Cannot allocate dma-bufs to copy frames for %s into",
				 st->dev->label()),
				("%s; let upstream draw into the sink's pool or feed "
				 "dma-bufs laid out as the ALLOCATION query asks to avoid "
				 "the copy",
				 prepared.error().message.c_str()));
			return GST_FLOW_ERROR;
		}
		GST_ELEMENT_ERROR(self, RESOURCE, WRITE,
				  ("Cannot copy a frame for %s", st->dev->label()),
				  ("%s; see the GST_PERFORMANCE and dmabufkit-allocator debug logs",
				   prepared.error().message.c_str()));
		return GST_FLOW_ERROR;
	}
	GstBuffer *frame = *prepared;
	auto r = wait_for_free_slot(self);
	if (r) {
		const uint64_t ts =
			GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : st->frames.load();
		r = st->sink->queue(frame, ts, st->fmt.planes[0].sizeImage);
		if (!r) {
			gst_buffer_unref(frame);
			/* EFAULT is vb2's word for memory it cannot reach: not contiguous. */
			const char *hint =
				r.error().code == EFAULT
					? "it needs physically contiguous memory: let upstream "
					  "allocate from the sink's constraints (a CMA heap)"
					: "the debug message says what it did not accept";
			GST_ELEMENT_ERROR(
				self, RESOURCE, WRITE,
				("%s refused a frame (VIDIOC_QBUF failed, errno %d) in %s "
				 "mode: %s",
				 st->dev->label(), r.error().code, st->sink->mode(), hint),
				("%s", r.error().message.c_str()));
			return GST_FLOW_ERROR;
		}
	}
	gst_buffer_unref(frame);
	if (!r)
		return flow_for(self, r.error(), "Waiting for the device to show a frame failed");
	if (!st->sink->streaming()) {
		if (auto s = st->sink->streamOn(); !s)
			return flow_for(self, s.error(), "Cannot start the output (STREAMON)");
	}
	st->frames++;
	/* Leave a buffer free: in export mode upstream draws the next frame into
	 * it, and nothing else dequeues while upstream waits for one. */
	if (auto w = wait_for_free_slot(self); !w)
		return flow_for(self, w.error(), "Waiting for the device to show a frame failed");
	return GST_FLOW_OK;
}
