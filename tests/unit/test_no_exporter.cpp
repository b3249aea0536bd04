/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Error paths on a machine with no exporter at all (the build host's real
 * situation), modelled with empty device locations so the test means the
 * same on any machine.
 */
#include <cstdlib>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dmabufkit/core/dma_buf.h"
#include "dmabufkit/core/dma_heap_exporter.h"
#include "dmabufkit/core/exporter_registry.h"
#include "dmabufkit/core/udmabuf_exporter.h"

using namespace dmabufkit;

namespace {

class EmptyDir
{
public:
	EmptyDir()
	{
		char tmpl[] = "/tmp/dbk-empty-XXXXXX";
		path_ = mkdtemp(tmpl);
	}
	~EmptyDir() { rmdir(path_.c_str()); }
	const std::string &path() const { return path_; }

private:
	std::string path_;
};

} /* namespace */

TEST(NoExporter, RegistrySelectExplains)
{
	EmptyDir dir;
	ExporterRegistry reg(dir.path(), dir.path() + "/udmabuf", false);
	EXPECT_TRUE(reg.candidates().empty());
	auto e = reg.select({}, 4096);
	ASSERT_FALSE(e.ok());
	EXPECT_NE(e.error().message.find("no dma-buf exporter on this machine"), std::string::npos)
		<< e.error().message;
	EXPECT_NE(e.error().message.find("udmabuf"), std::string::npos) << e.error().message;
}

TEST(NoExporter, HeapThatDoesNotExist)
{
	EmptyDir dir;
	auto h = DmaHeapExporter::open(dir.path() + "/system");
	ASSERT_FALSE(h.ok());
	EXPECT_NE(h.error().message.find("no such heap"), std::string::npos) << h.error().message;
	EXPECT_NE(h.error().message.find("available: none"), std::string::npos)
		<< h.error().message;
}

TEST(NoExporter, UdmabufMissing)
{
	EmptyDir dir;
	auto u = UdmabufExporter::open((dir.path() + "/udmabuf").c_str());
	ASSERT_FALSE(u.ok());
	EXPECT_NE(u.error().message.find("CONFIG_UDMABUF"), std::string::npos) << u.error().message;
}

TEST(NoExporter, FindNamesWhatExists)
{
	EmptyDir dir;
	ExporterRegistry reg(dir.path(), dir.path() + "/udmabuf", false);
	auto e = reg.find("dma-heap:system");
	ASSERT_FALSE(e.ok());
	EXPECT_NE(e.error().message.find("available: none"), std::string::npos)
		<< e.error().message;
}

TEST(NoExporter, ForeignFdThatIsNotADmaBuf)
{
	int fd = memfd_create("not-a-dmabuf", MFD_CLOEXEC);
	ASSERT_GE(fd, 0);
	auto b = DmaBuf::borrow(fd);
	ASSERT_FALSE(b.ok());
	EXPECT_NE(b.error().message.find("is not a dma-buf"), std::string::npos);
	EXPECT_FALSE(DmaBuf::isDmaBuf(fd));
	auto a = DmaBuf::adopt(UniqueFD(fd)); /* closes fd on failure */
	EXPECT_FALSE(a.ok());
	EXPECT_FALSE(DmaBuf::isDmaBuf(-1));
}

TEST(UniqueFD, ClosesAndReleases)
{
	int fds[2];
	ASSERT_EQ(pipe(fds), 0);
	{
		UniqueFD a(fds[0]);
		UniqueFD b(std::move(a));
		EXPECT_FALSE(a.isValid());
		EXPECT_EQ(b.get(), fds[0]);
	}
	EXPECT_EQ(fcntl(fds[0], F_GETFD), -1) << "fd was not closed";
	UniqueFD c(fds[1]);
	int raw = c.release();
	EXPECT_EQ(raw, fds[1]);
	EXPECT_NE(fcntl(raw, F_GETFD), -1);
	close(raw);
}
