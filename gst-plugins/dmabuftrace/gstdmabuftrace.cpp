/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:tracer-dmabuftrace
 * @title: dmabuftrace tracer
 *
 * Publishes what a running pipeline does with its memory: the graph, per
 * link rates and the memory kind measured from the buffers (dma-buf with
 * exporter and name, memfd, system memory), copies, per element latency,
 * pool statistics, our elements' counters and CPU time. JSON lines, 2 to 10
 * snapshots a second, over a Unix socket, TCP or into a file
 * (docs/tracer-protocol.md); dmabufkit-viewer shows them.
 *
 * Parameters (comma separated): endpoint=unix:PATH | tcp:[HOST:]PORT |
 * file:PATH (default unix:/tmp/dmabufkit-tracer-PID.sock), period-ms=100..500
 * (default 500), queue=LINES per client (default 256), performance=on|off|auto
 * (capture GST_PERFORMANCE log messages; auto: when the debug system is on),
 * preview=off|auto|ELEMENT[:PAD] (a small thumbnail of the frames on that
 * link, twice a second; auto: the video sink added last; default off),
 * fence-timeout=MS (the preview's bound on waiting for a frame's fences,
 * default 1000; 0: none). Fence waits that slept are counted per link
 * ("fence_waits" in each link of the stats).
 *
 * ## Example
 * |[
 * GST_TRACERS="dmabuftrace(endpoint=tcp:127.0.0.1:5555)" gst-launch-1.0 \
 *     videotestsrc ! dmabufupload ! videoconvert ! fakesink
 * ]|
 */
#include "gstdmabuftrace.h"

#include "../elements.h"
#include "fence_waits.h"
#include "hooks.h"
#include "performance_capture.h"
#include "publisher.h"
#include "tracer_state.h"

using namespace dmabufkit::dmabuftrace;

struct _GstDmabufTrace {
	GstTracer parent;
	TracerState *state;
};

G_DEFINE_TYPE(GstDmabufTrace, gst_dmabuf_trace, GST_TYPE_TRACER)

namespace dmabufkit::dmabuftrace {

TracerState *tracerStateOf(GObject *tracer)
{
	return reinterpret_cast<GstDmabufTrace *>(tracer)->state;
}

} /* namespace dmabufkit::dmabuftrace */

static void gst_dmabuf_trace_constructed(GObject *object)
{
	G_OBJECT_CLASS(gst_dmabuf_trace_parent_class)->constructed(object);
	TracerState *st = GST_DMABUF_TRACE(object)->state;
	gchar *params = nullptr;
	g_object_get(object, "params", &params, nullptr);
	st->params = parseParams(params);
	g_free(params);
	st->contract.configure(st->params.forbidCopies, st->params.forbidCopiesOn);
	st->journeys.configure(st->params.journeys);
	st->preview.setFenceTimeout(st->params.fenceTimeoutMs);
	if (!openPublisher(st))
		return;
	registerHooks(GST_TRACER(object));
	installPerformanceCapture(st);
	startPublisher(st);
}

static void gst_dmabuf_trace_finalize(GObject *object)
{
	TracerState *st = GST_DMABUF_TRACE(object)->state;
	unregisterFenceWaitCounting(st);
	removePerformanceCapture(st);
	stopPublisher(st);
	delete st;
	G_OBJECT_CLASS(gst_dmabuf_trace_parent_class)->finalize(object);
}

static void gst_dmabuf_trace_class_init(GstDmabufTraceClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);
	oc->constructed = gst_dmabuf_trace_constructed;
	oc->finalize = gst_dmabuf_trace_finalize;
}

static void gst_dmabuf_trace_init(GstDmabufTrace *self)
{
	self->state = new TracerState;
}

gboolean dbk_tracer_register(GstPlugin *plugin)
{
	/* Not "dmabufkit": a feature named like its plugin hides the plugin from
	   gst-inspect-1.0 dmabufkit, which then shows the tracer alone. */
	return gst_tracer_register(plugin, "dmabuftrace", GST_TYPE_DMABUF_TRACE);
}
