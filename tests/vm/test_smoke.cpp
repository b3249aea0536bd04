/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VM smoke test: every device the project needs is present and usable in
 * the guest. Prints the kernel version and what it found.
 */
#include <cstring>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/dma-buf.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "dmabufkit/core/cpu_access.h"
#include "dmabufkit/core/dma_heap_exporter.h"
#include "dmabufkit/core/udmabuf_exporter.h"
#include "dmabufkit/v4l2/device_finder.h"
#include "test_devices.h"

using namespace dmabufkit;

namespace {

void expectStreamingV4l2(const std::string &role, bool m2m)
{
	auto path = test::findDevice(role);
	ASSERT_TRUE(path.ok()) << role << ": " << path.error().message;
	auto info = v4l2::queryVideoNode(*path);
	ASSERT_TRUE(info.ok()) << info.error().message;
	std::printf("  %-16s %s driver=%s card=\"%s\" name=\"%s\" caps=0x%08x\n", role.c_str(),
		    path->c_str(), info->driver.c_str(), info->card.c_str(), info->name.c_str(),
		    info->deviceCaps);
	EXPECT_TRUE(info->canStream()) << role << " cannot stream";
	EXPECT_EQ(info->isMemToMem(), m2m) << role;
	if (!m2m) {
		EXPECT_TRUE(info->isCapture()) << role;
	}
}

/* Write a pattern through one mapping with SYNC around it, read it back
 * through a second, independent mapping of a dup'ed fd. */
void roundTrip(const DmaBuf &buf)
{
	CpuAccessCounters counters;
	auto w = CpuMapping::map(buf.fd(), buf.size(), &counters);
	ASSERT_TRUE(w.ok()) << w.error().message;
	{
		auto access = CpuAccess::begin(buf.fd(), Access::Write, &counters);
		ASSERT_TRUE(access.ok()) << access.error().message;
		for (size_t i = 0; i < buf.size(); ++i)
			w->data()[i] = static_cast<uint8_t>(i * 7 + 3);
	}
	UniqueFD second(dup(buf.fd()));
	auto r = CpuMapping::map(second.get(), buf.size(), &counters);
	ASSERT_TRUE(r.ok()) << r.error().message;
	{
		auto access = CpuAccess::begin(second.get(), Access::Read, &counters);
		ASSERT_TRUE(access.ok()) << access.error().message;
		size_t bad = 0;
		for (size_t i = 0; i < buf.size(); ++i)
			bad += r->data()[i] != static_cast<uint8_t>(i * 7 + 3);
		EXPECT_EQ(bad, 0u) << "bytes differ between the two mappings";
	}
	EXPECT_EQ(counters.syncStarts, 2u);
	EXPECT_EQ(counters.syncEnds, 2u);
	EXPECT_EQ(counters.syncFailures, 0u);
}

} /* namespace */

TEST(Smoke, Kernel)
{
	struct utsname u;
	ASSERT_EQ(uname(&u), 0);
	std::printf("  guest kernel: %s %s %s\n", u.sysname, u.release, u.machine);
	EXPECT_NE(std::getenv("DMABUFKIT_IN_VM"), nullptr) << "not running inside the test VM";
}

TEST(Smoke, VividCapture)
{
	expectStreamingV4l2("vivid-capture", false);
}

TEST(Smoke, VicodecEncoder)
{
	expectStreamingV4l2("vicodec-encoder", true);
}

TEST(Smoke, VicodecDecoder)
{
	expectStreamingV4l2("vicodec-decoder", true);
}

TEST(Smoke, VkmsWithWriteback)
{
	auto path = test::findDevice("vkms-card");
	ASSERT_TRUE(path.ok()) << path.error().message;
	UniqueFD fd(open(path->c_str(), O_RDWR | O_CLOEXEC));
	ASSERT_TRUE(fd.isValid());
	drmVersionPtr v = drmGetVersion(fd.get());
	ASSERT_NE(v, nullptr);
	std::printf("  %-16s %s driver=%s version=%d.%d.%d\n", "vkms-card", path->c_str(), v->name,
		    v->version_major, v->version_minor, v->version_patchlevel);
	drmFreeVersion(v);
	ASSERT_EQ(drmSetClientCap(fd.get(), DRM_CLIENT_CAP_ATOMIC, 1), 0)
		<< "no atomic modesetting";
	ASSERT_EQ(drmSetClientCap(fd.get(), DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1), 0);
	drmModeResPtr res = drmModeGetResources(fd.get());
	ASSERT_NE(res, nullptr);
	int writeback = 0, connected = 0;
	for (int i = 0; i < res->count_connectors; ++i) {
		drmModeConnectorPtr c = drmModeGetConnector(fd.get(), res->connectors[i]);
		if (!c)
			continue;
		if (c->connector_type == DRM_MODE_CONNECTOR_WRITEBACK)
			writeback++;
		else if (c->connection == DRM_MODE_CONNECTED)
			connected++;
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	std::printf("  %-16s %d connected connector(s), %d writeback connector(s)\n", "", connected,
		    writeback);
	EXPECT_GE(connected, 1);
	EXPECT_GE(writeback, 1);
}

TEST(Smoke, SystemHeap)
{
	auto heap = DmaHeapExporter::open("system");
	ASSERT_TRUE(heap.ok()) << heap.error().message;
	auto buf = (*heap)->allocate({ 1 << 20, "smoke:system", 0 });
	ASSERT_TRUE(buf.ok()) << buf.error().message;
	std::printf("  %-16s /dev/dma_heap/system: 1 MiB dma-buf inode %lu name \"%s\" exporter "
		    "\"%s\"\n",
		    "dma-heap", static_cast<unsigned long>(buf->inode()), buf->name().c_str(),
		    buf->exporterName().c_str());
	EXPECT_EQ(buf->name(), "smoke:system");
	roundTrip(*buf);
}

TEST(Smoke, Udmabuf)
{
	auto u = UdmabufExporter::open();
	ASSERT_TRUE(u.ok()) << u.error().message;
	auto buf = (*u)->allocate({ 1 << 20, "smoke:udmabuf", 0 });
	ASSERT_TRUE(buf.ok()) << buf.error().message;
	std::printf("  %-16s /dev/udmabuf: 1 MiB dma-buf inode %lu exporter \"%s\"\n", "udmabuf",
		    static_cast<unsigned long>(buf->inode()), buf->exporterName().c_str());
	EXPECT_EQ(buf->exporterName(), "udmabuf");
	roundTrip(*buf);
}
