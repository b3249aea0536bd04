/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The producer side of dmabufipc: a thread that accepts consumers on a Unix
 * socket, sends each dma-buf to each consumer once (then only its id), hands
 * out frames under a per-consumer in-flight limit with latest-wins dropping,
 * and takes releases back. No GStreamer: a frame's owner (the GstBuffer) is
 * an opaque keep-alive that is dropped when the last consumer releases it.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dmabufkit/base/result.h"
#include "wire_protocol.h"

namespace dmabufkit::ipc {

/** \brief One memory of a published frame. */
struct OutgoingMemory {
	int fd = -1;	     /**< the dma-buf (borrowed for the publish() call) */
	uint64_t inode = 0;  /**< its inode (0: the server looks it up) */
	uint64_t offset = 0; /**< range of the dma-buf the memory covers */
	uint64_t size = 0;
};

/** \brief A frame to publish; the server fills seq and the memories' buffer ids. */
struct OutgoingFrame {
	Frame header;
	std::vector<OutgoingMemory> memories;
	std::shared_ptr<void> keepAlive; /**< released when no consumer holds the frame */
};

struct ServerConfig {
	std::string path;
	unsigned maxInFlight = 2; /**< frames one consumer may hold */
	unsigned maxClients = 4;
	std::optional<gid_t> allowedGroup;
	/** Called (from the server thread, no lock held) when the consumers' constraints change. */
	std::function<void()> onConstraintsChanged;
};

/** \brief Counters; `dropped` are frames a consumer never got (latest-wins). */
struct ServerStats {
	uint64_t clients = 0;
	uint64_t clientsTotal = 0;
	uint64_t rejected = 0;	     /**< refused by credentials or the client limit */
	uint64_t protocolErrors = 0; /**< clients dropped for a malformed message */
	uint64_t published = 0;
	uint64_t sent = 0;
	uint64_t dropped = 0;
	uint64_t released = 0;
	uint64_t buffersSent = 0; /**< dma-buf fds passed (once per consumer and dma-buf) */
	uint64_t registered = 0;  /**< dma-bufs in the id table now */
	uint64_t held = 0;	  /**< distinct frames held (consumers + latest) now */
	uint64_t maxHeld = 0;
};

/** \brief Per-consumer view, for stats and tests. */
struct ClientStats {
	int pid = 0;
	std::string name;
	uint64_t sent = 0;
	uint64_t dropped = 0;
	uint64_t inFlight = 0;
};

class Server
{
public:
	/** \brief Listen on config.path and start the thread. */
	static Result<std::unique_ptr<Server>> start(ServerConfig config);
	/** \brief Stop the thread, close every consumer, remove the socket file. */
	~Server();

	/** \brief New caps: sent to every consumer; buffer ids start over. */
	void setCaps(const std::string &caps);
	/** \brief Publish a frame to every consumer that can take it (never blocks). */
	void publish(OutgoingFrame frame);
	/** \brief Tell every consumer the stream ended. */
	void sendEos();
	/**
	 * \brief The producer freed its memory for the dma-buf with \a inode.
	 *
	 * Unless published again within 64 frames, its id is then forgotten and our
	 * reference closed; without this the server keeps up to 32 dma-bufs of a
	 * reallocated pool alive.
	 */
	void forget(uint64_t inode);
	/** \brief Drop every frame held for consumers that have not yet received it. */
	void flush();

	std::vector<Constraints> constraints() const;
	ServerStats stats() const;
	std::vector<ClientStats> clientStats() const;

	struct Impl;

private:
	explicit Server(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

} /* namespace dmabufkit::ipc */
