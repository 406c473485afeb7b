"""Checks a plan's trace or SVG dump against its JSON dump.

    check_plan_dump.py trace PLAN.trace.json PLAN.json
    check_plan_dump.py svg PLAN.svg PLAN.json

The JSON dump (`tlc inspect --format=json`) is the reference: the trace must
hold one slice per dispatch inside its step, the live transient bytes of every
step, every release point and every tensor's live interval; the SVG must be
well-formed XML with one filled rectangle per transient tensor and one outline
per alias, placed at the tensor's steps and stacked byte offsets, and no two
tensors live at the same step may overlap in the picture, and the rotated
node names under the steps must stay on the canvas, above the axis title
(by the width estimate tools/SvgText.cpp uses: 0.6 em per character). Exits
1 with a message on the first mismatch.
"""
import json
import math
import re
import sys
import xml.etree.ElementTree as ET

STEP_US = 10.0  # kTraceStepMicros
SVG = "{http://www.w3.org/2000/svg}"
TOL = 0.3  # pixels: coordinates are written with one decimal


def fail(msg):
    print("check_plan_dump: " + msg)
    sys.exit(1)


def expect(cond, msg):
    if not cond:
        fail(msg)


def close(a, b, tol=1e-6):
    return abs(a - b) <= tol


def check_trace(trace_path, plan):
    with open(trace_path) as f:
        trace = json.load(f)
    events = trace["traceEvents"]
    for e in events:
        expect(e["ph"] in ("X", "i", "C", "M"), "unexpected phase %r" % e["ph"])
    steps = plan["steps"]

    dispatches = [e for e in events if e["ph"] == "X" and e.get("cat") == "dispatch"]
    expect(len(dispatches) == plan["dispatches"],
           "%d dispatch slices, the plan has %d" % (len(dispatches), plan["dispatches"]))
    dispatches.sort(key=lambda e: e["ts"])
    end = 0.0
    for e in dispatches:
        s = e["args"]["step"]
        expect(0 <= s < steps, "dispatch %s: step %d" % (e["name"], s))
        expect(e["ts"] >= s * STEP_US - 1e-9 and
               e["ts"] + e["dur"] <= (s + 1) * STEP_US + 1e-9,
               "dispatch %s lies outside step %d" % (e["name"], s))
        expect(e["dur"] > 0 and e["ts"] >= end - 1e-9,
               "dispatch slices overlap at %s" % e["name"])
        end = e["ts"] + e["dur"]
        for key in ("shader", "groups", "bindings", "writes"):
            expect(key in e["args"], "dispatch %s: no args.%s" % (e["name"], key))

    counter = sorted((e for e in events if e["ph"] == "C"), key=lambda e: e["ts"])
    want = plan["live_bytes_per_step"] + [0]
    got = [e["args"]["bytes"] for e in counter]
    expect(got == want, "live bytes %s, expected %s" % (got, want))
    expect(all(close(e["ts"], i * STEP_US) for i, e in enumerate(counter)),
           "counter samples are not at the step starts")

    tensors = {t["name"]: t for t in plan["tensors"]}
    releases = [e for e in events if e["ph"] == "i" and e.get("cat") == "release"]
    expect(len(releases) == plan["releases"],
           "%d release instants, the plan has %d" % (len(releases), plan["releases"]))
    for e in releases:
        t = tensors[e["args"]["tensor"]]
        expect(e["args"]["after_step"] == t.get("release_after_step"),
               "release of %s after step %s, the plan says %s" %
               (t["name"], e["args"]["after_step"], t.get("release_after_step")))
        expect(close(e["ts"], (t["release_after_step"] + 1) * STEP_US),
               "release of %s at %s us" % (t["name"], e["ts"]))

    lifetimes = {e["name"]: e for e in events
                 if e["ph"] == "X" and e.get("cat") in ("transient", "alias")}
    expected = {n for n, t in tensors.items() if t["role"] in ("transient", "alias")}
    expect(set(lifetimes) == expected,
           "tensor slices %s, expected %s" % (sorted(lifetimes), sorted(expected)))
    for n, e in lifetimes.items():
        first, last = tensors[n]["live"]
        expect(close(e["ts"], first * STEP_US) and
               close(e["dur"], (last - first + 1) * STEP_US),
               "tensor %s: slice [%s, +%s), live %d..%d" % (n, e["ts"], e["dur"], first, last))
    print("trace ok: %d dispatches, %d releases, %d tensors, %d counter samples" %
          (len(dispatches), len(releases), len(lifetimes), len(counter)))


def rects(root, cls):
    out = {}
    for r in root.iter(SVG + "rect"):
        if r.get("class") != cls:
            continue
        title = r.find(SVG + "title")
        expect(title is not None, "a %s rect has no <title>" % cls)
        name = title.text.split("\n")[0].split(" (alias of ")[0]
        expect(name not in out, "two %s rects for %s" % (cls, name))
        out[name] = tuple(float(r.get(k)) for k in ("x", "y", "width", "height"))
    return out


