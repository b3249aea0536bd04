#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The fault matrix, one half per boot:
#   fault-matrix.sh EXE alone       the source alone, dmabufv4l2sink, the device elements
#   fault-matrix.sh EXE reference   the reference pipeline with the dmabuftrace tracer
#                                   attached (GST_TRACERS is read once, at gst_init)
set -e
exe="$1"
start=$(date +%s)
case "$2" in
alone)
	"$exe" --gtest_filter='-Reference/*'
	;;
reference)
	trace="${DMABUFKIT_OUT:-/tmp}/fault-matrix-trace.jsonl"
	rm -f "$trace"
	GST_TRACERS="dmabuftrace(endpoint=file:$trace,period-ms=100,forbid-copies=true)" \
		"$exe" --gtest_filter='Reference/*'
	if ! [ -s "$trace" ]; then
		echo "fault-matrix: the tracer wrote nothing to $trace" >&2
		exit 1
	fi
	;;
*)
	echo "usage: fault-matrix.sh EXE alone|reference" >&2
	exit 2
	;;
esac
echo "fault-matrix $2: $(($(date +%s) - start)) s in the guest"
