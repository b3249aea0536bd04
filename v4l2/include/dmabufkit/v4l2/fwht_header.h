/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * \file fwht_header.h
 * \brief The FWHT frame header (vicodec's codec) parsed in user space, for a
 *        stateless decoder that hands it to the kernel as a control.
 *
 * Pure code: no ioctls, no GStreamer. Every input gets a verdict and a
 * message; nothing is read past the bytes given.
 *
 * An FWHT frame is a 44-byte header (two magic words, then nine big-endian
 * 32-bit fields: version, width, height, flags, colorspace, transfer
 * function, Y'CbCr encoding, quantization, payload size) followed by the
 * payload. A stateful decoder is given header and payload; a stateless one
 * takes the header as V4L2_CID_STATELESS_FWHT_PARAMS and only the payload
 * in its OUTPUT buffer.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <linux/v4l2-controls.h>

namespace dmabufkit::v4l2 {

/** \brief Bytes of an FWHT frame header. */
constexpr size_t kFwhtHeaderSize = 44;
/** \brief The newest FWHT bitstream version this parser knows. */
constexpr uint32_t kFwhtMaxVersion = 3;
/** \brief Largest width or height accepted: anything bigger is a corrupt header. */
constexpr uint32_t kFwhtMaxDimension = 16384;

/** \brief How the chroma is sampled and how many components a stream has. */
struct FwhtSampling {
	unsigned widthDiv = 2;	 /**< 1: full-width chroma, 2: half */
	unsigned heightDiv = 2;	 /**< 1: full-height chroma, 2: half */
	unsigned components = 3; /**< 1 (grey), 3, or 4 (with alpha) */
	uint32_t pixenc = 0;	 /**< V4L2_FWHT_FL_PIXENC_* (0: version 1, unknown) */

	bool operator==(const FwhtSampling &) const = default;
	std::string toString() const;
};

/** \brief The fields of one frame header, in host byte order. */
struct FwhtHeader {
	uint32_t version = 0;
	uint32_t width = 0;
	uint32_t height = 0;
	uint32_t flags = 0; /**< V4L2_FWHT_FL_* */
	uint32_t colorspace = 0;
	uint32_t xferFunc = 0;
	uint32_t ycbcrEnc = 0;
	uint32_t quantization = 0;
	uint32_t payloadSize = 0; /**< bytes of compressed data after the header */

	bool isIntra() const { return flags & V4L2_FWHT_FL_I_FRAME; }
	FwhtSampling sampling() const;
	/** \brief Whether frames of \a other decode into the same buffers as this one's. */
	bool sameGeometry(const FwhtHeader &other) const;
};

/** \brief What parseFwhtFrame() concluded. */
enum class FwhtVerdict {
	Ok,
	Truncated,	    /**< fewer bytes than the header or its payload size */
	NotFwht,	    /**< the magic words are missing */
	UnsupportedVersion, /**< version 0 or newer than kFwhtMaxVersion */
	BadDimensions,	    /**< width or height 0 or above kFwhtMaxDimension */
	BadFlags,	    /**< component count or pixel encoding invalid */
	Oversized,	    /**< payload larger than any frame of that size can compress to */
	EmptyPayload,	    /**< no compressed data at all */
};

/** \brief A stable name for a verdict ("truncated", "not-fwht", ...). */
const char *fwhtVerdictName(FwhtVerdict v);

/** \brief The result of parsing one buffer: a verdict, a message, and (when Ok) the frame. */
struct FwhtFrame {
	FwhtVerdict verdict = FwhtVerdict::Truncated;
	std::string message; /**< what is wrong, for the user; empty when Ok */
	FwhtHeader header;
	size_t payloadOffset = kFwhtHeaderSize;
	size_t payloadSize = 0;
	size_t trailingBytes = 0; /**< bytes after the payload (ignored) */

	bool ok() const { return verdict == FwhtVerdict::Ok; }
};

/**
 * \brief Parse the frame at the start of \a data (\a size bytes).
 *
 * Checks, in this order: length, magic, version, dimensions, flags, payload
 * size against what is present and against the largest payload a frame of
 * those dimensions can have. Never reads beyond \a size.
 */
FwhtFrame parseFwhtFrame(const uint8_t *data, size_t size);

/**
 * \brief The largest payload vicodec produces for a frame of \a h: every
 * plane stored uncompressed at the coded size (dimensions rounded up so the
 * chroma planes are whole 8x8 blocks).
 */
size_t fwhtMaxPayload(const FwhtHeader &h);

/** \brief Width or height rounded up as the codec codes it (chroma in whole 8x8 blocks). */
uint32_t fwhtCodedDimension(uint32_t dim, unsigned div);

/**
 * \brief The sampling a raw V4L2 pixel format carries in vicodec's FWHT
 * codec, or nullopt for a format the codec does not know.
 */
std::optional<FwhtSampling> fwhtSamplingOfFourcc(uint32_t fourcc);

/**
 * \brief Whether a frame of \a stream decodes into \a fourcc: same chroma
 * subsampling and components, and the same pixel encoding when the stream
 * names one (version 2 and later).
 */
bool fwhtFourccCarries(uint32_t fourcc, const FwhtSampling &stream);

/** \brief The stateless control for \a h, referring to the CAPTURE buffer stamped \a refTs. */
struct v4l2_ctrl_fwht_params fwhtParams(const FwhtHeader &h, uint64_t refTimestampNs);

} /* namespace dmabufkit::v4l2 */
