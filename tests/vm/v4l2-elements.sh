#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs the V4L2 element tests in one guest boot: everything first, then the
# faults that leave vivid unusable (fatal streaming error, disconnect).
set -e
exe="$1"
"$exe" --gtest_filter='-LastSrcFaults.*:Cycles.*'
"$exe" --gtest_filter='LastSrcFaults.*'
