/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test helper: the frames seen at a pad, by hash, and the verdict of a vivid
 * loopback (vivid_loopback.h): which captured frames are, byte for byte,
 * frames the sink was given, and which are vivid's own noise.
 */
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <gst/gst.h>

namespace dmabufkit::test {

/** \brief Every packed YUY2 frame that reached one pad, hashed as it passed. */
class FrameLog
{
public:
	/** \brief Record the buffers that reach \a element's sink pad in \a pipeline. */
	void attach(GstElement *pipeline, const char *element);
	size_t count() const;
	/** \brief Wait up to \a timeoutS seconds until \a n frames were seen. */
	bool waitFor(size_t n, int timeoutS) const;
	/** \brief FNV-1a over each frame's visible bytes (rows without padding). */
	std::vector<uint64_t> hashes() const;
	/** \brief Whether each frame is gray: every chroma byte 128 (vivid's noise). */
	std::vector<bool> gray() const;

	/** \brief Write each frame to "<dump>-<n>" (DBK_DUMP_FRAMES debugging). */
	std::string dump;

private:
	static GstPadProbeReturn probe(GstPad *pad, GstPadProbeInfo *info, gpointer data);
	void record(GstBuffer *buf, GstCaps *caps);

	mutable std::mutex lock_;
	std::vector<uint64_t> hashes_;
	std::vector<bool> gray_;
};

/** \brief What a loopback captured, compared with what was sent. */
struct LoopbackVerdict {
	size_t matched = 0;    /**< captured frames equal to a frame sent */
	size_t noise = 0;      /**< vivid's gray noise (no output buffer queued) */
	size_t stray = 0;      /**< neither: a changed pixel */
	size_t outOfOrder = 0; /**< a frame sent before one already captured */
	std::set<size_t> seen; /**< indices of the frames sent that came back */
	std::string trace;     /**< per captured frame: index sent, N noise, ? neither */
};

/** \brief Compare the frames \a captured from index \a from on with the frames \a sent. */
LoopbackVerdict matchLoopback(const FrameLog &sent, const FrameLog &captured, size_t from);

} /* namespace dmabufkit::test */
