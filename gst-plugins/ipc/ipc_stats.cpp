/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ipc_stats.h"

#include "ipc_constraints.h"

namespace dmabufkit::ipc {

std::string mergedConstraints(const std::vector<Constraints> &wire)
{
	if (wire.empty())
		return "";
	std::vector<DbkConstraints> all;
	for (const Constraints &w : wire)
		all.push_back(fromWire(w));
	DbkConstraints merged;
	if (!dbk_constraints_merge(all.data(), guint(all.size()), &merged, nullptr))
		return "";
	gchar *s = dbk_constraints_to_string(&merged);
	std::string out = s;
	g_free(s);
	return out;
}

GstStructure *sinkStatsStructure(const ServerStats &s, const std::vector<ClientStats> &clients,
				 const std::string &constraints)
{
	GValue list = G_VALUE_INIT;
	gst_value_list_init(&list, clients.size());
	for (const ClientStats &c : clients) {
		GValue v = G_VALUE_INIT;
		g_value_init(&v, GST_TYPE_STRUCTURE);
		g_value_take_boxed(&v, gst_structure_new("consumer", "pid", G_TYPE_INT, c.pid,
							 "name", G_TYPE_STRING, c.name.c_str(),
							 "sent", G_TYPE_UINT64, c.sent, "dropped",
							 G_TYPE_UINT64, c.dropped, "in-flight",
							 G_TYPE_UINT64, c.inFlight, nullptr));
		gst_value_list_append_and_take_value(&list, &v);
	}
	GstStructure *out = gst_structure_new(
		"dmabufipcsink-stats", "clients", G_TYPE_UINT64, s.clients, "clients-total",
		G_TYPE_UINT64, s.clientsTotal, "rejected", G_TYPE_UINT64, s.rejected,
		"protocol-errors", G_TYPE_UINT64, s.protocolErrors, "published", G_TYPE_UINT64,
		s.published, "sent", G_TYPE_UINT64, s.sent, "dropped", G_TYPE_UINT64, s.dropped,
		"released", G_TYPE_UINT64, s.released, "buffers-sent", G_TYPE_UINT64, s.buffersSent,
		"registered", G_TYPE_UINT64, s.registered, "held", G_TYPE_UINT64, s.held,
		"max-held", G_TYPE_UINT64, s.maxHeld, "consumer-constraints", G_TYPE_STRING,
		constraints.c_str(), nullptr);
	gst_structure_take_value(out, "consumers", &list);
	return out;
}

} /* namespace dmabufkit::ipc */
