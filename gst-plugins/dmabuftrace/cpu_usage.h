/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file cpu_usage.h
 * \brief The "cpu" object of a stats line: the process's CPU time and load,
 * and each thread's (docs/tracer-protocol.md).
 */
#pragma once

#include <map>
#include <string>

#include "json_writer.h"

namespace dmabufkit::dmabuftrace {

/** \brief CPU time per thread between two stats lines. Publisher thread only. */
class CpuUsage
{
public:
	/** \brief Writes "cpu": { process_s, load, threads: [...] } for time \a t. */
	void write(JsonWriter &w, double t);

private:
	struct ThreadSeen {
		std::string name;
		double nameT = -1e9; /* when the name was read */
		double cpu = 0;	     /* seconds, at the previous snapshot */
		bool seen = false;   /* in this snapshot */
	};
	std::map<int, ThreadSeen> threads_;
	double prevT_ = -1;
	double prevProcessCpu_ = 0;
};

} /* namespace dmabufkit::dmabuftrace */
