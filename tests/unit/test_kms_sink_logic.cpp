/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dmabufkmssink's pure units: the import-or-copy decision, the stats
 * structure, and the scanout allocator's ownership of the DRM fd it is
 * given. */
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <dmabufkit/dmabufkit.h>
#include <gst/gst.h>

#include "kms_import_decision.h"
#include "kms_sink_stats.h"

using namespace dmabufkit::kms;

namespace {

/* One BGRx plane of 64x4, stride 256, alone in a 1024-byte dma-buf. */
PlaneSource packedPlane()
{
	PlaneSource p;
	p.located = true;
	p.offset = 0;
	p.stride = 256;
	p.dmaBuf = true;
	p.memoryType = "dmabuf";
	p.skip = 0;
	p.memorySize = 1024;
	p.rows = 4;
	p.rowBytes = 256;
	return p;
}

size_t openFds()
{
	size_t n = 0;
	if (DIR *d = opendir("/proc/self/fd")) {
		while (readdir(d))
			++n;
		closedir(d);
	}
	return n;
}

} /* namespace */

TEST(KmsImportDecision, DmaBufPlaneIsImported)
{
	auto d = decideImport({ packedPlane() });
	EXPECT_TRUE(d.import());
	EXPECT_EQ(d.error, 0);
	EXPECT_EQ(d.reason, "new import");
}

TEST(KmsImportDecision, CachedOnlyWhenEveryPlaneIs)
{
	PlaneSource y = packedPlane(), uv = packedPlane();
	y.cached = true;
	EXPECT_EQ(decideImport({ y, uv }).reason, "new import");
	uv.cached = true;
	auto d = decideImport({ y, uv });
	EXPECT_TRUE(d.import());
	EXPECT_EQ(d.reason, "cached framebuffer");
}

TEST(KmsImportDecision, SystemMemoryIsCopied)
{
	PlaneSource p = packedPlane();
	p.dmaBuf = false;
	p.memoryType = "SystemMemory";
	auto d = decideImport({ p });
	EXPECT_FALSE(d.import());
	EXPECT_EQ(d.error, EINVAL);
	/* The VM test looks for "not a dma-buf" in the warning and copy-reason. */
	EXPECT_EQ(d.reason, "the buffer's memory is not a dma-buf (allocator SystemMemory)");
}

TEST(KmsImportDecision, PlaneOutsideTheBufferOrBadStrideIsCopied)
{
	PlaneSource p = packedPlane();
	p.located = false;
	p.offset = 4096;
	EXPECT_EQ(decideImport({ p }).reason,
		  "plane 0 (offset 4096, stride 256) is not inside the buffer");
	p = packedPlane();
	p.stride = 0;
	auto d = decideImport({ p });
	EXPECT_FALSE(d.import());
	EXPECT_EQ(d.reason, "plane 0 (offset 0, stride 0) is not inside the buffer");
	p.stride = -256;
	EXPECT_FALSE(decideImport({ p }).import());
}

TEST(KmsImportDecision, LastRowNeedsOnlyItsPixels)
{
	/* Stride 512, 200 bytes of pixels: 3 * 512 + 200 = 1736 bytes. */
	PlaneSource p = packedPlane();
	p.stride = 512;
	p.rowBytes = 200;
	p.memorySize = 1736;
	EXPECT_TRUE(decideImport({ p }).import());
	p.memorySize = 1735;
	auto d = decideImport({ p });
	EXPECT_FALSE(d.import());
	EXPECT_EQ(d.reason, "plane 0 spans several memories");
	/* The plane's start inside the memory counts too. */
	p.memorySize = 1736;
	p.skip = 1;
	EXPECT_FALSE(decideImport({ p }).import());
}

TEST(KmsImportDecision, FirstFailingPlaneIsReported)
{
	PlaneSource y = packedPlane(), uv = packedPlane();
	uv.skip = 1024; /* past the end of its memory */
	auto d = decideImport({ y, uv });
	EXPECT_FALSE(d.import());
	EXPECT_EQ(d.reason, "plane 1 spans several memories");
	y.dmaBuf = false;
	y.memoryType = "none";
	EXPECT_EQ(decideImport({ y, uv }).reason,
		  "the buffer's memory is not a dma-buf (allocator none)");
}

TEST(KmsImportDecision, InjectedErrorForcesTheCopy)
{
	auto d = decideImport({ packedPlane() }, EINVAL);
	EXPECT_FALSE(d.import());
	EXPECT_EQ(d.error, EINVAL);
	EXPECT_EQ(d.reason, "drmPrimeFDToHandle (error injected by "
			    "DMABUFKIT_KMS_INJECT_IMPORT_ERROR): Invalid argument");
}

