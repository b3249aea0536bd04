/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test::unrefPipeline() (tests/common/pipeline_unref.h), which every VM test
 * uses before it counts fds: the pipeline is finalized when it returns, even
 * right after a preroll, when GstBin's state continuation on the thread pool
 * still holds a reference to it (a plain unref there left the pipeline alive
 * in 511 of 2000 runs on the development host).
 */
#include <atomic>

#include <gst/gst.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "gst_environment.h"
#include "leak_counters.h"
#include "pipeline_unref.h"

DBK_TEST_GST_ENVIRONMENT();

namespace {

void markFinalized(gpointer data, GObject *)
{
	static_cast<std::atomic<bool> *>(data)->store(true);
}

TEST(PipelineUnref, ThePipelineAndItsBusAreGoneWhenItReturns)
{
	const int fds = dmabufkit::test::countOpenFds();
	for (int i = 0; i < 300; ++i) {
		GstElement *p = gst_parse_launch("videotestsrc num-buffers=1 ! fakesink", nullptr);
		ASSERT_NE(p, nullptr);
		std::atomic<bool> finalized{ false };
		g_object_weak_ref(G_OBJECT(p), markFinalized, &finalized);
		gst_element_set_state(p, GST_STATE_PLAYING);
		/* Right after the preroll: the bin's continuation to PLAYING is queued. */
		GstBus *bus = gst_element_get_bus(p);
		GstMessage *m =
			gst_bus_timed_pop_filtered(bus, 5 * GST_SECOND, GST_MESSAGE_ASYNC_DONE);
		ASSERT_NE(m, nullptr) << "no preroll in 5 s";
		gst_message_unref(m);
		gst_object_unref(bus);
		gst_element_set_state(p, GST_STATE_NULL);
		dmabufkit::test::unrefPipeline(p);
		ASSERT_TRUE(finalized) << "run " << i << ": the pipeline outlived the unref";
		ASSERT_EQ(dmabufkit::test::countOpenFds(), fds) << "run " << i;
	}
}

TEST(PipelineUnref, AReferenceHeldElsewhereFailsTheTest)
{
	GstElement *p = gst_pipeline_new("leaked");
	gst_object_ref(p);
	EXPECT_NONFATAL_FAILURE(dmabufkit::test::unrefPipeline(p, 50), "leaked still has 1");
	gst_object_unref(p);
}

} /* namespace */
