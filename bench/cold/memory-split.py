#!/usr/bin/env python3
"""Resident memory of a JVM by owner: memory-split.py PID JCMD LABEL (footprint.sh runs it; ferry with
-XX:NativeMemoryTracking=detail). Each anonymous mapping of /proc/PID/smaps is given to the Native Memory Tracking
category whose reserved region holds it (Java heap, GC, code, thread stacks, metaspace...); what no region holds is
glibc's malloc arenas, shared by the JVM's own mallocs (NMT's malloc total) and the native libraries', which in
ferry means RocksDB (memtables, block cache, table readers, and the arenas' slack). Files: the jars, the libraries'
code (RocksDB's is 17 MB) and the class data sharing archive."""
import re
import subprocess
import sys

pid, jcmd, label = sys.argv[1], sys.argv[2], sys.argv[3]
detail = subprocess.run([jcmd, pid, "VM.native_memory", "detail"], capture_output=True, text=True).stdout
regions = sorted(
    (int(a, 16), int(b, 16), cat)
    for a, b, cat in re.findall(r"^\[(0x[0-9a-f]+) - (0x[0-9a-f]+)\] reserved.*? for (.+?) from", detail, re.M))
malloc = re.search(r"^\s*malloc: (\d+)(KB)? #", detail, re.M)
malloc_kb = int(malloc.group(1)) // (1 if malloc.group(2) else 1024) if malloc else 0
owners, files, unowned = {}, 0, 0
start = inode = None
for line in open(f"/proc/{pid}/smaps"):
    m = re.match(r"([0-9a-f]+)-[0-9a-f]+ \S+ \S+ \S+ (\d+)", line)
    if m:
        start, inode = int(m.group(1), 16), int(m.group(2))
        continue
    if not line.startswith("Rss:"):
        continue
    kb = int(line.split()[1])
    if inode != 0:
        files += kb
        continue
    owner = next((cat for a, b, cat in regions if a <= start < b), None)
    if owner is None:
        unowned += kb
    else:
        owners[owner] = owners.get(owner, 0) + kb
rss = files + unowned + sum(owners.values())
mib = lambda kb: f"{kb / 1024:.0f}"
parts = ", ".join(f"{k} {mib(v)}" for k, v in sorted(owners.items(), key=lambda kv: -kv[1]) if v >= 1024)
print(f"    {label}: RSS {mib(rss)} MiB = JVM mmaps [{parts}] + malloc arenas {mib(unowned)} (the JVM's mallocs "
      f"{mib(malloc_kb)}, the rest ~{mib(max(unowned - malloc_kb, 0))}: RocksDB and slack) + files {mib(files)}")
