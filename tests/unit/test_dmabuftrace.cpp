/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dmabuftrace tracer's parts, without Qt and without running the
 * tracer: parameter parsing, the "graph" and "stats" state lines (parsed
 * back by a small JSON reader below), and the live preview's thumbnail,
 * pixel by pixel. The tracer end to end is test_tracer.cpp.
 */
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include <gst/gst.h>
#include <gst/video/video.h>

#include "copy_contract.h"
#include "flow_stats.h"
#include "json_writer.h"
#include "params.h"
#include "snapshot_builder.h"
#include "thumbnail.h"

using namespace dmabufkit::dmabuftrace;

namespace {

class GStreamer : public ::testing::Environment
{
public:
	void SetUp() override { gst_init(nullptr, nullptr); }
};
[[maybe_unused]] ::testing::Environment *const g_gstreamer =
	::testing::AddGlobalTestEnvironment(new GStreamer);

/* ---- A small JSON reader: enough to read protocol lines back ------------ */

struct Json {
	enum class Type { Null, Bool, Number, String, Array, Object } type = Type::Null;
	bool boolean = false;
	double number = 0;
	std::string string;
	std::vector<Json> array;
	std::vector<std::pair<std::string, Json>> object;

	/* The member @key; a null value when there is none. */
	const Json &operator[](const std::string &key) const
	{
		static const Json none;
		for (const auto &[k, v] : object)
			if (k == key)
				return v;
		return none;
	}
	bool has(const std::string &key) const
	{
		for (const auto &m : object)
			if (m.first == key)
				return true;
		return false;
	}
	/* The element of an array whose "id" is @id. */
	const Json &byId(const std::string &id) const
	{
		static const Json none;
		for (const Json &e : array)
			if (e["id"].string == id)
				return e;
		return none;
	}
};

class JsonReader
{
public:
	explicit JsonReader(const std::string &text) : s_(text) {}

	/* The whole text as one value; false on any syntax error or trailing data. */
	bool parse(Json &out)
	{
		if (!value(out))
			return false;
		space();
		return pos_ == s_.size();
	}

private:
	void space()
	{
		while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' ||
					    s_[pos_] == '\t' || s_[pos_] == '\r'))
			++pos_;
	}
	bool literal(const char *word)
	{
		const std::string w(word);
		if (s_.compare(pos_, w.size(), w) != 0)
			return false;
		pos_ += w.size();
		return true;
	}
	bool str(std::string &out)
	{
		if (pos_ >= s_.size() || s_[pos_] != '"')
			return false;
		for (++pos_; pos_ < s_.size(); ++pos_) {
			char c = s_[pos_];
			if (c == '"') {
				++pos_;
				return true;
			}
			if (static_cast<unsigned char>(c) < 0x20)
				return false;
			if (c != '\\') {
				out += c;
				continue;
			}
			if (++pos_ >= s_.size())
				return false;
			switch (s_[pos_]) {
			case '"':
			case '\\':
			case '/':
				out += s_[pos_];
				break;
			case 'n':
				out += '\n';
				break;
			case 't':
				out += '\t';
				break;
			case 'r':
				out += '\r';
				break;
			case 'b':
				out += '\b';
				break;
			case 'f':
				out += '\f';
				break;
			case 'u':
				if (pos_ + 4 >= s_.size())
					return false;
				out += static_cast<char>(
					std::strtol(s_.substr(pos_ + 1, 4).c_str(), nullptr, 16));
				pos_ += 4;
				break;
			default:
				return false;
			}
		}
		return false;
	}
	bool value(Json &out)
	{
		space();
		if (pos_ >= s_.size())
			return false;
		const char c = s_[pos_];
		if (c == '{') {
			out.type = Json::Type::Object;
			++pos_;
			space();
			if (pos_ < s_.size() && s_[pos_] == '}')
				return ++pos_, true;
			for (;;) {
				std::string key;
				space();
				if (!str(key))
					return false;
				space();
				if (pos_ >= s_.size() || s_[pos_++] != ':')
					return false;
				Json v;
				if (!value(v))
					return false;
				out.object.emplace_back(std::move(key), std::move(v));
				space();
				if (pos_ < s_.size() && s_[pos_] == ',') {
					++pos_;
					continue;
				}
				return pos_ < s_.size() && s_[pos_++] == '}';
			}
		}
		if (c == '[') {
			out.type = Json::Type::Array;
			++pos_;
			space();
			if (pos_ < s_.size() && s_[pos_] == ']')
				return ++pos_, true;
			for (;;) {
				Json v;
				if (!value(v))
					return false;
				out.array.push_back(std::move(v));
				space();
				if (pos_ < s_.size() && s_[pos_] == ',') {
					++pos_;
					continue;
				}
				return pos_ < s_.size() && s_[pos_++] == ']';
			}
		}
		if (c == '"') {
			out.type = Json::Type::String;
			return str(out.string);
		}
		if (literal("true") || literal("false")) {
			out.type = Json::Type::Bool;
			out.boolean = s_[pos_ - 1] == 'e' && s_[pos_ - 2] == 'u';
			return true;
		}
		if (literal("null"))
			return true;
		const char *begin = s_.c_str() + pos_;
		char *end = nullptr;
		out.number = std::strtod(begin, &end);
		if (end == begin)
			return false;
		out.type = Json::Type::Number;
		pos_ += end - begin;
		return true;
	}

	const std::string &s_;
	size_t pos_ = 0;
};

