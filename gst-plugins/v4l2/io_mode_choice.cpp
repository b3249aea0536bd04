/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "io_mode_choice.h"

namespace dmabufkit::gstv4l2 {

IoModeChoice::IoModeChoice(IoMode requested, bool downstreamOffered)
	: requested_(requested), downstreamOffered_(downstreamOffered)
{
	if (requested != IoMode::Export && downstreamOffered)
		candidates_.push_back(PoolCandidate::Downstream);
	/* Only io-mode=import falls back to a pool of our own; auto exports instead. */
	if (requested == IoMode::Import)
		candidates_.push_back(PoolCandidate::Own);
}

std::optional<PoolCandidate> IoModeChoice::next() const
{
	if (accepted_ || tried_ >= candidates_.size())
		return std::nullopt;
	return candidates_[tried_];
}

void IoModeChoice::accept()
{
	if (auto c = next())
		accepted_ = *c;
}

void IoModeChoice::refuse(std::string why)
{
	if (!next())
		return;
	++tried_;
	lastRefusal_ = std::move(why);
}

bool IoModeChoice::failed() const
{
	return requested_ == IoMode::Import && !accepted_ && !next();
}

std::string IoModeChoice::reason() const
{
	if (accepted_)
		return *accepted_ == PoolCandidate::Downstream ? "downstream's pool is importable"
							       : "our own pool is importable";
	if (failed())
		return "io-mode=import and no pool is importable: " + lastRefusal_;
	if (requested_ == IoMode::Export)
		return "io-mode=export";
	if (!downstreamOffered_)
		return "downstream offered no pool";
	return "downstream's pool is not importable: " + lastRefusal_;
}

const char *ioModeName(IoMode mode)
{
	switch (mode) {
	case IoMode::Export:
		return "export";
	case IoMode::Import:
		return "import";
	default:
		return "auto";
	}
}

} /* namespace dmabufkit::gstv4l2 */
