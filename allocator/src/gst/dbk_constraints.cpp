/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/dbk_constraints.h"

#include <cstring>
#include <vector>

#include "dmabufkit/dbk_constraints_convert.h"
#include "gst_log_backend.h"

#define GST_CAT_DEFAULT dmabufkit::gstLogCategory(dmabufkit::LogCategory::Allocator)

namespace dmabufkit::gst {

namespace {

std::vector<std::string> splitOn(const char *text, char sep)
{
	std::vector<std::string> out;
	std::string item;
	for (const char *p = text; *p; ++p) {
		if (*p == sep) {
			if (!item.empty())
				out.push_back(item);
			item.clear();
		} else {
			item += *p;
		}
	}
	if (!item.empty())
		out.push_back(item);
	return out;
}

} /* namespace */

Constraints toCore(const DbkConstraints &c)
{
	Constraints r;
	r.consumer = c.consumer;
	r.cpuMappable = c.cpu_mappable;
	r.contiguous = c.contiguous;
	r.scanout = c.scanout;
	r.packedStride = c.packed_stride;
	r.strideAlign = c.stride_align ? c.stride_align : 1;
	r.offsetAlign = c.offset_align ? c.offset_align : 1;
	r.memoryLayout = static_cast<MemoryLayout>(c.memory_layout);
	r.maxSize = c.max_size;
	/* Lines of "exporter<TAB>reason". */
	for (const std::string &line : splitOn(c.refused_exporters, '\n')) {
		const size_t tab = line.find('\t');
		if (tab == std::string::npos)
			r.refusedExporters.push_back({ line, "its consumer" });
		else
			r.refusedExporters.push_back({ line.substr(0, tab), line.substr(tab + 1) });
	}
	r.acceptedExporters = splitOn(c.accepted_exporters, ',');
	return r;
}

void fromCore(const Constraints &c, DbkConstraints *out)
{
	dbk_constraints_init(out, c.consumer.c_str());
	out->cpu_mappable = c.cpuMappable;
	out->contiguous = c.contiguous;
	out->scanout = c.scanout;
	out->packed_stride = c.packedStride;
	out->stride_align = c.strideAlign;
	out->offset_align = c.offsetAlign;
	out->memory_layout = static_cast<DbkMemoryLayout>(c.memoryLayout);
	out->max_size = c.maxSize;
	for (const ExporterRefusal &r : c.refusedExporters)
		dbk_constraints_add_refusal(out, r.exporter.c_str(), r.reason.c_str());
	for (const std::string &a : c.acceptedExporters)
		dbk_constraints_add_accepted(out, a.c_str());
}

} /* namespace dmabufkit::gst */

using namespace dmabufkit;

/* clang-format would put spaces into the quark's name. */
// clang-format off
G_DEFINE_QUARK(dbk-error-quark, dbk_error)
// clang-format on

/**
 * dbk_constraints_meta_api_get_type:
 *
 * The meta API type that carries constraints in ALLOCATION queries. No
 * buffer ever carries this meta; only its parameters are used.
 */
GType dbk_constraints_meta_api_get_type(void)
{
	static GType type = 0;
	static const gchar *tags[] = { nullptr };
	if (g_once_init_enter(&type)) {
		GType t = gst_meta_api_type_register("DbkConstraintsMetaAPI", tags);
		g_once_init_leave(&type, t);
	}
	return type;
}

/**
 * dbk_constraints_init:
 * @c: constraints to initialise
 * @consumer: (nullable): who states them
 *
 * Set @c to "no constraint".
 */
void dbk_constraints_init(DbkConstraints *c, const gchar *consumer)
{
	std::memset(c, 0, sizeof(*c));
	if (consumer)
		g_strlcpy(c->consumer, consumer, sizeof(c->consumer));
	c->stride_align = 1;
	c->offset_align = 1;
	c->memory_layout = DBK_MEMORY_LAYOUT_ANY;
}

/* Bytes an item appended to \a field may have: room for the separator and
 * the NUL taken off what is left. */
static gsize item_room(const gchar *field, gsize len)
{
	const gsize used = strlen(field);
	return used + 2 < len ? len - used - 2 : 0;
}

/* Append \a item to the list in \a field unless it would not fit (the
 * list is a hint to exporter selection; a truncated entry would mislead). */
