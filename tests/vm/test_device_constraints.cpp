/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VM test of allocation that knows what every device needs, with vivid made
 * contiguous-only (vivid.allocators=1: vb2-dma-contig, as camera and display
 * blocks without an IOMMU are on real boards). Three boots, three suites:
 *
 *  Contig  (cma=64M, vivid.allocators=1): the source's import probe finds
 *          that vivid needs contiguous memory; its own pool, the KMS sink's
 *          pool and the reference pipeline come from the CMA heap; 0 copies,
 *          correct pixels; the probe runs once per device and process.
 *  Mixed   (vivid.n_devs=2 vivid.allocators=1,0): the vmalloc instance keeps
 *          the cheapest exporter (CMA is scarce), the dma-contig one gets CMA,
 *          alone and in the reference pipeline (teed to the vmalloc
 *          instance's output, which imports the CMA buffers).
 *  NoCma   (cma=0 vivid.allocators=1): import fails with an error naming the
 *          device, "contiguous" and the remedy; nothing leaks, nothing hangs;
 *          dmabufv4l2sink's copy pool cannot be made: one error, not two.
 */
#include <array>
#include <atomic>
#include <gtest/gtest.h>
#include <regex>
#include <string>
#include <vector>

#include <dmabufkit/core/dma_heap_exporter.h>
#include <dmabufkit/dmabufkit.h>
#include <gst/allocators/allocators.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "leak_counters.h"
#include "pipeline_run.h"
#include "test_devices.h"
#include "pipeline_unref.h"

using namespace dmabufkit;

namespace {

/* /dev/videoN of the node named \a name, "" when there is none. */
std::string nodeNamed(const std::string &name)
{
	auto p = test::findNodeNamed(name);
	return p ? *p : std::string();
}

/* The heap that really gives contiguous memory (probed, not named). */
std::string contiguousHeap()
{
	std::string heap;
	for (const std::string &h : DmaHeapExporter::availableHeaps()) {
		auto e = DmaHeapExporter::open(h);
		if (e && (*e)->traits().contiguous) {
			EXPECT_TRUE(heap.empty()) << "two contiguous heaps: " << heap << ", " << h;
			heap = "dma-heap:" + h;
		}
	}
	return heap;
}

/* Our exporter name for the kernel's exporter of \a buf's dma-buf. */
std::string exporterOf(GstBuffer *buf)
{
	gchar *e = buf ? dbk_memory_get_exporter(gst_buffer_peek_memory(buf, 0)) : nullptr;
	std::string s = e ? e : "";
	g_free(e);
	if (s == "drm")
		return "drm-dumb:vkms"; /* the only DRM exporter in the guest */
	if (s == "udmabuf" || s.empty())
		return s;
	return "dma-heap:" + s;
}

std::string stringProperty(GstElement *pipeline, const char *element, const char *property)
{
	GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), element);
	if (!e)
		return "<no element " + std::string(element) + ">";
	gchar *v = nullptr;
	g_object_get(e, property, &v, nullptr);
	std::string s = v ? v : "";
	g_free(v);
	gst_object_unref(e);
	return s;
}

/* Import probes logged for \a device in this process ("import probe (X ms)"). */
std::atomic<int> probesOfVivid0{ 0 };

void countProbes(GstDebugCategory *cat, GstDebugLevel, const gchar *, const gchar *, gint,
		 GObject *, GstDebugMessage *message, gpointer)
{
	if (!g_str_equal(gst_debug_category_get_name(cat), "dmabufkit-allocator"))
		return;
	const gchar *text = gst_debug_message_get(message);
	if (text && strstr(text, "(vivid-000-vid-cap) CAPTURE: import probe ("))
		probesOfVivid0++;
}

/* The luma of YUY2 pixel (x, y) of \a buf. */
int lumaAt(GstBuffer *buf, GstCaps *caps, int x, int y)
{
	GstVideoInfo info;
	GstVideoFrame f;
	if (!gst_video_info_from_caps(&info, caps) ||
	    !gst_video_frame_map(&f, &info, buf, GST_MAP_READ))
		return -1;
	const auto *row = static_cast<const uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&f, 0)) +
			  size_t(y) * GST_VIDEO_FRAME_PLANE_STRIDE(&f, 0);
	const int v = row[x * 2];
	gst_video_frame_unmap(&f);
	return v;
}

