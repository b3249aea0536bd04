/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file copy_contract.h
 * \brief The zero-copy contract: with forbid-copies, the first copy the
 *        tracer sees fails the pipeline with an ERROR naming the link, the
 *        cause and the fix, instead of copying silently.
 */
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include <gst/gst.h>

namespace dmabufkit::dmabuftrace {

/** \brief Why the tracer counts a frame as copied. */
enum class CopyCause {
	DmaBufToOther, /**< dma-buf in, other memory out: mapped and copied */
	OtherToDmaBuf, /**< system memory in, dma-buf out: an upload copy */
	Performance,   /**< the element said so on GST_PERFORMANCE */
};

/** \brief Enforces forbid-copies (and forbid-copies-on, a list of links). */
class CopyContract
{
public:
	/** \brief Off unless \a forbid; \a links ("ELEMENT:PAD" or "ELEMENT") narrows it. */
	void configure(bool forbid, std::vector<std::string> links);
	bool active() const { return active_; }

	/**
	 * \brief \a element copied a frame on \a pad (null when only the element
	 *        is known) because of \a cause; \a detail says more (a
	 *        GST_PERFORMANCE message). Posts the ERROR the first time the
	 *        contract covers it; cheap and lock-free otherwise.
	 */
	void copied(GstElement *element, GstPad *pad, CopyCause cause, const std::string &detail);

	/** \brief The link a copy was reported on, once broken ("" while intact). */
	std::string brokenOn() const;

private:
	bool covers(const std::string &element, const std::string &link) const;

	bool active_ = false;
	std::vector<std::string> links_;
	std::atomic<bool> broken_{ false };
	mutable std::mutex lock_;
	std::string brokenOn_;
};

} /* namespace dmabufkit::dmabuftrace */
