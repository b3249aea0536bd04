/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "line_server.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gst/gst.h>

namespace dmabufkit::dmabuftrace {

using dmabufkit::Error;
using dmabufkit::Result;
using dmabufkit::UniqueFD;

LineServer::LineServer(size_t maxQueuedLines, WelcomeFn welcome)
	: maxQueued_(maxQueuedLines < 4 ? 4 : maxQueuedLines), welcome_(std::move(welcome))
{
	wake_.reset(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
}

LineServer::~LineServer()
{
	if (listen_ && endpoint_.kind == Endpoint::Kind::Unix)
		unlink(endpoint_.path.c_str());
}

Result<void> LineServer::open(const Endpoint &endpoint)
{
	endpoint_ = endpoint;
	if (endpoint.kind == Endpoint::Kind::File) {
		file_.reset(::open(endpoint.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				   0644));
		if (!file_)
			return Error::fromErrno(errno, "open(" + endpoint.path + ")");
		return {};
	}
	if (endpoint.kind == Endpoint::Kind::Unix) {
		sockaddr_un addr{};
		addr.sun_family = AF_UNIX;
		if (endpoint.path.size() >= sizeof(addr.sun_path))
			return Error{ ENAMETOOLONG, "unix socket path too long: " + endpoint.path };
		strcpy(addr.sun_path, endpoint.path.c_str());
		struct stat st;
		/* A stale socket of an earlier run; never remove anything else. */
		if (lstat(endpoint.path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(endpoint.path.c_str());
		UniqueFD fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
		if (!fd)
			return Error::fromErrno(errno, "socket(AF_UNIX)");
		if (bind(fd.get(), reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0)
			return Error::fromErrno(errno, "bind(" + endpoint.path + ")");
		if (listen(fd.get(), 4) < 0)
			return Error::fromErrno(errno, "listen(" + endpoint.path + ")");
		listen_ = std::move(fd);
		return {};
	}
	sockaddr_in addr{};
	addr.sin_family = AF_INET;
	addr.sin_port = htons(endpoint.port);
	if (inet_pton(AF_INET, endpoint.host.c_str(), &addr.sin_addr) != 1)
		return Error{ EINVAL, "not an IPv4 address: " + endpoint.host };
	UniqueFD fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
	if (!fd)
		return Error::fromErrno(errno, "socket(AF_INET)");
	int one = 1;
	setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd.get(), reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0)
		return Error::fromErrno(errno, "bind(" + endpoint.describe() + ")");
	if (listen(fd.get(), 4) < 0)
		return Error::fromErrno(errno, "listen(" + endpoint.describe() + ")");
	listen_ = std::move(fd);
	return {};
}

void LineServer::enqueue(Client &c, std::string line)
{
	while (c.queue.size() >= maxQueued_) {
		/* Drop the oldest line not being sent right now. */
		auto victim = c.queue.begin();
		if (c.offset > 0)
			++victim;
		if (victim == c.queue.end())
			break;
		c.queue.erase(victim);
		++dropped_;
	}
	line += '\n';
	c.queue.push_back(std::move(line));
}

void LineServer::broadcast(const std::string &line)
{
	if (file_) {
		if (fileFailed_)
			return;
		/* One write a line, into storage kept between lines. */
		std::string &l = fileLine_;
		l.assign(line);
		l += '\n';
		size_t off = 0;
		while (off < l.size()) {
			ssize_t n = write(file_.get(), l.data() + off, l.size() - off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				g_warning("dmabuftrace: write(%s) failed: %s; no more snapshots go "
					  "there",
					  endpoint_.path.c_str(), g_strerror(errno));
				fileFailed_ = true;
				return;
			}
			off += n;
		}
		return;
	}
	for (Client &c : clients_)
		enqueue(c, line);
}

void LineServer::accept()
{
	for (;;) {
		UniqueFD fd(accept4(listen_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
		if (!fd)
			return;
		if (clients_.size() >= kMaxClients)
			continue; /* closed right away */
		Client c;
		c.fd = std::move(fd);
		if (welcome_)
			for (auto &l : welcome_())
				enqueue(c, std::move(l));
		clients_.push_back(std::move(c));
	}
}

bool LineServer::flush(Client &c)
{
	while (!c.queue.empty()) {
		const std::string &l = c.queue.front();
		ssize_t n = send(c.fd.get(), l.data() + c.offset, l.size() - c.offset,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK;
		}
		c.offset += n;
		if (c.offset == l.size()) {
			c.queue.pop_front();
			c.offset = 0;
		}
	}
	return true;
}

bool LineServer::drain(Client &c)
{
	/* Clients have nothing to say; whatever they send is read and dropped. */
	char buf[4096];
	for (;;) {
		ssize_t n = recv(c.fd.get(), buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n == 0)
			return false;
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
	}
}

void LineServer::serve(int timeoutMs)
{
	std::vector<pollfd> fds;
	fds.push_back({ wake_.get(), POLLIN, 0 });
	if (listen_)
		fds.push_back({ listen_.get(), POLLIN, 0 });
	size_t first = fds.size();
	for (Client &c : clients_) {
		if (!flush(c))
			c.fd.reset();
		short ev = POLLIN;
		if (!c.queue.empty())
			ev |= POLLOUT;
		fds.push_back({ c.fd.get(), ev, 0 });
	}
	int r = poll(fds.data(), fds.size(), timeoutMs);
	if (r > 0) {
		if (fds[0].revents & POLLIN) {
			uint64_t v;
			(void)!read(wake_.get(), &v, sizeof(v));
		}
		for (size_t i = first; i < fds.size(); ++i) {
			Client &c = clients_[i - first];
			if (!c.fd)
				continue;
			short re = fds[i].revents;
			if ((re & (POLLERR | POLLNVAL)) || ((re & POLLIN) && !drain(c)) ||
			    ((re & POLLHUP) && !(re & POLLIN))) {
				c.fd.reset();
				continue;
			}
			if ((re & POLLOUT) && !flush(c))
				c.fd.reset();
		}
		if (listen_ && (fds[1].revents & POLLIN))
			accept();
	}
	std::erase_if(clients_, [](const Client &c) { return !c.fd; });
}

void LineServer::wake()
{
	uint64_t one = 1;
	(void)!write(wake_.get(), &one, sizeof(one));
}

} /* namespace dmabufkit::dmabuftrace */
