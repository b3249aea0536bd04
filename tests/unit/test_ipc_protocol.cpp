/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dmabufipc wire protocol: every message round-trips; malformed input
 * (every truncation of every message, bit flips, random bytes, out-of-range
 * fields) is refused with EPROTO and never read out of bounds (the ASan
 * build runs this too).
 */
#include <cerrno>
#include <cstring>
#include <gtest/gtest.h>
#include <random>

#include "wire_protocol.h"

using namespace dmabufkit::ipc;

namespace {

Frame sampleFrame()
{
	Frame f;
	f.seq = 42;
	f.clockTime = 123456789;
	f.pts = 1000;
	f.dts = 999;
	f.duration = 33333333;
	f.offset = 7;
	f.offsetEnd = 8;
	f.flags = 0x4000;
	f.memories = { { 3, 0, 614400 }, { 4, 4096, 307200 } };
	f.hasVideoLayout = true;
	f.video.format = 23;
	f.video.width = 640;
	f.video.height = 480;
	f.video.planes = 2;
	f.video.offsets[1] = 4096;
	f.video.strides[0] = 640;
	f.video.strides[1] = 640;
	return f;
}

std::vector<Message> samples()
{
	Constraints c;
	c.consumer = "dmabufkmssink0";
	c.flags = Constraints::Scanout | Constraints::CpuMappable;
	c.strideAlign = 64;
	c.offsetAlign = 4096;
	c.memoryLayout = 1;
	c.maxSize = 1 << 24;
	c.refusedExporters = { { "dma-heap:system",
				 "vivid-000-vid-cap: VIDIOC_QBUF: Bad address (errno 14)" },
			       { "udmabuf", "" } };
	c.acceptedExporters = { "drm-dumb:/dev/dri/card0" };
	Frame plain;
	plain.seq = 1;
	plain.memories = { { 1, 0, 100 } };
	return { ClientHello{ kProtocolVersion, "display" },
		 ServerHello{ kProtocolVersion, 2 },
		 Caps{ "video/x-raw, format=(string)BGRx, width=(int)640, height=(int)480" },
		 AddBuffer{ 9, 1 << 20 },
		 RemoveBuffer{ 9 },
		 sampleFrame(),
		 plain,
		 Release{ 42 },
		 c,
		 Eos{} };
}

} /* namespace */

TEST(IpcProtocol, EveryMessageRoundTrips)
{
	for (const Message &m : samples()) {
		std::vector<uint8_t> bytes = encode(m);
		auto d = decode(bytes.data(), bytes.size());
		ASSERT_TRUE(d) << messageName(m) << ": " << d.error().message;
		EXPECT_EQ(d->index(), m.index());
		EXPECT_EQ(encode(*d), bytes) << messageName(m);
	}
	auto bytes = encode(sampleFrame());
	auto d = decode(bytes.data(), bytes.size());
	ASSERT_TRUE(d);
	const Frame &f = std::get<Frame>(*d);
	EXPECT_EQ(f.seq, 42u);
	EXPECT_EQ(f.clockTime, 123456789u);
	EXPECT_EQ(f.memories.size(), 2u);
	EXPECT_EQ(f.memories[1].bufferId, 4u);
	EXPECT_EQ(f.memories[1].offset, 4096u);
	EXPECT_EQ(f.video.strides[1], 640);
	EXPECT_EQ(f.video.offsets[1], 4096u);
	EXPECT_EQ(f.flags, 0x4000u);
}

TEST(IpcProtocol, ConstraintsCarryTheExporterLists)
{
	Constraints c = std::get<Constraints>(samples()[8]);
	auto bytes = encode(c);
	auto d = decode(bytes.data(), bytes.size());
	ASSERT_TRUE(d) << d.error().message;
	const Constraints &got = std::get<Constraints>(*d);
	EXPECT_EQ(got.consumer, "dmabufkmssink0");
	EXPECT_EQ(got.strideAlign, 64u);
	EXPECT_EQ(got.refusedExporters, c.refusedExporters);
	EXPECT_EQ(got.acceptedExporters, c.acceptedExporters);
	/* The largest lists allowed fit in one record. */
	c.refusedExporters.assign(kMaxExporters, { std::string(kMaxExporterLength, 'e'),
						   std::string(kMaxReasonLength, 'r') });
	c.acceptedExporters.assign(kMaxExporters, std::string(kMaxExporterLength, 'a'));
	bytes = encode(c);
	EXPECT_LE(bytes.size(), kMaxMessageSize);
	d = decode(bytes.data(), bytes.size());
	ASSERT_TRUE(d) << d.error().message;
	EXPECT_EQ(std::get<Constraints>(*d).refusedExporters.size(), kMaxExporters);
	EXPECT_EQ(std::get<Constraints>(*d).acceptedExporters.size(), kMaxExporters);
}

