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