Json parseLine(const std::string &line)
{
	Json j;
	EXPECT_TRUE(JsonReader(line).parse(j)) << "not JSON: " << line.substr(0, 300);
	EXPECT_EQ(line.find('\n'), std::string::npos) << "a protocol line is one line";
	return j;
}

} /* namespace */

TEST(DmabufTraceJson, ReaderRejectsWhatIsNotJson)
{
	Json j;
	EXPECT_TRUE(JsonReader(R"({"a":[1,2.5,"x\"y"],"b":{"c":null,"d":true}})").parse(j));
	EXPECT_EQ(j["a"].array.size(), 3u);
	EXPECT_EQ(j["a"].array[2].string, "x\"y");
	EXPECT_TRUE(j["b"]["d"].boolean);
	for (const char *bad : { "{", R"({"a":1,})", R"({"a" 1})", "[1 2]", R"({"a":1} x)", "tru" })
		EXPECT_FALSE(JsonReader(bad).parse(j)) << bad;
}

TEST(DmabufTraceJson, WriterEscapesStringsAndSeparatesMembers)
{
	JsonWriter w;
	w.beginObject()
		.field("s", "a\"b\\c\nd\x01")
		.field("n", 3)
		.field("f", 0.5)
		.field("b", false);
	w.key("list").beginArray().value(1).value("two").null().endArray();
	w.key("raw").raw(R"({"x":1})");
	w.endObject();
	Json j = parseLine(w.str());
	EXPECT_EQ(j["s"].string, "a\"b\\c\nd\x01");
	EXPECT_EQ(j["n"].number, 3);
	EXPECT_EQ(j["f"].number, 0.5);
	EXPECT_EQ(j["b"].type, Json::Type::Bool);
	EXPECT_FALSE(j["b"].boolean);
	ASSERT_EQ(j["list"].array.size(), 3u);
	EXPECT_EQ(j["list"].array[1].string, "two");
	EXPECT_EQ(j["list"].array[2].type, Json::Type::Null);
	EXPECT_EQ(j["raw"]["x"].number, 1);
}

/* ---- Parameters ---------------------------------------------------------- */

TEST(DmabufTraceParams, DefaultsWithoutParameters)
{
	const Params p = parseParams(nullptr);
	EXPECT_EQ(p.endpoint, "unix:/tmp/dmabufkit-tracer-" + std::to_string(getpid()) + ".sock");
	EXPECT_EQ(p.periodMs, 500);
	EXPECT_EQ(p.queue, 256u);
	EXPECT_EQ(p.performance, Params::Perf::Auto);
	EXPECT_EQ(p.preview, "");
	EXPECT_EQ(parseParams("").endpoint, p.endpoint);
}

TEST(DmabufTraceParams, EveryKeyTrimmedAndRead)
{
	const Params p = parseParams(" endpoint = tcp:127.0.0.1:5555 ,period-ms=250,queue=64,"
				     "performance=on,preview=sink:sink");
	EXPECT_EQ(p.endpoint, "tcp:127.0.0.1:5555");
	EXPECT_EQ(p.periodMs, 250);
	EXPECT_EQ(p.queue, 64u);
	EXPECT_EQ(p.performance, Params::Perf::On);
	EXPECT_EQ(p.preview, "sink:sink");
}

TEST(DmabufTraceParams, NumbersAreClamped)
{
	EXPECT_EQ(parseParams("period-ms=10").periodMs, 100);
	EXPECT_EQ(parseParams("period-ms=5000").periodMs, 500);
	EXPECT_EQ(parseParams("queue=1").queue, 4u);
	EXPECT_EQ(parseParams("queue=1000000").queue, 100000u);
	/* Frame journeys: off by default, "on" is one frame in 30, numbers clamped. */
	EXPECT_EQ(parseParams(nullptr).journeys, 0u);
	EXPECT_EQ(parseParams("journeys=on").journeys, 30u);
	EXPECT_EQ(parseParams("journeys=7").journeys, 7u);
	EXPECT_EQ(parseParams("journeys=off").journeys, 0u);
	EXPECT_EQ(parseParams("journeys=-3").journeys, 1u);
	EXPECT_EQ(parseParams("journeys=999999999").journeys, 100000u);
	/* The preview's fence-wait bound: 1 s by default, 0 (no bound) to 60 s. */
	EXPECT_EQ(parseParams(nullptr).fenceTimeoutMs, 1000);
	EXPECT_EQ(parseParams("fence-timeout=250").fenceTimeoutMs, 250);
	EXPECT_EQ(parseParams("fence-timeout=0").fenceTimeoutMs, 0);
	EXPECT_EQ(parseParams("fence-timeout=-5").fenceTimeoutMs, 0);
	EXPECT_EQ(parseParams("fence-timeout=99999999").fenceTimeoutMs, 60000);
}

