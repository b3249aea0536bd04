/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sends JSON lines to every client of a Unix or TCP socket, or appends them
 * to a file. Used from one thread only (the tracer's publisher). Clients get
 * a bounded queue each: a slow or stuck client loses its oldest lines, never
 * blocks the sender.
 */
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include <dmabufkit/base/result.h>
#include <dmabufkit/base/unique_fd.h>

#include "endpoint.h"

namespace dmabufkit::dmabuftrace {

class LineServer
{
public:
	/* Lines every new client gets first (hello, the current graph). */
	using WelcomeFn = std::function<std::vector<std::string>()>;

	LineServer(size_t maxQueuedLines, WelcomeFn welcome);
	~LineServer();

	dmabufkit::Result<void> open(const Endpoint &endpoint);
	/* Queue a line (without its newline) for every client, or write it to the file. */
	void broadcast(const std::string &line);
	/* Accept, drain and send for up to timeoutMs, or until wake(). */
	void serve(int timeoutMs);
	/* Thread-safe: makes a running serve() return early. */
	void wake();

	size_t clients() const { return clients_.size(); }
	uint64_t dropped() const { return dropped_; }

	static constexpr size_t kMaxClients = 8;

private:
	struct Client {
		dmabufkit::UniqueFD fd;
		std::deque<std::string> queue;
		size_t offset = 0; /* bytes of queue.front() already sent */
	};
	void accept();
	void enqueue(Client &c, std::string line);
	bool flush(Client &c); /* false: the client is gone */
	bool drain(Client &c); /* false: the client is gone */

	size_t maxQueued_;
	WelcomeFn welcome_;
	Endpoint endpoint_;
	dmabufkit::UniqueFD listen_;
	dmabufkit::UniqueFD file_;
	dmabufkit::UniqueFD wake_;
	bool fileFailed_ = false;
	std::string fileLine_; /* the line and its newline, storage kept */
	std::vector<Client> clients_;
	uint64_t dropped_ = 0;
};

} /* namespace dmabufkit::dmabuftrace */
