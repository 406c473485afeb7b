#!/usr/bin/env python3
"""Generates offset-planning traces with a known optimum ("perfect packings").

A rectangle of HEIGHT bytes x T steps is cut recursively into buffers, each
cut either across time (at a step) or across memory (at a multiple of GRAIN
bytes): a guillotine tiling. Every step is then covered by buffers whose sizes
add up to HEIGHT exactly, so the lower bound (the largest total size live at
one step) is HEIGHT, and the tiling itself is a plan of that height: the
optimum is HEIGHT and is known. Planners that reach it on such traces reach
the optimum; the ratio height / HEIGHT measures how far they stay from it.

Two cut orders give trees of different depths:
  balanced  the piece of largest area is cut next (a tree of depth ~log2 n);
  deep      the piece cut last is cut again with probability 1/2, else a
            random piece (long chains of nested cuts).

Output: the MiniMalloc CSV format (id,lower,upper,size; live on [lower, upper))
plus an `offset` column holding the tiling (an optimal plan; readers of the
format ignore extra columns), rows shuffled, one file per (buffers, shape,
seed):
  perfect-<shape>-<n>-s<seed>.csv
Deterministic: Python's random.Random(seed) (Mersenne Twister) on every
machine.

usage: make_perfect_packings.py OUTDIR [--sizes 100,200,...] [--seeds 1,2]
"""
import argparse
import os
import random

HEIGHT = 1 << 20  # bytes; MiniMalloc's challenge capacity
GRAIN = 64        # bytes; memory cuts fall on multiples of this


def tile(n, shape, rng, steps):
    """Cuts [0, steps) x [0, HEIGHT) into n pieces (t0, t1, y0, y1)."""
    pieces = [(0, steps, 0, HEIGHT)]
    last = 0
    while len(pieces) < n:
        if shape == "balanced":
            order = sorted(range(len(pieces)),
                           key=lambda i: -(pieces[i][1] - pieces[i][0]) *
                           (pieces[i][3] - pieces[i][2]))
        else:
            order = list(range(len(pieces)))
            rng.shuffle(order)
            if rng.random() < 0.5:
                order.insert(0, last)
        for i in order:
            t0, t1, y0, y1 = pieces[i]
            can_time = t1 - t0 >= 2
            can_mem = (y1 - y0) // GRAIN >= 2
            if not (can_time or can_mem):
                continue
            # Cut across the longer side (in relative terms) more often.
            rel_time = (t1 - t0) / steps
            rel_mem = (y1 - y0) / HEIGHT
            cut_time = can_time and (not can_mem or
                                     rng.random() < rel_time / (rel_time + rel_mem))
            if cut_time:
                t = rng.randint(t0 + 1, t1 - 1)
                a, b = (t0, t, y0, y1), (t, t1, y0, y1)
            else:
                y = y0 + GRAIN * rng.randint(1, (y1 - y0) // GRAIN - 1)
                a, b = (t0, t1, y0, y), (t0, t1, y, y1)
            pieces[i] = a
            pieces.append(b)
            last = rng.choice([i, len(pieces) - 1])
            break
        else:
            raise SystemExit("no piece can be cut further")
    return pieces


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("outdir")
    p.add_argument("--sizes", default="100,200,500,1000,2000")
    p.add_argument("--shapes", default="balanced,deep")
    p.add_argument("--seeds", default="1,2")
    args = p.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    for n in map(int, args.sizes.split(",")):
        for shape in args.shapes.split(","):
            for seed in map(int, args.seeds.split(",")):
                rng = random.Random(f"{shape}-{n}-{seed}")
                pieces = tile(n, shape, rng, steps=2 * n)
                rng.shuffle(pieces)
                path = os.path.join(args.outdir,
                                    f"perfect-{shape}-{n}-s{seed}.csv")
                with open(path, "w") as f:
                    f.write("id,lower,upper,size,offset\n")
                    for k, (t0, t1, y0, y1) in enumerate(pieces):
                        f.write(f"{k},{t0},{t1},{y1 - y0},{y0}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
