#!/usr/bin/env python3
"""The request timeline of one `go mod download all`, from ferry's JSON access log or nginx's `timed` log
(bench.sh writes both with KEEP=1 and FERRY_LOG_FORMAT=json):

    timeline.py ferry LOG                 ferry's runs in LOG (bench.sh: the cold one, then the warm one)
    timeline.py nginx LOG FROM TO         nginx's requests whose end lies in [FROM, TO) (unix seconds), e.g. the
                                          direct run's; `timeline.py nginx LOG` lists the runs it can tell apart

Prints the span from the first request's arrival to the last one's end, split into the time with no request
in flight (the go command's own work: parsing, hashing, unzipping; ferry cannot shorten it), with one, and with
two or more; the sum of the requests' durations by file kind; and the slowest requests. With GOMAXPROCS=2 the go
command keeps at most two module requests in flight (go 1.19: modload's par.Queue and download's semaphore are
both GOMAXPROCS wide), so the time with at least one request in flight is what the server's latency costs it.
"""
import json
import re
import statistics
import sys


def ferry(path):
    reqs = []
    for line in open(path):
        if '"logger":"ferry.access"' not in line:
            continue
        j = json.loads(line)
        if "/@v/" not in j["path"] and "/@latest" not in j["path"]:
            continue
        end = ts(j["time"])
        reqs.append((end - j["duration_ms"] / 1000, end, j["path"], j["cache"]))
    return reqs


def ts(iso):
    # 2026-12-07T01:18:03.825Z
    import datetime

    return datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


NGINX = re.compile(r'^([0-9.]+) ([0-9.]+) (\d+) (\d+) "GET (\S+) ')


def nginx(path):
    reqs = []
    for line in open(path):
        m = NGINX.match(line)
        if not m or "/@v/" not in m.group(5):
            continue
        end = float(m.group(1))
        reqs.append((end - float(m.group(2)), end, m.group(5), ""))
    return reqs


def kind(p):
    for k in (".info", ".mod", ".zip", "/list"):
        if p.endswith(k):
            return k.lstrip("./")
    return "other"


def report(reqs):
    reqs.sort()
    start, stop = reqs[0][0], max(r[1] for r in reqs)
    events = sorted([(r[0], 1) for r in reqs] + [(r[1], -1) for r in reqs], key=lambda e: (e[0], -e[1]))
    level, last, by = 0, start, {0: 0.0, 1: 0.0, 2: 0.0}
    for t, d in events:
        by[min(level, 2)] += t - last
        level += d
        last = t
    print(f"requests {len(reqs)}, span {1000 * (stop - start):.0f} ms: none in flight {1000 * by[0]:.0f} ms, "
          f"one {1000 * by[1]:.0f} ms, two or more {1000 * by[2]:.0f} ms")
    kinds = {}
    for r in reqs:
        kinds.setdefault(kind(r[2]), []).append(1000 * (r[1] - r[0]))
    for k, ms in sorted(kinds.items()):
        print(f"  .{k}: {len(ms)}, sum {sum(ms):.0f} ms, median {statistics.median(ms):.1f} ms, max {max(ms):.0f} ms")
    first = reqs[:4]
    print("  first requests: " + ", ".join(f"{kind(r[2])} {1000 * (r[1] - r[0]):.0f} ms" for r in first))
    slow = sorted(reqs, key=lambda r: r[0] - r[1])[:5]
    print("  slowest: " + ", ".join(f"{r[2].rsplit('/', 3)[-3]}{r[2][r[2].rfind('/'):]} {1000 * (r[1] - r[0]):.0f} ms"
                                    for r in slow))


def runs(reqs):
    """Splits a log into runs at gaps of over a second (bench.sh starts a ferry between runs)."""
    out, cur = [], []
    for r in sorted(reqs, key=lambda r: r[1]):
        if cur and r[0] - cur[-1][1] > 1.0:
            out.append(cur)
            cur = []
        cur.append(r)
    return out + ([cur] if cur else [])


if __name__ == "__main__":
    if sys.argv[1] == "ferry":
        for i, run in enumerate(runs(ferry(sys.argv[2]))):
            # bench.sh: the cold run, then the warm one (with --warm-jvm, the warming requests come first)
            print(f"run {i}:", end=" ")
            report(run)
    elif len(sys.argv) == 3:
        for i, run in enumerate(runs(nginx(sys.argv[2]))):
            print(f"run {i}: {len(run)} requests, {run[0][0]:.3f} to {run[-1][1]:.3f}")
    else:
        lo, hi = float(sys.argv[3]), float(sys.argv[4])
        report([r for r in nginx(sys.argv[2]) if lo <= r[1] < hi])