TEST(DmabufTraceParams, PerformanceAndPreviewWords)
{
	EXPECT_EQ(parseParams("performance=true").performance, Params::Perf::On);
	EXPECT_EQ(parseParams("performance=off").performance, Params::Perf::Off);
	EXPECT_EQ(parseParams("performance=false").performance, Params::Perf::Off);
	EXPECT_EQ(parseParams("performance=maybe").performance, Params::Perf::Auto);
	EXPECT_EQ(parseParams("preview=auto").preview, "auto");
	EXPECT_EQ(parseParams("preview=off").preview, "");
	EXPECT_EQ(parseParams("preview=false").preview, "");
}

TEST(DmabufTraceParams, UnknownKeysAndBareWordsAreSkipped)
{
	const Params p = parseParams("colour=blue,period-ms,queue=8");
	EXPECT_EQ(p.periodMs, 500) << "a key without '=' is skipped";
	EXPECT_EQ(p.queue, 8u) << "the keys after an unknown one still count";
}

TEST(DmabufTraceParams, ForbidCopiesAndItsLinks)
{
	EXPECT_FALSE(parseParams(nullptr).forbidCopies);
	const Params on = parseParams("forbid-copies=true");
	EXPECT_TRUE(on.forbidCopies);
	EXPECT_TRUE(on.forbidCopiesOn.empty());
	EXPECT_EQ(on.performance, Params::Perf::On) << "the contract needs GST_PERFORMANCE";
	EXPECT_EQ(parseParams("forbid-copies=true,performance=off").performance, Params::Perf::Off);
	const Params links = parseParams("forbid-copies-on= conv:src + enc ");
	EXPECT_EQ(links.forbidCopiesOn, (std::vector<std::string>{ "conv:src", "enc" }));
}

/* ---- The zero-copy contract ------------------------------------------------ */

namespace {

/* The ERROR messages on \a pipeline's bus, as "domain code: message | debug". */
std::vector<std::string> busErrors(GstElement *pipeline)
{
	std::vector<std::string> out;
	GstBus *bus = gst_element_get_bus(pipeline);
	while (GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
		GError *e = nullptr;
		gchar *dbg = nullptr;
		gst_message_parse_error(m, &e, &dbg);
		out.push_back(std::string(g_quark_to_string(e->domain)) + " " +
			      std::to_string(e->code) + ": " + e->message + " | " +
			      (dbg ? dbg : ""));
		g_error_free(e);
		g_free(dbg);
		gst_message_unref(m);
	}
	gst_object_unref(bus);
	return out;
}

} /* namespace */

TEST(DmabufTraceContract, FirstCopyIsAnErrorNamingLinkCauseAndFix)
{
	GstElement *p = gst_parse_launch("fakesrc name=conv ! fakesink name=sink", nullptr);
	ASSERT_NE(p, nullptr);
	GstElement *conv = gst_bin_get_by_name(GST_BIN(p), "conv");
	GstPad *src = gst_element_get_static_pad(conv, "src");

	CopyContract off;
	off.configure(false, {});
	off.copied(conv, src, CopyCause::DmaBufToOther, {});
	EXPECT_TRUE(busErrors(p).empty()) << "off: nothing posted";

	CopyContract c;
	c.configure(true, {});
	c.copied(conv, src, CopyCause::DmaBufToOther, {});
	c.copied(conv, src, CopyCause::OtherToDmaBuf, {});
	auto errors = busErrors(p);
	ASSERT_EQ(errors.size(), 1u) << "one error, at the first copy";
	const std::string domain = g_quark_to_string(GST_STREAM_ERROR);
	EXPECT_EQ(errors[0].rfind(domain + " " + std::to_string(GST_STREAM_ERROR_FAILED) + ": ", 0),
		  0u)
		<< errors[0];
	EXPECT_NE(errors[0].find("Zero-copy contract broken: conv copied a frame on link conv:src"),
		  std::string::npos)
		<< errors[0];
	EXPECT_NE(errors[0].find("dma-bufs in, other memory out"), std::string::npos) << errors[0];
	EXPECT_NE(errors[0].find("dmabufcpufilter"), std::string::npos) << "the fix" << errors[0];
	EXPECT_EQ(c.brokenOn(), "conv:src");

	gst_object_unref(src);
	gst_object_unref(conv);
	gst_object_unref(p);
}

