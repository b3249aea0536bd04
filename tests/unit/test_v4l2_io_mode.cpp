/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host tests of dmabufv4l2src's choice between importing into a pool and
 * exporting driver buffers (io-mode auto, export, import).
 */
#include <gtest/gtest.h>

#include "io_mode_choice.h"

using namespace dmabufkit::gstv4l2;

TEST(IoModeChoice, ExportTriesNoPool)
{
	IoModeChoice c(IoMode::Export, true);
	EXPECT_FALSE(c.next().has_value());
	EXPECT_FALSE(c.failed());
	EXPECT_FALSE(c.accepted().has_value());
	EXPECT_EQ(c.reason(), "io-mode=export");
}

TEST(IoModeChoice, AutoImportsIntoDownstreamsPool)
{
	IoModeChoice c(IoMode::Auto, true);
	ASSERT_EQ(c.next(), PoolCandidate::Downstream);
	c.accept();
	EXPECT_FALSE(c.next().has_value());
	EXPECT_EQ(c.accepted(), PoolCandidate::Downstream);
	EXPECT_FALSE(c.failed());
}

TEST(IoModeChoice, AutoExportsWhenDownstreamsPoolRefuses)
{
	IoModeChoice c(IoMode::Auto, true);
	ASSERT_EQ(c.next(), PoolCandidate::Downstream);
	c.refuse("plane 0 of the pool's layout differs from the driver's");
	EXPECT_FALSE(c.next().has_value()) << "auto never makes a pool of its own";
	EXPECT_FALSE(c.failed());
	EXPECT_FALSE(c.accepted().has_value());
	EXPECT_EQ(c.reason(), "downstream's pool is not importable: plane 0 of the pool's layout "
			      "differs from the driver's");
}

TEST(IoModeChoice, AutoWithoutDownstreamPoolExports)
{
	IoModeChoice c(IoMode::Auto, false);
	EXPECT_FALSE(c.next().has_value());
	EXPECT_FALSE(c.failed());
	EXPECT_EQ(c.reason(), "downstream offered no pool");
}

TEST(IoModeChoice, ImportFallsBackToItsOwnPool)
{
	IoModeChoice c(IoMode::Import, true);
	ASSERT_EQ(c.next(), PoolCandidate::Downstream);
	c.refuse("memory 0 is not a dma-buf (SystemMemory)");
	ASSERT_EQ(c.next(), PoolCandidate::Own);
	c.accept();
	EXPECT_EQ(c.accepted(), PoolCandidate::Own);
	EXPECT_FALSE(c.failed());
	EXPECT_EQ(c.reason(), "our own pool is importable");
}

TEST(IoModeChoice, ImportWithoutDownstreamPoolTriesItsOwn)
{
	IoModeChoice c(IoMode::Import, false);
	ASSERT_EQ(c.next(), PoolCandidate::Own);
	c.accept();
	EXPECT_EQ(c.accepted(), PoolCandidate::Own);
}

TEST(IoModeChoice, ImportFailsWithTheLastRefusalWhenNoPoolIsImportable)
{
	IoModeChoice c(IoMode::Import, true);
	c.refuse("downstream: the pool gave no buffer");
	EXPECT_FALSE(c.failed()) << "its own pool is still to try";
	c.refuse("the pool could not allocate");
	EXPECT_FALSE(c.next().has_value());
	EXPECT_TRUE(c.failed());
	EXPECT_EQ(c.lastRefusal(), "the pool could not allocate");
}

TEST(IoModeChoice, AnswersAreFinalOnceAccepted)
{
	IoModeChoice c(IoMode::Import, true);
	c.accept();
	c.refuse("too late");
	EXPECT_EQ(c.accepted(), PoolCandidate::Downstream);
	EXPECT_EQ(c.lastRefusal(), "");
}

TEST(IoModeChoice, NamesTheModes)
{
	EXPECT_STREQ(ioModeName(IoMode::Auto), "auto");
	EXPECT_STREQ(ioModeName(IoMode::Export), "export");
	EXPECT_STREQ(ioModeName(IoMode::Import), "import");
}
