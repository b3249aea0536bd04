/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "trace_fence_waits.h"

#include <cstdio>
#include <fstream>

namespace dmabufkit::test {

LinkWaits fenceWaitsOf(const std::string &traceFile, const std::string &link)
{
	LinkWaits w;
	std::ifstream in(traceFile);
	std::string line;
	const std::string id = "\"id\":\"" + link + "\"";
	while (std::getline(in, line)) {
		if (line.rfind("{\"type\":\"stats\"", 0) != 0)
			continue;
		const size_t at = line.find(id);
		if (at == std::string::npos)
			continue;
		/* Only inside this link's object: before the next object's id. */
		const size_t end = line.find("\"id\":\"", at + id.size());
		const size_t f = line.find("\"fence_waits\":{", at);
		if (f == std::string::npos || (end != std::string::npos && f > end))
			continue;
		LinkWaits n;
		if (std::sscanf(line.c_str() + f,
				"\"fence_waits\":{\"count\":%llu,\"total_ms\":%lf,\"max_ms\":%lf,"
				"\"timeouts\":%llu",
				&n.count, &n.totalMs, &n.maxMs, &n.timeouts) == 4) {
			n.found = true;
			w = n;
		}
	}
	return w;
}

} /* namespace dmabufkit::test */
