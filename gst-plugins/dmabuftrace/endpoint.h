/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where the tracer publishes: a Unix socket, a TCP port or a file. */
#pragma once

#include <string>

#include <dmabufkit/base/result.h>

namespace dmabufkit::dmabuftrace {

struct Endpoint {
	enum class Kind { Unix, Tcp, File };
	Kind kind = Kind::Unix;
	std::string path; /* Unix socket or file */
	std::string host = "127.0.0.1";
	int port = 0;

	/*
	 * "unix:PATH", "tcp:PORT" (loopback), "tcp:HOST:PORT" (HOST must be given
	 * explicitly to listen on anything but loopback) or "file:PATH".
	 */
	static dmabufkit::Result<Endpoint> parse(const std::string &spec);
	std::string describe() const;
};

} /* namespace dmabufkit::dmabuftrace */