TEST(DmabufTraceContract, OnlyTheNamedLinksAreWatched)
{
	GstElement *p =
		gst_parse_launch("fakesrc name=up ! identity name=conv ! fakesink", nullptr);
	ASSERT_NE(p, nullptr);
	GstElement *up = gst_bin_get_by_name(GST_BIN(p), "up");
	GstElement *conv = gst_bin_get_by_name(GST_BIN(p), "conv");
	GstPad *upSrc = gst_element_get_static_pad(up, "src");
	GstPad *convSrc = gst_element_get_static_pad(conv, "src");

	CopyContract c;
	c.configure(false, { "conv:src" });
	EXPECT_TRUE(c.active()) << "naming links turns the contract on";
	c.copied(up, upSrc, CopyCause::OtherToDmaBuf, {});
	EXPECT_TRUE(busErrors(p).empty()) << "up:src is not watched";
	c.copied(conv, nullptr, CopyCause::Performance, "copying frame");
	auto errors = busErrors(p);
	ASSERT_EQ(errors.size(), 1u) << "conv's own report concerns its watched link";
	EXPECT_NE(errors[0].find("conv copied a frame on its output"), std::string::npos)
		<< errors[0];
	EXPECT_NE(errors[0].find("on GST_PERFORMANCE): copying frame"), std::string::npos)
		<< errors[0];
	c.copied(conv, convSrc, CopyCause::DmaBufToOther, {});
	EXPECT_TRUE(busErrors(p).empty()) << "only the first copy is an error";

	for (GstObject *o : { GST_OBJECT(upSrc), GST_OBJECT(convSrc), GST_OBJECT(up),
			      GST_OBJECT(conv), GST_OBJECT(p) })
		gst_object_unref(o);
}

/* ---- State lines ----------------------------------------------------------- */

namespace {

void freePadStats(gpointer p)
{
	auto *ps = static_cast<PadStats *>(p);
	g_weak_ref_clear(&ps->pool);
	delete ps;
}

void freeElementStats(gpointer p)
{
	delete static_cast<ElementStats *>(p);
}

/* "p": videotestsrc name=src ! identity name=id ! fakesink name=sink, in a
   bin "b" around the identity, never run: the counters are set by hand, as
   the hooks would have. */
class StateLines : public ::testing::Test
{
protected:
	void SetUp() override
	{
		GError *err = nullptr;
		pipeline_ =
			gst_parse_launch("videotestsrc name=src num-buffers=7 "
					 "! bin.( name=b identity name=id ) ! fakesink name=sink",
					 &err);
		ASSERT_EQ(err, nullptr) << err->message;
		gst_element_set_name(pipeline_, "p");
		pipelines_.push_back(pipeline_);
	}
	void TearDown() override { gst_object_unref(pipeline_); }

	GstElement *element(const char *name)
	{
		GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline_), name);
		gst_object_unref(e); /* the pipeline holds it */
		return e;
	}
	PadStats *padStats(const char *elementName, uint64_t serial)
	{
		GstPad *pad = gst_element_get_static_pad(element(elementName), "src");
		auto *ps = new PadStats(true, serial);
		g_weak_ref_init(&ps->pool, nullptr);
		g_object_set_qdata_full(G_OBJECT(pad), quarks_.pad, ps, freePadStats);
		gst_object_unref(pad);
		return ps;
	}
	ElementStats *elementStats(const char *name)
	{
		auto *es = new ElementStats;
		g_object_set_qdata_full(G_OBJECT(element(name)), quarks_.element, es,
					freeElementStats);
		return es;
	}

	TracerQuarks quarks_{ g_quark_from_static_string("test-dmabuftrace-pad"),
			      g_quark_from_static_string("test-dmabuftrace-element") };
	GstElement *pipeline_ = nullptr;
	std::vector<GstElement *> pipelines_;
};

} /* namespace */

TEST_F(StateLines, GraphLineNamesElementsPadsAndLinks)
{
	SnapshotBuilder b(quarks_);
	Json g = parseLine(b.graph(pipelines_, 1.5, 7));
	EXPECT_EQ(g["type"].string, "graph");
	EXPECT_EQ(g["v"].number, 1);
	EXPECT_EQ(g["seq"].number, 7);
	EXPECT_EQ(g["t"].number, 1.5);

	const Json &elements = g["elements"];
	std::vector<std::string> ids;
	for (const Json &e : elements.array)
		ids.push_back(e["id"].string);
	EXPECT_EQ(ids, (std::vector<std::string>{ "p", "p/src", "p/b", "p/b/id", "p/sink" }))
		<< "depth first, in the order they were added";

	const Json &pipeline = elements.byId("p");
	EXPECT_EQ(pipeline["parent"].type, Json::Type::Null);
	EXPECT_TRUE(pipeline["bin"].boolean);
	const Json &src = elements.byId("p/src");
	EXPECT_EQ(src["name"].string, "src");
	EXPECT_EQ(src["factory"].string, "videotestsrc");
	EXPECT_NE(src["klass"].string.find("Source"), std::string::npos);
	EXPECT_EQ(src["parent"].string, "p");
	EXPECT_FALSE(src["bin"].boolean);
	EXPECT_EQ(src["state"].string, "NULL");
	EXPECT_EQ(src["pending"].string, "VOID_PENDING");
	EXPECT_EQ(src["properties"]["num-buffers"].number, 7);
	EXPECT_FALSE(src["properties"].has("name")) << "the name is the element's, not a property";
	ASSERT_EQ(src["pads"].array.size(), 1u);
	EXPECT_EQ(src["pads"].array[0]["name"].string, "src");
	EXPECT_EQ(src["pads"].array[0]["dir"].string, "src");
	EXPECT_EQ(src["pads"].array[0]["peer"].string, "p/b/id:sink") << "through the ghost pad";
	EXPECT_EQ(elements.byId("p/b/id")["parent"].string, "p/b");

	const Json &links = g["links"];
	ASSERT_EQ(links.array.size(), 2u) << "real pads only: the bin's ghost pads are no links";
	const Json &first = links.byId("p/src:src");
	EXPECT_EQ(first["src"].string, "p/src");
	EXPECT_EQ(first["src_pad"].string, "src");
	EXPECT_EQ(first["sink"].string, "p/b/id");
	EXPECT_EQ(first["sink_pad"].string, "sink");
	EXPECT_EQ(first["caps"].string, "") << "nothing negotiated yet";
	EXPECT_EQ(links.byId("p/b/id:src")["sink"].string, "p/sink");
}

