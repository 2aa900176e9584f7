#!/usr/bin/env python3
"""perf script output on stdin -> folded stacks ("thread;root;...;leaf count"), the input of flamegraph.pl.

fold-stacks.py --shares FOLDED PATTERN...: for each pattern, the share of all samples whose stack has a frame (or
thread name) containing it (inclusive, so nested patterns overlap).
"""
import collections
import re
import sys


def fold(lines):
    stacks = collections.Counter()
    frames, thread = [], None
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if thread is not None and frames:
                stacks[";".join([thread] + frames[::-1])] += 1
            frames, thread = [], None
        elif not line.startswith((" ", "\t")):
            # "comm pid/tid time: period event:": the thread name may hold spaces ("C2 CompilerThre")
            thread = re.split(r"\s+\d+(/\d+)?\s", line, maxsplit=1)[0].strip().replace(";", ":")
        else:
            parts = line.strip().split(" ", 1)
            sym = parts[1] if len(parts) > 1 else parts[0]
            sym = re.sub(r" \(\S+\)$", "", sym)  # the DSO
            sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
            sym = re.sub(r"\(.*\)", "", sym)  # Java signatures
            frames.append(sym.split(" ")[-1].replace(";", ":") or sym)
    if thread is not None and frames:
        stacks[";".join([thread] + frames[::-1])] += 1
    return stacks


def shares(path, patterns):
    total, hits = 0, collections.Counter()
    with open(path) as f:
        for line in f:
            stack, count = line.rsplit(" ", 1)
            count = int(count)
            total += count
            frames = stack.split(";")
            for p in patterns:
                if any(p in fr for fr in frames):
                    hits[p] += count
    for p in patterns:
        print(f"{100.0 * hits[p] / max(total, 1):5.1f}%  {p}")
    print(f"({total} samples)")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--shares":
        shares(sys.argv[2], sys.argv[3:])
    else:
        for stack, count in fold(sys.stdin).items():
            print(stack, count)
