/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ipc_socket.h"

#include <cerrno>
#include <cstring>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace dmabufkit::ipc {

namespace {

Result<sockaddr_un> socketAddress(const std::string &path)
{
	sockaddr_un addr{};
	addr.sun_family = AF_UNIX;
	if (path.empty() || path.size() >= sizeof(addr.sun_path))
		return Error{ EINVAL, "socket-path \"" + path + "\" is empty or longer than " +
					      std::to_string(sizeof(addr.sun_path) - 1) +
					      " bytes: choose a shorter path" };
	std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
	return addr;
}

Error socketError(int err, const std::string &call, const std::string &path)
{
	return Error::fromErrno(err, call + " on socket " + path);
}

} /* namespace */

Result<UniqueFD> listenSocket(const std::string &path, std::optional<gid_t> group)
{
	auto addr = socketAddress(path);
	if (!addr)
		return addr.error();
	UniqueFD fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	if (!fd)
		return socketError(errno, "socket()", path);
	/* Replace a socket left by a producer that died; refuse to remove anything else. */
	struct stat st {
	};
	if (::lstat(path.c_str(), &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return Error{ EEXIST, path + " exists and is not a socket: choose another "
						     "socket-path or remove it" };
		::unlink(path.c_str());
	}
	/* On Linux the mode of the socket inode before bind() becomes the file's mode, so
	 * nobody else can connect between bind() and the chmod() below. */
	const mode_t mode = group ? 0660 : 0600;
	::fchmod(fd.get(), mode);
	if (::bind(fd.get(), reinterpret_cast<const sockaddr *>(&*addr), sizeof(*addr)) < 0)
		return socketError(errno, "bind()", path);
	if (group && ::chown(path.c_str(), uid_t(-1), *group) < 0)
		return socketError(errno, "chown() to the allowed group", path);
	if (::chmod(path.c_str(), mode) < 0)
		return socketError(errno, "chmod()", path);
	if (::listen(fd.get(), 16) < 0)
		return socketError(errno, "listen()", path);
	return fd;
}

Result<UniqueFD> connectSocket(const std::string &path)
{
	auto addr = socketAddress(path);
	if (!addr)
		return addr.error();
	UniqueFD fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
	if (!fd)
		return socketError(errno, "socket()", path);
	if (::connect(fd.get(), reinterpret_cast<const sockaddr *>(&*addr), sizeof(*addr)) < 0)
		return socketError(errno, "connect()", path);
	return fd;
}

Result<PeerCredentials> peerCredentials(int fd)
{
	ucred cred{};
	socklen_t len = sizeof(cred);
	if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return Error::fromErrno(errno, "getsockopt(SO_PEERCRED)");
	return PeerCredentials{ cred.pid, cred.uid, cred.gid };
}

bool peerAllowed(const PeerCredentials &peer, std::optional<gid_t> group)
{
	if (peer.uid == ::geteuid())
		return true;
	return group && peer.gid == *group;
}

std::string peerRefusal(const PeerCredentials &peer, std::optional<gid_t> group)
{
	if (peerAllowed(peer, group))
		return "";
	std::string who = "refused a consumer (pid " + std::to_string(peer.pid) + ", uid " +
			  std::to_string(peer.uid) + ", gid " + std::to_string(peer.gid) + "): ";
	if (!group)
		return who + "not this user; set allowed-group to share with a group";
	return who + "not this user nor in the allowed group " + std::to_string(*group) +
	       "; make it the consumer's primary group (sg, newgrp) or change allowed-group";
}

Result<void> sendMessage(int fd, const Message &message, const std::vector<int> &fds)
{
	std::vector<uint8_t> bytes = encode(message);
	iovec iov{ bytes.data(), bytes.size() };
	msghdr msg{};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxMemories)] = {};
	if (!fds.empty()) {
		if (fds.size() > kMaxMemories)
			return Error{ EINVAL, "sendMessage: too many fds" };
		msg.msg_control = control;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
		cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
		std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
	}
	ssize_t n;
	do
		n = ::sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return Error::fromErrno(errno,
					std::string("sendmsg(") + messageName(message) + ")");
	return {};
}

Result<std::optional<Received>> receiveMessage(int fd)
{
	std::vector<uint8_t> bytes(kMaxMessageSize + 1);
	iovec iov{ bytes.data(), bytes.size() };
	alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxMemories)] = {};
	msghdr msg{};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	ssize_t n;
	do
		n = ::recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return Error::fromErrno(errno, "recvmsg()");
	/* Own every fd first, so that any error below closes them. */
	std::vector<UniqueFD> fds;
	for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count; ++i) {
			int f;
			std::memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			fds.emplace_back(f);
		}
	}
	if (n == 0 && fds.empty())
		return std::optional<Received>();
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return Error{ EPROTO, "malformed message: record or its fds truncated" };
	auto m = decode(bytes.data(), size_t(n));
	if (!m)
		return m.error();
	if (fds.size() != fdCount(*m))
		return Error{ EPROTO, std::string("malformed message: ") + messageName(*m) +
					      " with " + std::to_string(fds.size()) + " fds" };
	return std::optional<Received>(Received{ std::move(*m), std::move(fds) });
}

} /* namespace dmabufkit::ipc */
