/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Constraint merging and exporter selection: pure logic, no devices. */
#include <gtest/gtest.h>

#include "dmabufkit/core/constraints.h"
#include "dmabufkit/internal/exporter_selector.h"

using namespace dmabufkit;

namespace {

ExporterTraits traits(const char *name, bool contiguous, bool scanout, uint64_t maxSize = 0)
{
	ExporterTraits t;
	t.name = name;
	t.contiguous = contiguous;
	t.scanout = scanout;
	t.maxSize = maxSize;
	return t;
}

const std::vector<ExporterTraits> kMachine = {
	traits("dma-heap:system", false, false),
	traits("udmabuf", false, false, 64 << 20),
	traits("dma-heap:reserved", true, false, 64 << 20),
	traits("drm-dumb:vkms", false, true),
};

} /* namespace */

TEST(MergeConstraints, EmptyIsNoConstraint)
{
	auto m = mergeConstraints({});
	ASSERT_TRUE(m.ok());
	EXPECT_EQ(*m, Constraints{});
	EXPECT_EQ(m->describe(), "none");
}

TEST(MergeConstraints, BooleansOrAlignmentsLcmSizeMin)
{
	Constraints enc;
	enc.consumer = "encoder";
	enc.packedStride = true;
	enc.strideAlign = 16;
	enc.maxSize = 32 << 20;
	enc.memoryLayout = MemoryLayout::Single;
	Constraints kms;
	kms.consumer = "kms";
	kms.scanout = true;
	kms.strideAlign = 64;
	kms.offsetAlign = 4096;
	kms.maxSize = 16 << 20;
	Constraints cpu;
	cpu.consumer = "cpu";
	cpu.cpuMappable = true;

	auto m = mergeConstraints({ enc, kms, cpu });
	ASSERT_TRUE(m.ok()) << m.error().message;
	EXPECT_TRUE(m->packedStride);
	EXPECT_TRUE(m->scanout);
	EXPECT_TRUE(m->cpuMappable);
	EXPECT_FALSE(m->contiguous);
	EXPECT_EQ(m->strideAlign, 64u);
	EXPECT_EQ(m->offsetAlign, 4096u);
	EXPECT_EQ(m->maxSize, 16u << 20);
	EXPECT_EQ(m->memoryLayout, MemoryLayout::Single);
	EXPECT_EQ(m->consumer, "encoder + kms + cpu");
}

TEST(MergeConstraints, MergeIsOrderIndependent)
{
	Constraints a, b;
	a.strideAlign = 8;
	a.maxSize = 100;
	b.strideAlign = 32;
	b.contiguous = true;
	auto ab = mergeConstraints({ a, b });
	auto ba = mergeConstraints({ b, a });
	ASSERT_TRUE(ab.ok() && ba.ok());
	EXPECT_EQ(*ab, *ba);
}

TEST(MergeConstraints, ConflictingLayoutsNameBothConsumers)
{
	Constraints a, b;
	a.consumer = "vicodec OUTPUT";
	a.memoryLayout = MemoryLayout::Single;
	b.consumer = "some mplane sink";
	b.memoryLayout = MemoryLayout::PerPlane;
	auto m = mergeConstraints({ a, b });
	ASSERT_FALSE(m.ok());
	EXPECT_NE(m.error().message.find("vicodec OUTPUT"), std::string::npos) << m.error().message;
	EXPECT_NE(m.error().message.find("some mplane sink"), std::string::npos)
		<< m.error().message;
}

TEST(MergeConstraints, RejectsNonPowerOfTwoAlignment)
{
	Constraints a;
	a.consumer = "odd";
	a.strideAlign = 24;
	auto m = mergeConstraints({ a });
	ASSERT_FALSE(m.ok());
	EXPECT_NE(m.error().message.find("power of two"), std::string::npos);
	a.strideAlign = 1;
	a.offsetAlign = 0;
	EXPECT_FALSE(mergeConstraints({ a }).ok());
}

