/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "journey_hooks.h"

#include <dmabufkit/dbk_allocator.h>

#include "tracer_state.h"

namespace dmabufkit::dmabuftrace {

/* A sampled frame crossing this link: note it, and its dma-buf's names once. */
void followJourney(TracerState *st, PadStats *ps, GstBuffer *buf, const BufferLook &look)
{
	const bool source = !ps->owner->hasInput.load(std::memory_order_relaxed);
	const uint64_t frame = st->journeys.follow(look.key, source);
	ps->journeyFrame = frame;
	ps->journeyKey = look.key;
	if (G_LIKELY(!frame))
		return;
	/* The hook's ts counts from gst_init; journeys use the tracer's own zero. */
	const uint64_t inode = look.kind == MemKind::DmaBuf ? look.identity : 0;
	st->journeys.record(
		{ frame, look.key, ps->serial, gst_util_get_timestamp(), inode, false });
	if (!inode || st->journeys.knowsInode(inode))
		return;
	GstMemory *mem = gst_buffer_peek_memory(buf, 0);
	gchar *exp = dbk_memory_get_exporter(mem);
	gchar *name = dbk_memory_get_name(mem);
	st->journeys.noteInode(inode, exp ? exp : "", name ? name : "");
	g_free(exp);
	g_free(name);
}

/* The push of a followed frame returned: its consumer is done with it. */
static void hookPushPost(GObject *self, GstClockTime ts, GstPad *pad, GstFlowReturn res)
{
	TracerState *st = tracerStateOf(self);
	PadStats *ps = padStats(st, pad);
	if (G_LIKELY(!ps->journeyFrame))
		return;
	st->journeys.record({ ps->journeyFrame, ps->journeyKey, ps->serial,
			      gst_util_get_timestamp(), 0, true });
	ps->journeyFrame = 0;
}

void registerJourneyHooks(GstTracer *tracer)
{
	/* Only journeys need to know when a push returned. */
	if (tracerStateOf(G_OBJECT(tracer))->journeys.enabled())
		gst_tracing_register_hook(tracer, "pad-push-post", G_CALLBACK(hookPushPost));
}

} /* namespace dmabufkit::dmabuftrace */
