/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dmabufipc server and client on the host, with memfds standing in for
 * dma-bufs (neither unit looks at what the fd is): each buffer is sent once,
 * frames are given back, latest-wins for a consumer that holds its limit,
 * late joiners, dead and hostile consumers dropped alone, a dead producer
 * reported, constraints forwarded, owner-only sockets, no fd leaked.
 */
#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

#include "buffer_registry.h"
#include "ipc_client.h"
#include "ipc_server.h"
#include "ipc_socket.h"
#include "leak_counters.h"

using namespace dmabufkit;
using namespace dmabufkit::ipc;

namespace {

std::string socketPath(const char *name)
{
	return "/tmp/dbk-ipc-test-" + std::to_string(getpid()) + "-" + name + ".sock";
}

UniqueFD makeMemfd(size_t size)
{
	UniqueFD fd(memfd_create("fake-dmabuf", MFD_CLOEXEC));
	EXPECT_EQ(ftruncate(fd.get(), off_t(size)), 0);
	return fd;
}

bool waitFor(const std::function<bool()> &cond, int ms = 2000)
{
	auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
	while (std::chrono::steady_clock::now() < end) {
		if (cond())
			return true;
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
	}
	return cond();
}

/* A frame on memfd \a fd whose keep-alive counts how many frames are still alive. */
OutgoingFrame frameOn(int fd, std::shared_ptr<std::atomic<int>> alive)
{
	OutgoingFrame f;
	f.memories = { { fd, 0, 0, 4096 } };
	f.header.pts = 1000;
	f.header.flags = 0x40;
	++*alive;
	f.keepAlive = std::shared_ptr<void>(new int(0), [alive](void *p) {
		--*alive;
		delete static_cast<int *>(p);
	});
	return f;
}

/* Read events until \a pred says stop; collects what came. */
struct Seen {
	std::vector<uint32_t> added;
	std::vector<Frame> frames;
	std::vector<std::string> caps;
	std::vector<UniqueFD> fds;
	bool eos = false;
};

Result<void> pump(Client &c, Seen &seen, int timeoutMs = 200)
{
	for (;;) {
		auto ev = c.next(timeoutMs);
		if (!ev)
			return ev.error();
		if (std::holds_alternative<TimedOut>(*ev))
			return {};
		if (auto *a = std::get_if<BufferAdded>(&*ev)) {
			seen.added.push_back(a->id);
			seen.fds.push_back(std::move(a->fd));
		} else if (auto *f = std::get_if<FrameReady>(&*ev)) {
			seen.frames.push_back(f->frame);
		} else if (auto *cc = std::get_if<CapsChanged>(&*ev)) {
			seen.caps.push_back(cc->caps);
		} else if (std::holds_alternative<EndOfStream>(*ev)) {
			seen.eos = true;
		}
	}
}

std::unique_ptr<Server> startServer(const std::string &path, unsigned maxInFlight = 2,
				    std::function<void()> onConstraints = {})
{
	ServerConfig cfg;
	cfg.path = path;
	cfg.maxInFlight = maxInFlight;
	cfg.onConstraintsChanged = std::move(onConstraints);
	auto s = Server::start(cfg);
	EXPECT_TRUE(s) << (s ? "" : s.error().message);
	return s ? std::move(*s) : nullptr;
}

std::shared_ptr<Client> connectTo(const std::string &path, const char *name)
{
	auto c = Client::connect(path, name, 2000);
	EXPECT_TRUE(c) << (c ? "" : c.error().message);
	return c ? *c : nullptr;
}

} /* namespace */