class Environment : public ::testing::Environment
{
public:
	void SetUp() override
	{
		gst_debug_set_threshold_for_name("dmabufkit-allocator", GST_LEVEL_INFO);
		gst_debug_add_log_function(countProbes, nullptr, nullptr);
	}
};

class DeviceConstraints : public ::testing::Test
{
protected:
	void SetUp() override
	{
		vivid0 = nodeNamed("vivid-000-vid-cap");
		ASSERT_FALSE(vivid0.empty()) << "no vivid-000-vid-cap in the guest";
		fds = test::countOpenFds();
		bufs = test::countLiveDmaBufs();
	}
	void TearDown() override
	{
		EXPECT_EQ(test::countOpenFds(), fds) << "fd leak: " << test::openFdTargets();
		EXPECT_EQ(test::countLiveDmaBufs(), bufs) << "dma-buf leak";
	}
	std::string vivid0;
	int fds = 0;
	int bufs = 0;
};

/* vivid's own import path: its pool from the contiguous heap, 0 copies. */
void expectSourceImportsFrom(const std::string &device, const std::string &exporter,
			     bool contiguous)
{
	PipelineRun run;
	std::string decision, poolDecision, poolExporter;
	runPipeline("dmabufv4l2src name=src io-mode=import num-buffers=15 device=" + device +
			    " ! video/x-raw,format=YUY2,width=640,height=480 ! fakesink name=sink",
		    run, {}, [&](GstElement *p, PipelineRun &) {
			    decision = stringProperty(p, "src", "allocation-decision");
			    /* The tracer and viewer read it from the pool statistics. */
			    GstElement *src = gst_bin_get_by_name(GST_BIN(p), "src");
			    GstStructure *stats = nullptr;
			    g_object_get(src, "pool-stats", &stats, nullptr);
			    if (stats) {
				    poolDecision = gst_structure_get_string(stats, "decision");
				    poolExporter = gst_structure_get_string(stats, "exporter");
				    gst_structure_free(stats);
			    }
			    gst_object_unref(src);
		    });
	EXPECT_EQ(poolDecision, decision);
	EXPECT_EQ(poolExporter, exporter);
	EXPECT_NE(decision.find("(vivid-00"), std::string::npos) << decision;
	/* vkms's dumb buffers were probed too: vmalloc vivid takes them, dma-contig
	 * vivid refuses them and the kernel's answer is kept. */
	if (contiguous) {
		EXPECT_NE(decision.find("drm-dumb:vkms (VIDIOC_QBUF"), std::string::npos)
			<< decision;
	} else {
		EXPECT_NE(decision.find("drm-dumb:vkms"), std::string::npos) << decision;
	}
	ASSERT_TRUE(run.eos) << run.error();
	ASSERT_NE(run.last, nullptr);
	EXPECT_TRUE(gst_is_dmabuf_memory(gst_buffer_peek_memory(run.last, 0)));
	EXPECT_EQ(exporterOf(run.last), exporter) << decision;
	EXPECT_EQ(decision.rfind(exporter + " for ", 0), 0u) << decision;
	EXPECT_EQ(decision.find("contiguous") != std::string::npos, contiguous) << decision;
	/* vivid's colour bars: white on the left, black on the right. */
	const int left = lumaAt(run.last, run.caps, 8, 8),
		  right = lumaAt(run.last, run.caps, 632, 8);
	EXPECT_GT(left - right, 100) << "not vivid's bars: Y " << left << " vs " << right;
}

} /* namespace */

/* A refused import explained in numbers: the queued dma-buf against the format. */
static bool namesImportNumbers(const std::string &text)
{
	static const std::regex numbers(
		"dma-buf [0-9]+ bytes, length [0-9]+, bytesused [0-9]+, data_offset 0\\) against "
		"a format of 1 plane \\(plane 0: sizeimage [0-9]+, bytesperline [0-9]+\\)");
	return std::regex_search(text, numbers);
}

TEST_F(DeviceConstraints, ContigHeapTraitsComeFromBehaviour)
{
	const std::string heap = contiguousHeap();
	ASSERT_FALSE(heap.empty()) << "no heap gave CMA memory (boot with cma=64M)";
	auto system = DmaHeapExporter::open("system");
	ASSERT_TRUE(system.ok());
	EXPECT_FALSE((*system)->traits().contiguous);
}