TEST(IpcProtocol, OnlyAddBufferCarriesAnFd)
{
	for (const Message &m : samples())
		EXPECT_EQ(fdCount(m), std::holds_alternative<AddBuffer>(m) ? 1u : 0u)
			<< messageName(m);
}

TEST(IpcProtocol, EveryTruncationIsRefused)
{
	for (const Message &m : samples()) {
		std::vector<uint8_t> bytes = encode(m);
		for (size_t n = 0; n < bytes.size(); ++n) {
			/* A copy of exactly n bytes, so ASan sees any over-read. */
			std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + n);
			auto d = decode(cut.data(), cut.size());
			ASSERT_FALSE(d) << messageName(m) << " cut to " << n << " bytes";
			EXPECT_EQ(d.error().code, EPROTO);
		}
	}
}

TEST(IpcProtocol, TrailingBytesAndLengthMismatchAreRefused)
{
	std::vector<uint8_t> bytes = encode(Release{ 1 });
	bytes.push_back(0);
	auto d = decode(bytes.data(), bytes.size());
	ASSERT_FALSE(d);
	EXPECT_NE(d.error().message.find("length"), std::string::npos) << d.error().message;
	/* Length patched to cover the extra byte: then the payload has a trailing byte. */
	uint32_t len = uint32_t(bytes.size() - kHeaderSize);
	std::memcpy(bytes.data() + 8, &len, 4);
	d = decode(bytes.data(), bytes.size());
	ASSERT_FALSE(d);
	EXPECT_NE(d.error().message.find("trailing"), std::string::npos) << d.error().message;
}

TEST(IpcProtocol, HeaderFieldsAreChecked)
{
	std::vector<uint8_t> good = encode(Release{ 1 });
	auto mutate = [&](size_t at, uint8_t v) {
		std::vector<uint8_t> b = good;
		b[at] = v;
		return decode(b.data(), b.size());
	};
	auto d = mutate(0, 'X');
	ASSERT_FALSE(d);
	EXPECT_NE(d.error().message.find("magic"), std::string::npos);
	d = mutate(4, 7);
	ASSERT_FALSE(d);
	EXPECT_NE(d.error().message.find("version"), std::string::npos);
	d = mutate(6, 0);
	ASSERT_FALSE(d);
	EXPECT_NE(d.error().message.find("type"), std::string::npos);
	d = mutate(6, 200);
	ASSERT_FALSE(d);
	d = mutate(12, 1);
	ASSERT_FALSE(d);
	EXPECT_NE(d.error().message.find("reserved"), std::string::npos);
	std::vector<uint8_t> huge(kMaxMessageSize + 1);
	EXPECT_FALSE(decode(huge.data(), huge.size()));
}

