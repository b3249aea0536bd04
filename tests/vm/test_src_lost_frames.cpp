/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VM tests of the frames vivid skips under dmabufv4l2src: every gap in the
 * sequence numbers is counted (frames-lost), posted as a QoS message, and
 * blamed on the device or on downstream (frames-lost-starved).
 */
#include <gtest/gtest.h>
#include <vector>

#include <gst/gst.h>

#include "leak_counters.h"
#include "test_devices.h"
#include "pipeline_unref.h"

using namespace dmabufkit;

namespace {

std::string vivid()
{
	auto p = test::findDevice("vivid-capture");
	return p ? *p : std::string("/dev/missing-vivid");
}

struct LostFramesRun {
	bool eos = false;
	std::string error;
	std::vector<guint64> offsets; /* sequence numbers the source pushed */
	unsigned qosMessages = 0;
	guint64 qosProcessed = 0, qosDropped = 0; /* the last QoS message's stats */
	bool qosLive = false;
	guint64 lost = 0, lostStarved = 0; /* the properties at EOS */
};

GstPadProbeReturn recordOffset(GstPad *, GstPadProbeInfo *info, gpointer data)
{
	static_cast<LostFramesRun *>(data)->offsets.push_back(
		GST_BUFFER_OFFSET(GST_PAD_PROBE_INFO_BUFFER(info)));
	return GST_PAD_PROBE_OK;
}

LostFramesRun runToEos(const std::string &desc)
{
	LostFramesRun r;
	GError *err = nullptr;
	GstElement *p = gst_parse_launch(desc.c_str(), &err);
	EXPECT_EQ(err, nullptr) << desc;
	if (!p)
		return r;
	GstElement *src = gst_bin_get_by_name(GST_BIN(p), "src");
	GstPad *pad = gst_element_get_static_pad(src, "src");
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, recordOffset, &r, nullptr);
	gst_object_unref(pad);
	GstBus *bus = gst_element_get_bus(p);
	gst_element_set_state(p, GST_STATE_PLAYING);
	for (;;) {
		GstMessage *m = gst_bus_timed_pop_filtered(
			bus, 60 * GST_SECOND,
			static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR |
						    GST_MESSAGE_QOS));
		if (!m) {
			r.error = "no EOS within 60 s";
			break;
		}
		const GstMessageType type = GST_MESSAGE_TYPE(m);
		if (type == GST_MESSAGE_QOS && GST_MESSAGE_SRC(m) == GST_OBJECT(src)) {
			GstFormat format;
			gboolean live;
			gst_message_parse_qos(m, &live, nullptr, nullptr, nullptr, nullptr);
			gst_message_parse_qos_stats(m, &format, &r.qosProcessed, &r.qosDropped);
			EXPECT_EQ(format, GST_FORMAT_BUFFERS);
			r.qosLive = live;
			r.qosMessages++;
		} else if (type == GST_MESSAGE_ERROR) {
			GError *e = nullptr;
			gst_message_parse_error(m, &e, nullptr);
			r.error = e->message;
			g_error_free(e);
		} else if (type == GST_MESSAGE_EOS) {
			r.eos = true;
		}
		gst_message_unref(m);
		if (type != GST_MESSAGE_QOS)
			break;
	}
	g_object_get(src, "frames-lost", &r.lost, "frames-lost-starved", &r.lostStarved, nullptr);
	gst_element_set_state(p, GST_STATE_NULL);
	gst_object_unref(bus);
	gst_object_unref(src);
	test::unrefPipeline(p);
	return r;
}

/* Frames missing between consecutive sequence numbers the source pushed. */
guint64 gapsIn(const std::vector<guint64> &offsets)
{
	guint64 gaps = 0;
	for (size_t i = 1; i < offsets.size(); ++i)
		if (offsets[i] > offsets[i - 1] + 1)
			gaps += offsets[i] - offsets[i - 1] - 1;
	return gaps;
}

