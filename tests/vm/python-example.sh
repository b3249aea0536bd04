#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# VM test of docs/examples/dmabufkit_example.py: the Python example, through
# the build's Dbk-1.0 typelib, allocates dma-bufs, writes frames, shows them
# with dmabufkmssink and checks the writeback capture is its last frame.
# Usage: python-example.sh BUILD_DIR
set -eu
build=$1
here=$(dirname "$0")
out=${DMABUFKIT_OUT:-/tmp}
export GI_TYPELIB_PATH="$build/allocator"
export LD_LIBRARY_PATH="$build/allocator${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
rm -f "$out/python-writeback.png"
/usr/bin/python3 "$here/../../docs/examples/dmabufkit_example.py" --frames 30 \
	--writeback "$out/python-writeback.png"
test -s "$out/python-writeback.png" || { echo "no writeback PNG written" >&2; exit 1; }
echo "python example: ok"