TEST(IpcProtocol, OutOfRangeFieldsAreRefused)
{
	auto refused = [](const Message &m, const char *word) {
		auto b = encode(m);
		auto d = decode(b.data(), b.size());
		if (d)
			return ::testing::AssertionFailure() << messageName(m) << " accepted";
		if (d.error().message.find(word) == std::string::npos)
			return ::testing::AssertionFailure() << d.error().message;
		return ::testing::AssertionSuccess();
	};
	Frame f = sampleFrame();
	f.memories.clear();
	EXPECT_TRUE(refused(f, "memories"));
	f = sampleFrame();
	f.memories.resize(5, FrameMemory{ 1, 0, 1 });
	EXPECT_TRUE(refused(f, "memories"));
	f = sampleFrame();
	f.memories[0].size = 0;
	EXPECT_TRUE(refused(f, "range"));
	f = sampleFrame();
	f.memories[0].offset = ~uint64_t(0);
	EXPECT_TRUE(refused(f, "range"));
	f = sampleFrame();
	f.video.planes = 5;
	EXPECT_TRUE(refused(f, "video layout"));
	f = sampleFrame();
	f.video.width = 0;
	EXPECT_TRUE(refused(f, "video layout"));
	Constraints c;
	c.strideAlign = 48;
	EXPECT_TRUE(refused(c, "power of two"));
	c = Constraints{};
	c.memoryLayout = 3;
	EXPECT_TRUE(refused(c, "layout"));
	c = Constraints{};
	c.flags = 16;
	EXPECT_TRUE(refused(c, "flags"));
	c = Constraints{};
	c.consumer = std::string("a\0b", 3);
	EXPECT_TRUE(refused(c, "truncated"));
	c = Constraints{};
	c.refusedExporters.assign(kMaxExporters + 1, { "udmabuf", "no" });
	EXPECT_TRUE(refused(c, "17 refused exporters"));
	c = Constraints{};
	c.acceptedExporters.assign(kMaxExporters + 1, "udmabuf");
	EXPECT_TRUE(refused(c, "17 accepted exporters"));
	c = Constraints{};
	c.refusedExporters = { { std::string(kMaxExporterLength + 1, 'e'), "" } };
	EXPECT_TRUE(refused(c, "over-long refused exporter"));
	c = Constraints{};
	c.refusedExporters = { { "udmabuf", std::string(kMaxReasonLength + 1, 'r') } };
	EXPECT_TRUE(refused(c, "over-long refused exporter"));
	c = Constraints{};
	c.acceptedExporters = { std::string(kMaxExporterLength + 1, 'a') };
	EXPECT_TRUE(refused(c, "over-long accepted exporter"));
	for (const char *bad : { "", "a,b", "a\tb", "a\nb" }) {
		c = Constraints{};
		c.refusedExporters = { { bad, "why" } };
		EXPECT_TRUE(refused(c, "bad refused exporter")) << bad;
		c = Constraints{};
		c.acceptedExporters = { bad };
		EXPECT_TRUE(refused(c, "bad accepted exporter")) << bad;
	}
	c = Constraints{};
	c.refusedExporters = { { "udmabuf", "line\nbreak" } };
	EXPECT_TRUE(refused(c, "bad refused exporter"));
	EXPECT_TRUE(refused(Caps{ "" }, "caps"));
	EXPECT_TRUE(refused(Caps{ std::string(kMaxCapsLength + 1, 'x') }, "caps"));
	EXPECT_TRUE(refused(ClientHello{ kProtocolVersion, std::string(200, 'n') }, "name"));
	EXPECT_TRUE(refused(AddBuffer{ 1, 0 }, "empty"));
	EXPECT_TRUE(refused(ServerHello{ kProtocolVersion, 0 }, "in-flight"));
}

/* Random bytes, and valid messages with random bit flips: never a crash, never an
 * out-of-bounds read; whatever decodes re-encodes to a decodable message. */
TEST(IpcProtocol, Fuzz)
{
	std::mt19937 rng(1234);
	const auto messages = samples();
	unsigned accepted = 0, refused = 0;
	for (int i = 0; i < 200000; ++i) {
		std::vector<uint8_t> b;
		if (i % 4 == 0) {
			b.resize(rng() % 300);
			for (auto &x : b)
				x = uint8_t(rng());
		} else {
			b = encode(messages[rng() % messages.size()]);
			const int flips = 1 + int(rng() % 3);
			for (int k = 0; k < flips; ++k)
				b[rng() % b.size()] ^= uint8_t(1u << (rng() % 8));
			if (rng() % 4 == 0)
				b.resize(rng() % (b.size() + 8), 0xa5);
		}
		std::vector<uint8_t> exact(b); /* exact size for ASan */
		auto d = decode(exact.data(), exact.size());
		if (!d) {
			EXPECT_EQ(d.error().code, EPROTO);
			++refused;
			continue;
		}
		++accepted;
		auto again = encode(*d);
		ASSERT_TRUE(decode(again.data(), again.size()));
	}
	EXPECT_GT(accepted, 1000u); /* flips in values still decode */
	EXPECT_GT(refused, 100000u);
}
