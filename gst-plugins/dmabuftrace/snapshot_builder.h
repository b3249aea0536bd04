/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file snapshot_builder.h
 * \brief The tracer's state lines: turns the live pipelines and the
 * aggregated counters into "graph" and "stats" lines
 * (docs/tracer-protocol.md). Runs on the publisher thread only.
 *
 * In the tracer a snapshot is one such JSON state line.
 */
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <gst/gst.h>

#include "cpu_usage.h"
#include "json_writer.h"

namespace dmabufkit::dmabuftrace {

/** \brief The protocol version every line carries as "v". */
constexpr int kProtocolVersion = 1;

struct ElementStats;
struct PadStats;

/** \brief The qdata keys under which one tracer instance keeps its PadStats and ElementStats. */
struct TracerQuarks {
	GQuark pad;
	GQuark element;
};

/** \brief Builds the "graph" and "stats" lines; keeps what rates need between calls. */
class SnapshotBuilder
{
public:
	explicit SnapshotBuilder(TracerQuarks quarks) : quarks_(quarks) {}

	/* The graph of @pipelines (top-level ones; nested ones are skipped). */
	std::string graph(const std::vector<GstElement *> &pipelines, double t, uint64_t seq);
	/* The id of the link whose source pad has PadStats serial @serial, as of
	   the last stats() call; empty when unknown. */
	std::string linkId(uint64_t serial) const
	{
		auto it = linkIds_.find(serial);
		return it == linkIds_.end() ? std::string() : it->second;
	}
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
	/* The caps on @pad, or the last it carried once deactivated. */
	std::string capsOf(GstPad *pad) const;
	/* Whether @e's first source pad carries the caps its first sink pad does. */
	bool capsUnchanged(GstElement *e) const;

	/* stats: one element (true when it made copies), its parts, one link. */
	bool writeElement(JsonWriter &w, const ElementRef &r, double t);
	void writeLatency(JsonWriter &w, ElementStats &es, Previous &prev);
	uint64_t writeMemoryAndCopies(JsonWriter &w, GstElement *e, ElementStats &es,
				      const Previous &prev, double dt);
	void writeCounters(JsonWriter &w, GstElement *e);
	void writeLink(JsonWriter &w, const std::string &id, PadStats &ps, double t, bool copied);

	TracerQuarks quarks_;
	std::unordered_map<uint64_t, Previous> prevLinks_;
	std::unordered_map<uint64_t, std::string> linkIds_;
	std::map<std::string, Previous> prevElements_;
	std::map<GType, std::vector<GParamSpec *>> counterProps_;
	CpuUsage cpu_;
};

} /* namespace dmabufkit::dmabuftrace */
