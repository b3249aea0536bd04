#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fail when a C or C++ source of the project is not formatted by .clang-format,
or is not named in snake_case.

Usage: check-format.py CLANG_FORMAT SOURCE_ROOT
Lists the files that differ, with the first lines of the difference, and the
command that fixes them.
"""
import os
import re
import subprocess
import sys

SKIP_DIRS = {'.git', 'subprojects'}
EXTENSIONS = ('.c', '.cpp', '.h')
SNAKE = re.compile(r'^[a-z0-9_]+\.(c|cpp|h)$')


def sources(root):
    for d, dirs, files in os.walk(root):
        # build directories have a meson-private folder; skip them and hidden dirs
        dirs[:] = [x for x in dirs if x not in SKIP_DIRS and not x.startswith('.')
                   and not os.path.exists(os.path.join(d, x, 'meson-private'))]
        for f in files:
            if f.endswith(EXTENSIONS):
                yield os.path.join(d, f)


def main():
    clang_format, root = sys.argv[1], os.path.abspath(sys.argv[2])
    files = sorted(sources(root))
    if not files:
        print(f'check-format: no sources under {root}')
        return 1
    misnamed = [os.path.relpath(p, root) for p in files
                if not SNAKE.match(os.path.basename(p))]
    # One clang-format process for every file: it reports each file that
    # differs as "FILE:LINE:COL: error: code should be clang-formatted".
    res = subprocess.run([clang_format, '--style=file', '--dry-run', '--Werror',
                          '--ferror-limit=1'] + files,
                         capture_output=True, text=True, cwd=root)
    first = {}
    for m in re.finditer(r'^(.+?):(\d+):\d+: error: code should be clang-formatted',
                         res.stderr, re.M):
        first.setdefault(os.path.relpath(m.group(1), root), int(m.group(2)))
    if res.returncode != 0 and not first:
        print(f'check-format: clang-format failed: {res.stderr.strip()}')
        return 1
    unformatted = sorted(first.items())
    for rel, line in unformatted:
        print(f'check-format: {rel}:{line}: not formatted (clang-format -i {rel})')
    for rel in misnamed:
        print(f'check-format: {rel}: file names are snake_case (e.g. frame_layout.cpp)')
    print(f'check-format: {len(files)} files, {len(unformatted)} unformatted, '
          f'{len(misnamed)} misnamed')
    return 1 if unformatted or misnamed else 0


if __name__ == '__main__':
    sys.exit(main())
