/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file pipeline_unref.h
 * \brief Drop a test's pipeline so that it is gone when the unref returns.
 *
 * A GstBin that receives ASYNC_DONE in the middle of a state change continues
 * the change on GStreamer's thread pool ("pushing continue on thread pool"),
 * and that job holds a reference to the pipeline until it ends. A test that
 * unrefs its pipeline right after set_state(NULL) can thus leave the last
 * reference to that job: the pipeline, its bus (a GstPoll, two fds) and its
 * elements are then finalized a little later on another thread, after the
 * test counted fds and dma-bufs, which reads as a leak on a loaded machine.
 */
#pragma once

#include <chrono>
#include <thread>

#include <gst/gst.h>
#include <gtest/gtest.h>

namespace dmabufkit::test {

/**
 * \brief Unref \a pipeline (set to NULL by the caller) once the caller's is the
 *        last reference, so that it is finalized on this thread, now.
 *
 * Fails the test when another reference is still held after \a timeoutMs:
 * that is a leak of the pipeline, not a late thread.
 */
inline void unrefPipeline(GstElement *pipeline, int timeoutMs = 10000)
{
	const auto deadline =
		std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
	while (g_atomic_int_get(&G_OBJECT(pipeline)->ref_count) > 1 &&
	       std::chrono::steady_clock::now() < deadline)
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
	const int refs = g_atomic_int_get(&G_OBJECT(pipeline)->ref_count);
	if (refs > 1)
		ADD_FAILURE() << GST_OBJECT_NAME(pipeline) << " still has " << refs - 1
			      << " references besides the test's after " << timeoutMs
			      << " ms: something leaked it";
	gst_object_unref(pipeline);
}

} /* namespace dmabufkit::test */
