/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VM test of dmabufkmssink on vkms: what the sink shows is what it was
 * given, read back through the writeback connector in the same commit, for
 * every plane format, two sizes, packed and padded strides and a plane
 * offset; the copy fallback, after injected and real (vkms) import
 * refusals; the faults (no device, busy device, unsupported
 * format, unknown mode); no buffer released before its successor is on
 * screen (seen through the vblank counter); restoring the CRTC; no fd or
 * dma-buf leaks; and interop with stock v4l2src (dmabuf-import into our
 * pool) and stock kmssink (showing our dma-bufs without a copy).
 */
#include <algorithm>
#include <cstring>
#include <dirent.h>
#include <unistd.h>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <utility>
#include <vector>
#include <xf86drm.h>
#include <drm_fourcc.h>
#include <xf86drmMode.h>

#include <dmabufkit/dmabufkit.h>
#include <gst/allocators/allocators.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "dmabufkit/base/unique_fd.h"
#include "test_devices.h"
#include "leak_counters.h"
#include "pipeline_run.h"

using dmabufkit::UniqueFD;

namespace {

gint lastStride(PipelineRun &run)
{
	GstVideoMeta *m = run.last ? gst_buffer_get_video_meta(run.last) : nullptr;
	return m ? m->stride[0] : -1;
}

std::string vkmsCard()
{
	auto p = dmabufkit::test::findDevice("vkms-card");
	return p ? *p : std::string();
}

/* Test pattern for appsrc frames: distinct in x, y and frame number. */
void fillBgrx(uint8_t *data, int w, int h, int stride, int n)
{
	for (int y = 0; y < h; ++y)
		for (int x = 0; x < w; ++x) {
			uint8_t *p = data + size_t(y) * stride + x * 4;
			p[0] = uint8_t(x * 3 + n);
			p[1] = uint8_t(y * 5);
			p[2] = uint8_t((x ^ y) + 17 * n);
			p[3] = 0xff;
		}
}

/* An appsrc pushing `frames` BGRx WxH frames made by `make`, then EOS. */
Hook pushFrames(int frames, std::function<GstBuffer *(int)> make)
{
	return [frames, make](GstElement *p, PipelineRun &) { pushInto(p, frames, make); };
}

/* The framebuffer the primary plane scans out, read back through GETFB2
 * (root may see its handles) and PRIME-exported to learn its dma-buf. */
struct ShownFb {
	uint32_t fbId = 0, width = 0, height = 0, format = 0, pitch = 0, offset = 0;
	uint64_t inode = 0;
};

ShownFb readShownFb()
{
	ShownFb out;
	UniqueFD fd(open(vkmsCard().c_str(), O_RDWR | O_CLOEXEC));
	drmSetClientCap(fd.get(), DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	drmModePlaneRes *pr = drmModeGetPlaneResources(fd.get());
	for (uint32_t i = 0; pr && i < pr->count_planes && !out.fbId; ++i) {
		drmModePlane *p = drmModeGetPlane(fd.get(), pr->planes[i]);
		if (p && p->fb_id) {
			if (drmModeFB2 *fb = drmModeGetFB2(fd.get(), p->fb_id)) {
				out = { p->fb_id,
					fb->width,
					fb->height,
					fb->pixel_format,
					fb->pitches[0],
					fb->offsets[0],
					0 };
				int dmabuf = -1;
				if (fb->handles[0] &&
				    drmPrimeHandleToFD(fd.get(), fb->handles[0], DRM_CLOEXEC,
						       &dmabuf) == 0) {
					struct stat st;
					if (fstat(dmabuf, &st) == 0)
						out.inode = st.st_ino;
					close(dmabuf);
				}
				if (fb->handles[0])
					drmCloseBufferHandle(fd.get(), fb->handles[0]);
				drmModeFreeFB2(fb);
			}
		}
		if (p)
			drmModeFreePlane(p);
	}
	if (pr)
		drmModeFreePlaneResources(pr);
	return out;
}

const char *kAppsrc =
	"appsrc name=src format=time caps=video/x-raw,format=BGRx,width=640,height=480,"
	"framerate=30/1 ! ";

} /* namespace */

class KmsSink : public ::testing::Test
{
protected:
	void SetUp() override { ASSERT_FALSE(vkmsCard().empty()) << "no vkms card in the guest"; }
};

/* Every plane format, two sizes, packed and padded strides: the capture
 * equals the frame. The sink's pool is used (zero copies). */
TEST_F(KmsSink, EveryFormatSizeAndStrideShowsExactly)
{
	struct Fmt {
		const char *name;
		int bpp;
		int tol;
	};
	const Fmt formats[] = {
		{ "BGRx", 4, 0 }, { "BGRA", 4, 0 }, { "RGB16", 2, 1 }, { "BGRA64_LE", 8, 1 }
	};
	const std::pair<int, int> sizes[] = { { 640, 480 }, { 800, 600 } };
	for (const auto &fmt : formats) {
		for (auto [w, h] : sizes) {
			for (bool padded : { false, true }) {
				SCOPED_TRACE(std::string(fmt.name) + " " + std::to_string(w) + "x" +
					     std::to_string(h) + (padded ? " padded" : " packed"));
				char desc[512];
				std::snprintf(
					desc, sizeof(desc),
					"videotestsrc num-buffers=2 pattern=smpte ! "
					"video/x-raw,format=%s,width=%d,height=%d,framerate=30/1 ! "
					"dmabufupload ! dmabufkmssink name=sink sync=false "
					"writeback=true "
					"mode=%dx%d stride-align=%d",
					fmt.name, w, h, w, h, padded ? 4096 : 1);
				PipelineRun run;
				runPipeline(desc, run);
				ASSERT_TRUE(run.eos) << run.error();
				const gint stride = lastStride(run);
				if (padded)
					EXPECT_GT(stride, w * fmt.bpp)
						<< "the stride is not padded";
				else
					EXPECT_EQ(stride, w * fmt.bpp);
				EXPECT_EQ(stride % (padded ? 4096 : 1), 0);
				EXPECT_EQ(run.stat("copies"), 0u) << run.statStr("copy-reason");
				EXPECT_GE(run.stat("imports"), 1u);
				EXPECT_GE(run.stat("frames-shown"), 2u);
				EXPECT_GE(run.stat("writeback-captures"), 1u);
				std::string where;
				EXPECT_EQ(compareWithCapture(run, fmt.tol, &where), 0u) << where;
			}
		}
	}
}

/* A frame smaller than the mode in use is centred on black. */
TEST_F(KmsSink, SmallerFrameIsCentredInLargerMode)
{
	PipelineRun run;
	runPipeline("videotestsrc num-buffers=2 pattern=smpte ! video/x-raw,format=BGRx,width=320,"
		    "height=240 ! dmabufupload ! dmabufkmssink name=sink sync=false writeback=true "
		    "mode=640x480",
		    run);
	ASSERT_TRUE(run.eos) << run.error();
	std::string where;
	EXPECT_EQ(compareWithCapture(run, 0, &where), 0u) << where;
}

/* Explicit connector, CRTC and plane ids, and a render rectangle that puts
 * the frame in the top-left corner; a plane id that does not exist fails. */
TEST_F(KmsSink, ExplicitObjectsAndRenderRectangle)
{
	UniqueFD fd(open(vkmsCard().c_str(), O_RDWR | O_CLOEXEC));
	drmSetClientCap(fd.get(), DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	drmModeRes *res = drmModeGetResources(fd.get());
	ASSERT_NE(res, nullptr);
	uint32_t crtc = res->crtcs[0], connector = 0, plane = 0;
	for (int i = 0; i < res->count_connectors && !connector; ++i) {
		drmModeConnector *c = drmModeGetConnector(fd.get(), res->connectors[i]);
		if (c && c->connector_type != DRM_MODE_CONNECTOR_WRITEBACK)
			connector = c->connector_id;
		drmModeFreeConnector(c);
	}
	drmModePlaneRes *pr = drmModeGetPlaneResources(fd.get());
	for (uint32_t i = 0; pr && i < pr->count_planes && !plane; ++i) {
		drmModeObjectProperties *props =
			drmModeObjectGetProperties(fd.get(), pr->planes[i], DRM_MODE_OBJECT_PLANE);
		for (uint32_t j = 0; props && j < props->count_props; ++j) {
			drmModePropertyRes *pp = drmModeGetProperty(fd.get(), props->props[j]);
			if (pp && std::string(pp->name) == "type" &&
			    props->prop_values[j] == DRM_PLANE_TYPE_PRIMARY)
				plane = pr->planes[i];
			drmModeFreeProperty(pp);
		}
		drmModeFreeObjectProperties(props);
	}
	drmModeFreePlaneResources(pr);
	drmModeFreeResources(res);
	fd.reset();
	ASSERT_TRUE(connector && plane);
	char ids[128];
	std::snprintf(ids, sizeof(ids), "connector-id=%u crtc-id=%u plane-id=%u", connector, crtc,
		      plane);
	PipelineRun run;
	runPipeline(std::string("videotestsrc num-buffers=2 pattern=smpte ! "
				"video/x-raw,format=BGRx,width=320,"
				"height=240 ! dmabufupload ! dmabufkmssink name=sink sync=false "
				"writeback=true "
				"mode=640x480 render-rectangle=<0,0,320,240> ") +
			    ids,
		    run);
	ASSERT_TRUE(run.eos) << run.error();
	EXPECT_NE(run.statStr("device").find("plane " + std::to_string(plane)), std::string::npos)
		<< run.statStr("device");
	std::string where;
	EXPECT_EQ(compareWithCapture(run, 0, &where, 0, 0), 0u) << where;

	PipelineRun bad;
	runPipeline("videotestsrc num-buffers=1 ! dmabufkmssink name=sink plane-id=4242", bad);
	EXPECT_FALSE(bad.eos);
	EXPECT_EQ(bad.errCode, GST_RESOURCE_ERROR_NOT_FOUND) << bad.error();
	EXPECT_NE(bad.errDebug.find("plane 4242 does not exist"), std::string::npos)
		<< bad.errDebug;
}

/* Foreign dma-bufs (system heap) whose plane starts at an offset and whose
 * rows are padded: the framebuffer on screen is that dma-buf with the
 * GstVideoMeta offset and pitch. Checked through GETFB2, not writeback:
 * vkms 6.12 oopses (XRGB8888_to_argb_u16, page fault) composing a plane
 * with a non-zero framebuffer offset, so no composition may happen here. */
TEST_F(KmsSink, ForeignDmaBufWithOffsetAndPaddedStride)
{
	DbkAllocator *alloc = dbk_allocator_new_for_exporter("dma-heap:system", nullptr);
	ASSERT_NE(alloc, nullptr);
	const int w = 640, h = 480, stride = w * 4 + 192, offset = 8192;
	auto make = [&](int n) {
		GError *err = nullptr;
		GstMemory *mem = dbk_allocator_alloc_dmabuf(alloc, offset + size_t(stride) * h,
							    nullptr, "test:offset", &err);
		EXPECT_NE(mem, nullptr) << (err ? err->message : "");
		GstMapInfo mi;
		gst_memory_map(mem, &mi, GST_MAP_WRITE);
		std::memset(mi.data, 0x55, mi.size);
		fillBgrx(mi.data + offset, w, h, stride, n);
		gst_memory_unmap(mem, &mi);
		GstBuffer *b = gst_buffer_new();
		gst_buffer_append_memory(b, mem);
		gsize offs[4] = { gsize(offset) };
		gint strides[4] = { stride };
		gst_buffer_add_video_meta_full(b, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_FORMAT_BGRx,
					       w, h, 1, offs, strides);
		return b;
	};
	ShownFb shown;
	PipelineRun run;
	runPipeline(std::string(kAppsrc) + "dmabufkmssink name=sink sync=false mode=640x480", run,
		    pushFrames(3, make),
		    [&](GstElement *, PipelineRun &) { shown = readShownFb(); });
	gst_object_unref(alloc);
	ASSERT_TRUE(run.eos) << run.error();
	EXPECT_EQ(run.stat("copies"), 0u) << run.statStr("copy-reason");
	EXPECT_EQ(run.stat("imports"), 3u);
	EXPECT_EQ(run.stat("frames-shown"), 3u);
	EXPECT_TRUE(run.warnings.empty()) << run.warnings[0];
	EXPECT_EQ(shown.width, uint32_t(w));
	EXPECT_EQ(shown.height, uint32_t(h));
	EXPECT_EQ(shown.format, uint32_t(DRM_FORMAT_XRGB8888));
	EXPECT_EQ(shown.pitch, uint32_t(stride));
	EXPECT_EQ(shown.offset, uint32_t(offset));
	ASSERT_NE(run.last, nullptr);
	EXPECT_EQ(shown.inode, dbk_memory_get_inode(gst_buffer_peek_memory(run.last, 0)))
		<< "the screen does not show the last dma-buf";
}

/* System memory cannot be imported: every frame is copied into a scanout
 * buffer, counted, with exactly one warning; the result is still exact. */
TEST_F(KmsSink, SystemMemoryFallsBackToCopyWithOneWarning)
{
	auto make = [](int n) {
		GstBuffer *b = gst_buffer_new_allocate(nullptr, 640 * 480 * 4, nullptr);
		GstMapInfo mi;
		gst_buffer_map(b, &mi, GST_MAP_WRITE);
		fillBgrx(mi.data, 640, 480, 640 * 4, n);
		gst_buffer_unmap(b, &mi);
		return b;
	};
	PipelineRun run;
	runPipeline(std::string(kAppsrc) +
			    "dmabufkmssink name=sink sync=false writeback=true mode=640x480",
		    run, pushFrames(4, make));
	ASSERT_TRUE(run.eos) << run.error();
	EXPECT_GE(run.stat("copies"), 4u);
	EXPECT_EQ(run.stat("imports"), run.stat("framebuffers"))
		<< "copies are imported once per pool buffer";
	ASSERT_EQ(run.warnings.size(), 1u);
	EXPECT_NE(run.warnings[0].find("not a dma-buf"), std::string::npos) << run.warnings[0];
	EXPECT_NE(run.statStr("copy-reason").find("not a dma-buf"), std::string::npos);
	std::string where;
	EXPECT_EQ(compareWithCapture(run, 0, &where), 0u) << where;
}

/* An import the driver refuses (injected) engages the copy and says why. */
TEST_F(KmsSink, FailingImportEngagesCopyAndReportsIt)
{
	g_setenv("DMABUFKIT_KMS_INJECT_IMPORT_ERROR", "22", TRUE);
	PipelineRun run;
	runPipeline("videotestsrc num-buffers=3 pattern=ball ! video/x-raw,format=BGRx,width=640,"
		    "height=480 ! dmabufupload ! dmabufkmssink name=sink sync=false writeback=true",
		    run);
	g_unsetenv("DMABUFKIT_KMS_INJECT_IMPORT_ERROR");
	ASSERT_TRUE(run.eos) << run.error();
	EXPECT_GE(run.stat("copies"), 3u);
	EXPECT_GE(run.stat("import-failures"), 3u);
	ASSERT_EQ(run.warnings.size(), 1u);
	EXPECT_NE(run.warnings[0].find("drmPrimeFDToHandle"), std::string::npos) << run.warnings[0];
	EXPECT_NE(run.warnings[0].find("Invalid argument"), std::string::npos) << run.warnings[0];
	std::string where;
	EXPECT_EQ(compareWithCapture(run, 0, &where), 0u) << where;
}

/* Real refusals by the display (vkms), not injected ones: layouts that pass
 * the sink's own checks but that drmModeAddFB2 refuses. The reason names
 * the numbers; the sink copies when it can and fails clearly when it cannot. */
class KmsRefusal : public KmsSink
{
protected:
	void SetUp() override
	{
		KmsSink::SetUp();
		alloc = dbk_allocator_new_for_exporter("dma-heap:system", nullptr);
		ASSERT_NE(alloc, nullptr);
		fds = dmabufkit::test::countOpenFds();
		bufs = dmabufkit::test::countLiveDmaBufs();
		ASSERT_GE(bufs, 0) << "no /sys/kernel/debug/dma_buf/bufinfo";
	}
	void TearDown() override
	{
		EXPECT_EQ(dmabufkit::test::countOpenFds(), fds) << "fd leak";
		EXPECT_EQ(dmabufkit::test::countLiveDmaBufs(), bufs) << "dma-buf leak";
		if (alloc)
			gst_object_unref(alloc);
	}
	/* A BGRx 640x480 frame in a system-heap dma-buf of \a bytes, rows \a stride apart. */
	GstMemory *frameMemory(size_t bytes, int stride, int n)
	{
		GError *err = nullptr;
		GstMemory *mem =
			dbk_allocator_alloc_dmabuf(alloc, bytes, nullptr, "test:refused", &err);
		EXPECT_NE(mem, nullptr) << (err ? err->message : "");
		g_clear_error(&err);
		GstMapInfo mi;
		if (mem && gst_memory_map(mem, &mi, GST_MAP_WRITE)) {
			std::memset(mi.data, 0, mi.size);
			fillBgrx(mi.data, 640, std::min<int>(480, int(mi.size) / stride - 1),
				 stride, n);
			gst_memory_unmap(mem, &mi);
		}
		return mem;
	}
	DbkAllocator *alloc = nullptr;
	int fds = 0, bufs = 0;
};

/* A pitch smaller than a row (2496 < 640 * 4): the frame lies inside its
 * dma-buf, so the sink tries, and vkms refuses the framebuffer (bad pitch).
 * The sink copies every frame (the copy reads rows where the meta says),
 * reports the refusal with the numbers, and shows the frames exactly. */
TEST_F(KmsRefusal, PitchShorterThanARowIsRefusedAndCopied)
{
	const int stride = 640 * 4 - 64;
	auto make = [&](int n) {
		GstBuffer *b = gst_buffer_new();
		gst_buffer_append_memory(b, frameMemory(640 * 480 * 4, stride, n));
		gsize offs[4] = { 0 };
		gint strides[4] = { stride };
		gst_buffer_add_video_meta_full(b, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_FORMAT_BGRx,
					       640, 480, 1, offs, strides);
		return b;
	};
	PipelineRun run;
	runPipeline(std::string(kAppsrc) +
			    "dmabufkmssink name=sink sync=false writeback=true mode=640x480",
		    run, pushFrames(4, make));
	ASSERT_TRUE(run.eos) << run.error();
	/* Every frame refused and copied (the preroll frame is shown twice). */
	EXPECT_GE(run.stat("import-failures"), 4u);
	EXPECT_EQ(run.stat("copies"), run.stat("import-failures"));
	EXPECT_EQ(run.stat("frames-shown"), 4u);
	const std::string reason = run.statStr("copy-reason");
	EXPECT_NE(reason.find("drmModeAddFB2 for XR24 640x480, plane 0: pitch 2496 (needs at "
			      "least 2560)"),
		  std::string::npos)
		<< reason;
	EXPECT_NE(reason.find("plane 0 pitch 2496 is smaller than a row of 640 pixels (2560 "
			      "bytes)"),
		  std::string::npos)
		<< reason;
	EXPECT_NE(reason.find("Invalid argument"), std::string::npos) << reason;
	ASSERT_EQ(run.warnings.size(), 1u);
	EXPECT_NE(run.warnings[0].find("pitch 2496 is smaller than a row"), std::string::npos)
		<< run.warnings[0];
	std::string where;
	EXPECT_EQ(compareWithCapture(run, 0, &where), 0u) << where;
}

/* A memory that claims more than its dma-buf holds (a producer's bug): the
 * frame seems to fit, vkms refuses it because the plane ends beyond the
 * dma-buf, and the copy cannot map it either: a clear element error with
 * both reasons, the refusal in numbers; no hang, nothing leaked. */
TEST_F(KmsRefusal, PlanePastTheDmaBufsEndIsAClearError)
{
	const size_t real = 640 * 480 * 4 / 2;
	auto make = [&](int n) {
		GstMemory *small = frameMemory(real, 640 * 4, n);
		GstAllocator *fdAlloc = gst_dmabuf_allocator_new();
		GstMemory *liar = gst_dmabuf_allocator_alloc(
			fdAlloc, dup(gst_dmabuf_memory_get_fd(small)), 640 * 480 * 4);
		gst_object_unref(fdAlloc);
		gst_memory_unref(small);
		GstBuffer *b = gst_buffer_new();
		gst_buffer_append_memory(b, liar);
		return b;
	};
	PipelineRun run;
	runPipeline(std::string(kAppsrc) + "dmabufkmssink name=sink sync=false mode=640x480", run,
		    pushFrames(2, make));
	EXPECT_FALSE(run.eos);
	EXPECT_EQ(run.errDomain, GST_RESOURCE_ERROR) << run.error();
	EXPECT_EQ(run.errCode, GST_RESOURCE_ERROR_WRITE) << run.error();
	EXPECT_EQ(run.errSource, "sink") << run.error();
	EXPECT_NE(run.errDebug.find("drmModeAddFB2 for XR24 640x480"), std::string::npos)
		<< run.errDebug;
	EXPECT_NE(run.errDebug.find("plane 0 ends at byte 1228800, beyond the dma-buf's 614400 "
				    "bytes"),
		  std::string::npos)
		<< run.errDebug;
	EXPECT_NE(run.errDebug.find("the copy fallback failed too"), std::string::npos)
		<< run.errDebug;
	EXPECT_EQ(run.stat("import-failures"), 1u);
	EXPECT_EQ(run.stat("frames-shown"), 0u);
}

TEST_F(KmsSink, NoSuchDeviceIsAClearError)
{
	for (const char *prop :
	     { "device=/dev/dri/card99", "device=/dev/null", "driver-name=nosuchdriver" }) {
		SCOPED_TRACE(prop);
		PipelineRun run;
		runPipeline(std::string("videotestsrc num-buffers=1 ! dmabufkmssink name=sink ") +
				    prop,
			    run);
		EXPECT_FALSE(run.eos);
		EXPECT_EQ(run.errSource, "sink");
		EXPECT_EQ(run.errDomain, GST_RESOURCE_ERROR);
		EXPECT_EQ(run.errCode, GST_RESOURCE_ERROR_NOT_FOUND) << run.error();
	}
	PipelineRun run;
	runPipeline("videotestsrc num-buffers=1 ! dmabufkmssink name=sink driver-name=nosuchdriver",
		    run);
	EXPECT_NE(run.errDebug.find("nosuchdriver"), std::string::npos) << run.errDebug;
	EXPECT_NE(run.errDebug.find("is driver vkms"), std::string::npos) << run.errDebug;
}

TEST_F(KmsSink, BusyDeviceIsAClearError)
{
	UniqueFD master(open(vkmsCard().c_str(), O_RDWR | O_CLOEXEC));
	ASSERT_TRUE(master.isValid());
	if (!drmIsMaster(master.get())) {
		ASSERT_EQ(drmSetMaster(master.get()), 0);
	}
	ASSERT_TRUE(drmIsMaster(master.get()));
	PipelineRun run;
	runPipeline("videotestsrc num-buffers=1 ! dmabufkmssink name=sink driver-name=vkms", run);
	EXPECT_FALSE(run.eos);
	EXPECT_EQ(run.errDomain, GST_RESOURCE_ERROR);
	EXPECT_EQ(run.errCode, GST_RESOURCE_ERROR_BUSY) << run.error();
	EXPECT_NE(run.errDebug.find("DRM master"), std::string::npos) << run.errDebug;
}

TEST_F(KmsSink, UnsupportedFormatIsANegotiationError)
{
	PipelineRun run;
	runPipeline("videotestsrc num-buffers=1 ! video/x-raw,format=NV12,width=640,height=480 ! "
		    "dmabufkmssink name=sink",
		    run);
	EXPECT_FALSE(run.eos);
	EXPECT_EQ(run.errSource, "sink") << run.error();
	EXPECT_EQ(run.errDomain, GST_CORE_ERROR);
	EXPECT_EQ(run.errCode, GST_CORE_ERROR_NEGOTIATION);
	EXPECT_NE(run.errDebug.find("NV12"), std::string::npos) << run.errDebug;
	EXPECT_NE(run.errDebug.find("BGRx, BGRA"), std::string::npos) << run.errDebug;
}

TEST_F(KmsSink, UnknownModeIsAClearError)
{
	PipelineRun run;
	runPipeline("videotestsrc num-buffers=1 ! dmabufkmssink name=sink mode=1234x567", run);
	EXPECT_FALSE(run.eos);
	EXPECT_EQ(run.errDomain, GST_RESOURCE_ERROR);
	EXPECT_EQ(run.errCode, GST_RESOURCE_ERROR_SETTINGS);
	EXPECT_NE(run.errDebug.find("1234x567 does not exist"), std::string::npos) << run.errDebug;
	EXPECT_NE(run.errDebug.find("1024x768@60"), std::string::npos) << "should list the modes";
}

/* The CRTC, connector and plane are as before once the sink stopped, and
 * repeated runs leak neither fds nor dma-bufs. */
TEST_F(KmsSink, RestoresDisplayStateAndLeaksNothing)
{
	auto snapshot = [] {
		UniqueFD fd(open(vkmsCard().c_str(), O_RDWR | O_CLOEXEC));
		drmSetClientCap(fd.get(), DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
		drmModeRes *res = drmModeGetResources(fd.get());
		std::string s;
		drmModeCrtc *c = drmModeGetCrtc(fd.get(), res->crtcs[0]);
		s += "crtc mode_valid=" + std::to_string(c->mode_valid) + " " +
		     std::to_string(c->mode.hdisplay) + "x" + std::to_string(c->mode.vdisplay) +
		     " fb=" + std::to_string(c->buffer_id);
		drmModeFreeCrtc(c);
		drmModePlaneRes *pr = drmModeGetPlaneResources(fd.get());
		for (uint32_t i = 0; i < pr->count_planes; ++i) {
			drmModePlane *p = drmModeGetPlane(fd.get(), pr->planes[i]);
			s += " plane" + std::to_string(p->plane_id) +
			     " fb=" + std::to_string(p->fb_id) +
			     " crtc=" + std::to_string(p->crtc_id);
			drmModeFreePlane(p);
		}
		drmModeFreePlaneResources(pr);
		drmModeFreeResources(res);
		return s;
	};
	const char *desc =
		"videotestsrc num-buffers=3 ! video/x-raw,format=BGRx,width=800,height=600 ! "
		"dmabufupload ! dmabufkmssink name=sink sync=false mode=800x600";
	const std::string before = snapshot();
	{
		PipelineRun warm;
		runPipeline(desc, warm);
		ASSERT_TRUE(warm.eos) << warm.error();
	}
	EXPECT_EQ(snapshot(), before);
	const int fds = dmabufkit::test::countOpenFds(), bufs = dmabufkit::test::countLiveDmaBufs();
	ASSERT_GE(bufs, 0) << "no /sys/kernel/debug/dma_buf/bufinfo";
	for (int i = 0; i < 2; ++i) {
		PipelineRun run;
		runPipeline(desc, run);
		ASSERT_TRUE(run.eos) << run.error();
		EXPECT_EQ(run.stat("frames-shown"), 3u);
		EXPECT_EQ(run.stat("dropped"), 0u);
		EXPECT_EQ(run.stat("flips"), run.stat("commits"))
			<< "every commit completes with a flip";
		/* One TEST_ONLY for the one configuration, none per frame. */
		EXPECT_EQ(run.stat("test-commits"), 1u)
			<< "the configuration is tested once, before it is used";
		EXPECT_EQ(run.stat("commits"), 3u) << "one commit per frame";
	}
	EXPECT_EQ(snapshot(), before);
	EXPECT_EQ(dmabufkit::test::countOpenFds(), fds) << "fd leak";
	EXPECT_EQ(dmabufkit::test::countLiveDmaBufs(), bufs) << "dma-buf leak";
}

/*
 * No buffer goes back upstream before the frame replacing it is on screen.
 * Observed from outside the sink through the CRTC's vblank counter (its own
 * DRM fd, no sink lock): frame i+1 is committed as it reaches the sink
 * (sync=false, frames pushed at 30 fps), its flip can only complete at a
 * later vblank, so frame i must be released at a vblank count above the one
 * read when frame i+1 arrived. A sink that released frame i when it
 * committed frame i+1 would be caught at that same count.
 */
TEST_F(KmsSink, NoBufferIsReleasedBeforeItsSuccessorIsOnScreen)
{
	struct Observer {
		UniqueFD fd;
		uint32_t crtcId = 0;
		std::mutex lock;
		std::map<int, uint64_t> arrived, released; /* frame -> vblank count */
		uint64_t sequence()
		{
			uint64_t seq = 0, ns = 0;
			if (drmCrtcGetSequence(fd.get(), crtcId, &seq, &ns) != 0)
				return 0;
			return seq;
		}
	} obs;
	const int fds = dmabufkit::test::countOpenFds(), bufs = dmabufkit::test::countLiveDmaBufs();
	ASSERT_GE(bufs, 0) << "no /sys/kernel/debug/dma_buf/bufinfo";
	obs.fd.reset(open(vkmsCard().c_str(), O_RDWR | O_CLOEXEC));
	ASSERT_TRUE(obs.fd) << "cannot open " << vkmsCard();
	/* The first opener becomes DRM master; the sink must be. Reading the
	   vblank counter needs no master. */
	drmDropMaster(obs.fd.get());
	{
		drmModeRes *res = drmModeGetResources(obs.fd.get());
		ASSERT_NE(res, nullptr);
		ASSERT_GE(res->count_crtcs, 1);
		obs.crtcId = res->crtcs[0];
		drmModeFreeResources(res);
	}
	DbkAllocator *alloc = dbk_allocator_new_for_exporter("dma-heap:system", nullptr);
	ASSERT_NE(alloc, nullptr);
	const int w = 640, h = 480, kMemories = 3, kFrames = 30;
	std::vector<GstMemory *> mems;
	for (int i = 0; i < kMemories; ++i) {
		GError *err = nullptr;
		GstMemory *mem = dbk_allocator_alloc_dmabuf(alloc, size_t(w) * 4 * h, nullptr,
							    "test:release", &err);
		ASSERT_NE(mem, nullptr) << (err ? err->message : "");
		GstMapInfo mi;
		gst_memory_map(mem, &mi, GST_MAP_WRITE);
		fillBgrx(mi.data, w, h, w * 4, i);
		gst_memory_unmap(mem, &mi);
		mems.push_back(mem);
	}
	struct Released {
		Observer *obs;
		int frame;
	};
	auto onArrival = [](GstPad *, GstPadProbeInfo *info, gpointer data) {
		auto *o = static_cast<Observer *>(data);
		GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
		const int frame =
			int(gst_util_uint64_scale_round(GST_BUFFER_PTS(buf), 30, GST_SECOND));
		const uint64_t seq = o->sequence();
		{
			std::lock_guard g(o->lock);
			o->arrived.emplace(frame, seq);
		}
		/* Watch the buffer the sink was given, not the one pushed: basesrc
		 * makes the first buffer writable to flag it DISCONT, and when the
		 * pushing thread has not dropped its reference yet (a loaded host
		 * preempts it between push-buffer and its unref), that is a copy
		 * sharing the memory. The pushed original then dies at the
		 * pusher's unref, a vblank or two before frame 1 arrives, while
		 * the sink correctly holds the copy. */
		gst_mini_object_weak_ref(
			GST_MINI_OBJECT(buf),
			[](gpointer released, GstMiniObject *) {
				auto *r = static_cast<Released *>(released);
				const uint64_t releasedAt = r->obs->sequence();
				{
					std::lock_guard g(r->obs->lock);
					r->obs->released.emplace(r->frame, releasedAt);
				}
				delete r;
			},
			new Released{ o, frame });
		return GST_PAD_PROBE_OK;
	};
	std::thread pusher;
	PipelineRun run;
	runPipeline(std::string(kAppsrc) + "dmabufkmssink name=sink sync=false mode=640x480", run,
		    [&](GstElement *p, PipelineRun &) {
			    GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
			    GstPad *pad = gst_element_get_static_pad(sink, "sink");
			    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, onArrival, &obs,
					      nullptr);
			    gst_object_unref(pad);
			    gst_object_unref(sink);
			    /* Its own reference: on an error the pipeline goes
			     * before the pusher ends. */
			    auto *pipeline = GST_ELEMENT(gst_object_ref(p));
			    pusher = std::thread([&, pipeline] {
				    pushInto(
					    pipeline, kFrames,
					    [&](int i) {
						    GstBuffer *b = gst_buffer_new();
						    gst_buffer_append_memory(
							    b, gst_memory_ref(mems[i % kMemories]));
						    return b;
					    },
					    G_USEC_PER_SEC / 30);
				    gst_object_unref(pipeline);
			    });
		    });
	if (pusher.joinable())
		pusher.join();
	/* runPipeline's probe keeps the last buffer: let it go. */
	if (run.last)
		gst_buffer_unref(std::exchange(run.last, nullptr));
	for (GstMemory *m : mems)
		gst_memory_unref(m);
	gst_object_unref(alloc);
	ASSERT_TRUE(run.eos) << run.error();
	EXPECT_EQ(run.stat("frames-shown"), uint64_t(kFrames));
	EXPECT_EQ(run.stat("copies"), 0u) << run.statStr("copy-reason");
	std::lock_guard g(obs.lock);
	ASSERT_EQ(obs.released.size(), size_t(kFrames)) << "every buffer is given back by the end";
	/* The first frame's commit lights the CRTC, from the presenter's
	 * thread: when it is slow (the sanitizers under TCG), the next frames
	 * reach the sink before there is a vblank count (the ioctl fails, 0).
	 * Only such a prefix may lack one; their predecessors must then still
	 * be held until after the CRTC came up. */
	bool lit = false;
	int checked = 0;
	for (int i = 0; i + 1 < kFrames; ++i) {
		ASSERT_TRUE(obs.arrived.count(i + 1))
			<< "frame " << i + 1 << " never reached the sink";
		if (obs.arrived[i + 1] != 0)
			lit = true;
		ASSERT_TRUE(obs.arrived[i + 1] != 0 || !lit)
			<< "no vblank count from DRM_IOCTL_CRTC_GET_SEQUENCE for frame " << i + 1
			<< " after earlier frames had one";
		EXPECT_GT(obs.released[i], obs.arrived[i + 1])
			<< "frame " << i << " was released at vblank " << obs.released[i]
			<< ", before frame " << i + 1 << " (arrived at vblank "
			<< obs.arrived[i + 1] << ") can have been on screen";
		++checked;
	}
	EXPECT_EQ(checked, kFrames - 1);
	EXPECT_TRUE(lit) << "no frame got a vblank count from DRM_IOCTL_CRTC_GET_SEQUENCE";
	obs.fd.reset();
	EXPECT_EQ(dmabufkit::test::countOpenFds(), fds) << "fd leak";
	EXPECT_EQ(dmabufkit::test::countLiveDmaBufs(), bufs) << "dma-buf leak";
}

/* Stock v4l2src imports our scanout pool's dma-bufs (vivid writes straight
 * into what is displayed). */
TEST_F(KmsSink, StockV4l2srcImportsIntoOurPool)
{
	auto vivid = dmabufkit::test::findDevice("vivid-capture");
	ASSERT_TRUE(vivid.ok()) << vivid.error().message;
	PipelineRun run;
	runPipeline(
		"v4l2src device=" + *vivid +
			" io-mode=dmabuf-import num-buffers=5 ! video/x-raw,format=BGRx,width=640,"
			"height=480 ! dmabufkmssink name=sink sync=false writeback=true "
			"mode=640x480",
		run);
	ASSERT_TRUE(run.eos) << run.error();
	EXPECT_EQ(run.stat("copies"), 0u) << run.statStr("copy-reason");
	EXPECT_GE(run.stat("cache-hits"), 1u);
	ASSERT_NE(run.last, nullptr);
	gchar *name = dbk_memory_get_name(gst_buffer_peek_memory(run.last, 0));
	EXPECT_EQ(std::string(name ? name : "").rfind("sink:", 0), 0u)
		<< "not a buffer of our pool: " << name;
	g_free(name);
	std::string where;
	EXPECT_EQ(compareWithCapture(run, 0, &where), 0u) << where;
}

/* Stock kmssink shows our dma-bufs without copying: the framebuffer on its
 * plane is backed by one of the dma-bufs dmabufupload produced. */
TEST_F(KmsSink, StockKmssinkShowsOurDmaBufs)
{
	uint64_t shownInode = 0;
	auto atEos = [&](GstElement *, PipelineRun &) { shownInode = readShownFb().inode; };
	PipelineRun run;
	runPipeline("videotestsrc num-buffers=5 ! video/x-raw,format=BGRx,width=640,height=480 ! "
		    "dmabufupload ! kmssink name=sink driver-name=vkms sync=false",
		    run, {}, atEos);
	ASSERT_TRUE(run.eos) << run.error();
	ASSERT_FALSE(run.inodes.empty()) << "kmssink was not given dma-bufs";
	ASSERT_NE(shownInode, 0u) << "cannot read the framebuffer on screen";
	EXPECT_TRUE(run.inodes.count(shownInode)) << "kmssink shows a copy, not our dma-buf";
}

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	::testing::InitGoogleTest(&argc, argv);
	return RUN_ALL_TESTS();
}
