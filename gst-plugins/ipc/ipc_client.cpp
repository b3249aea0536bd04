/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ipc_client.h"

#include <cerrno>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dmabufkit/base/log.h"
#include "ipc_socket.h"

namespace dmabufkit::ipc {

namespace {

Error producerGone(const std::string &path, const std::string &why)
{
	return Error{ ECONNRESET, "the producer at " + path + " went away (" + why +
					  "): it stopped or crashed; restart it (dmabufipcsink "
					  "socket-path=" +
					  path + ")" };
}

} /* namespace */

Result<std::shared_ptr<Client>> Client::connect(const std::string &path, const std::string &name,
						int timeoutMs)
{
	std::shared_ptr<Client> c(new Client());
	c->path_ = path;
	auto fd = connectSocket(path);
	if (!fd)
		return fd.error();
	c->fd_ = std::move(*fd);
	c->cancelFd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	if (!c->cancelFd_)
		return Error::fromErrno(errno, "eventfd()");
	ClientHello hello;
	hello.name = name.substr(0, kMaxNameLength);
	if (auto r = sendMessage(c->fd_.get(), hello); !r)
		return producerGone(path, r.error().message);
	pollfd p{ c->fd_.get(), POLLIN, 0 };
	if (::poll(&p, 1, timeoutMs) <= 0)
		return Error{ ETIMEDOUT,
			      "the producer at " + path + " did not answer within " +
				      std::to_string(timeoutMs) +
				      " ms: is it a dmabufipcsink, and was this user let in?" };
	auto r = receiveMessage(c->fd_.get());
	if (!r)
		return Error{ r.error().code, path + ": " + r.error().message };
	if (!*r)
		return producerGone(path, "refused the connection: another user, or max-clients");
	auto *sh = std::get_if<ServerHello>(&(*r)->message);
	if (!sh)
		return Error{ EPROTO, path + ": the producer did not start with a hello" };
	c->maxInFlight_ = sh->maxInFlight;
	DBK_LOG(Ipc, Info, "%s: connected as \"%s\"; up to %u frames in flight", path.c_str(),
		hello.name.c_str(), c->maxInFlight_);
	return c;
}

Result<ClientEvent> Client::translate(Received &r)
{
	if (auto *a = std::get_if<AddBuffer>(&r.message)) {
		sizes_[a->id] = a->size;
		return ClientEvent(BufferAdded{ a->id, std::move(r.fds[0]), a->size });
	}
	if (auto *rm = std::get_if<RemoveBuffer>(&r.message)) {
		if (!sizes_.erase(rm->id))
			return Error{ EPROTO, "malformed message: remove of unknown buffer " +
						      std::to_string(rm->id) };
		return ClientEvent(BufferRemoved{ rm->id });
	}
	if (auto *caps = std::get_if<Caps>(&r.message)) {
		sizes_.clear(); /* ids start over with new caps */
		return ClientEvent(CapsChanged{ caps->caps });
	}
	if (auto *f = std::get_if<Frame>(&r.message)) {
		for (const FrameMemory &m : f->memories) {
			auto it = sizes_.find(m.bufferId);
			if (it == sizes_.end())
				return Error{ EPROTO,
					      "malformed message: frame names unknown buffer " +
						      std::to_string(m.bufferId) };
			if (m.offset + m.size > it->second)
				return Error{ EPROTO,
					      "malformed message: frame range outside buffer " +
						      std::to_string(m.bufferId) };
		}
		return ClientEvent(FrameReady{ std::move(*f) });
	}
	if (std::holds_alternative<Eos>(r.message))
		return ClientEvent(EndOfStream{});
	return Error{ EPROTO, std::string("malformed message: unexpected ") +
				      messageName(r.message) + " from the producer" };
}

Result<ClientEvent> Client::next(int timeoutMs)
{
	for (;;) {
		auto r = receiveMessage(fd_.get());
		if (r && *r)
			return translate(**r);
		if (r)
			return producerGone(path_, "connection closed");
		if (r.error().code == ECONNRESET || r.error().code == EPIPE)
			return producerGone(path_, r.error().message);
		if (r.error().code != EAGAIN)
			return Error{ r.error().code, path_ + ": " + r.error().message };
		pollfd p[2] = { { fd_.get(), POLLIN, 0 }, { cancelFd_.get(), POLLIN, 0 } };
		int n = ::poll(p, 2, timeoutMs);
		if (n < 0 && errno != EINTR)
			return Error::fromErrno(errno, "poll() on " + path_);
		if (p[1].revents)
			return ClientEvent(Cancelled{});
		if (n == 0)
			return ClientEvent(TimedOut{});
		if ((p[0].revents & (POLLHUP | POLLERR)) && !(p[0].revents & POLLIN))
			return producerGone(path_, "connection closed");
	}
}

void Client::release(uint64_t seq)
{
	std::lock_guard<std::mutex> g(sendLock_);
	[[maybe_unused]] auto r = sendMessage(fd_.get(), Release{ seq });
}

Result<void> Client::sendConstraints(const Constraints &c)
{
	std::lock_guard<std::mutex> g(sendLock_);
	return sendMessage(fd_.get(), c);
}

void Client::cancel()
{
	uint64_t one = 1;
	[[maybe_unused]] ssize_t n = ::write(cancelFd_.get(), &one, sizeof(one));
}

void Client::clearCancel()
{
	uint64_t v;
	[[maybe_unused]] ssize_t n = ::read(cancelFd_.get(), &v, sizeof(v));
}

} /* namespace dmabufkit::ipc */