unsigned gapCount(const std::vector<guint64> &offsets)
{
	unsigned n = 0;
	for (size_t i = 1; i < offsets.size(); ++i)
		n += offsets[i] > offsets[i - 1] + 1;
	return n;
}

} /* namespace */

/* vivid drops 40% of its frames itself, with buffers queued: the device's fault. */
TEST(SrcLostFrames, DeviceDropsAreCountedPostedAndBlamedOnTheDevice)
{
	const int fds0 = test::countOpenFds(), bufs0 = test::countLiveDmaBufs();
	ASSERT_EQ(test::setControl(vivid(), "percentage_of_dropped_buffers", 40), "");
	/* Eight buffers, none kept by the sink: the driver runs dry only if this
	 * process stalls for 260 ms (a loaded TCG guest stalls for 100). */
	auto r = runToEos("dmabufv4l2src name=src device=" + vivid() +
			  " num-buffers=40 num-v4l2-buffers=8 ! video/x-raw,format=NV12,"
			  "width=640,height=480,framerate=30/1 ! fakesink name=sink "
			  "enable-last-sample=false");
	ASSERT_EQ(test::setControl(vivid(), "percentage_of_dropped_buffers", 0), "");
	ASSERT_TRUE(r.eos) << r.error;
	ASSERT_EQ(r.offsets.size(), 40u);
	const guint64 seen = gapsIn(r.offsets);
	std::printf("  40 frames over sequence %lu..%lu: %lu lost, %u QoS messages\n",
		    (unsigned long)r.offsets.front(), (unsigned long)r.offsets.back(),
		    (unsigned long)seen, r.qosMessages);
	EXPECT_GT(seen, 5u) << "vivid dropped too few frames to test anything";
	EXPECT_EQ(r.lost, seen) << "frames-lost against the gaps in what the source pushed";
	EXPECT_EQ(r.lostStarved, 0u) << "the driver always held buffers: vivid dropped them";
	EXPECT_EQ(r.qosMessages, gapCount(r.offsets)) << "one QoS message per gap";
	EXPECT_TRUE(r.qosLive);
	EXPECT_EQ(r.qosDropped, seen) << "the last QoS message carries the total";
	EXPECT_LT(r.qosProcessed, 40u);
	EXPECT_GT(r.qosProcessed, 0u);
	EXPECT_EQ(test::countOpenFds(), fds0);
	EXPECT_EQ(test::countLiveDmaBufs(), bufs0);
}

/* Downstream keeps both V4L2 buffers for 150 ms each: vivid has none to fill
 * and skips frames, which the source blames on downstream. */
TEST(SrcLostFrames, AStarvedDriverIsBlamedOnDownstream)
{
	const int fds0 = test::countOpenFds(), bufs0 = test::countLiveDmaBufs();
	auto r = runToEos("dmabufv4l2src name=src device=" + vivid() +
			  " io-mode=export num-v4l2-buffers=2 num-buffers=12 ! "
			  "video/x-raw,format=NV12,width=640,height=480,framerate=30/1 ! "
			  "identity sleep-time=150000 ! fakesink name=sink");
	ASSERT_TRUE(r.eos) << r.error;
	ASSERT_EQ(r.offsets.size(), 12u);
	const guint64 seen = gapsIn(r.offsets);
	std::printf("  12 frames over sequence %lu..%lu: %lu lost, %lu while starved\n",
		    (unsigned long)r.offsets.front(), (unsigned long)r.offsets.back(),
		    (unsigned long)seen, (unsigned long)r.lostStarved);
	EXPECT_GT(seen, 10u) << "a 150 ms sink at 30 fps loses frames";
	EXPECT_EQ(r.lost, seen);
	EXPECT_GT(r.lostStarved, seen / 2) << "most gaps came from a driver with no buffer";
	EXPECT_EQ(r.qosDropped, seen);
	EXPECT_EQ(test::countOpenFds(), fds0);
	EXPECT_EQ(test::countLiveDmaBufs(), bufs0);
}