TEST(IpcServer, EachBufferIsSentOnceAndFramesComeBack)
{
	const int fdsBefore = test::countOpenFds();
	const std::string path = socketPath("once");
	auto alive = std::make_shared<std::atomic<int>>(0);
	{
		auto server = startServer(path);
		ASSERT_TRUE(server);
		auto client = connectTo(path, "display");
		ASSERT_TRUE(client);
		EXPECT_EQ(client->maxInFlight(), 2u);
		server->setCaps("video/x-raw,format=BGRx,width=32,height=32");
		UniqueFD a = makeMemfd(4096), b = makeMemfd(4096);
		Seen seen;
		for (int round = 0; round < 3; ++round) {
			for (int fd : { a.get(), b.get() }) {
				server->publish(frameOn(fd, alive));
				ASSERT_TRUE(pump(*client, seen, 100));
				ASSERT_FALSE(seen.frames.empty());
				client->release(seen.frames.back().seq);
			}
		}
		ASSERT_EQ(seen.caps.size(), 1u);
		EXPECT_EQ(seen.added.size(), 2u) << "each dma-buf is passed once";
		ASSERT_EQ(seen.frames.size(), 6u);
		EXPECT_EQ(seen.frames[0].memories[0].bufferId, seen.frames[2].memories[0].bufferId);
		EXPECT_NE(seen.frames[0].memories[0].bufferId, seen.frames[1].memories[0].bufferId);
		EXPECT_EQ(seen.frames[0].flags, 0x40u);
		EXPECT_EQ(seen.frames[0].pts, 1000u);
		struct stat sa {
		}, sr{};
		fstat(a.get(), &sa);
		fstat(seen.fds[0].get(), &sr);
		EXPECT_EQ(sa.st_ino, sr.st_ino) << "the consumer gets the producer's buffer itself";
		/* Released frames are gone except the latest, kept for late joiners. */
		EXPECT_TRUE(waitFor([&] { return server->stats().released == 6; }));
		EXPECT_TRUE(waitFor([&] { return *alive == 1; })) << *alive;
		ServerStats s = server->stats();
		EXPECT_EQ(s.sent, 6u);
		EXPECT_EQ(s.buffersSent, 2u);
		EXPECT_EQ(s.dropped, 0u);
	}
	EXPECT_EQ(*alive, 0) << "stopping the server releases every frame";
	EXPECT_EQ(access(path.c_str(), F_OK), -1) << "the socket file is removed";
	EXPECT_EQ(test::countOpenFds(), fdsBefore);
}

TEST(IpcServer, LatestWinsForAConsumerAtItsLimit)
{
	const std::string path = socketPath("latest");
	auto alive = std::make_shared<std::atomic<int>>(0);
	auto server = startServer(path, 2);
	auto stuck = connectTo(path, "stuck");
	auto live = connectTo(path, "live");
	ASSERT_TRUE(stuck && live);
	server->setCaps("video/x-raw");
	UniqueFD fd = makeMemfd(4096);
	Seen seenStuck, seenLive;
	ASSERT_TRUE(pump(*stuck, seenStuck, 50));
	for (int i = 0; i < 10; ++i) {
		server->publish(frameOn(fd.get(), alive));
		ASSERT_TRUE(pump(*live, seenLive, 20));
		ASSERT_FALSE(seenLive.frames.empty());
		live->release(seenLive.frames.back().seq);
	}
	EXPECT_EQ(seenLive.frames.size(), 10u) << "a stuck consumer does not slow the others";
	ASSERT_TRUE(pump(*stuck, seenStuck, 50));
	ASSERT_EQ(seenStuck.frames.size(), 2u) << "the stuck consumer holds its limit";
	ServerStats s = server->stats();
	EXPECT_EQ(s.dropped, 7u) << "frames 3..9 never reached it; frame 10 is owed";
	EXPECT_LE(s.maxHeld, 4u) << "held: 2 by the stuck consumer, the latest, one in transit";
	/* It gives one back: it gets the latest frame, not the oldest it missed. */
	stuck->release(seenStuck.frames[0].seq);
	ASSERT_TRUE(pump(*stuck, seenStuck, 100));
	ASSERT_EQ(seenStuck.frames.size(), 3u);
	EXPECT_EQ(seenStuck.frames[2].seq, seenLive.frames.back().seq);
	bool found = false;
	for (const ClientStats &c : server->clientStats())
		if (c.name == "stuck") {
			found = true;
			EXPECT_EQ(c.dropped, 7u);
			EXPECT_EQ(c.inFlight, 2u);
		}
	EXPECT_TRUE(found);
}