TEST_F(StateLines, StatsLineRatesKindsAndCopies)
{
	PadStats *srcLink = padStats("src", 1);
	PadStats *idLink = padStats("id", 2);
	ElementStats *id = elementStats("id");

	auto count = [](PadStats *ps, uint64_t buffers, MemKind kind) {
		ps->buffers = buffers;
		ps->bytes = buffers * 100;
		ps->kinds[static_cast<size_t>(kind)] = buffers;
	};
	count(srcLink, 10, MemKind::DmaBuf);
	count(idLink, 10, MemKind::System);
	srcLink->lastPts = 40 * GST_MSECOND;
	{
		std::lock_guard lock(srcLink->mutex);
		srcLink->exporter = "udmabuf";
		srcLink->names = { "frame" };
	}
	id->buffersIn = 10;
	id->newMemory = 10;
	id->dmabufToOther = 10;
	id->latencySumNs = 10 * 2000;
	id->latencyCount = 10;
	id->latencyMaxNs = 5000;

	SnapshotBuilder b(quarks_);
	Json first = parseLine(b.stats(pipelines_, 1.0, 3, 2, 5));
	EXPECT_EQ(first["type"].string, "stats");
	EXPECT_EQ(first["v"].number, 1);
	EXPECT_EQ(first["seq"].number, 3);
	EXPECT_EQ(first["transport"]["clients"].number, 2);
	EXPECT_EQ(first["transport"]["dropped_lines"].number, 5);
	EXPECT_GT(first["cpu"]["process_s"].number, 0);
	EXPECT_FALSE(first["cpu"]["threads"].array.empty());
	EXPECT_EQ(first["links"].byId("p/src:src")["fps"].number, 0) << "no rate from one reading";

	count(srcLink, 30, MemKind::DmaBuf);
	count(idLink, 30, MemKind::System);
	id->buffersIn = 30;
	id->newMemory = 30;
	id->dmabufToOther = 30;
	id->latencySumNs = 10 * 2000 + 20 * 5000;
	id->latencyCount = 30;
	Json second = parseLine(b.stats(pipelines_, 3.0, 4, 0, 0));

	const Json &elements = second["elements"];
	EXPECT_EQ(elements.byId("p/b")["id"].type, Json::Type::Null) << "bins have no stats";
	const Json &e = elements.byId("p/b/id");
	EXPECT_EQ(e["buffers_in"].number, 30);
	EXPECT_EQ(e["latency"]["count"].number, 30);
	EXPECT_DOUBLE_EQ(e["latency"]["avg_us"].number, 4.0);
	EXPECT_DOUBLE_EQ(e["latency"]["interval_avg_us"].number, 5.0);
	EXPECT_DOUBLE_EQ(e["latency"]["interval_max_us"].number, 0.0) << "the maximum restarts";
	EXPECT_EQ(e["memory"]["new"].number, 30);
	EXPECT_EQ(e["memory"]["dmabuf_to_other"].number, 30);
	EXPECT_EQ(e["copy"]["count"].number, 30);
	EXPECT_DOUBLE_EQ(e["copy"]["rate"].number, 10.0);
	EXPECT_EQ(e["copy"]["reason"].string, "dma-buf in, other memory out");
	EXPECT_EQ(e["qos"].number, 0);
	EXPECT_FALSE(e.has("performance")) << "only once a GST_PERFORMANCE message came";
	EXPECT_TRUE(elements.byId("p/src")["id"].type == Json::Type::String)
		<< "an element without counters is still listed";
	EXPECT_FALSE(elements.byId("p/src").has("copy"));

	const Json &links = second["links"];
	ASSERT_EQ(links.array.size(), 2u) << "only pads with counters";
	const Json &s = links.byId("p/src:src");
	EXPECT_EQ(s["buffers"].number, 30);
	EXPECT_EQ(s["bytes"].number, 3000);
	EXPECT_DOUBLE_EQ(s["fps"].number, 10.0);
	EXPECT_DOUBLE_EQ(s["bps"].number, 1000.0);
	EXPECT_EQ(s["kind"].string, "dmabuf");
	EXPECT_EQ(s["kinds"]["dmabuf"].number, 30);
	EXPECT_FALSE(s["kinds"].has("system"));
	EXPECT_FALSE(s["copied"].boolean);
	EXPECT_EQ(s["last_pts"].number, 40 * GST_MSECOND);
	EXPECT_EQ(s["exporter"].string, "udmabuf");
	ASSERT_EQ(s["names"].array.size(), 1u);
	EXPECT_EQ(s["names"].array[0].string, "frame");
	const Json &out = links.byId("p/b/id:src");
	EXPECT_EQ(out["kind"].string, "system");
	EXPECT_TRUE(out["copied"].boolean) << "the identity's copies mark its output link";
	EXPECT_FALSE(out.has("last_pts"));
}

