#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The fault matrix in one guest boot: the source alone and the device
# elements' own faults, then the reference pipeline with the dmabuftrace
# tracer attached (GST_TRACERS is read once, at gst_init, hence two runs).
set -e
exe="$1"
trace="${DMABUFKIT_OUT:-/tmp}/fault-matrix-trace.jsonl"
rm -f "$trace"
start=$(date +%s)
"$exe" --gtest_filter='-Reference/*'
GST_TRACERS="dmabuftrace(endpoint=file:$trace,period-ms=100,forbid-copies=true)" \
	"$exe" --gtest_filter='Reference/*'
if ! [ -s "$trace" ]; then
	echo "fault-matrix: the tracer wrote nothing to $trace" >&2
	exit 1
fi
echo "fault-matrix: $(($(date +%s) - start)) s in the guest"
