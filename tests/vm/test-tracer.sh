#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# VM test of the dmabufkit tracer: dma-bufs made by dmabufupload flow into stock
# videoconvert, which converts them into system memory. The published
# snapshots must say dma-buf (with exporter and names) on the upload's link,
# system memory after videoconvert, flag the copy out of dma-buf there, and
# count exactly the buffers pushed. The live preview of a dma-buf link shows
# the solid colour the source painted (BGRx scaled down, and NV12). Runs in the
# guest (vm-run).
set -eu
here=$(dirname "$0")
out=${DMABUFKIT_OUT:-/tmp}
n=40
session=$out/tracer-session.jsonl
rm -f "$session"

echo "== videotestsrc ! dmabufupload ! videoconvert ! fakesink, preview of the dma-buf link"
GST_TRACERS="dmabuftrace(endpoint=file:$session,period-ms=100,preview=videoconvert0:sink)" gst-launch-1.0 -q \
	videotestsrc num-buffers=$n pattern=solid-color foreground-color=0xffc08040 \
	! video/x-raw,format=BGRx,width=320,height=240,framerate=30/1 \
	! dmabufupload ! videoconvert ! video/x-raw,format=I420 ! fakesink sync=true
python3 "$here/check-tracer-session.py" "$session" --buffers $n \
	--link videotestsrc0=system --link dmabufupload0=dmabuf --link videoconvert0=system \
	--exporter dmabufupload0 --copy videoconvert0 --copy dmabufupload0 --no-copy fakesink0 \
	--preview dmabufupload0=c08040 --preview-source BGRx:320x240

echo "== NV12 dma-bufs into the video sink, preview=auto"
session3=$out/tracer-session-preview.jsonl
GST_TRACERS="dmabuftrace(endpoint=file:$session3,period-ms=100,preview=auto)" gst-launch-1.0 -q \
	videotestsrc num-buffers=$n pattern=solid-color foreground-color=0xff3366cc \
	! video/x-raw,format=NV12,width=96,height=72,framerate=30/1 ! dmabufupload ! fakesink sync=true
python3 "$here/check-tracer-session.py" "$session3" --buffers $n --link dmabufupload0=dmabuf \
	--exporter dmabufupload0 --preview dmabufupload0=3366cc --preview-source NV12:96x72

if gst-inspect-1.0 dmabufcpufilter >/dev/null 2>&1; then
	echo "== with dmabufcpufilter between upload and videoconvert"
	session2=$out/tracer-session-cpufilter.jsonl
	GST_TRACERS="dmabuftrace(endpoint=file:$session2,period-ms=100)" gst-launch-1.0 -q \
		videotestsrc num-buffers=$n ! video/x-raw,format=BGRx,width=320,height=240,framerate=30/1 \
		! dmabufupload ! dmabufcpufilter ! videoconvert ! video/x-raw,format=I420 ! fakesink
	python3 "$here/check-tracer-session.py" "$session2" --buffers $n \
		--link dmabufupload0=dmabuf --link dmabufcpufilter0=dmabuf --link videoconvert0=system \
		--copy videoconvert0
fi