TEST(SelectExporter, NoConstraintsPicksFirst)
{
	auto i = selectExporter(kMachine, {}, 4096);
	ASSERT_TRUE(i.ok());
	EXPECT_EQ(*i, 0u);
}

TEST(SelectExporter, ContiguousPicksCma)
{
	Constraints c;
	c.contiguous = true;
	auto i = selectExporter(kMachine, c, 1 << 20);
	ASSERT_TRUE(i.ok());
	EXPECT_EQ(kMachine[*i].name, "dma-heap:reserved");
}

TEST(SelectExporter, ScanoutPicksDumb)
{
	Constraints c;
	c.scanout = true;
	c.cpuMappable = true;
	auto i = selectExporter(kMachine, c, 1 << 20);
	ASSERT_TRUE(i.ok());
	EXPECT_EQ(kMachine[*i].name, "drm-dumb:vkms");
}

TEST(SelectExporter, SizeLimitsSkipExporters)
{
	Constraints c;
	c.contiguous = true;
	auto i = selectExporter(kMachine, c, 100 << 20);
	ASSERT_FALSE(i.ok());
	EXPECT_NE(i.error().message.find("dma-heap:reserved: buffer of"), std::string::npos)
		<< i.error().message;
	/* Without contiguity, udmabuf's 64 MiB limit is skipped for the system heap. */
	std::vector<ExporterTraits> order = { kMachine[1], kMachine[0] };
	auto j = selectExporter(order, {}, 100 << 20);
	ASSERT_TRUE(j.ok());
	EXPECT_EQ(order[*j].name, "dma-heap:system");
}

TEST(SelectExporter, UnmetConstraintIsNamedPerExporter)
{
	Constraints c;
	c.consumer = "display";
	c.scanout = true;
	c.contiguous = true;
	auto i = selectExporter(kMachine, c, 4096);
	ASSERT_FALSE(i.ok());
	const std::string &m = i.error().message;
	EXPECT_NE(m.find("display"), std::string::npos) << m;
	EXPECT_NE(m.find("dma-heap:system: not physically contiguous"), std::string::npos) << m;
	EXPECT_NE(m.find("drm-dumb:vkms: not physically contiguous"), std::string::npos) << m;
	EXPECT_NE(m.find("dma-heap:reserved: not scanout-capable"), std::string::npos) << m;
}

TEST(SelectExporter, MaxSizeConstraint)
{
	Constraints c;
	c.maxSize = 1000;
	auto i = selectExporter(kMachine, c, 4096);
	ASSERT_FALSE(i.ok());
	EXPECT_NE(i.error().message.find("exceeds max-size 1000"), std::string::npos);
}

TEST(SelectExporter, NoExporterAtAll)
{
	auto i = selectExporter({}, {}, 4096);
	ASSERT_FALSE(i.ok());
	EXPECT_NE(i.error().message.find("no dma-buf exporter on this machine"), std::string::npos);
}

/* What a device probe learnt: a refused exporter is never chosen, and the
 * error names who refused it and what the kernel said. */
TEST(SelectExporter, RefusedExporterIsNeverChosen)
{
	Constraints c;
	c.consumer = "vivid-000-vid-cap";
	c.refusedExporters = { { "dma-heap:system",
				 "vivid-000-vid-cap: VIDIOC_QBUF: Bad address" } };
	auto i = selectExporter(kMachine, c, 1 << 20);
	ASSERT_TRUE(i.ok()) << i.error().message;
	EXPECT_EQ(kMachine[*i].name, "udmabuf");

	c.refusedExporters.push_back({ "udmabuf", "vivid-000-vid-cap: Bad address" });
	c.refusedExporters.push_back({ "dma-heap:reserved", "vivid-000-vid-cap: too small" });
	c.refusedExporters.push_back({ "drm-dumb:vkms", "vivid-000-vid-cap: Bad address" });
	auto none = selectExporter(kMachine, c, 1 << 20);
	ASSERT_FALSE(none.ok());
	EXPECT_NE(
		none.error().message.find(
			"dma-heap:system: refused by vivid-000-vid-cap: VIDIOC_QBUF: Bad address"),
		std::string::npos)
		<< none.error().message;
}