static void append_item(gchar *field, gsize len, const std::string &item, char sep)
{
	if (item.size() > item_room(field, len)) {
		GST_WARNING("constraints: no room for \"%s\"; dropped", item.c_str());
		return;
	}
	const gsize used = strlen(field);
	if (used)
		field[used] = sep, field[used + 1] = '\0';
	g_strlcat(field, item.c_str(), len);
}

/**
 * dbk_constraints_add_refusal:
 * @c: constraints
 * @exporter: an exporter name ("dma-heap:system")
 * @reason: what the device said, naming it
 *
 * Record that the consumer's device refused @exporter's buffers, so no
 * producer chooses it. Tabs and newlines in @reason are replaced by spaces.
 * When the list is nearly full, @reason is shortened (ending in "...") so
 * that the refusal itself is still recorded.
 */
void dbk_constraints_add_refusal(DbkConstraints *c, const gchar *exporter, const gchar *reason)
{
	std::string r = reason ? reason : "";
	for (char &ch : r)
		if (ch == '\t' || ch == '\n')
			ch = ' ';
	/* A lost refusal would let a producer pick an exporter the device
	 * refuses; a shortened reason only explains less. */
	const gsize room = item_room(c->refused_exporters, sizeof(c->refused_exporters));
	const gsize name = strlen(exporter) + 1; /* and the tab */
	constexpr gsize kEllipsis = 3;
	if (name + r.size() > room) {
		const gsize keep = room >= name + kEllipsis ? room - name - kEllipsis : 0;
		GST_INFO("constraints: reason for %s shortened from %zu to %zu bytes to fit",
			 exporter, r.size(), keep);
		r = keep ? r.substr(0, keep) + "..." : "";
	}
	append_item(c->refused_exporters, sizeof(c->refused_exporters),
		    std::string(exporter) + "\t" + r, '\n');
}

/**
 * dbk_constraints_add_accepted:
 * @c: constraints
 * @exporter: an exporter name whose buffers the consumer's device imported
 */
void dbk_constraints_add_accepted(DbkConstraints *c, const gchar *exporter)
{
	append_item(c->accepted_exporters, sizeof(c->accepted_exporters), exporter, ',');
}

static const char *layout_to_string(DbkMemoryLayout l)
{
	switch (l) {
	case DBK_MEMORY_LAYOUT_SINGLE:
		return "single";
	case DBK_MEMORY_LAYOUT_PER_PLANE:
		return "per-plane";
	default:
		return "any";
	}
}

/**
 * dbk_constraints_to_structure:
 * @c: constraints
 *
 * Returns: (transfer full): a "dmabufkit/constraints" structure
 */
GstStructure *dbk_constraints_to_structure(const DbkConstraints *c)
{
	return gst_structure_new(
		DBK_CONSTRAINTS_STRUCTURE_NAME, "consumer", G_TYPE_STRING, c->consumer,
		"cpu-mappable", G_TYPE_BOOLEAN, c->cpu_mappable, "contiguous", G_TYPE_BOOLEAN,
		c->contiguous, "scanout", G_TYPE_BOOLEAN, c->scanout, "packed-stride",
		G_TYPE_BOOLEAN, c->packed_stride, "stride-align", G_TYPE_UINT, c->stride_align,
		"offset-align", G_TYPE_UINT, c->offset_align, "memory-layout", G_TYPE_STRING,
		layout_to_string(c->memory_layout), "max-size", G_TYPE_UINT64, c->max_size,
		"refused-exporters", G_TYPE_STRING, c->refused_exporters, "accepted-exporters",
		G_TYPE_STRING, c->accepted_exporters, nullptr);
}

/**
 * dbk_constraints_from_structure:
 * @s: a "dmabufkit/constraints" structure
 * @c: (out): the constraints
 * @error: where to report an invalid structure
 *
 * Missing fields mean "no constraint".
 */
