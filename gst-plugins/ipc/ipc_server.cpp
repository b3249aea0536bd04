/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ipc_server.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <list>
#include <map>
#include <mutex>
#include <poll.h>
#include <set>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "dmabufkit/base/log.h"
#include "dmabufkit/base/unique_fd.h"
#include "buffer_registry.h"
#include "ipc_socket.h"

namespace dmabufkit::ipc {

namespace {

struct Published {
	Frame header;
	std::shared_ptr<void> keepAlive;
};
using PublishedPtr = std::shared_ptr<Published>;

struct Client {
	UniqueFD fd;
	PeerCredentials cred;
	std::string name;
	bool hello = false;
	bool dead = false;
	bool pending = false; /* the latest frame is owed to this client */
	std::set<uint32_t> known;
	std::map<uint64_t, PublishedPtr> held;
	std::optional<Constraints> constraints;
	uint64_t sent = 0, dropped = 0;
};

} /* namespace */

struct Server::Impl {
	ServerConfig cfg;
	UniqueFD listenFd;
	UniqueFD wakeFd;
	std::thread thread;
	std::atomic<bool> stopping{ false };

	mutable std::mutex lock;
	std::string caps;
	BufferRegistry registry;
	uint64_t nextSeq = 1;
	PublishedPtr latest;
	std::list<Client> clients;
	ServerStats st;
	std::vector<PublishedPtr> garbage; /* dropped under the lock, destroyed outside it */