TEST(IpcServer, LateJoinerGetsCapsAndLatestFrame)
{
	const std::string path = socketPath("late");
	auto alive = std::make_shared<std::atomic<int>>(0);
	auto server = startServer(path);
	server->setCaps("video/x-raw,format=NV12");
	UniqueFD fd = makeMemfd(4096);
	server->publish(frameOn(fd.get(), alive));
	server->publish(frameOn(fd.get(), alive));
	auto late = connectTo(path, "late");
	Seen seen;
	ASSERT_TRUE(pump(*late, seen, 100));
	ASSERT_EQ(seen.caps.size(), 1u);
	EXPECT_EQ(seen.caps[0], "video/x-raw,format=NV12");
	ASSERT_EQ(seen.frames.size(), 1u);
	EXPECT_EQ(seen.frames[0].seq, 2u);
	EXPECT_EQ(seen.added.size(), 1u);
	/* New caps: ids start over, the buffer is sent again. */
	server->setCaps("video/x-raw,format=BGRx");
	server->publish(frameOn(fd.get(), alive));
	ASSERT_TRUE(pump(*late, seen, 100));
	EXPECT_EQ(seen.caps.size(), 2u);
	EXPECT_EQ(seen.added.size(), 2u);
	server->sendEos();
	ASSERT_TRUE(pump(*late, seen, 100));
	EXPECT_TRUE(seen.eos);
}

TEST(IpcServer, DeadConsumerReleasesItsFrames)
{
	const std::string path = socketPath("dead");
	auto alive = std::make_shared<std::atomic<int>>(0);
	auto server = startServer(path);
	server->setCaps("video/x-raw");
	UniqueFD fd = makeMemfd(4096);
	auto c = connectTo(path, "doomed");
	auto other = connectTo(path, "other");
	ASSERT_TRUE(waitFor([&] { return server->stats().clients == 2; }));
	server->publish(frameOn(fd.get(), alive));
	server->publish(frameOn(fd.get(), alive));
	Seen seen, seenOther;
	ASSERT_TRUE(pump(*c, seen, 50));
	ASSERT_EQ(seen.frames.size(), 2u);
	c.reset(); /* closes the socket, as a killed process would */
	ASSERT_TRUE(waitFor([&] { return server->stats().clients == 1; }, 1000));
	ASSERT_TRUE(pump(*other, seenOther, 50));
	for (const Frame &f : seenOther.frames)
		other->release(f.seq);
	EXPECT_TRUE(waitFor([&] { return *alive == 1; })) << "only the latest is left: " << *alive;
}

