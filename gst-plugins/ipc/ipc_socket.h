/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unix SOCK_SEQPACKET sockets for the dmabufipc protocol: listening with
 * owner-only permissions, connecting, peer credentials, and one message per
 * record with its fds (SCM_RIGHTS). No GStreamer.
 */
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "dmabufkit/base/result.h"
#include "dmabufkit/base/unique_fd.h"
#include "wire_protocol.h"

namespace dmabufkit::ipc {

/**
 * \brief Listen on \a path (a stale socket file is replaced).
 *
 * The socket file is mode 0600, or 0660 owned by group \a group when one is
 * given; the permissions are set before anyone can connect.
 */
Result<UniqueFD> listenSocket(const std::string &path, std::optional<gid_t> group);

/** \brief Connect to the producer listening on \a path. */
Result<UniqueFD> connectSocket(const std::string &path);

/** \brief Who is on the other end (SO_PEERCRED). */
struct PeerCredentials {
	pid_t pid = 0;
	uid_t uid = 0;
	gid_t gid = 0;
};
Result<PeerCredentials> peerCredentials(int fd);

/** \brief Same user as this process, or a member (primary group) of \a group when given. */
bool peerAllowed(const PeerCredentials &peer, std::optional<gid_t> group);

/**
 * \brief Why \a peer may not connect, naming its pid, uid and gid and what to do;
 *        "" when peerAllowed().
 */
std::string peerRefusal(const PeerCredentials &peer, std::optional<gid_t> group);

/**
 * \brief Send \a message with \a fds without blocking.
 *
 * A full socket fails with code EAGAIN (the peer is not reading); a gone
 * peer with EPIPE or ECONNRESET.
 */
Result<void> sendMessage(int fd, const Message &message, const std::vector<int> &fds = {});

/** \brief A message and the fds that came with it (owned). */
struct Received {
	Message message;
	std::vector<UniqueFD> fds;
};

/**
 * \brief Receive one record without blocking.
 *
 * std::nullopt with no error: the peer closed the connection. EAGAIN: no
 * record yet. EPROTO: a malformed record, truncated fds, or an fd count that
 * the message type does not allow (received fds are closed).
 */
Result<std::optional<Received>> receiveMessage(int fd);

} /* namespace dmabufkit::ipc */
