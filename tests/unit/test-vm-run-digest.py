#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""vm-run's failure digest keeps what names a failure.

CI shows the tail of a failed test's log. vm-run prints a digest last: the
gtest failures, and the head of any sanitizer report, on either stream. A
sanitizer report ends in stacks; when the digest kept only a tail, a CI
failure showed a thread's stack and nothing of what it did wrong.

    test-vm-run-digest.py VM_RUN
"""
import sys
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader

loader = SourceFileLoader('vm_run', sys.argv[1])
vm_run = module_from_spec(spec_from_loader('vm_run', loader))
loader.exec_module(vm_run)

ASAN = b'''noise before
==68==ERROR: AddressSanitizer: heap-use-after-free on address 0x6020 at pc 0x1 bp 0x2 sp 0x3
READ of size 8 at 0x6020 thread T4 (dmabuftrace)
''' + b''.join(b'    #%d 0x%x in frame%d\n' % (i, i, i) for i in range(18)) + b'''
freed by thread T0 here:
    #0 0x1 in operator delete
SUMMARY: AddressSanitizer: heap-use-after-free in frame0
Shadow bytes around the buggy address:
'''
GTEST = b'''[ RUN      ] Suite.Case
../t.cpp:10: Failure
Expected equality of these values:
  a
    Which is: 1
  b
    Which is: 2
message
second line of the message
after the context
[  FAILED  ] Suite.Case (5 ms)
'''

d = vm_run.FailureDigest()
# Split across reads and interleaved streams, as the guest's output arrives.
for i in range(0, max(len(ASAN), len(GTEST)), 7):
    d.feed(ASAN[i:i + 7], 'stderr')
    d.feed(GTEST[i:i + 7], 'stdout')
lines = d.lines
problems = []
for want in ('==68==ERROR: AddressSanitizer: heap-use-after-free',
             'READ of size 8 at 0x6020 thread T4 (dmabuftrace)', '    #0 0x0 in frame0',
             '    #11 0xb in frame11', 'SUMMARY: AddressSanitizer: heap-use-after-free',
             '../t.cpp:10: Failure', 'message', '[  FAILED  ] Suite.Case (5 ms)'):
    if not any(line.startswith(want) for line in lines):
        problems.append(f'missing {want!r}')
for unwanted in ('noise before', '    #13 0xd in frame13', 'Shadow bytes', 'after the context'):
    if any(line.startswith(unwanted) for line in lines):
        problems.append(f'kept {unwanted!r}')
if problems:
    print('\n'.join(lines))
    sys.exit('; '.join(problems))
print(f'ok: {len(lines)} lines kept')