TEST(IpcServer, HostileConsumersAreDroppedAlone)
{
	const int fdsBefore = test::countOpenFds();
	const std::string path = socketPath("hostile");
	auto alive = std::make_shared<std::atomic<int>>(0);
	{
		auto server = startServer(path);
		server->setCaps("video/x-raw");
		auto good = connectTo(path, "good");
		ASSERT_TRUE(good);
		auto raw = [&] {
			auto fd = connectSocket(path);
			EXPECT_TRUE(fd);
			return fd ? std::move(*fd) : UniqueFD();
		};
		unsigned expectedErrors = 0;
		auto expectDropped = [&](UniqueFD &fd, const char *what) {
			++expectedErrors;
			EXPECT_TRUE(waitFor([&] {
				return server->stats().protocolErrors == expectedErrors;
			})) << what;
			char b;
			EXPECT_TRUE(waitFor([&] {
				return recv(fd.get(), &b, 1, MSG_DONTWAIT) == 0;
			})) << what
			    << ": the server closes the connection";
		};
		/* Garbage. */
		UniqueFD g = raw();
		const char junk[] = "GET / HTTP/1.1\r\n\r\n";
		ASSERT_GT(send(g.get(), junk, sizeof(junk), 0), 0);
		expectDropped(g, "garbage");
		/* A truncated hello. */
		UniqueFD t = raw();
		auto bytes = encode(ClientHello{ kProtocolVersion, "truncated" });
		ASSERT_GT(send(t.get(), bytes.data(), bytes.size() - 3, 0), 0);
		expectDropped(t, "truncated");
		/* A message carrying an fd (consumers never send fds). */
		UniqueFD f = raw();
		ASSERT_TRUE(sendMessage(f.get(), ClientHello{ kProtocolVersion, "x" }));
		UniqueFD memfd = makeMemfd(4096);
		ASSERT_TRUE(sendMessage(f.get(), AddBuffer{ 1, 4096 }, { memfd.get() }));
		expectDropped(f, "fd");
		/* Releasing a frame it does not hold. */
		UniqueFD r = raw();
		ASSERT_TRUE(sendMessage(r.get(), ClientHello{ kProtocolVersion, "liar" }));
		ASSERT_TRUE(sendMessage(r.get(), Release{ 999 }));
		expectDropped(r, "release");
		/* Constraints with more refused exporters than the protocol allows. */
		UniqueFD o = raw();
		ASSERT_TRUE(sendMessage(o.get(), ClientHello{ kProtocolVersion, "oversized" }));
		Constraints big;
		big.consumer = "oversized";
		big.refusedExporters.assign(kMaxExporters + 1, { "udmabuf", "no" });
		ASSERT_TRUE(sendMessage(o.get(), big));
		expectDropped(o, "oversized exporter list");
		/* A producer's message. */
		UniqueFD p = raw();
		ASSERT_TRUE(sendMessage(p.get(), Caps{ "video/x-raw" }));
		expectDropped(p, "producer message");
		/* The good consumer saw none of it. */
		UniqueFD fd = makeMemfd(4096);
		server->publish(frameOn(fd.get(), alive));
		Seen seen;
		ASSERT_TRUE(pump(*good, seen, 100));
		EXPECT_EQ(seen.frames.size(), 1u);
		EXPECT_EQ(server->stats().clients, 1u);
	}
	EXPECT_EQ(test::countOpenFds(), fdsBefore);
}

TEST(IpcServer, ConstraintsReachTheProducer)
{
	const std::string path = socketPath("constraints");
	std::atomic<int> changes{ 0 };
	auto server = startServer(path, 2, [&] { ++changes; });
	auto c = connectTo(path, "kms");
	Constraints w;
	w.consumer = "dmabufkmssink0";
	w.flags = Constraints::Scanout;
	w.strideAlign = 256;
	w.refusedExporters = { { "dma-heap:system", "card0: ADDFB2: Invalid argument" } };
	w.acceptedExporters = { "drm-dumb:/dev/dri/card0" };
	ASSERT_TRUE(c->sendConstraints(w));
	ASSERT_TRUE(waitFor([&] { return changes == 1; }));
	auto all = server->constraints();
	ASSERT_EQ(all.size(), 1u);
	EXPECT_EQ(all[0].consumer, "dmabufkmssink0");
	EXPECT_EQ(all[0].strideAlign, 256u);
	EXPECT_EQ(all[0].refusedExporters, w.refusedExporters);
	EXPECT_EQ(all[0].acceptedExporters, w.acceptedExporters);
	c.reset();
	EXPECT_TRUE(waitFor([&] { return changes == 2; })) << "a leaving consumer changes them too";
	EXPECT_TRUE(server->constraints().empty());
}

TEST(IpcClient, ProducerGoneIsReportedAtOnce)
{
	const std::string path = socketPath("gone");
	auto server = startServer(path);
	auto c = connectTo(path, "display");
	server.reset();
	const auto t0 = std::chrono::steady_clock::now();
	Seen seen;
	auto r = pump(*c, seen, 5000);
	const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
				std::chrono::steady_clock::now() - t0)
				.count();
	ASSERT_FALSE(r);
	EXPECT_EQ(r.error().code, ECONNRESET);
	EXPECT_NE(r.error().message.find("went away"), std::string::npos) << r.error().message;
	EXPECT_NE(r.error().message.find(path), std::string::npos) << r.error().message;
	EXPECT_LT(ms, 1000);
}

