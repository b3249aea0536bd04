/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "wire_protocol.h"

#include <cerrno>
#include <cstring>
#include <type_traits>

namespace dmabufkit::ipc {

namespace {

constexpr uint32_t kMagic = 0x494b4244; /* "DBKI" little-endian */

/* Both peers run on one machine: native byte order, fixed widths. */
class Writer
{
public:
	template<typename T> void put(T v)
	{
		static_assert(std::is_integral_v<T>);
		const auto *p = reinterpret_cast<const uint8_t *>(&v);
		bytes.insert(bytes.end(), p, p + sizeof(v));
	}
	void putString(const std::string &s)
	{
		put(uint32_t(s.size()));
		bytes.insert(bytes.end(), s.begin(), s.end());
	}
	std::vector<uint8_t> bytes;
};

class Reader
{
public:
	Reader(const uint8_t *data, size_t size) : p_(data), end_(data + size) {}

	template<typename T> bool get(T &v)
	{
		if (size_t(end_ - p_) < sizeof(T))
			return false;
		std::memcpy(&v, p_, sizeof(T));
		p_ += sizeof(T);
		return true;
	}
	bool getString(std::string &s, size_t maxLength)
	{
		uint32_t n = 0;
		if (!get(n) || n > maxLength || size_t(end_ - p_) < n)
			return false;
		s.assign(reinterpret_cast<const char *>(p_), n);
		p_ += n;
		/* Strings become C strings on the other side: no NUL inside. */
		return s.find('\0') == std::string::npos;
	}
	bool atEnd() const { return p_ == end_; }

private:
	const uint8_t *p_;
	const uint8_t *end_;
};

Error protocolError(const std::string &what)
{
	return Error{ EPROTO, "malformed message: " + what };
}

bool powerOfTwo(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

struct Encoder {
	Writer &w;
	void operator()(const ClientHello &m) { w.putString(m.name); }
	void operator()(const ServerHello &m) { w.put(m.maxInFlight); }
	void operator()(const Caps &m) { w.putString(m.caps); }
	void operator()(const AddBuffer &m)
	{
		w.put(m.id);
		w.put(m.size);
	}
	void operator()(const RemoveBuffer &m) { w.put(m.id); }
	void operator()(const Frame &m)
	{
		for (uint64_t v :
		     { m.seq, m.clockTime, m.pts, m.dts, m.duration, m.offset, m.offsetEnd })
			w.put(v);
		w.put(m.flags);
		w.put(uint32_t(m.memories.size()));
		for (const FrameMemory &fm : m.memories) {
			w.put(fm.bufferId);
			w.put(fm.offset);
			w.put(fm.size);
		}
		w.put(uint32_t(m.hasVideoLayout));
		if (!m.hasVideoLayout)
			return;
		const VideoLayout &v = m.video;
		for (uint32_t x : { v.format, v.width, v.height, v.planes })
			w.put(x);
		for (unsigned i = 0; i < kMaxMemories; ++i) {
			w.put(v.offsets[i]);
			w.put(v.strides[i]);
		}
	}
	void operator()(const Release &m) { w.put(m.seq); }
	void operator()(const Constraints &m)
	{
		w.putString(m.consumer);
		w.put(m.flags);
		w.put(m.strideAlign);
		w.put(m.offsetAlign);
		w.put(m.memoryLayout);
		w.put(m.maxSize);
		w.put(uint32_t(m.refusedExporters.size()));
		for (const ExporterRefusal &r : m.refusedExporters) {
			w.putString(r.exporter);
			w.putString(r.reason);
		}
		w.put(uint32_t(m.acceptedExporters.size()));
		for (const std::string &a : m.acceptedExporters)
			w.putString(a);
	}
	void operator()(const Eos &) {}
};

Result<Message> decodeFrame(Reader &r)
{
	Frame f;
	uint32_t n = 0;
	for (uint64_t *v :
	     { &f.seq, &f.clockTime, &f.pts, &f.dts, &f.duration, &f.offset, &f.offsetEnd })
		if (!r.get(*v))
			return protocolError("frame: truncated timestamps");
	if (!r.get(f.flags) || !r.get(n))
		return protocolError("frame: truncated header");
	if (n == 0 || n > kMaxMemories)
		return protocolError("frame: " + std::to_string(n) + " memories (1 to 4)");
	f.memories.resize(n);
	for (FrameMemory &fm : f.memories) {
		if (!r.get(fm.bufferId) || !r.get(fm.offset) || !r.get(fm.size))
			return protocolError("frame: truncated memory");
		if (fm.size == 0 || fm.offset + fm.size < fm.offset)
			return protocolError("frame: empty or overflowing memory range");
	}
	uint32_t hasVideo = 0;
	if (!r.get(hasVideo) || hasVideo > 1)
		return protocolError("frame: bad video layout flag");
	f.hasVideoLayout = hasVideo;
	if (!hasVideo)
		return Message(std::move(f));
	VideoLayout &v = f.video;
	for (uint32_t *x : { &v.format, &v.width, &v.height, &v.planes })
		if (!r.get(*x))
			return protocolError("frame: truncated video layout");
	for (unsigned i = 0; i < kMaxMemories; ++i)
		if (!r.get(v.offsets[i]) || !r.get(v.strides[i]))
			return protocolError("frame: truncated plane");
	if (v.planes == 0 || v.planes > kMaxMemories || v.width == 0 || v.height == 0)
		return protocolError("frame: video layout out of range");
	return Message(std::move(f));
}

/* Exporter names end up in "\n"- and ","-separated lists (DbkConstraints). */
bool validExporter(const std::string &name)
{
	return !name.empty() && name.find_first_of("\t\n,") == std::string::npos;
}

Result<void> decodeExporters(Reader &r, Constraints &c)
{
	uint32_t n = 0;
	if (!r.get(n))
		return protocolError("constraints: truncated refused exporters");
	if (n > kMaxExporters)
		return protocolError("constraints: " + std::to_string(n) +
				     " refused exporters (at most " +
				     std::to_string(kMaxExporters) + ")");
	c.refusedExporters.resize(n);
	for (ExporterRefusal &e : c.refusedExporters) {
		if (!r.getString(e.exporter, kMaxExporterLength) ||
		    !r.getString(e.reason, kMaxReasonLength))
			return protocolError(
				"constraints: truncated or over-long refused exporter");
		if (!validExporter(e.exporter) ||
		    e.reason.find_first_of("\t\n") != std::string::npos)
			return protocolError("constraints: bad refused exporter name or reason");
	}
	if (!r.get(n))
		return protocolError("constraints: truncated accepted exporters");
	if (n > kMaxExporters)
		return protocolError("constraints: " + std::to_string(n) +
				     " accepted exporters (at most " +
				     std::to_string(kMaxExporters) + ")");
	c.acceptedExporters.resize(n);
	for (std::string &a : c.acceptedExporters) {
		if (!r.getString(a, kMaxExporterLength))
			return protocolError(
				"constraints: truncated or over-long accepted exporter");
		if (!validExporter(a))
			return protocolError("constraints: bad accepted exporter name");
	}
	return {};
}

Result<Message> decodeConstraints(Reader &r)
{
	Constraints c;
	if (!r.getString(c.consumer, kMaxNameLength) || !r.get(c.flags) || !r.get(c.strideAlign) ||
	    !r.get(c.offsetAlign) || !r.get(c.memoryLayout) || !r.get(c.maxSize))
		return protocolError("constraints: truncated");
	if (c.flags & ~uint32_t(15))
		return protocolError("constraints: unknown flags");
	if (!powerOfTwo(c.strideAlign) || !powerOfTwo(c.offsetAlign))
		return protocolError("constraints: alignment not a power of two");
	if (c.memoryLayout > 2)
		return protocolError("constraints: unknown memory layout");
	if (auto e = decodeExporters(r, c); !e)
		return e.error();
	return Message(std::move(c));
}

Result<Message> decodePayload(MessageType type, Reader &r)
{
	switch (type) {
	case MessageType::ClientHello: {
		ClientHello m;
		if (!r.getString(m.name, kMaxNameLength))
			return protocolError("hello: bad name");
		return Message(std::move(m));
	}
	case MessageType::ServerHello: {
		ServerHello m;
		if (!r.get(m.maxInFlight) || m.maxInFlight == 0)
			return protocolError("server hello: bad in-flight limit");
		return Message(m);
	}
	case MessageType::Caps: {
		Caps m;
		if (!r.getString(m.caps, kMaxCapsLength) || m.caps.empty())
			return protocolError("caps: bad string");
		return Message(std::move(m));
	}
	case MessageType::AddBuffer: {
		AddBuffer m;
		if (!r.get(m.id) || !r.get(m.size) || m.size == 0)
			return protocolError("add-buffer: truncated or empty");
		return Message(m);
	}
	case MessageType::RemoveBuffer: {
		RemoveBuffer m;
		if (!r.get(m.id))
			return protocolError("remove-buffer: truncated");
		return Message(m);
	}
	case MessageType::Frame:
		return decodeFrame(r);
	case MessageType::Release: {
		Release m;
		if (!r.get(m.seq))
			return protocolError("release: truncated");
		return Message(m);
	}
	case MessageType::Constraints:
		return decodeConstraints(r);
	case MessageType::Eos:
		return Message(Eos{});
	}
	return protocolError("unknown type " + std::to_string(unsigned(type)));
}

} /* namespace */

std::vector<uint8_t> encode(const Message &message)
{
	Writer w;
	w.put(kMagic);
	w.put(kProtocolVersion);
	w.put(uint16_t(message.index() + 1));
	w.put(uint32_t(0)); /* length, patched below */
	w.put(uint32_t(0));
	std::visit(Encoder{ w }, message);
	const uint32_t length = uint32_t(w.bytes.size() - kHeaderSize);
	std::memcpy(w.bytes.data() + 8, &length, sizeof(length));
	return std::move(w.bytes);
}

Result<Message> decode(const uint8_t *data, size_t size)
{
	if (size < kHeaderSize)
		return protocolError(std::to_string(size) + " bytes, shorter than a header");
	if (size > kMaxMessageSize)
		return protocolError(std::to_string(size) + " bytes, longer than the limit");
	Reader h(data, kHeaderSize);
	uint32_t magic = 0, length = 0, reserved = 0;
	uint16_t version = 0, type = 0;
	(void)(h.get(magic) && h.get(version) && h.get(type) && h.get(length) && h.get(reserved));
	if (magic != kMagic)
		return protocolError("bad magic (not a dmabufipc peer)");
	if (version != kProtocolVersion)
		return protocolError("protocol version " + std::to_string(version) +
				     ", this side speaks " + std::to_string(kProtocolVersion));
	if (reserved != 0)
		return protocolError("reserved header field set");
	if (length != size - kHeaderSize)
		return protocolError("length " + std::to_string(length) + " but " +
				     std::to_string(size - kHeaderSize) + " payload bytes");
	if (type == 0 || type > std::variant_size_v<Message>)
		return protocolError("unknown type " + std::to_string(type));
	Reader r(data + kHeaderSize, length);
	auto m = decodePayload(MessageType(type), r);
	if (m && !r.atEnd())
		return protocolError(std::string(messageName(*m)) + ": trailing bytes");
	return m;
}

unsigned fdCount(const Message &message)
{
	return std::holds_alternative<AddBuffer>(message) ? 1 : 0;
}

const char *messageName(const Message &message)
{
	static const char *const names[] = { "client-hello", "server-hello",  "caps",
					     "add-buffer",   "remove-buffer", "frame",
					     "release",	     "constraints",   "eos" };
	static_assert(std::size(names) == std::variant_size_v<Message>);
	return names[message.index()];
}

} /* namespace dmabufkit::ipc */
