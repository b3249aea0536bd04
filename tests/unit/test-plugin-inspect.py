#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""`gst-inspect-1.0 dmabufkit` shows the plugin with all its features.

A feature named like its plugin wins the lookup: while the tracer was
registered as "dmabufkit", this command printed the tracer's factory details
instead of the plugin's element list. The tracer is "dmabuftrace" now; this
checks both halves with the build-local registry the unit tests use.

    test-plugin-inspect.py [GST_INSPECT [PRELOAD]]

PRELOAD (sanitizer builds): runtimes to LD_PRELOAD, since gst-inspect-1.0
itself is not instrumented and ASan must come first to load the plugin.
"""
import os
import re
import subprocess
import sys

ELEMENTS = ['dmabufcpufilter', 'dmabufipcsink', 'dmabufipcsrc', 'dmabufkmssink', 'dmabufupload',
            'dmabufv4l2convert', 'dmabufv4l2dec', 'dmabufv4l2enc', 'dmabufv4l2sink',
            'dmabufv4l2slfwhtdec', 'dmabufv4l2src']
TRACER = 'dmabuftrace'

failures = []


def check(ok, what):
    print(('ok   ' if ok else 'FAIL ') + what)
    if not ok:
        failures.append(what)


PRELOAD = sys.argv[2] if len(sys.argv) > 2 else ''


def inspect(inspect_cmd, *args):
    env = dict(os.environ)
    if PRELOAD:
        env['LD_PRELOAD'] = PRELOAD
    r = subprocess.run([inspect_cmd, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=120, env=env)
    return r.returncode, r.stdout


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else 'gst-inspect-1.0'

    rc, out = inspect(cmd, 'dmabufkit')
    print(out)
    check(rc == 0, f'gst-inspect-1.0 dmabufkit exits 0 (got {rc})')
    check(out.lstrip().startswith('Plugin Details:'),
          'it describes the plugin, not a feature (no "Factory Details" first)')
    check('Factory Details' not in out, 'no feature of that name')
    # The feature list: "  NAME: long name" for elements, "  NAME (GstTracerFactory)" for tracers.
    listed = dict(re.findall(r'^  (\w+)(?:: | \()(.*)$', out, re.M))
    for e in ELEMENTS:
        check(e in listed and not listed[e].startswith('Gst'), f'element {e} listed: {listed.get(e)!r}')
    check(listed.get(TRACER, '').startswith('GstTracerFactory'),
          f'tracer {TRACER} listed as a tracer: {listed.get(TRACER)!r}')
    m = re.search(r'(\d+) features:\s*\n\s*\+-- (\d+) elements\s*\n\s*\+-- (\d+) tracers', out)
    check(m is not None and (int(m.group(2)), int(m.group(3))) == (len(ELEMENTS), 1),
          f'feature counts: {m and m.groups()} (expected {len(ELEMENTS)} elements, 1 tracer)')

    rc, out = inspect(cmd, TRACER)
    check(rc == 0 and re.search(rf'^\s*Name\s+{TRACER}$', out, re.M) is not None,
          f'gst-inspect-1.0 {TRACER} shows the tracer factory (exit {rc})')
    check('GstDmabufTrace' in out, 'its type is the dmabufkit tracer')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