TEST(KmsSinkStats, EveryFieldWithItsType)
{
	gst_init(nullptr, nullptr);
	SinkStats s;
	s.framesShown = 10;
	s.flips = 11;
	s.commits = 12;
	s.testCommits = 2;
	s.lastFlipLatencyUs = 16000;
	s.intervalMeanUs = 16666.5;
	s.intervalStddevUs = 12.5;
	s.intervalMaxUs = 17000;
	s.writebackCaptures = 1;
	s.writebackFailures = 0;
	s.imports = 3;
	s.cacheHits = 7;
	s.framebuffers = 3;
	s.lateDrops = 4;
	s.failedFrames = 1;
	s.importFailures = 5;
	s.copies = 5;
	s.copyReason = "the buffer's memory is not a dma-buf (allocator SystemMemory)";
	s.mode = "1024x768@60 (current)";
	s.output = "display";
	s.device = "/dev/dri/card0 (vkms)";
	GstStructure *st = buildStatsStructure(s);
	ASSERT_NE(st, nullptr);
	EXPECT_STREQ(gst_structure_get_name(st), "dmabufkmssink-stats");
	EXPECT_EQ(gst_structure_n_fields(st), 22);
	auto u64 = [&](const char *f) {
		guint64 v = G_MAXUINT64;
		EXPECT_TRUE(gst_structure_get_uint64(st, f, &v)) << f;
		return v;
	};
	EXPECT_EQ(u64("frames-shown"), 10u);
	EXPECT_EQ(u64("flips"), 11u);
	EXPECT_EQ(u64("commits"), 12u);
	EXPECT_EQ(u64("test-commits"), 2u);
	EXPECT_EQ(u64("dropped"), 5u) << "late drops plus failed frames";
	EXPECT_EQ(u64("late-drops"), 4u);
	EXPECT_EQ(u64("failed-frames"), 1u);
	EXPECT_EQ(u64("imports"), 3u);
	EXPECT_EQ(u64("cache-hits"), 7u);
	EXPECT_EQ(u64("import-failures"), 5u);
	EXPECT_EQ(u64("framebuffers"), 3u);
	EXPECT_EQ(u64("copies"), 5u);
	EXPECT_EQ(u64("last-flip-latency-us"), 16000u);
	EXPECT_EQ(u64("flip-interval-max-us"), 17000u);
	EXPECT_EQ(u64("writeback-captures"), 1u);
	EXPECT_EQ(u64("writeback-failures"), 0u);
	gdouble mean = 0, jitter = 0;
	EXPECT_TRUE(gst_structure_get_double(st, "flip-interval-mean-us", &mean));
	EXPECT_TRUE(gst_structure_get_double(st, "flip-interval-jitter-us", &jitter));
	EXPECT_DOUBLE_EQ(mean, 16666.5);
	EXPECT_DOUBLE_EQ(jitter, 12.5);
	EXPECT_STREQ(gst_structure_get_string(st, "copy-reason"), s.copyReason.c_str());
	EXPECT_STREQ(gst_structure_get_string(st, "mode"), "1024x768@60 (current)");
	EXPECT_STREQ(gst_structure_get_string(st, "output"), "display");
	EXPECT_STREQ(gst_structure_get_string(st, "device"), "/dev/dri/card0 (vkms)");
	gst_structure_free(st);
}

TEST(KmsSinkStats, StoppedSinkHasEmptyStrings)
{
	gst_init(nullptr, nullptr);
	GstStructure *st = buildStatsStructure({});
	EXPECT_STREQ(gst_structure_get_string(st, "mode"), "");
	EXPECT_STREQ(gst_structure_get_string(st, "output"), "");
	EXPECT_STREQ(gst_structure_get_string(st, "device"), "");
	gst_structure_free(st);
}

/* The sink closes its fd after creating the scanout allocator: the allocator
 * must hold its own duplicate, and a failure must not close or leak fds. No
 * DRM device is needed for the failure path. */
TEST(KmsScanoutAllocator, DrmFdIsDuplicatedNotTaken)
{
	gst_init(nullptr, nullptr);
	dbk_init();
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	const size_t before = openFds();
	GError *err = nullptr;
	EXPECT_EQ(dbk_allocator_new_for_drm_fd(fd, &err), nullptr);
	ASSERT_NE(err, nullptr);
	EXPECT_NE(std::string(err->message).find("not a DRM device"), std::string::npos)
		<< err->message;
	g_error_free(err);
	EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC) << "the caller's fd stays open";
	EXPECT_EQ(openFds(), before) << "the duplicate is closed on failure";
	close(fd);

	err = nullptr;
	EXPECT_EQ(dbk_allocator_new_for_drm_fd(-1, &err), nullptr);
	ASSERT_NE(err, nullptr);
	EXPECT_NE(std::string(err->message).find("cannot duplicate DRM fd -1"), std::string::npos)
		<< err->message;
	g_error_free(err);
}