TEST_F(DeviceConstraints, ContigSourceImportChoosesTheContiguousHeap)
{
	const std::string heap = contiguousHeap();
	ASSERT_FALSE(heap.empty());
	expectSourceImportsFrom(vivid0, heap, true);
}

/* vivid captures straight into the sink's scanout buffers, which the sink
 * allocated from the CMA heap because the source asked for it. */
TEST_F(DeviceConstraints, ContigSourceImportsIntoKmsSinkPoolFromCma)
{
	const std::string heap = contiguousHeap();
	PipelineRun run;
	std::string decision;
	runPipeline("dmabufv4l2src name=src io-mode=import num-buffers=10 device=" + vivid0 +
			    " ! video/x-raw,format=BGRx,width=640,height=480 ! dmabufkmssink "
			    "name=sink sync=false writeback=true mode=640x480",
		    run, {}, [&](GstElement *p, PipelineRun &) {
			    decision = stringProperty(p, "src", "allocation-decision");
		    });
	ASSERT_TRUE(run.eos) << run.error();
	EXPECT_EQ(run.stat("copies"), 0u) << run.statStr("copy-reason");
	EXPECT_EQ(exporterOf(run.last), heap) << decision;
	gchar *name = dbk_memory_get_name(gst_buffer_peek_memory(run.last, 0));
	EXPECT_EQ(std::string(name ? name : "").rfind("sink:", 0), 0u) << "not the sink's pool";
	g_free(name);
	EXPECT_NE(decision.find("sink (KMS plane"), std::string::npos) << decision;
	EXPECT_NE(decision.find("contiguous"), std::string::npos) << decision;
	std::string where;
	EXPECT_EQ(compareWithCapture(run, 0, &where), 0u) << where;
}

/* The reference pipeline capturing from \a device in import mode: its pool
 * from \a exporter, 0 copies on every link, correct pixels on screen. With
 * \a outDevice, a tee also sends the frames to dmabufv4l2sink on that
 * output node, which must import them all. */
static void expectReferencePipelineZeroCopy(const std::string &device, const std::string &exporter,
					    const std::string &outDevice = "")
{
	PipelineRun run;
	std::string decision;
	guint64 filterFrames = 0, filterDmabufInputs = G_MAXUINT64;
	guint64 encCopies = G_MAXUINT64, encImported = 0;
	guint64 outCopies = G_MAXUINT64, outImported = 0;
	const std::string tee = outDevice.empty() ? "! " : "! tee name=t t. ! queue ! ";
	const std::string outBranch =
		outDevice.empty() ? ""
				  : " t. ! queue ! dmabufv4l2sink name=out io-mode=import "
				    "sync=false device=" +
					    outDevice;
	runPipeline(
		"dmabufv4l2src name=src io-mode=import num-buffers=10 device=" + device +
			" ! video/x-raw,format=NV12,width=640,height=480,framerate=30/1 " + tee +
			"dmabufv4l2enc name=encode ! dmabufv4l2dec ! dmabufcpufilter "
			"name=convert "
			"operation=convert ! video/x-raw,format=BGRx ! dmabufkmssink "
			"name=sink sync=false writeback=true mode=640x480" +
			outBranch,
		run, {},
		[&](GstElement *p, PipelineRun &) {
			if (!outDevice.empty()) {
				outCopies = elementUint(p, "out", "copies");
				outImported = elementUint(p, "out", "imported");
			}
			decision = stringProperty(p, "src", "allocation-decision");
			GstElement *f = gst_bin_get_by_name(GST_BIN(p), "convert");
			GstStructure *s = nullptr;
			g_object_get(f, "stats", &s, nullptr);
			if (s) {
				gst_structure_get_uint64(s, "frames", &filterFrames);
				gst_structure_get_uint64(s, "dmabuf-inputs", &filterDmabufInputs);
				gst_structure_free(s);
			}
			gst_object_unref(f);
			GstElement *e = gst_bin_get_by_name(GST_BIN(p), "encode");
			g_object_get(e, "copies", &encCopies, "imported", &encImported, nullptr);
			gst_object_unref(e);
		},
		180);
	ASSERT_TRUE(run.eos) << run.error();
	EXPECT_EQ(decision.rfind(exporter + " for ", 0), 0u) << decision;
	EXPECT_EQ(run.stat("copies"), 0u) << run.statStr("copy-reason");
	/* Every link carried dma-bufs: the encoder imported the source's
	 * buffers, the filter mapped the decoder's, the display imported the
	 * filter's. */
	EXPECT_EQ(encCopies, 0u);
	EXPECT_GE(encImported, 1u);
	EXPECT_GE(filterFrames, 1u);
	EXPECT_EQ(filterDmabufInputs, filterFrames);
	if (!outDevice.empty()) {
		/* Both branches' devices were asked: the merged need is the source's. */
		EXPECT_NE(decision.find(" for encode + out + "), std::string::npos) << decision;
		EXPECT_EQ(outCopies, 0u);
		EXPECT_EQ(outImported, 10u);
	}
	std::string where;
	EXPECT_EQ(compareWithCapture(run, 0, &where), 0u) << where;
}