gboolean dbk_constraints_from_structure(const GstStructure *s, DbkConstraints *c, GError **error)
{
	if (!gst_structure_has_name(s, DBK_CONSTRAINTS_STRUCTURE_NAME)) {
		g_set_error(error, DBK_ERROR, DBK_ERROR_INVALID,
			    "structure %s is not " DBK_CONSTRAINTS_STRUCTURE_NAME,
			    gst_structure_get_name(s));
		return FALSE;
	}
	dbk_constraints_init(c, gst_structure_get_string(s, "consumer"));
	gst_structure_get_boolean(s, "cpu-mappable", &c->cpu_mappable);
	gst_structure_get_boolean(s, "contiguous", &c->contiguous);
	gst_structure_get_boolean(s, "scanout", &c->scanout);
	gst_structure_get_boolean(s, "packed-stride", &c->packed_stride);
	gst_structure_get_uint(s, "stride-align", &c->stride_align);
	gst_structure_get_uint(s, "offset-align", &c->offset_align);
	gst_structure_get_uint64(s, "max-size", &c->max_size);
	if (const gchar *r = gst_structure_get_string(s, "refused-exporters"))
		g_strlcpy(c->refused_exporters, r, sizeof(c->refused_exporters));
	if (const gchar *a = gst_structure_get_string(s, "accepted-exporters"))
		g_strlcpy(c->accepted_exporters, a, sizeof(c->accepted_exporters));
	const gchar *layout = gst_structure_get_string(s, "memory-layout");
	if (!layout || g_str_equal(layout, "any"))
		c->memory_layout = DBK_MEMORY_LAYOUT_ANY;
	else if (g_str_equal(layout, "single"))
		c->memory_layout = DBK_MEMORY_LAYOUT_SINGLE;
	else if (g_str_equal(layout, "per-plane"))
		c->memory_layout = DBK_MEMORY_LAYOUT_PER_PLANE;
	else {
		g_set_error(error, DBK_ERROR, DBK_ERROR_INVALID, "%s: unknown memory-layout \"%s\"",
			    c->consumer, layout);
		return FALSE;
	}
	return TRUE;
}

/**
 * dbk_constraints_merge:
 * @all: (array length=n): constraints of every consumer
 * @n: how many
 * @merged: (out): their merge
 * @error: set, naming both consumers, when two contradict
 */
gboolean dbk_constraints_merge(const DbkConstraints *all, guint n, DbkConstraints *merged,
			       GError **error)
{
	std::vector<Constraints> v;
	for (guint i = 0; i < n; ++i)
		v.push_back(gst::toCore(all[i]));
	auto r = mergeConstraints(v);
	if (!r) {
		g_set_error(error, DBK_ERROR, DBK_ERROR_CONFLICT, "%s", r.error().message.c_str());
		return FALSE;
	}
	gst::fromCore(*r, merged);
	return TRUE;
}

/**
 * dbk_constraints_to_string:
 *
 * Returns: (transfer full): a readable summary
 */
gchar *dbk_constraints_to_string(const DbkConstraints *c)
{
	return g_strdup(gst::toCore(*c).describe().c_str());
}

/**
 * dbk_query_add_constraints:
 * @query: an ALLOCATION query
 * @c: the answering element's constraints
 */
void dbk_query_add_constraints(GstQuery *query, const DbkConstraints *c)
{
	GstStructure *s = dbk_constraints_to_structure(c);
	gst_query_add_allocation_meta(query, DBK_CONSTRAINTS_META_API_TYPE, s);
	gst_structure_free(s);
}

/**
 * dbk_query_get_constraints:
 * @query: an answered ALLOCATION query
 * @merged: (out): the merge of every consumer's constraints
 * @n_consumers: (out) (optional): how many stated constraints
 * @error: set when they contradict or are malformed
 *
 * Returns: %TRUE on success (also when nobody stated constraints).
 */
gboolean dbk_query_get_constraints(GstQuery *query, DbkConstraints *merged, guint *n_consumers,
				   GError **error)
{
	std::vector<DbkConstraints> all;
	guint n = gst_query_get_n_allocation_metas(query);
	for (guint i = 0; i < n; ++i) {
		const GstStructure *params = nullptr;
		GType api = gst_query_parse_nth_allocation_meta(query, i, &params);
		if (api != DBK_CONSTRAINTS_META_API_TYPE || !params)
			continue;
		DbkConstraints c;
		if (!dbk_constraints_from_structure(params, &c, error))
			return FALSE;
		all.push_back(c);
	}
	if (n_consumers)
		*n_consumers = static_cast<guint>(all.size());
	return dbk_constraints_merge(all.data(), static_cast<guint>(all.size()), merged, error);
}
