/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/core/dma_buf.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <linux/dma-buf.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "dmabufkit/base/log.h"

#ifndef DMA_BUF_MAGIC
#define DMA_BUF_MAGIC 0x444d4142 /* "DMAB" */
#endif

namespace dmabufkit {

DmaBuf::~DmaBuf() = default;

bool DmaBuf::isDmaBuf(int fd)
{
	struct statfs sfs;
	if (fd < 0 || fstatfs(fd, &sfs) < 0)
		return false;
	return static_cast<unsigned long>(sfs.f_type) == DMA_BUF_MAGIC;
}

Result<void> DmaBuf::init()
{
	int fd = this->fd();
	if (fd < 0)
		return Error{ EBADF, "invalid file descriptor" };
	if (!isDmaBuf(fd))
		return Error{ EINVAL, "fd " + std::to_string(fd) + " is not a dma-buf" };
	struct stat st;
	if (fstat(fd, &st) < 0) {
		Error e = Error::fromErrno(errno, "fstat on dma-buf fd " + std::to_string(fd));
		DBK_LOG(Allocator, Error, "%s", e.message.c_str());
		return e;
	}
	inode_ = st.st_ino;
	off_t end = lseek(fd, 0, SEEK_END);
	if (end < 0) {
		Error e = Error::fromErrno(errno, "lseek on dma-buf fd " + std::to_string(fd));
		DBK_LOG(Allocator, Error, "%s", e.message.c_str());
		return e;
	}
	lseek(fd, 0, SEEK_SET);
	size_ = static_cast<uint64_t>(end);
	return {};
}

Result<DmaBuf> DmaBuf::adopt(UniqueFD fd)
{
	DmaBuf buf;
	buf.owned_ = std::move(fd);
	auto r = buf.init();
	if (!r)
		return r.error();
	return buf;
}

Result<DmaBuf> DmaBuf::borrow(int fd)
{
	DmaBuf buf;
	buf.borrowed_ = fd;
	auto r = buf.init();
	if (!r)
		return r.error();
	return buf;
}

Result<void> DmaBuf::setName(const std::string &name)
{
	char buf[kMaxNameLength + 1] = {};
	std::strncpy(buf, name.c_str(), kMaxNameLength);
	if (ioctl(fd(), DMA_BUF_SET_NAME, buf) < 0) {
		/* Callers decide whether a missing name matters (nameDmaBuf warns). */
		Error e =
			Error::fromErrno(errno, "DMA_BUF_SET_NAME \"" + std::string(buf) +
							"\" on dma-buf fd " + std::to_string(fd()));
		DBK_LOG(Allocator, Debug, "%s", e.message.c_str());
		return e;
	}
	return {};
}

std::string dmaBufFdInfo(int fd, const std::string &field)
{
	std::ifstream in("/proc/self/fdinfo/" + std::to_string(fd));
	std::string line;
	const std::string key = field + ":";
	while (std::getline(in, line)) {
		if (line.compare(0, key.size(), key) != 0)
			continue;
		size_t start = line.find_first_not_of(" \t", key.size());
		return start == std::string::npos ? std::string{} : line.substr(start);
	}
	return {};
}

std::string DmaBuf::name() const
{
	return dmaBufFdInfo(fd(), "name");
}

std::string DmaBuf::exporterName() const
{
	return dmaBufFdInfo(fd(), "exp_name");
}

int DmaBuf::release()
{
	if (owned_.isValid())
		return owned_.release();
	return std::exchange(borrowed_, -1);
}

} /* namespace dmabufkit */