/* The reference pipeline with capture from the dma-contig instance. */
TEST_F(DeviceConstraints, ContigReferencePipelineZeroCopy)
{
	expectReferencePipelineZeroCopy(vivid0, contiguousHeap());
}

/* The exporter of the first buffer \a desc outputs when downstream states \a c. */
static std::string producerExporterFor(const std::string &factory, const std::string &desc,
				       const std::string &inFormat, const DbkConstraints &c,
				       std::string *decision)
{
	GstHarness *h = gst_harness_new_parse(desc.c_str());
	GstStructure *params = dbk_constraints_to_structure(&c);
	gst_harness_add_propose_allocation_meta(h, DBK_CONSTRAINTS_META_API_TYPE, params);
	gst_structure_free(params);
	GstVideoInfo info;
	gst_video_info_set_format(&info, gst_video_format_from_string(inFormat.c_str()), 320, 240);
	GstCaps *caps = gst_video_info_to_caps(&info);
	gst_harness_set_src_caps(h, caps);
	GstBuffer *in = gst_harness_create_buffer(h, info.size);
	gst_buffer_memset(in, 0, 0x80, info.size);
	std::string exporter = "<no output>";
	if (gst_harness_push(h, in) == GST_FLOW_OK) {
		GstBuffer *out = gst_harness_pull(h);
		exporter = exporterOf(out);
		gst_buffer_unref(out);
	}
	GstElement *e = gst_harness_find_element(h, factory.c_str());
	GstStructure *stats = nullptr;
	if (e)
		g_object_get(e, "pool-stats", &stats, nullptr);
	const gchar *d = stats ? gst_structure_get_string(stats, "decision") : nullptr;
	*decision = d ? d : "";
	if (stats)
		gst_structure_free(stats);
	if (e)
		gst_object_unref(e);
	gst_harness_teardown(h);
	return exporter;
}

/* Producers honour what a consumer learnt: contiguous memory from the CMA
 * heap, and never an exporter the consumer's device refused. */
TEST_F(DeviceConstraints, ContigProducersHonourDownstreamNeeds)
{
	const std::string heap = contiguousHeap();
	/* The filter converts NV12 to BGRx, so it writes a frame of its own. */
	const std::array<std::string, 3> producers[] = {
		{ "dmabufupload", "dmabufupload", "BGRx" },
		{ "dmabufcpufilter",
		  "dmabufcpufilter operation=convert ! capsfilter caps=video/x-raw,format=BGRx",
		  "NV12" },
	};
	for (const auto &desc : producers) {
		SCOPED_TRACE(desc[1]);
		DbkConstraints c;
		dbk_constraints_init(&c, "a contiguous-only device");
		c.contiguous = TRUE;
		std::string decision;
		EXPECT_EQ(producerExporterFor(desc[0], desc[1], desc[2], c, &decision), heap)
			<< decision;
		EXPECT_NE(decision.find("dma-heap:reserved for a contiguous-only device ("),
			  std::string::npos)
			<< decision;
		EXPECT_NE(decision.find("not dma-heap:system: not physically contiguous"),
			  std::string::npos)
			<< decision;

		dbk_constraints_init(&c, "a picky device");
		dbk_constraints_add_refusal(&c, "dma-heap:system", "a picky device: EINVAL");
		EXPECT_EQ(producerExporterFor(desc[0], desc[1], desc[2], c, &decision), "udmabuf")
			<< decision;
		EXPECT_NE(decision.find("not dma-heap:system: refused by a picky device: EINVAL"),
			  std::string::npos)
			<< decision;
	}
}

