/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dmabufipcsink/dmabufipcsrc wire protocol: message types and their
 * byte encoding. Pure (no sockets, no GStreamer): decode() accepts any bytes
 * and either returns a fully validated message or an error, never reads out
 * of bounds. Every message is one SOCK_SEQPACKET record: a 16-byte header
 * (magic "DBKI", version, type, payload length, reserved zero) then the
 * payload; only ADD_BUFFER carries a file descriptor (SCM_RIGHTS).
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "dmabufkit/base/result.h"

namespace dmabufkit::ipc {

/** \brief Protocol version; peers of another version are refused at hello. */
constexpr uint16_t kProtocolVersion = 2; /* 2: constraints carry exporter lists */
/** \brief Largest record either side sends or accepts, header included. */
constexpr size_t kMaxMessageSize = 32768;
/** \brief Longest caps string. */
constexpr size_t kMaxCapsLength = 16384;
/** \brief Longest consumer name. */
constexpr size_t kMaxNameLength = 127;
/** \brief Most memories (and video planes) per frame. */
constexpr unsigned kMaxMemories = 4;
/** \brief Most refused (and, separately, accepted) exporters in a Constraints message. */
constexpr unsigned kMaxExporters = 16;
/** \brief Longest exporter name ("dma-heap:system", "drm-dumb:/dev/dri/card0"). */
constexpr size_t kMaxExporterLength = 127;
/** \brief Longest reason for a refusal. */
constexpr size_t kMaxReasonLength = 255;
constexpr size_t kHeaderSize = 16;

enum class MessageType : uint16_t {
	ClientHello = 1,
	ServerHello = 2,
	Caps = 3,
	AddBuffer = 4,
	RemoveBuffer = 5,
	Frame = 6,
	Release = 7,
	Constraints = 8,
	Eos = 9,
};

/** \brief Consumer -> producer, first message: who connects. */
struct ClientHello {
	uint16_t version = kProtocolVersion;
	std::string name;
};

/** \brief Producer -> consumer, answer to the hello. */
struct ServerHello {
	uint16_t version = kProtocolVersion;
	uint32_t maxInFlight = 0; /**< frames a consumer may hold before it loses frames */
};

/** \brief Producer -> consumer: new caps; every buffer id known so far is forgotten. */
struct Caps {
	std::string caps;
};

/** \brief Producer -> consumer: dma-buf \a id is the attached fd, \a size bytes. */
struct AddBuffer {
	uint32_t id = 0;
	uint64_t size = 0;
};

/** \brief Producer -> consumer: dma-buf \a id will not be referred to again. */
struct RemoveBuffer {
	uint32_t id = 0;
};

/** \brief One memory of a frame: a range of a registered dma-buf. */
struct FrameMemory {
	uint32_t bufferId = 0;
	uint64_t offset = 0;
	uint64_t size = 0;
};

/** \brief GstVideoMeta's content (format is a GstVideoFormat value). */
struct VideoLayout {
	uint32_t format = 0;
	uint32_t width = 0;
	uint32_t height = 0;
	uint32_t planes = 0;
	uint64_t offsets[kMaxMemories] = {};
	int32_t strides[kMaxMemories] = {};
};

/** \brief Producer -> consumer: a frame; the consumer answers Release{seq} when done. */
struct Frame {
	uint64_t seq = 0;
	/** Producer clock time of the PTS (base time + PTS), or ~0 when unknown. */
	uint64_t clockTime = ~uint64_t(0);
	uint64_t pts = ~uint64_t(0), dts = ~uint64_t(0), duration = ~uint64_t(0);
	uint64_t offset = ~uint64_t(0), offsetEnd = ~uint64_t(0);
	uint32_t flags = 0;
	std::vector<FrameMemory> memories;
	bool hasVideoLayout = false;
	VideoLayout video;
};

/** \brief Consumer -> producer: frame \a seq may be reused. */
struct Release {
	uint64_t seq = 0;
};

/** \brief An exporter a consumer's device refused to import, and what the kernel said. */
struct ExporterRefusal {
	std::string exporter; /**< non-empty, no tab, newline or comma */
	std::string reason;   /**< no tab or newline */
	bool operator==(const ExporterRefusal &) const = default;
};

/** \brief Consumer -> producer: what the consumer's devices need (DbkConstraints). */
struct Constraints {
	enum Flags : uint32_t {
		CpuMappable = 1,
		Contiguous = 2,
		Scanout = 4,
		PackedStride = 8,
	};
	std::string consumer;
	uint32_t flags = 0;
	uint32_t strideAlign = 1;
	uint32_t offsetAlign = 1;
	uint32_t memoryLayout = 0; /**< DbkMemoryLayout: 0 any, 1 single, 2 per plane */
	uint64_t maxSize = 0;
	/** Exporters the consumer's devices refused (probe imports); at most kMaxExporters. */
	std::vector<ExporterRefusal> refusedExporters;
	/** Exporters the consumer's devices imported; at most kMaxExporters. */
	std::vector<std::string> acceptedExporters;
};

/** \brief Producer -> consumer: end of stream. */
struct Eos {
};

using Message = std::variant<ClientHello, ServerHello, Caps, AddBuffer, RemoveBuffer, Frame,
			     Release, Constraints, Eos>;

/** \brief The record for \a message (header included). */
std::vector<uint8_t> encode(const Message &message);

/**
 * \brief Parse one record.
 *
 * Fails (Error code EPROTO, message naming the field) on a wrong magic,
 * version or type, a length that disagrees with the record, a truncated or
 * over-long payload, or a field out of range (counts, alignments, strings).
 */
Result<Message> decode(const uint8_t *data, size_t size);

/** \brief How many fds travel with \a message (1 for AddBuffer, else 0). */
unsigned fdCount(const Message &message);

/** \brief "frame", "caps", ... for logs and errors. */
const char *messageName(const Message &message);

} /* namespace dmabufkit::ipc */