TEST(IpcClient, NoProducerAndCancel)
{
	const std::string path = socketPath("none");
	auto c = Client::connect(path, "x", 100);
	ASSERT_FALSE(c);
	EXPECT_EQ(c.error().code, ENOENT);
	EXPECT_NE(c.error().message.find(path), std::string::npos) << c.error().message;
	auto server = startServer(path);
	auto client = connectTo(path, "y");
	std::thread t([&] {
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
		client->cancel();
	});
	auto ev = client->next(5000);
	t.join();
	ASSERT_TRUE(ev);
	EXPECT_TRUE(std::holds_alternative<Cancelled>(*ev));
}

TEST(IpcSocket, OwnerOnlyAndStaleSocketReplaced)
{
	const std::string path = socketPath("perm");
	{
		auto s = startServer(path);
		struct stat st {
		};
		ASSERT_EQ(stat(path.c_str(), &st), 0);
		EXPECT_TRUE(S_ISSOCK(st.st_mode));
		EXPECT_EQ(st.st_mode & 0777, 0600u);
		/* A stale socket (a crashed producer) is replaced. */
		auto again = startServer(path);
		EXPECT_TRUE(again);
	}
	const std::string file = socketPath("notasocket");
	FILE *f = fopen(file.c_str(), "w");
	fclose(f);
	ServerConfig cfg;
	cfg.path = file;
	auto s = Server::start(cfg);
	ASSERT_FALSE(s);
	EXPECT_NE(s.error().message.find("not a socket"), std::string::npos);
	unlink(file.c_str());
}

/* allowed-group: the peer credentials SO_PEERCRED reports, crafted (another uid needs
 * root; tests/vm/test_ipc.cpp connects real processes of other users). */
TEST(IpcSocket, AllowedGroupLetsItsMembersIn)
{
	const uid_t other = geteuid() + 1;
	const PeerCredentials member{ 77, other, 4242 }, stranger{ 78, other, 4343 };
	EXPECT_TRUE(peerAllowed({ 1, geteuid(), 4343 }, std::nullopt)) << "same user";
	EXPECT_TRUE(peerAllowed({ 1, geteuid(), 4343 }, gid_t(4242))) << "same user";
	EXPECT_EQ(peerRefusal({ 1, geteuid(), 4343 }, gid_t(4242)), "");
	EXPECT_TRUE(peerAllowed(member, gid_t(4242)));
	EXPECT_EQ(peerRefusal(member, gid_t(4242)), "");
	EXPECT_FALSE(peerAllowed(stranger, gid_t(4242)));
	EXPECT_FALSE(peerAllowed(member, std::nullopt)) << "no group allowed: only this user";
	const std::string why = peerRefusal(stranger, gid_t(4242));
	for (const std::string &word :
	     { "refused a consumer (pid 78, uid " + std::to_string(other) + ", gid 4343)",
	       std::string("not this user nor in the allowed group 4242"),
	       std::string("allowed-group") })
		EXPECT_NE(why.find(word), std::string::npos) << word << " not in: " << why;
	const std::string noGroup = peerRefusal(member, std::nullopt);
	EXPECT_NE(noGroup.find("not this user; set allowed-group"), std::string::npos) << noGroup;
}

