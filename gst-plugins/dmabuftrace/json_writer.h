/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A minimal JSON builder for the tracer's protocol lines (no parsing). */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dmabufkit::dmabuftrace {

/*
 * Appends JSON to a string. The caller keeps the structure balanced; commas
 * are inserted automatically between members.
 */
class JsonWriter
{
public:
	JsonWriter &beginObject();
	JsonWriter &endObject();
	JsonWriter &beginArray();
	JsonWriter &endArray();
	JsonWriter &key(std::string_view k);
	JsonWriter &value(std::string_view s);
	JsonWriter &value(const char *s);
	JsonWriter &value(uint64_t v);
	JsonWriter &value(int64_t v);
	JsonWriter &value(int v) { return value(static_cast<int64_t>(v)); }
	JsonWriter &value(unsigned v) { return value(static_cast<uint64_t>(v)); }
	JsonWriter &value(double v);
	JsonWriter &value(bool v);
	JsonWriter &null();
	/* Inserts already-serialized JSON. */
	JsonWriter &raw(std::string_view json);

	template<typename T> JsonWriter &field(std::string_view k, T v) { return key(k).value(v); }

	/* Room for @bytes more (a preview line is ~77 KB: one allocation, not ten). */
	void reserve(size_t bytes) { out_.reserve(out_.size() + bytes); }

	const std::string &str() const { return out_; }
	std::string take() { return std::move(out_); }

private:
	void separate();
	std::string out_;
	bool needComma_ = false;
};

void appendJsonString(std::string &out, std::string_view s);

} /* namespace dmabufkit::dmabuftrace */