/* A tee keeps no constraints of its branches (GStreamer 1.22 drops allocation
 * metas with parameters): the producer asks each branch itself. */
TEST_F(DeviceConstraints, ContigTeeBranchesAreMerged)
{
	PipelineRun run;
	std::string decision;
	runPipeline("videotestsrc num-buffers=5 ! video/x-raw,format=BGRx,width=640,height=480 "
		    "! dmabufupload name=up ! tee name=t t. ! queue ! dmabufv4l2enc name=enc "
		    "! fakesink t. ! queue ! dmabufkmssink name=sink sync=false mode=640x480",
		    run, {}, [&](GstElement *p, PipelineRun &) {
			    GstElement *up = gst_bin_get_by_name(GST_BIN(p), "up");
			    GstStructure *stats = nullptr;
			    g_object_get(up, "pool-stats", &stats, nullptr);
			    if (stats) {
				    decision = gst_structure_get_string(stats, "decision");
				    gst_structure_free(stats);
			    }
			    gst_object_unref(up);
		    });
	ASSERT_TRUE(run.eos) << run.error();
	EXPECT_NE(decision.find("for enc + sink (KMS plane"), std::string::npos) << decision;
	/* Both branches' needs: the encoder's packed stride, the display's scanout. */
	EXPECT_NE(decision.find("scanout"), std::string::npos) << decision;
	EXPECT_NE(decision.find("packed-stride"), std::string::npos) << decision;
	EXPECT_EQ(run.stat("copies"), 0u) << run.statStr("copy-reason");
}

/* An exporter the device refused, or one that does not exist, asked for by
 * name: a settings error saying which and why, nothing leaked. */
TEST_F(DeviceConstraints, ContigNamedExporterTheDeviceRefusesIsAClearError)
{
	for (const char *exporter : { "dma-heap:system", "no-such-exporter" }) {
		SCOPED_TRACE(exporter);
		PipelineRun run;
		runPipeline(std::string("dmabufv4l2src io-mode=import num-buffers=3 exporter=") +
				    exporter + " device=" + vivid0 + " ! fakesink name=sink",
			    run);
		EXPECT_FALSE(run.eos);
		EXPECT_EQ(run.errDomain, GST_RESOURCE_ERROR) << run.error();
		EXPECT_EQ(run.errCode, GST_RESOURCE_ERROR_SETTINGS) << run.error();
		EXPECT_NE(run.errMessage.find("vivid-000-vid-cap"), std::string::npos)
			<< run.error();
		EXPECT_NE(run.errMessage.find(exporter), std::string::npos) << run.error();
		if (std::string(exporter) == "dma-heap:system") {
			EXPECT_TRUE(namesImportNumbers(run.errMessage)) << run.error();
		}
	}
}

/* The decoder imports bitstream on its OUTPUT queue: it publishes what that
 * queue proved it imports (vicodec is vmalloc: the system heap works, no
 * contiguity) and that a bitstream buffer is one dma-buf. */
TEST_F(DeviceConstraints, ContigDecoderPublishesItsBitstreamImports)
{
	GstHarness *h = gst_harness_new("dmabufv4l2dec");
	gst_harness_set_src_caps_str(h, "video/x-fwht,width=640,height=480,framerate=10/1");
	GstCaps *caps = gst_caps_from_string("video/x-fwht,width=640,height=480,framerate=10/1");
	GstQuery *q = gst_query_new_allocation(caps, TRUE);
	gst_caps_unref(caps);
	EXPECT_TRUE(gst_pad_peer_query(h->srcpad, q));
	DbkConstraints merged;
	guint n = 0;
	GError *err = nullptr;
	EXPECT_TRUE(dbk_query_get_constraints(q, &merged, &n, &err))
		<< (err ? err->message : "no constraints in the query");
	g_clear_error(&err);
	gst_query_unref(q);
	gst_harness_teardown(h);
	ASSERT_EQ(n, 1u) << "the decoder published no constraints";
	EXPECT_EQ(std::string(merged.consumer).rfind("dmabufv4l2dec", 0), 0u) << merged.consumer;
	EXPECT_NE(std::string(merged.accepted_exporters).find("dma-heap:system"), std::string::npos)
		<< "the OUTPUT queue was not probed: " << merged.accepted_exporters;
	EXPECT_FALSE(merged.contiguous);
}

