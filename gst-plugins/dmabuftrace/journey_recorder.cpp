/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "journey_recorder.h"

#include "json_writer.h"
#include "snapshot_builder.h"

namespace dmabufkit::dmabuftrace {

uint64_t JourneyRecorder::follow(uint64_t key, bool fromSource)
{
	uint64_t frame = 0;
	if (fromSource && sourcePushes_.fetch_add(1, std::memory_order_relaxed) % every_ == 0) {
		frame = frames_.fetch_add(1, std::memory_order_relaxed) + 1;
		const size_t slot = frame % kSlots;
		slotFrame_[slot].store(frame, std::memory_order_relaxed);
		slotKey_[slot].store(key + 1, std::memory_order_release);
	} else {
		for (size_t i = 0; i < kSlots; ++i)
			if (slotKey_[i].load(std::memory_order_acquire) == key + 1) {
				frame = slotFrame_[i].load(std::memory_order_relaxed);
				break;
			}
	}
	return frame;
}

void JourneyRecorder::reset()
{
	for (size_t i = 0; i < kSlots; ++i)
		slotKey_[i].store(0, std::memory_order_relaxed);
}

void JourneyRecorder::record(const JourneyHop &h)
{
	std::lock_guard lock(mutex_);
	if (hops_.capacity() < kMaxHops)
		hops_.reserve(kMaxHops);
	if (hops_.size() >= kMaxHops) {
		++lost_;
		return;
	}
	hops_.push_back(h);
}

std::vector<JourneyHop> JourneyRecorder::drain(uint64_t *lost)
{
	std::vector<JourneyHop> out;
	out.reserve(kMaxHops);
	std::lock_guard lock(mutex_);
	out.swap(hops_);
	if (lost)
		*lost = lost_;
	return out;
}

bool JourneyRecorder::knowsInode(uint64_t inode)
{
	std::lock_guard lock(mutex_);
	return names_.count(inode) || names_.size() >= 1024;
}

void JourneyRecorder::noteInode(uint64_t inode, std::string exporter, std::string name)
{
	std::lock_guard lock(mutex_);
	if (names_.size() < 1024)
		names_.emplace(inode, std::make_pair(std::move(exporter), std::move(name)));
}

std::pair<std::string, std::string> JourneyRecorder::inodeNames(uint64_t inode)
{
	std::lock_guard lock(mutex_);
	auto it = names_.find(inode);
	return it == names_.end() ? std::pair<std::string, std::string>() : it->second;
}

std::string journeysLine(const std::vector<JourneyHop> &hops, JourneyRecorder &rec,
			 const std::function<std::string(uint64_t)> &linkId, uint64_t t0, double t,
			 uint64_t seq, uint64_t lost)
{
	JsonWriter w;
	w.beginObject();
	w.field("type", "journeys").field("v", kProtocolVersion).field("seq", seq).field("t", t);
	w.field("every", static_cast<uint64_t>(rec.every())).field("lost", lost);
	w.key("hops").beginArray();
	for (const JourneyHop &h : hops) {
		const std::string id = linkId(h.linkSerial);
		if (id.empty())
			continue;
		w.beginObject();
		w.field("frame", h.frame).field("pts", h.key).field("link", id);
		w.field("what", h.done ? "done" : "push");
		w.field("t_us", h.ts >= t0 ? (h.ts - t0) / 1000 : uint64_t(0));
		if (h.inode) {
			auto [exporter, name] = rec.inodeNames(h.inode);
			w.field("inode", h.inode).field("exporter", exporter).field("name", name);
		}
		w.endObject();
	}
	w.endArray();
	w.endObject();
	return w.take();
}

} /* namespace dmabufkit::dmabuftrace */