TEST_F(StateLines, KindOfTheIntervalWinsOverAllSeen)
{
	PadStats *link = padStats("src", 1);
	link->kinds[static_cast<size_t>(MemKind::System)] = 100;
	SnapshotBuilder b(quarks_);
	Json first = parseLine(b.stats(pipelines_, 1.0, 1, 0, 0));
	EXPECT_EQ(first["links"].byId("p/src:src")["kind"].string, "system");
	link->kinds[static_cast<size_t>(MemKind::Memfd)] = 5;
	Json second = parseLine(b.stats(pipelines_, 2.0, 2, 0, 0));
	EXPECT_EQ(second["links"].byId("p/src:src")["kind"].string, "memfd");
	EXPECT_EQ(second["links"].byId("p/src:src")["kinds"]["system"].number, 100);
}

/* ---- The live preview's thumbnail ----------------------------------------- */

struct Rgb {
	int r, g, b;
};

/* A frame of @format, @w x @h, whose quadrants hold @q[0..3] (TL, TR, BL, BR),
   painted by @paint(frame, x, y, quadrant). */
template<typename Paint>
static GstBuffer *quadrantFrame(GstVideoInfo &info, GstVideoFormat format, int w, int h,
				Paint paint)
{
	gst_video_info_set_format(&info, format, w, h);
	GstBuffer *buf = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
	GstVideoFrame f;
	EXPECT_TRUE(gst_video_frame_map(&f, &info, buf, GST_MAP_WRITE));
	for (int y = 0; y < h; ++y)
		for (int x = 0; x < w; ++x)
			paint(f, x, y, (y >= h / 2) * 2 + (x >= w / 2));
	gst_video_frame_unmap(&f);
	return buf;
}

/* Byte @x of row @y of @plane. */
static uint8_t *at(GstVideoFrame &f, int plane, int x, int y)
{
	return static_cast<uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&f, plane)) +
	       y * GST_VIDEO_FRAME_PLANE_STRIDE(&f, plane) + x;
}

/* 320x240 BGRx (alpha byte @alpha) with the colours @q in its quadrants. */
static GstBuffer *bgrxQuadrants(GstVideoInfo &info, const Rgb q[4], uint8_t alpha)
{
	return quadrantFrame(info, GST_VIDEO_FORMAT_BGRx, 320, 240,
			     [&](GstVideoFrame &f, int x, int y, int k) {
				     uint8_t *p = at(f, 0, x * 4, y);
				     p[0] = q[k].b, p[1] = q[k].g, p[2] = q[k].r, p[3] = alpha;
			     });
}

static std::vector<uint8_t> thumbnailOf(const GstVideoInfo &info, GstBuffer *buf,
					dmabufkit::dmabuftrace::Thumbnail &t)
{
	auto configured = t.configure(info);
	EXPECT_TRUE(configured) << configured.error().message;
	std::vector<uint8_t> out(dmabufkit::dmabuftrace::Thumbnail::kMaxBytes, 0xee);
	GstVideoFrame f;
	EXPECT_TRUE(gst_video_frame_map(&f, &info, buf, GST_MAP_READ));
	t.make(f, out.data());
	gst_video_frame_unmap(&f);
	/* Nothing written beyond width * height * 3. */
	for (size_t i = t.bytes(); i < out.size(); ++i)
		if (out[i] != 0xee) {
			ADD_FAILURE() << "wrote past the thumbnail at byte " << i;
			break;
		}
	return out;
}

static Rgb pixel(const std::vector<uint8_t> &img, const dmabufkit::dmabuftrace::Thumbnail &t, int x,
		 int y)
{
	const uint8_t *p = &img[(size_t(y) * t.width() + x) * 3];
	return { p[0], p[1], p[2] };
}

/* Every thumbnail pixel of quadrant q equals @want[q] within @tol. */
static void expectQuadrants(const std::vector<uint8_t> &img,
			    const dmabufkit::dmabuftrace::Thumbnail &t, const Rgb want[4], int tol,
			    const char *what)
{
	int bad = 0;
	for (int y = 0; y < t.height(); ++y)
		for (int x = 0; x < t.width(); ++x) {
			int q = (y >= t.height() / 2) * 2 + (x >= t.width() / 2);
			Rgb p = pixel(img, t, x, y);
			if (std::abs(p.r - want[q].r) > tol || std::abs(p.g - want[q].g) > tol ||
			    std::abs(p.b - want[q].b) > tol) {
				if (++bad <= 3)
					ADD_FAILURE()
						<< what << ": pixel " << x << "," << y
						<< " (quadrant " << q << ") is " << p.r << ","
						<< p.g << "," << p.b << ", expected " << want[q].r
						<< "," << want[q].g << "," << want[q].b;
			}
		}
	EXPECT_EQ(bad, 0) << what;
}

