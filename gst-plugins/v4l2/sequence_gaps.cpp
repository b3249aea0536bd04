/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sequence_gaps.h"

namespace dmabufkit::gstv4l2 {

std::string SequenceGap::describe(const std::string &device) const
{
	std::string what = device + " skipped " + std::to_string(lost) +
			   (lost == 1 ? " frame" : " frames") + " (sequence " +
			   std::to_string(before) + " then " + std::to_string(after) + ")";
	if (starved)
		return what + " with no buffer queued: downstream held every buffer; "
			      "raise num-v4l2-buffers or downstream's pool, or make downstream "
			      "return buffers sooner";
	return what + " while a buffer waited for them (the driver held " +
	       std::to_string(driverHeld) +
	       "): the device itself ran late or dropped them (a board: bus bandwidth, "
	       "sensor timing or a driver drop; a VM: the CPU the device emulation gets)";
}

std::optional<SequenceGap> SequenceGaps::observe(const CapturedTiming &frame, uint64_t periodNs)
{
	std::optional<SequenceGap> gap;
	/* A sequence that goes back (a driver restart, a wrap) starts a new count. */
	if (last_ && frame.sequence > last_->sequence + 1 && last_->sequence != UINT32_MAX) {
		gap = SequenceGap{ last_->sequence, frame.sequence,
				   frame.sequence - last_->sequence - 1, false, last_->driverHeld };
		if (last_->timestampNs && frame.queuedAtNs) {
			/* When the first skipped frame began: as the one before ended. */
			const uint64_t began =
				last_->timestampNs + (last_->endOfFrame ? 0 : periodNs);
			gap->starved = frame.queuedAtNs > began;
		} else {
			gap->starved = last_->driverHeld == 0;
		}
		lost_ += gap->lost;
		if (gap->starved)
			lostStarved_ += gap->lost;
	}
	last_ = frame;
	return gap;
}

} /* namespace dmabufkit::gstv4l2 */