def check_node_labels(root):
    height = float(root.get("height"))
    labels = ellipsized = 0
    for t in root.iter(SVG + "text"):
        m = re.match(r"rotate\(-([0-9.]+) ", t.get("transform", ""))
        if not m or float(m.group(1)) == 90:  # 90: the y axis title
            continue
        labels += 1
        title = t.find(SVG + "title")
        shown = "".join(t.itertext())
        if title is not None:
            ellipsized += 1
            shown = shown[len(title.text):]
            expect("\u2026" in shown, "label %r has a title but no ellipsis" % shown)
        a = math.radians(float(m.group(1)))
        length = 0.6 * float(t.get("font-size")) * len(shown.encode("utf-8"))
        x, y = float(t.get("x")), float(t.get("y"))
        expect(x - length * math.cos(a) >= -TOL,
               "node label %r runs off the left edge" % shown)
        # The axis title's baseline is 8 px above the bottom, font 12.
        expect(y + length * math.sin(a) <= height - 17 + TOL,
               "node label %r runs into the axis title" % shown)
    print("labels ok: %d node labels on the canvas, %d ellipsized" %
          (labels, ellipsized))


def check_svg(svg_path, plan):
    root = ET.parse(svg_path).getroot()  # raises on malformed XML
    expect(root.tag == SVG + "svg", "root element is %s" % root.tag)
    check_node_labels(root)
    tensors = {t["name"]: t for t in plan["tensors"]}
    transient = {n for n, t in tensors.items() if t["role"] == "transient"}
    aliases = {n for n, t in tensors.items() if t["role"] == "alias"}
    boxes = rects(root, "tensor")
    outlines = rects(root, "alias")
    expect(set(boxes) == transient,
           "tensor rects %s, expected %s" % (sorted(boxes), sorted(transient)))
    expect(set(outlines) == aliases,
           "alias rects %s, expected %s" % (sorted(outlines), sorted(aliases)))

    # Stacked offset of each transient buffer, in index order.
    base, total = {}, 0
    for i, b in enumerate(plan["buffers"]):
        if b["role"] == "transient":
            base[i] = total
            total += b["bytes"]
    if not transient:
        print("svg ok: 0 tensor rects, %d alias outlines" % len(outlines))
        return
    # Fit x = x0 + step * w and y_bottom = y0 - bytes * k on the largest
    # tensor, then every rectangle must sit where its tensor's plan says.
    big = max(transient, key=lambda n: tensors[n]["bytes"])
    t = tensors[big]
    x, y, w, h = boxes[big]
    step_w = w / (t["live"][1] - t["live"][0] + 1)
    x0 = x - t["live"][0] * step_w
    k = h / t["bytes"]
    y0 = y + h + (base[t["buffer"]] + t["offset"]) * k
    for n in transient:
        t = tensors[n]
        x, y, w, h = boxes[n]
        lo = base[t["buffer"]] + t["offset"]
        expect(close(x, x0 + t["live"][0] * step_w, TOL) and
               close(x + w, x0 + (t["live"][1] + 1) * step_w, TOL),
               "%s: x range [%s, %s) does not match live %s" % (n, x, x + w, t["live"]))
        expect(close(y + h, y0 - lo * k, TOL) and
               close(y, y0 - (lo + t["bytes"]) * k, max(TOL, 1 + TOL - t["bytes"] * k)),
               "%s: y range does not match offset %d + %d bytes" % (n, lo, t["bytes"]))
    for n in aliases:
        t = tensors[n]
        x, y, w, h = outlines[n]
        lo = base[t["buffer"]] + t["offset"]
        expect(x > x0 + t["live"][0] * step_w - 0.5 and
               x + w < x0 + (t["live"][1] + 1) * step_w + 0.5 and
               y + h < y0 - lo * k + 0.5 and
               y > y0 - (lo + t["bytes"]) * k - 1.5,
               "alias %s: outline outside its bytes and steps" % n)
    names = sorted(transient)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ta, tb = tensors[a], tensors[b]
            if ta["live"][1] < tb["live"][0] or tb["live"][1] < ta["live"][0]:
                continue
            ya, yb = boxes[a], boxes[b]
            expect(ya[1] + ya[3] <= yb[1] + TOL or yb[1] + yb[3] <= ya[1] + TOL,
                   "%s and %s are live together and overlap in the picture" % (a, b))
    print("svg ok: %d tensor rects, %d alias outlines" % (len(boxes), len(outlines)))


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("trace", "svg"):
        fail("usage: check_plan_dump.py trace|svg DUMP PLAN.json")
    with open(sys.argv[3]) as f:
        plan = json.load(f)
    (check_trace if sys.argv[1] == "trace" else check_svg)(sys.argv[2], plan)


if __name__ == "__main__":
    main()
