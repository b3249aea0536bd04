/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Consumers' constraints across the dmabufipc socket
 * (gst-plugins/ipc/ipc_constraints): DbkConstraints -> wire -> bytes ->
 * wire -> DbkConstraints keeps the refused exporters (with their reasons) and
 * the accepted ones; lists longer than the protocol allows are cut on the
 * sending side so the producer never drops the consumer for them; the
 * producer's merge (the ALLOCATION query its pool reads, and the merged
 * string in its stats) includes every consumer's lists.
 */
#include <cstring>
#include <gst/video/video.h>
#include <gtest/gtest.h>
#include <string>

#include "dmabufkit/dbk_constraints_convert.h"
#include "gst_environment.h"
#include "ipc_constraints.h"
#include "ipc_stats.h"
#include "wire_protocol.h"

using namespace dmabufkit::ipc;

DBK_TEST_GST_ENVIRONMENT();

namespace {

const char *const kQbufFault = "vivid-000-vid-cap: VIDIOC_QBUF: Bad address (errno 14)";

/* Through the bytes of the socket, as the producer receives it. */
Constraints overTheWire(const Constraints &w)
{
	auto bytes = encode(w);
	auto d = decode(bytes.data(), bytes.size());
	EXPECT_TRUE(d) << d.error().message;
	return d ? std::get<Constraints>(*d) : Constraints{};
}

} /* namespace */

TEST(IpcConstraints, ExporterListsSurviveTheSocket)
{
	DbkConstraints c;
	dbk_constraints_init(&c, "dmabufv4l2sink0");
	c.scanout = TRUE;
	c.stride_align = 64;
	dbk_constraints_add_refusal(&c, "dma-heap:system", kQbufFault);
	dbk_constraints_add_refusal(&c, "udmabuf", "vivid-000-vid-cap: VIDIOC_QBUF: EINVAL");
	dbk_constraints_add_accepted(&c, "drm-dumb:/dev/dri/card0");
	const Constraints w = overTheWire(toWire(c));
	ASSERT_EQ(w.refusedExporters.size(), 2u);
	EXPECT_EQ(w.refusedExporters[0].exporter, "dma-heap:system");
	EXPECT_EQ(w.refusedExporters[0].reason, kQbufFault);
	EXPECT_EQ(w.refusedExporters[1].exporter, "udmabuf");
	ASSERT_EQ(w.acceptedExporters.size(), 1u);
	EXPECT_EQ(w.acceptedExporters[0], "drm-dumb:/dev/dri/card0");
	const DbkConstraints back = fromWire(w);
	EXPECT_STREQ(back.consumer, "dmabufv4l2sink0");
	EXPECT_TRUE(back.scanout);
	EXPECT_EQ(back.stride_align, 64u);
	EXPECT_STREQ(back.refused_exporters, c.refused_exporters);
	EXPECT_STREQ(back.accepted_exporters, c.accepted_exporters);
}

TEST(IpcConstraints, ListsBeyondTheProtocolLimitAreCutBeforeSending)
{
	DbkConstraints c;
	dbk_constraints_init(&c, "many");
	for (unsigned i = 0; i < kMaxExporters + 4; ++i) {
		const std::string name = "e" + std::to_string(i);
		dbk_constraints_add_refusal(&c, name.c_str(), "no");
		dbk_constraints_add_accepted(&c, ("a" + std::to_string(i)).c_str());
	}
	const std::string longName(kMaxExporterLength + 1, 'x');
	DbkConstraints l;
	dbk_constraints_init(&l, "long");
	dbk_constraints_add_refusal(&l, longName.c_str(), std::string(300, 'r').c_str());
	dbk_constraints_add_refusal(&l, "udmabuf", std::string(300, 'r').c_str());
	const Constraints w = overTheWire(toWire(c));
	EXPECT_EQ(w.refusedExporters.size(), kMaxExporters);
	EXPECT_EQ(w.acceptedExporters.size(), kMaxExporters);
	EXPECT_EQ(w.refusedExporters[0].exporter, "e0");
	const Constraints wl = overTheWire(toWire(l));
	ASSERT_EQ(wl.refusedExporters.size(), 1u) << "the over-long name is left out";
	EXPECT_EQ(wl.refusedExporters[0].exporter, "udmabuf");
	EXPECT_EQ(wl.refusedExporters[0].reason.size(), kMaxReasonLength);
}

TEST(IpcConstraints, ProducerMergeIncludesEveryConsumersLists)
{
	DbkConstraints display, encoder;
	dbk_constraints_init(&display, "display");
	display.scanout = TRUE;
	dbk_constraints_add_refusal(&display, "dma-heap:system", kQbufFault);
	dbk_constraints_add_accepted(&display, "drm-dumb:/dev/dri/card0");
	dbk_constraints_init(&encoder, "encoder");
	encoder.stride_align = 32;
	dbk_constraints_add_refusal(&encoder, "udmabuf", "vicodec: VIDIOC_QBUF: EINVAL");
	dbk_constraints_add_accepted(&encoder, "dma-heap:system");
	const std::vector<Constraints> wire = { overTheWire(toWire(display)),
						overTheWire(toWire(encoder)) };

	/* What the producer's pool reads from its ALLOCATION query. */
	GstCaps *caps = gst_caps_from_string("video/x-raw,format=BGRx,width=64,height=64");
	GstQuery *query = gst_query_new_allocation(caps, TRUE);
	addToQuery(query, wire);
	DbkConstraints merged;
	guint n = 0;
	GError *err = nullptr;
	ASSERT_TRUE(dbk_query_get_constraints(query, &merged, &n, &err))
		<< (err ? err->message : "");
	gst_query_unref(query);
	gst_caps_unref(caps);
	EXPECT_EQ(n, 2u);
	const dmabufkit::Constraints core = dmabufkit::gst::toCore(merged);
	EXPECT_TRUE(core.scanout);
	EXPECT_EQ(core.strideAlign, 32u);
	const auto *heap = core.refusal("dma-heap:system");
	ASSERT_NE(heap, nullptr) << "the display's refusal reaches the producer";
	EXPECT_EQ(heap->reason, kQbufFault);
	ASSERT_NE(core.refusal("udmabuf"), nullptr) << "the encoder's too";
	EXPECT_TRUE(core.accepts("drm-dumb:/dev/dri/card0"));

	/* The merged string in dmabufipcsink's stats. */
	const std::string s = mergedConstraints(wire);
	EXPECT_NE(s.find("refuses dma-heap:system udmabuf"), std::string::npos) << s;
	EXPECT_NE(s.find("imports drm-dumb:/dev/dri/card0"), std::string::npos) << s;
	EXPECT_EQ(s.find("imports drm-dumb:/dev/dri/card0 dma-heap"), std::string::npos)
		<< "a refusal by one consumer outweighs acceptance by another: " << s;
}