	void wake() const
	{
		uint64_t one = 1;
		[[maybe_unused]] ssize_t n = ::write(wakeFd.get(), &one, sizeof(one));
	}
	void disown(PublishedPtr p)
	{
		if (p)
			garbage.push_back(std::move(p));
	}
	void kill(Client &c, const char *why)
	{
		if (!c.dead)
			DBK_LOG(Ipc, Info, "%s: consumer pid %d (%s) gone: %s", cfg.path.c_str(),
				int(c.cred.pid), c.name.c_str(), why);
		c.dead = true;
		wake();
	}
	bool send(Client &c, const Message &m, const std::vector<int> &fds = {})
	{
		if (c.dead)
			return false;
		auto r = sendMessage(c.fd.get(), m, fds);
		if (r)
			return true;
		if (r.error().code != EAGAIN)
			kill(c, r.error().message.c_str());
		return false;
	}
	void sendFrame(Client &c, const PublishedPtr &p);
	void offer(Client &c, const PublishedPtr &p);
	std::set<uint32_t> idsInUse() const;
	void evict(uint64_t seq);
	void updateHeld();
	void handle(Client &c, Received &r, bool &constraintsChanged);
	void accept();
	void run();
	std::vector<PublishedPtr> takeGarbage() { return std::exchange(garbage, {}); }
};

void Server::Impl::sendFrame(Client &c, const PublishedPtr &p)
{
	for (const FrameMemory &fm : p->header.memories) {
		if (c.known.count(fm.bufferId))
			continue;
		const BufferRegistry::Entry *reg = registry.find(fm.bufferId);
		if (!reg)
			return; /* forgotten since (new caps): the frame is stale */
		if (!send(c, AddBuffer{ reg->id, reg->size }, { reg->fd.get() })) {
			++c.dropped;
			++st.dropped;
			return;
		}
		c.known.insert(fm.bufferId);
		++st.buffersSent;
	}
	if (!send(c, p->header)) {
		++c.dropped;
		++st.dropped;
		return;
	}
	c.held[p->header.seq] = p;
	++c.sent;
	++st.sent;
}

void Server::Impl::offer(Client &c, const PublishedPtr &p)
{
	if (!c.hello || c.dead || c.held.count(p->header.seq))
		return;
	if (c.held.size() >= cfg.maxInFlight) {
		/* Latest wins: the frame owed so far is never sent to this client. */
		if (c.pending) {
			++c.dropped;
			++st.dropped;
		}
		c.pending = true;
		return;
	}
	c.pending = false;
	sendFrame(c, p);
}

std::set<uint32_t> Server::Impl::idsInUse() const
{
	std::set<uint32_t> inUse;
	auto mark = [&inUse](const PublishedPtr &p) {
		if (p)
			for (const FrameMemory &fm : p->header.memories)
				inUse.insert(fm.bufferId);
	};
	mark(latest);
	for (const Client &c : clients)
		for (const auto &[seq, p] : c.held)
			mark(p);
	return inUse;
}

void Server::Impl::evict(uint64_t seq)
{
	for (uint32_t id : registry.evict(seq, idsInUse()))
		for (Client &c : clients)
			if (c.known.erase(id))
				send(c, RemoveBuffer{ id });
}

void Server::Impl::updateHeld()
{
	std::set<uint64_t> frames;
	if (latest)
		frames.insert(latest->header.seq);
	for (const Client &c : clients)
		for (const auto &[seq, p] : c.held)
			frames.insert(seq);
	st.held = frames.size();
	st.maxHeld = std::max(st.maxHeld, st.held);
	st.registered = registry.size();
	st.clients = 0;
	for (const Client &c : clients)
		st.clients += c.dead ? 0 : 1;
}

void Server::Impl::handle(Client &c, Received &r, bool &constraintsChanged)
{
	if (auto *h = std::get_if<ClientHello>(&r.message); h && !c.hello) {
		c.hello = true;
		c.name = h->name;
		DBK_LOG(Ipc, Info, "%s: consumer \"%s\" (pid %d, uid %u) joined", cfg.path.c_str(),
			c.name.c_str(), int(c.cred.pid), unsigned(c.cred.uid));
		send(c, ServerHello{ kProtocolVersion, cfg.maxInFlight });
		if (!caps.empty())
			send(c, Caps{ caps });
		if (latest)
			offer(c, latest);
		return;
	}
	if (auto *rel = std::get_if<Release>(&r.message); rel && c.hello) {
		auto it = c.held.find(rel->seq);
		if (it == c.held.end()) {
			++st.protocolErrors;
			kill(c, ("released frame " + std::to_string(rel->seq) + " it does not hold")
					.c_str());
			return;
		}
		disown(std::move(it->second));
		c.held.erase(it);
		++st.released;
		if (c.pending && latest)
			offer(c, latest);
		return;
	}
	if (auto *con = std::get_if<Constraints>(&r.message); con && c.hello) {
		c.constraints = *con;
		constraintsChanged = true;
		return;
	}
	++st.protocolErrors;
	kill(c, (std::string("unexpected ") + messageName(r.message) + " message").c_str());
}

void Server::Impl::accept()
{
	UniqueFD fd(::accept4(listenFd.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
	if (!fd)
		return;
	auto cred = peerCredentials(fd.get());
	if (!cred) {
		++st.rejected;
		DBK_LOG(Ipc, Warning, "%s: refused a consumer: %s", cfg.path.c_str(),
			cred.error().message.c_str());
		return;
	}
	if (const std::string why = peerRefusal(*cred, cfg.allowedGroup); !why.empty()) {
		++st.rejected;
		DBK_LOG(Ipc, Warning, "%s: %s", cfg.path.c_str(), why.c_str());
		return;
	}
	size_t live = 0;
	for (const Client &c : clients)
		live += c.dead ? 0 : 1;
	if (live >= cfg.maxClients) {
		++st.rejected;
		DBK_LOG(Ipc, Warning, "%s: refused consumer pid %d: max-clients (%u) reached",
			cfg.path.c_str(), int(cred->pid), cfg.maxClients);
		return;
	}
	Client &c = clients.emplace_back();
	c.fd = std::move(fd);
	c.cred = *cred;
	++st.clientsTotal;
}

void Server::Impl::run()
{
	while (!stopping) {
		std::vector<pollfd> fds{ { listenFd.get(), POLLIN, 0 },
					 { wakeFd.get(), POLLIN, 0 } };
		{
			std::lock_guard<std::mutex> g(lock);
			for (const Client &c : clients)
				fds.push_back({ c.fd.get(), POLLIN, 0 });
		}
		if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) {
			DBK_LOG(Ipc, Error, "%s: poll(): %s", cfg.path.c_str(), strerror(errno));
			return;
		}
		if (fds[1].revents) {
			uint64_t v;
			[[maybe_unused]] ssize_t n = ::read(wakeFd.get(), &v, sizeof(v));
		}
		bool constraintsChanged = false;
		std::vector<PublishedPtr> trash;
		{
			std::lock_guard<std::mutex> g(lock);
			for (size_t i = 2; i < fds.size(); ++i) {
				if (!fds[i].revents)
					continue;
				for (Client &c : clients) {
					if (c.fd.get() != fds[i].fd || c.dead)
						continue;
					/* Drain every record queued; stop at the first problem. */
					while (!c.dead) {
						auto r = receiveMessage(c.fd.get());
						if (!r) {
							if (r.error().code == EAGAIN)
								break;
							if (r.error().code == EPROTO)
								++st.protocolErrors;
							kill(c, r.error().message.c_str());
						} else if (!*r) {
							kill(c, "connection closed");
						} else {
							handle(c, **r, constraintsChanged);
						}
					}
				}
			}
			if (fds[0].revents & POLLIN)
				accept();
			for (auto it = clients.begin(); it != clients.end();) {
				if (!it->dead) {
					++it;
					continue;
				}
				for (auto &[seq, p] : it->held)
					disown(std::move(p));
				constraintsChanged |= it->constraints.has_value();
				it = clients.erase(it);
			}
			updateHeld();
			trash = takeGarbage();
		}
		trash.clear(); /* the GstBuffers go back to their pool here, without our lock */
		if (constraintsChanged && cfg.onConstraintsChanged)
			cfg.onConstraintsChanged();
	}
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl))
{
}

Result<std::unique_ptr<Server>> Server::start(ServerConfig config)
{
	auto impl = std::make_unique<Impl>();
	impl->cfg = std::move(config);
	auto fd = listenSocket(impl->cfg.path, impl->cfg.allowedGroup);
	if (!fd)
		return fd.error();
	impl->listenFd = std::move(*fd);
	impl->wakeFd.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	if (!impl->wakeFd)
		return Error::fromErrno(errno, "eventfd()");
	DBK_LOG(Ipc, Info, "%s: listening (mode %s)", impl->cfg.path.c_str(),
		impl->cfg.allowedGroup ? "0660" : "0600");
	Impl *raw = impl.get();
	impl->thread = std::thread([raw] { raw->run(); });
	return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::~Server()
{
	impl_->stopping = true;
	impl_->wake();
	impl_->thread.join();
	::unlink(impl_->cfg.path.c_str());
	std::vector<PublishedPtr> trash;
	{
		std::lock_guard<std::mutex> g(impl_->lock);
		impl_->disown(std::move(impl_->latest));
		for (Client &c : impl_->clients)
			for (auto &[seq, p] : c.held)
				impl_->disown(std::move(p));
		impl_->clients.clear();
		impl_->registry.clear();
		trash = impl_->takeGarbage();
	}
}

void Server::setCaps(const std::string &caps)
{
	std::vector<PublishedPtr> trash;
	std::lock_guard<std::mutex> g(impl_->lock);
	if (caps == impl_->caps)
		return;
	impl_->caps = caps;
	impl_->registry.clear();
	impl_->disown(std::move(impl_->latest));
	for (Client &c : impl_->clients) {
		c.known.clear();
		c.pending = false;
		if (c.hello)
			impl_->send(c, Caps{ caps });
	}
	trash = impl_->takeGarbage();
}

void Server::publish(OutgoingFrame frame)
{
	std::vector<PublishedPtr> trash;
	std::lock_guard<std::mutex> g(impl_->lock);
	Impl &s = *impl_;
	auto p = std::make_shared<Published>();
	p->header = std::move(frame.header);
	p->header.seq = s.nextSeq++;
	p->header.memories.clear();
	p->keepAlive = std::move(frame.keepAlive);
	for (const OutgoingMemory &m : frame.memories) {
		auto id = s.registry.add(m.fd, m.inode, m.offset + m.size, p->header.seq);
		if (!id) {
			DBK_LOG(Ipc, Error, "%s: cannot share frame %llu: %s", s.cfg.path.c_str(),
				(unsigned long long)p->header.seq, id.error().message.c_str());
			return;
		}
		p->header.memories.push_back(FrameMemory{ *id, m.offset, m.size });
	}
	s.disown(std::move(s.latest));
	s.latest = p;
	s.evict(p->header.seq);
	++s.st.published;
	for (Client &c : s.clients)
		s.offer(c, p);
	s.updateHeld();
	trash = s.takeGarbage();
}

void Server::forget(uint64_t inode)
{
	std::lock_guard<std::mutex> g(impl_->lock);
	impl_->registry.orphan(inode);
}

void Server::sendEos()
{
	std::lock_guard<std::mutex> g(impl_->lock);
	for (Client &c : impl_->clients)
		if (c.hello)
			impl_->send(c, Eos{});
}

void Server::flush()
{
	std::vector<PublishedPtr> trash;
	std::lock_guard<std::mutex> g(impl_->lock);
	impl_->disown(std::move(impl_->latest));
	for (Client &c : impl_->clients)
		c.pending = false;
	impl_->updateHeld();
	trash = impl_->takeGarbage();
}

std::vector<Constraints> Server::constraints() const
{
	std::lock_guard<std::mutex> g(impl_->lock);
	std::vector<Constraints> out;
	for (const Client &c : impl_->clients)
		if (c.constraints && !c.dead)
			out.push_back(*c.constraints);
	return out;
}

ServerStats Server::stats() const
{
	std::lock_guard<std::mutex> g(impl_->lock);
	return impl_->st;
}

std::vector<ClientStats> Server::clientStats() const
{
	std::lock_guard<std::mutex> g(impl_->lock);
	std::vector<ClientStats> out;
	for (const Client &c : impl_->clients)
		if (!c.dead)
			out.push_back(
				{ int(c.cred.pid), c.name, c.sent, c.dropped, c.held.size() });
	return out;
}

} /* namespace dmabufkit::ipc */
