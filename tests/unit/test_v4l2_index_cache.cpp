/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host tests of the index cache's answer to "where was this dma-buf
 * queued before", which the importing queue uses to log a dma-buf
 * re-queued at another index (a remap in vb2).
 */
#include <gtest/gtest.h>

#include "dmabufkit/v4l2/dmabuf_index_cache.h"

using dmabufkit::v4l2::DmaBufIndexCache;

TEST(IndexCacheBinding, UnknownDmaBufIsBoundNowhere)
{
	DmaBufIndexCache c(2);
	EXPECT_FALSE(c.boundIndex(42).has_value());
}

TEST(IndexCacheBinding, DmaBufStaysBoundToItsIndexWhenFree)
{
	DmaBufIndexCache c(3);
	auto a = c.acquire(10);
	ASSERT_TRUE(a.has_value());
	EXPECT_EQ(c.boundIndex(10), a);
	c.release(*a);
	EXPECT_EQ(c.boundIndex(10), a) << "a free index keeps its dma-buf";
	EXPECT_EQ(c.acquire(10), a);
}

TEST(IndexCacheBinding, BusyIndexSendsTheDmaBufElsewhereAndKeepsTheOldBinding)
{
	DmaBufIndexCache c(2);
	auto a = c.acquire(7);
	ASSERT_TRUE(a.has_value());
	/* Queued again while still busy: the re-queue case the queue logs. */
	const auto before = c.boundIndex(7);
	const uint64_t hits = c.hits();
	auto b = c.acquire(7);
	ASSERT_TRUE(b.has_value());
	EXPECT_EQ(before, a);
	EXPECT_NE(*b, *before);
	EXPECT_EQ(c.hits(), hits) << "another index is a miss";
	EXPECT_EQ(c.boundIndex(7), a) << "the busy index keeps the binding";
}

TEST(IndexCacheBinding, EvictedDmaBufLosesItsBinding)
{
	DmaBufIndexCache c(1);
	auto a = c.acquire(1);
	ASSERT_TRUE(a.has_value());
	c.release(*a);
	auto b = c.acquire(2); /* takes the only slot */
	ASSERT_TRUE(b.has_value());
	EXPECT_FALSE(c.boundIndex(1).has_value());
	EXPECT_EQ(c.boundIndex(2), b);
}
