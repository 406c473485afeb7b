#!/usr/bin/env python3
"""Compares two `tlc bench --profile` traces per shader.

usage: prof_compare.py FIXED.json RANGE.json [LABEL]

Sums each shader's dispatch durations (the dyn build counted as its shader)
in two Chrome traces of one profiled run, e.g. a plan for one shape and a
plan for a range of shapes run at that shape, and prints the 14 shaders that
take longest in the second, with both totals in microseconds.
"""
import collections
import json
import sys


def load(path):
    with open(path) as f:
        d = json.load(f)
    events = d["traceEvents"] if isinstance(d, dict) else d
    time, count = collections.Counter(), collections.Counter()
    for e in events:
        if e.get("ph") == "X" and "dur" in e:
            args = e.get("args") or {}
            key = args.get("shader", e.get("name", "?")).replace("_dyn", "")
            time[key] += e["dur"]
            count[key] += 1
    return time, count


def main():
    f, fn = load(sys.argv[1])
    r, rn = load(sys.argv[2])
    label = sys.argv[3] if len(sys.argv) > 3 else ""
    print("%s first: %.0f us in %d dispatches; second: %.0f us in %d" %
          (label, sum(f.values()), sum(fn.values()), sum(r.values()),
           sum(rn.values())))
    for k in sorted(set(f) | set(r), key=lambda k: -r.get(k, 0))[:14]:
        print("  %-26s %10.1f us x%-4d %10.1f us x%-4d" %
              (k, f.get(k, 0), fn.get(k, 0), r.get(k, 0), rn.get(k, 0)))


if __name__ == "__main__":
    main()
