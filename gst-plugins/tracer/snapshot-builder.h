/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Turns the live pipelines and the aggregated counters into protocol lines
 * (docs/tracer-protocol.md). Runs on the publisher thread only.
 */
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <gst/gst.h>

#include "json-writer.h"

namespace dbk::tracer {

struct TracerQuarks {
	GQuark pad;
	GQuark element;
};

class SnapshotBuilder
{
public:
	explicit SnapshotBuilder(TracerQuarks quarks) : quarks_(quarks) {}

	/* The graph of @pipelines (top-level ones; nested ones are skipped). */
	std::string graph(const std::vector<GstElement *> &pipelines, double t, uint64_t seq);
	/* Counters and rates since the previous call. */
	std::string stats(const std::vector<GstElement *> &pipelines, double t, uint64_t seq,
			  size_t clients, uint64_t dropped);

private:
	struct ElementRef {
		GstElement *element; /* owned reference */
		std::string id;
		std::string parent;
		bool bin;
	};
	struct Previous {
		double t = 0;
		uint64_t buffers = 0;
		uint64_t bytes = 0;
		uint64_t kinds[5] = {};
		uint64_t latencySum = 0;
		uint64_t latencyCount = 0;
		uint64_t copies = 0;
		bool seen = false;
	};

	std::vector<ElementRef> collect(const std::vector<GstElement *> &pipelines);
	void release(std::vector<ElementRef> &refs);
	void writeCounters(JsonWriter &w, GstElement *e);
	void writeCpu(JsonWriter &w, double t);

	TracerQuarks quarks_;
	std::unordered_map<uint64_t, Previous> prevLinks_;
	std::map<std::string, Previous> prevElements_;
	std::map<GType, std::vector<GParamSpec *>> counterProps_;
	struct ThreadSeen {
		std::string name;
		double nameT = -1e9; /* when the name was read */
		double cpu = 0;      /* seconds, at the previous snapshot */
		bool seen = false;   /* in this snapshot */
	};
	std::map<int, ThreadSeen> threads_;
	double prevCpuT_ = -1;
	double prevProcessCpu_ = 0;
};

/* "pipeline0/bin0/identity0" */
std::string objectId(GstObject *obj);
/* "pipeline0/bin0/identity0:src" */
std::string padId(GstPad *pad);
/* The real (non-proxy) pad @pad is linked to, following ghost pads; owned or nullptr. */
GstPad *realPeer(GstPad *pad);
bool isRealElementPad(GstPad *pad);
/* Every object @it yields, as new references (a resync starts over); frees @it. */
std::vector<GstObject *> iteratorObjects(GstIterator *it);
void writeStructure(JsonWriter &w, const GstStructure *s);

} /* namespace dbk::tracer */
