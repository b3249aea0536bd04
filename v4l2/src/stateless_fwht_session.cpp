/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dmabufkit/v4l2/stateless_fwht_session.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "dmabufkit/base/log.h"
#include "dmabufkit/v4l2/device_finder.h"

namespace dmabufkit::v4l2 {

namespace {

std::string hex8(uint32_t v)
{
	char b[12];
	snprintf(b, sizeof(b), "%08x", v);
	return b;
}

} /* namespace */

StatelessFwhtSession::~StatelessFwhtSession()
{
	stop();
}

Result<VideoNodeInfo> StatelessFwhtSession::find()
{
	VideoNodeQuery q;
	q.memToMem = true;
	q.outputFourcc = kFwhtStatelessFourcc;
	auto node = findVideoNode(q);
	if (!node)
		return Error{ ENODEV, "no stateless FWHT decoder (a memory-to-memory node taking "
				      "'SFWH'): " +
					      node.error().message };
	return node;
}

Result<std::unique_ptr<StatelessFwhtSession>> StatelessFwhtSession::open(const std::string &path)
{
	auto dev = VideoDevice::open(path);
	if (!dev)
		return dev.error();
	std::unique_ptr<StatelessFwhtSession> s(new StatelessFwhtSession);
	s->dev_ = std::move(dev).value();
	bool takesSfwh = false;
	for (const auto &f : s->dev_->enumFormats(s->dev_->outputType()))
		takesSfwh |= f.fourcc == kFwhtStatelessFourcc;
	struct v4l2_query_ext_ctrl qc = {};
	qc.id = V4L2_CID_STATELESS_FWHT_PARAMS;
	const bool hasControl =
		s->dev_->ioctl(VIDIOC_QUERY_EXT_CTRL, &qc, "VIDIOC_QUERY_EXT_CTRL").ok();
	if (!takesSfwh || !hasControl) {
		Error e{ ENOTSUP,
			 std::string(s->dev_->label()) + " is not a stateless FWHT decoder (it " +
				 (takesSfwh ? "lacks the control V4L2_CID_STATELESS_FWHT_PARAMS"
					    : "takes no 'SFWH' bitstream") +
				 ")" };
		DBK_LOG(V4l2, Error, "%s", e.message.c_str());
		return e;
	}
	auto media = MediaDevice::forVideoNode(path);
	if (!media)
		return media.error();
	s->media_ = std::move(media).value();
	DBK_LOG(V4l2, Info, "%s: stateless FWHT decoder, requests on %s (%s API)", s->dev_->label(),
		s->media_->label(), s->dev_->multiPlanar() ? "multi-planar" : "single-planar");
	return s;
}

std::vector<uint32_t> StatelessFwhtSession::captureFormatsFor(const FwhtSampling &s) const
{
	std::vector<uint32_t> out;
	for (const auto &f : dev_->enumFormats(dev_->captureType()))
		if (fwhtFourccCarries(f.fourcc, s))
			out.push_back(f.fourcc);
	return out;
}

std::vector<FrameSizeRange> StatelessFwhtSession::frameSizes() const
{
	return dev_->enumFrameSizes(kFwhtStatelessFourcc);
}

void StatelessFwhtSession::stop()
{
	if (output_) {
		(void)output_->release();
		output_.reset();
	}
	slots_.clear();
	inFlight_.clear();
}

Result<DeviceFormat> StatelessFwhtSession::configure(const FwhtHeader &h, uint32_t captureFourcc,
						     unsigned slots)
{
	stop();
	DeviceFormat coded;
	coded.fourcc = kFwhtStatelessFourcc;
	coded.width = h.width;
	coded.height = h.height;
	auto out = dev_->setFormat(dev_->outputType(), coded);
	if (!out)
		return out.error();
	DeviceFormat raw;
	raw.fourcc = captureFourcc;
	raw.width = h.width;
	raw.height = h.height;
	auto cap = dev_->setFormat(dev_->captureType(), raw);
	if (!cap)
		return cap.error();
	if (cap->fourcc != captureFourcc || out->fourcc != kFwhtStatelessFourcc) {
		Error e{ EINVAL, std::string(dev_->label()) + " answered " + out->toString() +
					 " / " + cap->toString() + " when asked for 'SFWH' and " +
					 fourccName(captureFourcc) + " at " +
					 std::to_string(h.width) + "x" + std::to_string(h.height) };
		DBK_LOG(V4l2, Error, "%s", e.message.c_str());
		return e;
	}
	output_ = std::make_unique<BufferQueue>(*dev_, dev_->outputType());
	auto n = output_->allocate(slots, V4L2_MEMORY_MMAP);
	if (!n)
		return n.error();
	for (unsigned i = 0; i < *n; ++i) {
		auto fds = output_->exportBuffer(i);
		if (!fds)
			return fds.error();
		auto len = output_->planeLengths(i);
		if (!len)
			return len.error();
		Slot slot;
		slot.fd = std::move((*fds)[0]);
		auto map = CpuMapping::map(slot.fd.get(), (*len)[0]);
		if (!map)
			return Error{ map.error().code,
				      std::string(dev_->label()) + ": mapping bitstream buffer " +
					      std::to_string(i) + ": " + map.error().message };
		slot.map = std::move(map).value();
		auto req = media_->allocRequest();
		if (!req)
			return req.error();
		slot.request = std::make_unique<MediaRequest>(std::move(req).value());
		slots_.push_back(std::move(slot));
	}
	if (auto r = output_->streamOn(); !r)
		return r.error();
	DBK_LOG(V4l2, Info, "%s: decoding %ux%u (%s) to %s, %u bitstream buffers of %u bytes",
		dev_->label(), h.width, h.height, h.sampling().toString().c_str(),
		cap->toString().c_str(), *n, out->planes[0].sizeImage);
	return *cap;
}

bool StatelessFwhtSession::canSubmit() const
{
	return output_ && output_->freeIndex().has_value();
}

Result<void> StatelessFwhtSession::setParams(const FwhtHeader &h, uint64_t refTs, int requestFd)
{
	struct v4l2_ctrl_fwht_params params = fwhtParams(h, refTs);
	struct v4l2_ext_control c = {};
	c.id = V4L2_CID_STATELESS_FWHT_PARAMS;
	c.size = sizeof(params);
	c.ptr = &params;
	struct v4l2_ext_controls cs = {};
	cs.which = V4L2_CTRL_WHICH_REQUEST_VAL;
	cs.count = 1;
	cs.request_fd = requestFd;
	cs.controls = &c;
	if (auto r = dev_->ioctl(VIDIOC_S_EXT_CTRLS, &cs, "VIDIOC_S_EXT_CTRLS"); !r) {
		Error e{ r.error().code,
			 r.error().message + ": the driver refused the FWHT parameters (version " +
				 std::to_string(h.version) + ", " + std::to_string(h.width) + "x" +
				 std::to_string(h.height) + ", flags 0x" + hex8(h.flags) + ")" };
		DBK_LOG(V4l2, Error, "%s", e.message.c_str());
		return e;
	}
	return {};
}

Result<void> StatelessFwhtSession::submit(const FwhtFrame &f, const uint8_t *data,
					  uint64_t timestampNs, uint64_t refTimestampNs)
{
	if (!output_)
		return Error{ EINVAL, std::string(dev_->label()) + ": submit before configure" };
	auto index = output_->freeIndex();
	if (!index)
		return Error{ EBUSY, std::string(dev_->label()) + ": no free bitstream buffer" };
	Slot &slot = slots_[*index];
	if (f.payloadSize > slot.map.size()) {
		Error e{ EMSGSIZE, "a payload of " + std::to_string(f.payloadSize) +
					   " bytes does not fit the bitstream buffers of " +
					   std::to_string(slot.map.size()) + " bytes on " +
					   dev_->label() };
		DBK_LOG(V4l2, Error, "%s", e.message.c_str());
		return e;
	}
	{
		auto access = CpuAccess::begin(slot.fd.get(), Access::Write);
		if (!access)
			return access.error();
		memcpy(slot.map.data(), data + f.payloadOffset, f.payloadSize);
	}
	bytesCopied_ += f.payloadSize;
	const int req = slot.request->fd();
	if (auto r = setParams(f.header, refTimestampNs, req); !r) {
		(void)slot.request->reinit();
		return r;
	}
	if (auto r = output_->queueMmapInRequest(*index, static_cast<uint32_t>(f.payloadSize),
						 timestampNs, req);
	    !r) {
		(void)slot.request->reinit();
		return r;
	}
	if (auto r = slot.request->queue(); !r) {
		/* The buffer never reached the driver: take it back by restarting OUTPUT. */
		(void)output_->streamOff();
		(void)slot.request->reinit();
		(void)output_->streamOn();
		return r;
	}
	inFlight_.push_back(*index);
	requestsQueued_++;
	DBK_LOG(V4l2, Trace, "%s: request %d: %s frame, %zu payload bytes, ts %llu ref %llu",
		dev_->label(), req, f.header.isIntra() ? "intra" : "P", f.payloadSize,
		(unsigned long long)timestampNs, (unsigned long long)refTimestampNs);
	return {};
}

Result<void> StatelessFwhtSession::completeOldest(int timeoutMs)
{
	if (inFlight_.empty())
		return {};
	const unsigned index = inFlight_.front();
	Slot &slot = slots_[index];
	if (auto r = slot.request->wait(timeoutMs); !r)
		return r;
	inFlight_.pop_front();
	for (;;) {
		auto d = output_->dequeue();
		if (!d)
			return d.error();
		if (!*d)
			break;
		if ((*d)->hasError())
			DBK_LOG(V4l2, Warning, "%s: bitstream buffer %u came back with ERROR",
				dev_->label(), (*d)->index);
	}
	return slot.request->reinit();
}

} /* namespace dmabufkit::v4l2 */