/* A display that imported a heap's buffer proved it can scan it out. */
TEST(SelectExporter, AcceptedHeapSatisfiesScanout)
{
	Constraints c;
	c.scanout = true;
	auto dumb = selectExporter(kMachine, c, 1 << 20);
	ASSERT_TRUE(dumb.ok());
	EXPECT_EQ(kMachine[*dumb].name, "drm-dumb:vkms");
	c.acceptedExporters = { "dma-heap:system" };
	auto heap = selectExporter(kMachine, c, 1 << 20);
	ASSERT_TRUE(heap.ok());
	EXPECT_EQ(kMachine[*heap].name, "dma-heap:system");
	/* Contiguous and scanout: the CMA heap once the display accepted it. */
	c.contiguous = true;
	auto none = selectExporter(kMachine, c, 1 << 20);
	ASSERT_FALSE(none.ok());
	EXPECT_NE(none.error().message.find("dma-heap:reserved: not scanout-capable"),
		  std::string::npos)
		<< none.error().message;
	c.acceptedExporters.push_back("dma-heap:reserved");
	auto cma = selectExporter(kMachine, c, 1 << 20);
	ASSERT_TRUE(cma.ok());
	EXPECT_EQ(kMachine[*cma].name, "dma-heap:reserved");
}

TEST(SelectExporter, NoContiguousExporterNamesTheRemedy)
{
	Constraints c;
	c.consumer = "vivid-000-vid-cap";
	c.contiguous = true;
	const std::vector<ExporterTraits> noCma = { kMachine[0], kMachine[1], kMachine[3] };
	auto i = selectExporter(noCma, c, 1 << 20);
	ASSERT_FALSE(i.ok());
	EXPECT_NE(i.error().message.find("cma=64M"), std::string::npos) << i.error().message;
	/* With a CMA heap that is only too small, the remedy is not CMA. */
	auto small = selectExporter(kMachine, c, 128 << 20);
	ASSERT_FALSE(small.ok());
	EXPECT_EQ(small.error().message.find("cma=64M"), std::string::npos)
		<< small.error().message;
}

/* Refusals and acceptances of every consumer are united; a refusal by one
 * consumer outweighs another's acceptance. */
TEST(MergeConstraints, RefusalsAndAcceptancesAreUnited)
{
	Constraints cam;
	cam.consumer = "camera";
	cam.contiguous = true;
	cam.refusedExporters = { { "dma-heap:system", "camera: Bad address" } };
	cam.acceptedExporters = { "dma-heap:reserved" };
	Constraints display;
	display.consumer = "display";
	display.scanout = true;
	display.acceptedExporters = { "dma-heap:system", "dma-heap:reserved" };
	auto m = mergeConstraints({ cam, display });
	ASSERT_TRUE(m.ok());
	ASSERT_EQ(m->refusedExporters.size(), 1u);
	EXPECT_EQ(m->refusedExporters[0].reason, "camera: Bad address");
	EXPECT_EQ(m->acceptedExporters.size(), 2u);
	EXPECT_TRUE(m->accepts("dma-heap:system"));
	ASSERT_NE(m->refusal("dma-heap:system"), nullptr);
	EXPECT_EQ(m->describe(),
		  "contiguous, scanout, refuses dma-heap:system, imports dma-heap:reserved");
	auto i = selectExporter(kMachine, *m, 1 << 20);
	ASSERT_TRUE(i.ok()) << i.error().message;
	EXPECT_EQ(kMachine[*i].name, "dma-heap:reserved");
}