/* Two pipelines in one process: vivid is probed once. */
TEST_F(DeviceConstraints, ContigProbeRunsOncePerDevice)
{
	for (int i = 0; i < 2; ++i) {
		PipelineRun run;
		runPipeline("dmabufv4l2src io-mode=import num-buffers=2 device=" + vivid0 +
				    " ! fakesink name=sink",
			    run);
		ASSERT_TRUE(run.eos) << run.error();
	}
	EXPECT_EQ(probesOfVivid0.load(), 1);
}

TEST_F(DeviceConstraints, MixedVmallocInstanceKeepsTheSystemHeap)
{
	const std::string vivid1 = nodeNamed("vivid-001-vid-cap");
	ASSERT_FALSE(vivid1.empty()) << "boot with vivid.n_devs=2";
	expectSourceImportsFrom(vivid1, "dma-heap:system", false);
	expectSourceImportsFrom(vivid0, contiguousHeap(), true);
	/* The display's pool stays on its dumb buffers for the vmalloc instance. */
	PipelineRun run;
	runPipeline("dmabufv4l2src io-mode=import num-buffers=5 device=" + vivid1 +
			    " ! video/x-raw,format=BGRx,width=640,height=480 ! dmabufkmssink "
			    "name=sink sync=false writeback=true mode=640x480",
		    run);
	ASSERT_TRUE(run.eos) << run.error();
	EXPECT_EQ(exporterOf(run.last), "drm-dumb:vkms");
	std::string where;
	EXPECT_EQ(compareWithCapture(run, 0, &where), 0u) << where;
}

/* The reference pipeline in the mixed boot: from the dma-contig instance
 * its buffers come from the CMA heap (and the vmalloc instance's output,
 * teed in, imports them too), from the vmalloc instance in the same boot
 * from the system heap (CMA only where it is needed); 0 copies in both. */
TEST_F(DeviceConstraints, MixedReferencePipelineChoosesPerInstance)
{
	const std::string vivid1 = nodeNamed("vivid-001-vid-cap");
	ASSERT_FALSE(vivid1.empty()) << "boot with vivid.n_devs=2";
	const std::string heap = contiguousHeap();
	ASSERT_FALSE(heap.empty()) << "no heap gave CMA memory (boot with cma=64M)";
	{
		SCOPED_TRACE("dma-contig instance " + vivid0 +
			     ", teed to the vmalloc one's output");
		const std::string out1 = nodeNamed("vivid-001-vid-out");
		ASSERT_FALSE(out1.empty()) << "no vivid-001-vid-out";
		expectReferencePipelineZeroCopy(vivid0, heap, out1);
	}
	{
		SCOPED_TRACE("vmalloc instance " + vivid1);
		expectReferencePipelineZeroCopy(vivid1, "dma-heap:system");
	}
}

TEST_F(DeviceConstraints, NoCmaImportFailsSayingContiguous)
{
	EXPECT_TRUE(contiguousHeap().empty()) << "boot with cma=0";
	for (const char *sink :
	     { "fakesink name=sink", "video/x-raw,format=BGRx,width=640,height=480 ! dmabufkmssink "
				     "name=sink sync=false mode=640x480" }) {
		SCOPED_TRACE(sink);
		PipelineRun run;
		runPipeline("dmabufv4l2src io-mode=import num-buffers=5 device=" + vivid0 + " ! " +
				    sink,
			    run);
		EXPECT_FALSE(run.eos);
		EXPECT_EQ(run.errDomain, GST_RESOURCE_ERROR) << run.error();
		EXPECT_EQ(run.errCode, GST_RESOURCE_ERROR_SETTINGS) << run.error();
		EXPECT_NE(run.errMessage.find("vivid-000-vid-cap"), std::string::npos)
			<< run.error();
		EXPECT_NE(run.errMessage.find("contiguous"), std::string::npos) << run.error();
		EXPECT_NE(run.errMessage.find("cma=64M"), std::string::npos) << run.error();
		/* Each exporter tried, with what vb2 said, explained. */
		EXPECT_NE(run.errMessage.find("dma-heap:system: VIDIOC_QBUF"), std::string::npos)
			<< run.error();
		EXPECT_NE(run.errMessage.find("the device could not map the dma-buf"),
			  std::string::npos)
			<< run.error();
		EXPECT_TRUE(namesImportNumbers(run.errMessage)) << run.error();
	}
}

