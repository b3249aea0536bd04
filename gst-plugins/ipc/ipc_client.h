/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The consumer side of dmabufipc: connects to a producer, keeps the table of
 * dma-bufs it was sent (checking every frame against it), and returns frames
 * with release(). No GStreamer; next() blocks until a message, a cancel() or
 * a timeout.
 */
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <variant>

#include "dmabufkit/base/result.h"
#include "dmabufkit/base/unique_fd.h"
#include "ipc_socket.h"
#include "wire_protocol.h"

namespace dmabufkit::ipc {

/** \brief A dma-buf the producer registered: the element wraps \a fd once. */
struct BufferAdded {
	uint32_t id;
	UniqueFD fd;
	uint64_t size;
};
struct BufferRemoved {
	uint32_t id;
};
struct CapsChanged {
	std::string caps;
};
struct FrameReady {
	Frame frame;
};
struct EndOfStream {
};
struct Cancelled {
};
struct TimedOut {
};
using ClientEvent = std::variant<BufferAdded, BufferRemoved, CapsChanged, FrameReady, EndOfStream,
				 Cancelled, TimedOut>;

class Client
{
public:
	/** \brief Connect to \a path and say hello as \a name; waits up to \a timeoutMs for the
	 * answer. */
	static Result<std::shared_ptr<Client>> connect(const std::string &path,
						       const std::string &name, int timeoutMs);

	/**
	 * \brief The next event.
	 *
	 * Errors: the producer closed the connection or died (ECONNRESET, the
	 * message says so), or sent a malformed message or a frame that names an
	 * unknown dma-buf or a range outside it (EPROTO).
	 */
	Result<ClientEvent> next(int timeoutMs);

	/** \brief Give frame \a seq back (thread-safe; a gone producer is ignored). */
	void release(uint64_t seq);
	/** \brief State the consumer's constraints (thread-safe). */
	Result<void> sendConstraints(const Constraints &c);

	/** \brief Make a blocked or future next() return Cancelled until clearCancel(). */
	void cancel();
	void clearCancel();

	uint32_t maxInFlight() const { return maxInFlight_; }
	const std::string &path() const { return path_; }

private:
	Client() = default;
	Result<ClientEvent> translate(Received &r);

	std::string path_;
	UniqueFD fd_;
	UniqueFD cancelFd_;
	std::mutex sendLock_;
	uint32_t maxInFlight_ = 0;
	std::map<uint32_t, uint64_t> sizes_; /* registered dma-bufs: id -> size */
};

} /* namespace dmabufkit::ipc */