TEST(IpcServer, ForgottenBufferIsRemovedAndItsFdClosed)
{
	const std::string path = socketPath("forget");
	auto alive = std::make_shared<std::atomic<int>>(0);
	auto server = startServer(path);
	server->setCaps("video/x-raw");
	auto c = connectTo(path, "display");
	UniqueFD fd = makeMemfd(4096);
	struct stat sb {
	};
	fstat(fd.get(), &sb);
	server->publish(frameOn(fd.get(), alive));
	Seen seen;
	ASSERT_TRUE(pump(*c, seen, 100));
	ASSERT_EQ(seen.added.size(), 1u);
	c->release(seen.frames[0].seq);
	EXPECT_EQ(server->stats().registered, 1u);
	const int fds = test::countOpenFds();
	server->forget(sb.st_ino);
	UniqueFD other = makeMemfd(4096);
	for (int i = 0; i < 64; ++i) {
		const size_t before = seen.frames.size();
		server->publish(frameOn(other.get(), alive));
		/* Wait for this frame (slow under sanitizers): releasing an old one
		 * twice would be a protocol error. */
		for (int t = 0; t < 200 && seen.frames.size() == before; ++t)
			ASSERT_TRUE(pump(*c, seen, 10));
		ASSERT_GT(seen.frames.size(), before) << "frame " << i << " never arrived";
		c->release(seen.frames.back().seq);
	}
	EXPECT_EQ(server->stats().registered, 2u) << "kept while it may come back";
	server->publish(frameOn(other.get(), alive));
	EXPECT_EQ(server->stats().registered, 1u);
	/* +3 for the new memfd (ours, the server's, the client's), -1 for the forgotten one. */
	EXPECT_EQ(test::countOpenFds(), fds + 2) << "the server's reference is closed";
	bool removed = false;
	for (int i = 0; i < 10 && !removed; ++i) {
		auto ev = c->next(100);
		ASSERT_TRUE(ev);
		if (auto *r = std::get_if<BufferRemoved>(&*ev)) {
			removed = true;
			EXPECT_EQ(r->id, seen.added[0]);
		}
	}
	EXPECT_TRUE(removed);
	/* Published again, it is sent again under a new id. */
	ASSERT_TRUE(pump(*c, seen, 50));
	c->release(seen.frames.back().seq);
	server->publish(frameOn(fd.get(), alive));
	ASSERT_TRUE(pump(*c, seen, 100));
	ASSERT_EQ(seen.added.size(), 3u);
	EXPECT_NE(seen.added[2], seen.added[0]);
}

TEST(IpcRegistry, LeastRecentlyUsedBeyondTheLimitAndStaleOrphans)
{
	const int fdsBefore = test::countOpenFds();
	{
		BufferRegistry reg;
		std::vector<UniqueFD> memfds;
		std::vector<uint32_t> ids;
		for (size_t i = 0; i < BufferRegistry::kMaxEntries + 3; ++i) {
			memfds.push_back(makeMemfd(4096));
			auto id = reg.add(memfds.back().get(), 0, 0, i + 1);
			ASSERT_TRUE(id);
			ids.push_back(*id);
		}
		ASSERT_EQ(reg.find(ids[0])->size, 4096u);
		/* The same dma-buf again: the same id, now recently used. */
		EXPECT_EQ(reg.add(memfds[0].get(), 0, 0, 100).value(), ids[0]);
		/* Over the limit: the least recently used go, except those in use. */
		auto gone = reg.evict(101, { ids[1] });
		EXPECT_EQ(reg.size(), BufferRegistry::kMaxEntries);
		EXPECT_EQ(gone, (std::vector<uint32_t>{ ids[2], ids[3], ids[4] }));
		EXPECT_EQ(reg.find(ids[2]), nullptr);
		EXPECT_NE(reg.find(ids[0]), nullptr);
		EXPECT_NE(reg.find(ids[1]), nullptr);
		/* An orphan goes once unused for kStaleFrames, not before, not while in use. */
		struct stat sb {
		};
		fstat(memfds[0].get(), &sb);
		reg.orphan(sb.st_ino);
		EXPECT_TRUE(reg.evict(100 + BufferRegistry::kStaleFrames, {}).empty());
		EXPECT_TRUE(reg.evict(101 + BufferRegistry::kStaleFrames, { ids[0] }).empty());
		EXPECT_EQ(reg.evict(101 + BufferRegistry::kStaleFrames, {}),
			  (std::vector<uint32_t>{ ids[0] }));
		/* Used again before going stale: no longer an orphan. */
		fstat(memfds[1].get(), &sb);
		reg.orphan(sb.st_ino);
		ASSERT_TRUE(reg.add(memfds[1].get(), 0, 0, 200));
		EXPECT_TRUE(reg.evict(1000, {}).empty());
	}
	EXPECT_EQ(test::countOpenFds(), fdsBefore) << "the registry closes its references";
}
