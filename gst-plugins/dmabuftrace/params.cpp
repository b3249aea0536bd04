/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "params.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include <glib.h>

namespace dmabufkit::dmabuftrace {

Params parseParams(const char *params)
{
	Params p;
	p.endpoint = "unix:/tmp/dmabufkit-tracer-" + std::to_string(getpid()) + ".sock";
	if (!params)
		return p;
	gchar **items = g_strsplit(params, ",", -1);
	for (gchar **i = items; *i; ++i) {
		gchar *eq = strchr(*i, '=');
		if (!eq)
			continue;
		auto trim = [](std::string v) {
			size_t b = v.find_first_not_of(" \t"), e = v.find_last_not_of(" \t");
			return b == std::string::npos ? std::string() : v.substr(b, e - b + 1);
		};
		std::string k = trim(std::string(*i, eq - *i));
		std::string v = trim(eq + 1);
		if (k == "endpoint")
			p.endpoint = v;
		else if (k == "period-ms")
			p.periodMs = std::clamp(atoi(v.c_str()), 100, 500);
		else if (k == "performance")
			p.performance = v == "on" || v == "true"     ? Params::Perf::On
					: v == "off" || v == "false" ? Params::Perf::Off
								     : Params::Perf::Auto;
		else if (k == "queue")
			p.queue = std::clamp(atoi(v.c_str()), 4, 100000);
		else if (k == "preview")
			p.preview = v == "off" || v == "false" ? std::string() : v;
		else if (k == "forbid-copies")
			p.forbidCopies = v == "true" || v == "1" || v == "yes";
		else if (k == "forbid-copies-on") {
			gchar **links = g_strsplit(v.c_str(), "+", -1);
			for (gchar **l = links; *l; ++l)
				if (std::string t = trim(*l); !t.empty())
					p.forbidCopiesOn.push_back(t);
			g_strfreev(links);
		} else if (k == "journeys")
			p.journeys = v == "off" || v == "false" || v == "0" ? 0
				     : v == "on" || v == "true"
					     ? 30
					     : std::clamp(atoi(v.c_str()), 1, 100000);
		else if (k == "fence-timeout")
			p.fenceTimeoutMs = std::clamp(atoi(v.c_str()), 0, 60000);
		else
			g_warning("dmabuftrace: unknown parameter \"%s\" (endpoint, period-ms, "
				  "queue, performance, preview, forbid-copies, forbid-copies-on, "
				  "journeys, fence-timeout)",
				  k.c_str());
	}
	g_strfreev(items);
	/* The contract needs the copies stock elements report on GST_PERFORMANCE. */
	if ((p.forbidCopies || !p.forbidCopiesOn.empty()) && p.performance == Params::Perf::Auto)
		p.performance = Params::Perf::On;
	return p;
}

} /* namespace dmabufkit::dmabuftrace */
