/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fence_waits.h"

#include <algorithm>
#include <mutex>
#include <vector>

#include <dmabufkit/core/fence.h>

#include "tracer_state.h"

namespace dmabufkit::dmabuftrace {

namespace {

/* Pushes in progress on this thread, innermost last. A pad stays alive and
   linked while it pushes, so its PadStats does too. */
struct Push {
	TracerState *st;
	GstPad *pad;
	PadStats *ps;
};
constexpr size_t kMaxDepth = 32;
struct PushStack {
	Push pushes[kMaxDepth];
	size_t depth = 0; /* may exceed kMaxDepth: those are not recorded */
};
thread_local PushStack stack;

std::mutex liveMutex;
std::vector<TracerState *> live; /* tracers whose pushes are tracked */

void credit(PadStats *ps, const FenceWaitEvent &e)
{
	ps->fenceWaits.fetch_add(1, std::memory_order_relaxed);
	ps->fenceWaitNs.fetch_add(e.waitedNs, std::memory_order_relaxed);
	uint64_t max = ps->fenceWaitMaxNs.load(std::memory_order_relaxed);
	while (e.waitedNs > max && !ps->fenceWaitMaxNs.compare_exchange_weak(
					   max, e.waitedNs, std::memory_order_relaxed))
		;
	if (e.timedOut)
		ps->fenceTimeouts.fetch_add(1, std::memory_order_relaxed);
}

/* Waiting thread, only for waits that slept: the innermost push of each tracer. */
void observe(const FenceWaitEvent &e, void *)
{
	const size_t n = std::min(stack.depth, kMaxDepth);
	TracerState *credited[kMaxDepth];
	size_t nCredited = 0;
	for (size_t i = n; i-- > 0;) {
		const Push &p = stack.pushes[i];
		if (std::find(credited, credited + nCredited, p.st) != credited + nCredited)
			continue;
		credited[nCredited++] = p.st;
		credit(p.ps, e);
	}
}

void pushEnded(GObject *self, GstPad *pad)
{
	/* Pops the push of this pad if it was recorded (real pads only). */
	if (stack.depth == 0)
		return;
	if (stack.depth > kMaxDepth) {
		stack.depth--;
		return;
	}
	const Push &top = stack.pushes[stack.depth - 1];
	if (top.pad == pad && top.st == tracerStateOf(self))
		stack.depth--;
}

void hookPushPost(GObject *self, GstClockTime, GstPad *pad, GstFlowReturn)
{
	pushEnded(self, pad);
}

void hookPushListPost(GObject *self, GstClockTime, GstPad *pad, GstFlowReturn)
{
	pushEnded(self, pad);
}

} /* namespace */

void fenceWaitPushStarted(TracerState *st, GstPad *pad, PadStats *ps)
{
	if (stack.depth < kMaxDepth)
		stack.pushes[stack.depth] = { st, pad, ps };
	stack.depth++;
}

void registerFenceWaitCounting(GstTracer *tracer, TracerState *st)
{
	gst_tracing_register_hook(tracer, "pad-push-post", G_CALLBACK(hookPushPost));
	gst_tracing_register_hook(tracer, "pad-push-list-post", G_CALLBACK(hookPushListPost));
	std::lock_guard lock(liveMutex);
	if (live.empty())
		setFenceWaitObserver(observe, nullptr);
	live.push_back(st);
}

void unregisterFenceWaitCounting(TracerState *st)
{
	std::lock_guard lock(liveMutex);
	std::erase(live, st);
	if (live.empty())
		setFenceWaitObserver(nullptr, nullptr);
}

} /* namespace dmabufkit::dmabuftrace */