TEST(Thumbnail, FitsWithin160x120KeepingTheAspect)
{
	using dmabufkit::dmabuftrace::Thumbnail;
	struct {
		int w, h, tw, th;
	} cases[] = { { 1920, 1080, 160, 90 }, { 320, 240, 160, 120 }, { 640, 480, 160, 120 },
		      { 100, 400, 30, 120 },   { 64, 48, 64, 48 },     { 1, 1, 1, 1 },
		      { 10000, 1, 160, 1 },    { 1, 10000, 1, 120 },   { 720, 576, 150, 120 } };
	for (auto c : cases) {
		int tw, th;
		Thumbnail::fit(c.w, c.h, &tw, &th);
		EXPECT_EQ(tw, c.tw) << c.w << "x" << c.h;
		EXPECT_EQ(th, c.th) << c.w << "x" << c.h;
	}
}

TEST(Thumbnail, BGRxQuadrantsComeOutExactly)
{
	/* 320x240 BGRx -> 160x120: every thumbnail pixel is the colour of its quadrant. */
	const Rgb q[4] = { { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 }, { 10, 20, 30 } };
	GstVideoInfo info;
	GstBuffer *buf = bgrxQuadrants(info, q, 0x77);
	dmabufkit::dmabuftrace::Thumbnail t;
	auto img = thumbnailOf(info, buf, t);
	ASSERT_EQ(t.width(), 160);
	ASSERT_EQ(t.height(), 120);
	expectQuadrants(img, t, q, 0, "BGRx");
	gst_buffer_unref(buf);
}

/* BT.601 limited range, in floating point: the reference the fixed-point path must meet. */
static Rgb bt601(int y, int u, int v)
{
	auto c = [](double d) { return int(std::lround(std::clamp(d, 0.0, 255.0))); };
	double Y = 1.164383 * (y - 16), U = u - 128, V = v - 128;
	return { c(Y + 1.596027 * V), c(Y - 0.391762 * U - 0.812968 * V), c(Y + 2.017232 * U) };
}

TEST(Thumbnail, I420QuadrantsMatchBT601)
{
	/* Y, U, V per quadrant: white, black, red, a mid colour. */
	const int yuv[4][3] = {
		{ 235, 128, 128 }, { 16, 128, 128 }, { 81, 90, 240 }, { 120, 160, 100 }
	};
	GstVideoInfo info;
	GstBuffer *buf = quadrantFrame(info, GST_VIDEO_FORMAT_I420, 320, 240,
				       [&](GstVideoFrame &f, int x, int y, int k) {
					       *at(f, 0, x, y) = yuv[k][0];
					       *at(f, 1, x / 2, y / 2) = yuv[k][1];
					       *at(f, 2, x / 2, y / 2) = yuv[k][2];
				       });
	dmabufkit::dmabuftrace::Thumbnail t;
	auto img = thumbnailOf(info, buf, t);
	Rgb want[4];
	for (int k = 0; k < 4; ++k)
		want[k] = bt601(yuv[k][0], yuv[k][1], yuv[k][2]);
	EXPECT_EQ(want[0].r, 255);
	EXPECT_EQ(want[1].g, 0);
	EXPECT_GE(want[2].r, 250);
	expectQuadrants(img, t, want, 1, "I420 BT.601");
	gst_buffer_unref(buf);
}

TEST(Thumbnail, HonoursTheColourMatrix)
{
	/* The same bytes read as BT.709 give another red: the caps' matrix is used. */
	GstVideoInfo info;
	GstBuffer *buf = quadrantFrame(info, GST_VIDEO_FORMAT_NV12, 64, 48,
				       [&](GstVideoFrame &f, int x, int y, int) {
					       *at(f, 0, x, y) = 81;
					       uint8_t *uv = at(f, 1, (x / 2) * 2, y / 2);
					       uv[0] = 90, uv[1] = 240;
				       });
	info.colorimetry.matrix = GST_VIDEO_COLOR_MATRIX_BT709;
	dmabufkit::dmabuftrace::Thumbnail t;
	auto img = thumbnailOf(info, buf, t);
	/* BT.709 limited: G = 1.164 (Y-16) - 0.213 (U-128) - 0.533 (V-128). */
	double g = 1.164383 * 65 - 0.213249 * (90 - 128) - 0.532909 * (240 - 128);
	Rgb p = pixel(img, t, 10, 10);
	EXPECT_NEAR(p.g, std::clamp(g, 0.0, 255.0), 1.0);
	EXPECT_GT(p.g, 0) << "BT.601 would give 0 here";
	gst_buffer_unref(buf);
}

