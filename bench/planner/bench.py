#!/usr/bin/env python3
"""`tlc plan` over the planner traces, as one Markdown table per set.

Runs the real command (reading the CSV, planning, checking, printing) and
takes its CPU time (user + system) from the kernel's accounting of the
child, which is what a `--plan-time-limit` promises to keep: at most
1.1 x S + 0.05 s, or the first greedy plan + 0.05 s where that is longer.

Sets (each row: trace, buffers, lower bound, optimum or best known height,
tlc's height over it, whether tlc proved its height optimal, CPU seconds,
whether the CPU-time guard fired):
  perfect     bench/planner/perfect: generated perfect packings (optimum =
              lower bound = 1 MiB), budget --budget (default 10 s)
  minimalloc  DIR/minimalloc: MiniMalloc's challenge files, minimizing the
              height, and deciding the capacity in the file name (and D at
              its best known 1,025,024), budget --budget
  real        DIR/real: tensor lifetimes of real models, budgets 1 and 10 s
Then every trace once more with the same budget, to check the offsets are
identical where the guard did not fire.

usage: bench.py TLC [--shared DIR] [--sets perfect,minimalloc,real]
                    [--budget S]
"""
import argparse
import filecmp
import glob
import json
import os
import resource
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# MiniMalloc's challenge files: best known heights (google/minimalloc's
# README and the MiniMalloc paper, ASPLOS 2023); the others equal the lower
# bound and are optimal.
BEST_KNOWN = {"D": 1025024, "J": 1035264}


def run_plan(tlc, trace, budget, capacity=None, out=None):
    cmd = [tlc, "plan", trace, "--json", f"--plan-time-limit={budget}"]
    if capacity:
        cmd.append(f"--capacity={capacity}")
    if out:
        cmd += ["-o", out]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    try:
        result = json.loads(proc.stdout)
    except json.JSONDecodeError:
        sys.exit(f"{trace}: tlc plan printed no JSON: {proc.stderr.strip()}")
    result["cpu"] = cpu
    return result


def row(name, r, optimum, budget, note=""):
    ratio = r["height"] / optimum
    guard = "fired" if r["cpu_guard_fired"] else ""
    limit = 1.1 * budget + 0.05
    over = " (over)" if r["cpu"] > limit else ""
    return (f"| {name} | {r['buffers']} | {r['lower_bound']} | {optimum}{note} "
            f"| {r['height']} | {ratio:.4f} | {'yes' if r['optimal'] else ''} "
            f"| {r['cpu']:.2f}{over} | {guard} | {'' if r['valid'] else 'INVALID'} |")


HEADER = ("| trace | buffers | lower bound | optimum | height | height / optimum "
          "| proved optimal | CPU s | guard | |\n|---|---|---|---|---|---|---|---|---|---|")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("tlc")
    p.add_argument("--shared", default=os.path.join(HERE, "..", "..", "..",
                                                    "shared", "planner-bench"))
    p.add_argument("--sets", default="perfect,minimalloc,real")
    p.add_argument("--budget", type=float, default=10.0)
    args = p.parse_args()
    sets = args.sets.split(",")
    runs = []  # (trace, budget, capacity, offsets file, guard fired)
    tmp = tempfile.mkdtemp(prefix="tlc-plan-bench-")

    def plan(trace, budget, capacity=None):
        out = os.path.join(tmp, f"{len(runs)}.csv")
        r = run_plan(args.tlc, trace, budget, capacity, out)
        runs.append((trace, budget, capacity, out, r["cpu_guard_fired"]))
        return r

    if "perfect" in sets:
        print(f"\n## Perfect packings (budget {args.budget:g} s)\n\n{HEADER}")
        for trace in sorted(glob.glob(os.path.join(HERE, "perfect", "*.csv"))):
            r = plan(trace, args.budget)
            print(row(os.path.basename(trace)[:-4], r, r["lower_bound"],
                      args.budget), flush=True)
    if "minimalloc" in sets:
        print(f"\n## MiniMalloc challenge, minimizing the height (budget "
              f"{args.budget:g} s)\n\n{HEADER}")
        files = sorted(glob.glob(os.path.join(args.shared, "minimalloc",
                                              "[A-K].*.csv")))
        for trace in files:
            name = os.path.basename(trace).split(".")[0]
            r = plan(trace, args.budget)
            best = BEST_KNOWN.get(name, r["lower_bound"])
            print(row(name, r, best, args.budget,
                      " (best known)" if name in BEST_KNOWN else ""), flush=True)
        print(f"\n## MiniMalloc challenge, deciding a capacity (budget "
              f"{args.budget:g} s)\n\n| trace | capacity | height | fits "
              f"| CPU s | guard |\n|---|---|---|---|---|---|")
        for trace in files:
            name = os.path.basename(trace).split(".")[0]
            caps = [int(os.path.basename(trace).split(".")[1])]
            if name in BEST_KNOWN:
                caps.append(BEST_KNOWN[name])
            for cap in caps:
                r = plan(trace, args.budget, cap)
                print(f"| {name} | {cap} | {r['height']} | "
                      f"{'yes' if r['fits'] else 'NO'} | {r['cpu']:.2f} | "
                      f"{'fired' if r['cpu_guard_fired'] else ''} |", flush=True)
    if "real" in sets:
        for budget in (1.0, args.budget):
            print(f"\n## Real traces (budget {budget:g} s)\n\n{HEADER}")
            for trace in sorted(glob.glob(os.path.join(args.shared, "real",
                                                       "*.csv"))):
                r = plan(trace, budget)
                print(row(os.path.basename(trace)[:-4], r, r["lower_bound"],
                          budget, " (lower bound)"), flush=True)
    # Determinism: the same offsets on a second run where no guard fired.
    same = differ = skipped = 0
    for trace, budget, capacity, out, fired in list(runs):
        if fired:
            skipped += 1
            continue
        again = os.path.join(tmp, "again.csv")
        r = run_plan(args.tlc, trace, budget, capacity, again)
        if r["cpu_guard_fired"]:
            skipped += 1
        elif filecmp.cmp(out, again, shallow=False):
            same += 1
        else:
            differ += 1
            print(f"DIFFERENT OFFSETS: {trace} budget {budget} capacity {capacity}")
    print(f"\nSecond runs: {same} with identical offsets, {differ} different, "
          f"{skipped} skipped (the guard fired in one of the two runs).")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
