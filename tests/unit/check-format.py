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
    unformatted, misnamed = [], []
    for path in files:
        rel = os.path.relpath(path, root)
        if not SNAKE.match(os.path.basename(path)):
            misnamed.append(rel)
        with open(path, 'rb') as f:
            original = f.read()
        formatted = subprocess.run([clang_format, '--style=file', '--assume-filename=' + path],
                                   input=original, capture_output=True, check=True,
                                   cwd=root).stdout
        if formatted != original:
            a, b = original.decode().splitlines(), formatted.decode().splitlines()
            first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            unformatted.append((rel, first + 1))
    for rel, line in unformatted:
        print(f'check-format: {rel}:{line}: not formatted (clang-format -i {rel})')
    for rel in misnamed:
        print(f'check-format: {rel}: file names are snake_case (e.g. frame_layout.cpp)')
    print(f'check-format: {len(files)} files, {len(unformatted)} unformatted, '
          f'{len(misnamed)} misnamed')
    return 1 if unformatted or misnamed else 0


if __name__ == '__main__':
    sys.exit(main())
