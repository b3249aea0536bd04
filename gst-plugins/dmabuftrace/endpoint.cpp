/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "endpoint.h"

#include <cstdlib>

namespace dmabufkit::dmabuftrace {

using dmabufkit::Error;
using dmabufkit::Result;

static bool parsePort(const std::string &s, int *port)
{
	if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos)
		return false;
	int p = std::atoi(s.c_str());
	if (p < 0 || p > 65535)
		return false;
	*port = p;
	return true;
}

Result<Endpoint> Endpoint::parse(const std::string &spec)
{
	Endpoint e;
	auto colon = spec.find(':');
	if (colon == std::string::npos)
		return Error{
			EINVAL,
			"endpoint \"" + spec +
				"\" has no scheme: use unix:PATH, tcp:[HOST:]PORT or file:PATH"
		};
	std::string scheme = spec.substr(0, colon);
	std::string rest = spec.substr(colon + 1);
	if (scheme == "unix" || scheme == "file") {
		if (rest.empty())
			return Error{ EINVAL, "endpoint \"" + spec + "\" has an empty path" };
		e.kind = scheme == "unix" ? Kind::Unix : Kind::File;
		e.path = rest;
		return e;
	}
	if (scheme == "tcp") {
		e.kind = Kind::Tcp;
		auto last = rest.rfind(':');
		std::string port = last == std::string::npos ? rest : rest.substr(last + 1);
		if (last != std::string::npos)
			e.host = rest.substr(0, last);
		if (e.host.empty() || !parsePort(port, &e.port))
			return Error{ EINVAL, "endpoint \"" + spec +
						      "\": expected tcp:PORT or tcp:HOST:PORT" };
		return e;
	}
	return Error{ EINVAL, "endpoint \"" + spec + "\": unknown scheme \"" + scheme +
				      "\" (unix, tcp or file)" };
}

std::string Endpoint::describe() const
{
	switch (kind) {
	case Kind::Unix:
		return "unix:" + path;
	case Kind::File:
		return "file:" + path;
	case Kind::Tcp:
		return "tcp:" + host + ":" + std::to_string(port);
	}
	return "?";
}

} /* namespace dmabufkit::dmabuftrace */
