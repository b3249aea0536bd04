#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The tracer under the sanitizers (suite vm-sanitize): its VM test (file
# endpoints, previews of dma-bufs, the zero-copy contract), then its unix
# and TCP sockets with hostile clients on the reference pipeline.
set -eu
here=$(dirname "$0")
sh "$here/test-tracer.sh"
python3 "$here/tracer-sockets.py"
