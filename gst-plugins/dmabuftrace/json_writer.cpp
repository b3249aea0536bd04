/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "json_writer.h"

#include <cmath>
#include <cstdio>

namespace dmabufkit::dmabuftrace {

void appendJsonString(std::string &out, std::string_view s)
{
	out += '"';
	size_t plain = 0; /* start of the run that needs no escaping */
	for (size_t i = 0; i < s.size(); ++i) {
		unsigned char c = s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		/* Runs are appended whole: a preview's base64 is 77 KB of them. */
		out.append(s.data() + plain, i - plain);
		plain = i + 1;
		switch (c) {
		case '"':
			out += "\\\"";
			break;
		case '\\':
			out += "\\\\";
			break;
		case '\n':
			out += "\\n";
			break;
		case '\r':
			out += "\\r";
			break;
		case '\t':
			out += "\\t";
			break;
		default: {
			char buf[8];
			snprintf(buf, sizeof(buf), "\\u%04x", c);
			out += buf;
		}
		}
	}
	out.append(s.data() + plain, s.size() - plain);
	out += '"';
}

void JsonWriter::separate()
{
	if (needComma_)
		out_ += ',';
	needComma_ = true;
}

JsonWriter &JsonWriter::beginObject()
{
	separate();
	out_ += '{';
	needComma_ = false;
	return *this;
}

JsonWriter &JsonWriter::endObject()
{
	out_ += '}';
	needComma_ = true;
	return *this;
}

JsonWriter &JsonWriter::beginArray()
{
	separate();
	out_ += '[';
	needComma_ = false;
	return *this;
}

JsonWriter &JsonWriter::endArray()
{
	out_ += ']';
	needComma_ = true;
	return *this;
}

JsonWriter &JsonWriter::key(std::string_view k)
{
	separate();
	appendJsonString(out_, k);
	out_ += ':';
	needComma_ = false;
	return *this;
}

JsonWriter &JsonWriter::value(std::string_view s)
{
	separate();
	appendJsonString(out_, s);
	return *this;
}

JsonWriter &JsonWriter::value(const char *s)
{
	if (!s)
		return null();
	return value(std::string_view(s));
}

JsonWriter &JsonWriter::value(uint64_t v)
{
	separate();
	out_ += std::to_string(v);
	return *this;
}

JsonWriter &JsonWriter::value(int64_t v)
{
	separate();
	out_ += std::to_string(v);
	return *this;
}

JsonWriter &JsonWriter::value(double v)
{
	separate();
	if (!std::isfinite(v)) {
		out_ += "null";
		return *this;
	}
	char buf[32];
	snprintf(buf, sizeof(buf), "%.6g", v);
	out_ += buf;
	return *this;
}

JsonWriter &JsonWriter::value(bool v)
{
	separate();
	out_ += v ? "true" : "false";
	return *this;
}

JsonWriter &JsonWriter::null()
{
	separate();
	out_ += "null";
	return *this;
}

JsonWriter &JsonWriter::raw(std::string_view json)
{
	separate();
	out_ += json;
	return *this;
}

} /* namespace dmabufkit::dmabuftrace */
