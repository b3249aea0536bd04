/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file gst_environment.h
 * \brief GoogleTest environment that initialises GStreamer once per test binary.
 *
 * Register it at namespace scope in a test file:
 *
 *     DBK_TEST_GST_ENVIRONMENT();
 */
#pragma once

#include <gst/gst.h>
#include <gtest/gtest.h>

namespace dmabufkit::test {

class GstEnvironment : public ::testing::Environment
{
public:
	void SetUp() override { gst_init(nullptr, nullptr); }
};

} /* namespace dmabufkit::test */

#define DBK_TEST_GST_ENVIRONMENT()                                                                 \
	[[maybe_unused]] static const auto *dbk_test_gst_environment =                             \
		::testing::AddGlobalTestEnvironment(new ::dmabufkit::test::GstEnvironment)