/* The sink's copy of a frame that is not a dma-buf needs contiguous memory
 * here, and no exporter gives it: the copy pool cannot be made. One failure,
 * one error from the sink, the specific one (it used to be followed by a
 * generic "Cannot copy a frame"); appsrc's flow error aside, nothing else. */
TEST_F(DeviceConstraints, NoCmaSinkCopyPoolPostsOneError)
{
	const std::string out = nodeNamed("vivid-000-vid-out");
	ASSERT_FALSE(out.empty()) << "no vivid-000-vid-out in the guest";
	GError *err = nullptr;
	GstElement *p =
		gst_parse_launch(("videotestsrc name=src num-buffers=3 ! "
				  "video/x-raw,format=YUY2,width=640,height=480 ! "
				  "identity drop-allocation=true ! "
				  "dmabufv4l2sink name=sink io-mode=import sync=false device=" +
				  out)
					 .c_str(),
				 &err);
	ASSERT_NE(p, nullptr) << (err ? err->message : "");
	gst_element_set_state(p, GST_STATE_PLAYING);
	GstBus *bus = gst_element_get_bus(p);
	GstMessage *first = gst_bus_timed_pop_filtered(
		bus, 30 * GST_SECOND,
		static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
	ASSERT_NE(first, nullptr) << "neither EOS nor an error in 30 s";
	/* A second error for the same failure is posted right after the first. */
	g_usleep(500 * 1000);
	std::vector<GstMessage *> errors;
	if (GST_MESSAGE_TYPE(first) == GST_MESSAGE_ERROR)
		errors.push_back(first);
	else
		gst_message_unref(first);
	while (GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR))
		errors.push_back(m);
	gst_element_set_state(p, GST_STATE_NULL);
	gst_object_unref(bus);
	test::unrefPipeline(p);

	std::string all;
	int fromSink = 0, fromSrc = 0;
	GQuark domain = 0;
	int code = 0;
	std::string message, debug;
	for (GstMessage *m : errors) {
		GError *e = nullptr;
		gchar *dbg = nullptr;
		gst_message_parse_error(m, &e, &dbg);
		const std::string src = GST_OBJECT_NAME(GST_MESSAGE_SRC(m));
		all += "\n  " + src + ": " + e->message + " (" + (dbg ? dbg : "") + ")";
		if (src == "sink" && fromSink++ == 0) {
			domain = e->domain;
			code = e->code;
			message = e->message;
			debug = dbg ? dbg : "";
		}
		if (src == "src" && g_error_matches(e, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED))
			fromSrc++;
		g_error_free(e);
		g_free(dbg);
		gst_message_unref(m);
	}
	ASSERT_FALSE(errors.empty()) << "EOS: the copy into non-contiguous memory was queued";
	EXPECT_EQ(fromSink, 1) << "errors on the bus:" << all;
	EXPECT_EQ(fromSink + fromSrc, static_cast<int>(errors.size()))
		<< "errors on the bus:" << all;
	EXPECT_EQ(domain, GST_RESOURCE_ERROR) << all;
	EXPECT_EQ(code, GST_RESOURCE_ERROR_NO_SPACE_LEFT) << all;
	EXPECT_NE(message.find("Cannot allocate dma-bufs to copy frames"), std::string::npos)
		<< all;
	EXPECT_NE(message.find(out), std::string::npos) << all;
	EXPECT_NE(debug.find("contiguous"), std::string::npos) << all;
	EXPECT_NE(debug.find("ALLOCATION query"), std::string::npos) << all;
}

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	::testing::InitGoogleTest(&argc, argv);
	::testing::AddGlobalTestEnvironment(new Environment);
	return RUN_ALL_TESTS();
}
