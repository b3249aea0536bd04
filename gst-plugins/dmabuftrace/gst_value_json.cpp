/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "gst_value_json.h"

#include <cstring>
#include <string>

namespace dmabufkit::dmabuftrace {

/* Long values (caps, serialized structures) are cut: a line stays readable. */
static std::string truncated(const char *s, size_t maxChars)
{
	std::string v = s ? s : "";
	if (v.size() > maxChars)
		v = v.substr(0, maxChars) + "…";
	return v;
}

size_t valueLimitFor(const char *name)
{
	return name && strstr(name, "decision") ? kMaxDecisionChars : kMaxValueChars;
}

void writeGValue(JsonWriter &w, const GValue *v, size_t maxChars)
{
	switch (G_VALUE_TYPE(v)) {
	case G_TYPE_BOOLEAN:
		w.value(static_cast<bool>(g_value_get_boolean(v)));
		return;
	case G_TYPE_INT:
		w.value(static_cast<int64_t>(g_value_get_int(v)));
		return;
	case G_TYPE_UINT:
		w.value(static_cast<uint64_t>(g_value_get_uint(v)));
		return;
	case G_TYPE_INT64:
		w.value(static_cast<int64_t>(g_value_get_int64(v)));
		return;
	case G_TYPE_UINT64:
		w.value(static_cast<uint64_t>(g_value_get_uint64(v)));
		return;
	case G_TYPE_DOUBLE:
		w.value(g_value_get_double(v));
		return;
	case G_TYPE_FLOAT:
		w.value(static_cast<double>(g_value_get_float(v)));
		return;
	case G_TYPE_STRING:
		w.value(truncated(g_value_get_string(v), maxChars));
		return;
	default:
		break;
	}
	if (G_VALUE_TYPE(v) == GST_TYPE_STRUCTURE) {
		const GstStructure *s = gst_value_get_structure(v);
		if (s) {
			writeStructure(w, s);
			return;
		}
		w.null();
		return;
	}
	gchar *s = gst_value_serialize(v);
	if (!s)
		s = g_strdup_value_contents(v);
	w.value(truncated(s, maxChars));
	g_free(s);
}

void writeStructure(JsonWriter &w, const GstStructure *s)
{
	w.beginObject();
	w.field("name", gst_structure_get_name(s));
	gint n = gst_structure_n_fields(s);
	for (gint i = 0; i < n; ++i) {
		const gchar *f = gst_structure_nth_field_name(s, i);
		if (!strcmp(f, "name"))
			continue;
		w.key(f);
		writeGValue(w, gst_structure_get_value(s, f), valueLimitFor(f));
	}
	w.endObject();
}

} /* namespace dmabufkit::dmabuftrace */
