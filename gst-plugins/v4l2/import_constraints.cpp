/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "import_constraints.h"

#include <cerrno>

#include <dmabufkit/dbk_constraints_convert.h>

namespace dmabufkit::gstv4l2 {

Result<DbkConstraints> poolConstraints(GstQuery *query, const ImportCapability &cap,
				       bool singleMemory)
{
	DbkConstraints all[2];
	guint n = 0;
	GError *err = nullptr;
	if (query && !dbk_query_get_constraints(query, &all[0], &n, &err)) {
		Error e{ EINVAL, err->message };
		g_error_free(err);
		return e;
	}
	if (!n)
		dbk_constraints_init(&all[0], nullptr);
	Constraints own = cap.constraints();
	if (singleMemory)
		own.memoryLayout = MemoryLayout::Single; /* single-planar API: one dma-buf */
	gst::fromCore(own, &all[1]);
	DbkConstraints merged;
	if (!dbk_constraints_merge(all, 2, &merged, &err)) {
		Error e{ EINVAL, err->message };
		g_error_free(err);
		return e;
	}
	return merged;
}

void addToPoolConfig(GstStructure *config, const ImportCapability &cap)
{
	DbkConstraints all[2];
	if (!dbk_buffer_pool_config_get_constraints(config, &all[0]))
		dbk_constraints_init(&all[0], nullptr);
	gst::fromCore(cap.constraints(), &all[1]);
	DbkConstraints merged;
	if (dbk_constraints_merge(all, 2, &merged, nullptr))
		dbk_buffer_pool_config_set_constraints(config, &merged);
}

std::string allocationDecision(GstBufferPool *pool, const ImportCapability &cap)
{
	std::string d;
	gchar *decision = pool && DBK_IS_BUFFER_POOL(pool)
				  ? dbk_buffer_pool_get_decision(DBK_BUFFER_POOL(pool))
				  : nullptr;
	if (decision)
		d = decision;
	else
		d = std::string("a pool that is not dmabufkit's (") +
		    (pool ? GST_OBJECT_NAME(pool) : "none") + ")";
	g_free(decision);
	return d + "; " + cap.device + ": " + cap.summary();
}

} /* namespace dmabufkit::gstv4l2 */