TEST(Thumbnail, SamplesStayInsideTheirCells)
{
	/* GRAY8 with value = x: thumbnail column tx must read a source column in
	   [tx * W / tw, (tx + 1) * W / tw), and rows likewise. */
	GstVideoInfo info;
	GstBuffer *buf =
		quadrantFrame(info, GST_VIDEO_FORMAT_GRAY8, 250, 200,
			      [&](GstVideoFrame &f, int x, int y, int) { *at(f, 0, x, y) = x; });
	dmabufkit::dmabuftrace::Thumbnail t;
	auto img = thumbnailOf(info, buf, t);
	ASSERT_EQ(t.width(), 150);
	ASSERT_EQ(t.height(), 120);
	for (int tx = 0; tx < t.width(); ++tx) {
		Rgb p = pixel(img, t, tx, 7);
		EXPECT_GE(p.r, tx * 250 / 150) << tx;
		EXPECT_LT(p.r, (tx + 1) * 250 / 150 + 1) << tx;
		EXPECT_TRUE(p.r == p.g && p.g == p.b);
	}
	gst_buffer_unref(buf);
	buf = quadrantFrame(info, GST_VIDEO_FORMAT_GRAY8, 250, 200,
			    [&](GstVideoFrame &f, int x, int y, int) { *at(f, 0, x, y) = y; });
	img = thumbnailOf(info, buf, t);
	for (int ty = 0; ty < t.height(); ++ty) {
		Rgb p = pixel(img, t, 3, ty);
		EXPECT_GE(p.r, ty * 200 / 120) << ty;
		EXPECT_LT(p.r, (ty + 1) * 200 / 120 + 1) << ty;
	}
	gst_buffer_unref(buf);
}

TEST(Thumbnail, EverySupportedFormatShowsTheSamePicture)
{
	/* One BGRx quadrant picture converted by GStreamer into each format
	   (its colorimetry defaults), then thumbnailed: the colours survive
	   within the round trip's rounding. */
	const Rgb q[4] = { { 200, 40, 40 }, { 40, 200, 40 }, { 40, 40, 200 }, { 128, 128, 128 } };
	GstVideoInfo src;
	GstBuffer *in = bgrxQuadrants(src, q, 255);
	const GstVideoFormat formats[] = {
		GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_BGRA, GST_VIDEO_FORMAT_xRGB,
		GST_VIDEO_FORMAT_ARGB, GST_VIDEO_FORMAT_RGBx, GST_VIDEO_FORMAT_RGBA,
		GST_VIDEO_FORMAT_xBGR, GST_VIDEO_FORMAT_ABGR, GST_VIDEO_FORMAT_RGB,
		GST_VIDEO_FORMAT_BGR,  GST_VIDEO_FORMAT_YUY2, GST_VIDEO_FORMAT_YVYU,
		GST_VIDEO_FORMAT_UYVY, GST_VIDEO_FORMAT_NV12, GST_VIDEO_FORMAT_NV21,
		GST_VIDEO_FORMAT_NV16, GST_VIDEO_FORMAT_NV61, GST_VIDEO_FORMAT_I420,
		GST_VIDEO_FORMAT_YV12, GST_VIDEO_FORMAT_Y42B, GST_VIDEO_FORMAT_Y444,
	};
	for (GstVideoFormat fmt : formats) {
		const char *name = gst_video_format_to_string(fmt);
		EXPECT_TRUE(dmabufkit::dmabuftrace::Thumbnail::supports(fmt)) << name;
		GstVideoInfo dst;
		gst_video_info_set_format(&dst, fmt, 320, 240);
		GstBuffer *out =
			gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&dst), nullptr);
		GstVideoConverter *conv = gst_video_converter_new(
			&src, &dst,
			gst_structure_new("options", GST_VIDEO_CONVERTER_OPT_DITHER_METHOD,
					  GST_TYPE_VIDEO_DITHER_METHOD, GST_VIDEO_DITHER_NONE,
					  nullptr));
		ASSERT_NE(conv, nullptr) << name;
		GstVideoFrame a, b;
		ASSERT_TRUE(gst_video_frame_map(&a, &src, in, GST_MAP_READ));
		ASSERT_TRUE(gst_video_frame_map(&b, &dst, out, GST_MAP_WRITE));
		gst_video_converter_frame(conv, &a, &b);
		gst_video_frame_unmap(&a);
		gst_video_frame_unmap(&b);
		gst_video_converter_free(conv);
		dmabufkit::dmabuftrace::Thumbnail t;
		auto img = thumbnailOf(dst, out, t);
		/* Chroma sits at half resolution: sample away from the borders. */
		for (int k = 0; k < 4; ++k) {
			Rgb p = pixel(img, t, (k & 1) ? 120 : 40, (k & 2) ? 90 : 30);
			EXPECT_NEAR(p.r, q[k].r, 4) << name << " quadrant " << k;
			EXPECT_NEAR(p.g, q[k].g, 4) << name << " quadrant " << k;
			EXPECT_NEAR(p.b, q[k].b, 4) << name << " quadrant " << k;
		}
		gst_buffer_unref(out);
	}
	gst_buffer_unref(in);
}

TEST(Thumbnail, OtherFormatsSayWhy)
{
	GstVideoInfo info;
	gst_video_info_set_format(&info, GST_VIDEO_FORMAT_I420_10LE, 64, 48);
	dmabufkit::dmabuftrace::Thumbnail t;
	auto configured = t.configure(info);
	ASSERT_FALSE(configured);
	EXPECT_FALSE(t.configured());
	const std::string why = configured.error().message;
	EXPECT_NE(why.find("I420_10LE"), std::string::npos) << why;
	EXPECT_NE(why.find("NV12"), std::string::npos)
		<< "the supported formats are named: " << why;
}
