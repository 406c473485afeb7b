"""Checks `tlc bench --json` output and its --profile Chrome trace.

usage: check_bench.py BENCH.json PROFILE.json PLAN.trace.json
Every required key is present, times are positive (median <= p90), and the
profile has exactly one complete event per dispatch of the plan, in the
order and with the names and shaders of the plan's own trace dump (`tlc
inspect --format=trace`), with non-negative, non-overlapping durations.
"""
import json
import sys

bench = json.load(open(sys.argv[1]))
for key in ("plan", "device", "iterations", "gpu_us", "host_us", "dispatches",
            "barriers", "transient_bytes", "load_ms", "pipeline_cache"):
    assert key in bench, "missing key " + key
for key in ("gpu_us", "host_us"):
    s = bench[key]
    assert s is not None, key + " is null: " + bench["timestamps"]
    assert 0 < s["min"] <= s["median"] <= s["p90"], (key, s)
assert bench["iterations"] == 5 and bench["dispatches"] > 0

trace = json.load(open(sys.argv[2]))
slices = [e for e in trace["traceEvents"] if e.get("ph") == "X"]
assert len(slices) == bench["dispatches"], (len(slices), bench["dispatches"])
plan = json.load(open(sys.argv[3]))
expected = [(e["name"], e["args"]["shader"]) for e in plan["traceEvents"]
            if e.get("ph") == "X" and e.get("cat") == "dispatch"]
got = [(e["name"], e["args"]["shader"]) for e in slices]
assert got == expected, (got, expected)
end = 0.0
for e in slices:
    assert e["dur"] >= 0 and e["ts"] >= end - 1e-6, e
    assert e["args"]["shader"], e
    end = e["ts"] + e["dur"]
print("bench ok: %d slices" % len(slices))
