#!/usr/bin/python3
"""Hypervolume fraction of multi-objective searches on tabular spaces: our engine against the peers.

Usage: bench/mo_report.py [ROOT] [--budgets 100,300] [--json FILE]    (ROOT: bench-out/mo-study)
       bench/mo_report.py --selftest

ROOT/<case>/ (one per space and dataset, as bench/mo_study.sh writes it) holds:
  points.csv      index,arch,canonical_hash,<obj1>,<obj2>: every architecture of the table
  meta.json       {"space", "dataset", "directions": ["max", "min"]}  (or pass --directions)
  nsga2/, motpe/, pagmo_nsga2/   peers (bench/mo_peers.py, mo_pagmo.cpp): seed_<s>.csv (eval,arch,cpu_s)
                  in evaluation order and cpu.json; one run at the largest budget serves every budget
  ours_<algo>_<B>/  `nas search --budget B`: trajectories/seed_<s>.csv (an `arch` column, rows in
                  evaluation order; rows whose `fidelity` is not `full` are skipped) and cpu.json (written
                  by mo_study.sh from /usr/bin/time); ours_<algo>/ (no budget) serves every budget.

At budget B a seed's evaluated set is its first B distinct architectures. Each objective is normalised by
the table's range (over every row of points.csv) so that larger is better: u = (v - worst)/(best - worst);
the reference point is -0.1 in each (10% of the range beyond the worst value). HV fraction =
HV(evaluated set) / HV(whole table), both exact in 2-D. Reported: mean +- sample std over seeds (ddof 1),
CPU seconds per search (peers: process CPU until the B-th distinct architecture, from cpu_s; ours: the
process's user+sys over its seeds, table loading included), n seeds. A '*' marks cells where some seed has
fewer than B distinct architectures (its HV counts what it has).
"""
import argparse
import csv
import json
import math
import os
import random
import re
import statistics
import sys

REF = -0.1
PEERS = {"nsga2": "optuna NSGA-II", "motpe": "optuna MOTPE", "pagmo_nsga2": "pagmo NSGA-II"}


def hv2d(points, ref=(REF, REF)):
    """Exact hypervolume dominated by 2-D points (maximisation) above `ref`: a sweep in decreasing x."""
    hv, top = 0.0, ref[1]
    for x, y in sorted(points, key=lambda p: (-p[0], -p[1])):
        if x > ref[0] and y > top:
            hv += (x - ref[0]) * (y - top)
            top = y
    return hv


def selftest():
    """hv2d against counting the unit cells of an integer grid that some point dominates."""
    rng = random.Random(1)
    for trial in range(300):
        k, n = rng.randint(1, 30), rng.randint(1, 25)
        pts = [(rng.randint(0, k), rng.randint(0, k)) for _ in range(n)]
        ref = (rng.randint(-3, 0), rng.randint(-3, 0))
        # cell [i, i+1] x [j, j+1] is dominated when some point is >= its upper corner
        brute = sum(1 for i in range(ref[0], k) for j in range(ref[1], k)
                    if any(px >= i + 1 and py >= j + 1 for px, py in pts))
        got = hv2d(pts, ref)
        assert abs(got - brute) < 1e-9, (trial, pts, ref, got, brute)
    # scaled to the unit square, as the report uses it
    pts = [(rng.random(), rng.random()) for _ in range(40)]
    m = 400
    grid = sum(1 for i in range(m) for j in range(m)
               if any(px >= REF + (i + 0.5) * 1.1 / m and py >= REF + (j + 0.5) * 1.1 / m for px, py in pts))
    approx = grid * (1.1 / m) ** 2
    assert abs(hv2d(pts) - approx) < 0.02, (hv2d(pts), approx)
    assert hv2d([]) == 0.0 and hv2d([(REF, 1.0)]) == 0.0
    print(f"selftest: hv2d matches a grid count on 300 random integer sets; {hv2d(pts):.4f} vs {approx:.4f} on a "
          f"{m}x{m} grid in the unit square")


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class Points:
    def __init__(self, path, directions):
        with open(path, newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            self.objectives = header[3:5]
            self.value = {}
            for row in reader:
                if not row or row[1] in self.value:
                    continue
                try:
                    v = (float(row[3]), float(row[4]))
                except ValueError:
                    continue
                if all(math.isfinite(x) for x in v):
                    self.value[row[1]] = v
        # oriented normalisation: 0 = the table's worst value, 1 = its best
        self.norm = []
        for i, d in enumerate(directions):
            col = [v[i] for v in self.value.values()]
            best, worst = (max(col), min(col)) if d == "max" else (min(col), max(col))
            self.norm.append((worst, best - worst if best != worst else 1.0))
        self.table_hv = hv2d([self.u(a) for a in self.value])

    def u(self, arch):
        v = self.value[arch]
        return tuple((v[i] - w) / span for i, (w, span) in enumerate(self.norm))

    def fraction(self, archs):
        missing = [a for a in archs if a not in self.value]
        if missing:
            print(f"warning: {len(missing)} evaluated archs not in points.csv (e.g. {missing[0]}); left out",
                  file=sys.stderr)
        return hv2d([self.u(a) for a in archs if a in self.value]) / self.table_hv


def first_distinct(archs, b):
    seen, out = set(), []
    for a in archs:
        if a not in seen:
            seen.add(a)
            out.append(a)
            if len(out) == b:
                break
    return out


def seed_files(folder):
    found = []
    for name in os.listdir(folder) if os.path.isdir(folder) else []:
        m = re.fullmatch(r"seed_(\d+)\.csv", name)
        if m:
            found.append((int(m.group(1)), os.path.join(folder, name)))
    return sorted(found)


def peer_runs(folder, b):
    """Per seed: (first b distinct archs, CPU seconds to reach the last of them); none where the peer ran
    to a smaller budget than b."""
    runs = {}
    with open(os.path.join(folder, "cpu.json")) as f:
        if json.load(f).get("budget", b) < b:
            return runs
    for s, path in seed_files(folder):
        rows = read_csv(path)[:b]
        runs[s] = ([r["arch"] for r in rows], float(rows[-1]["cpu_s"]) if rows else math.nan)
    return runs


def ours_runs(folder, b):
    runs = {}
    cpu = math.nan
    if os.path.exists(os.path.join(folder, "cpu.json")):
        with open(os.path.join(folder, "cpu.json")) as f:
            cpu = json.load(f)["cpu_s_per_search"]
    for s, path in seed_files(os.path.join(folder, "trajectories")):
        rows = [r for r in read_csv(path) if r.get("fidelity", "full") in ("full", "", None)]
        runs[s] = (first_distinct([r["arch"] for r in rows], b), cpu)
    return runs


def mean_std(xs):
    xs = [x for x in xs if not math.isnan(x)]
    if not xs:
        return math.nan, math.nan
    return statistics.fmean(xs), statistics.stdev(xs) if len(xs) > 1 else 0.0


def case_rows(case_dir, budgets, directions):
    meta = {}
    if os.path.exists(os.path.join(case_dir, "meta.json")):
        with open(os.path.join(case_dir, "meta.json")) as f:
            meta = json.load(f)
    directions = directions or meta.get("directions")
    if not directions:
        raise SystemExit(f"{case_dir}: no meta.json with directions; pass --directions")
    pts = Points(os.path.join(case_dir, "points.csv"), directions)
    tools = {}  # label -> {budget: runs}
    for name in sorted(os.listdir(case_dir)):
        path = os.path.join(case_dir, name)
        if name in PEERS:
            tools[PEERS[name]] = {b: peer_runs(path, b) for b in budgets}
        elif (m := re.fullmatch(r"ours_(.+?)(?:_(\d+))?", name)) and os.path.isdir(path):
            label = f"ours {m.group(1)}"
            for b in budgets:
                if m.group(2) is None or int(m.group(2)) == b:
                    tools.setdefault(label, {})
                    if m.group(2) is not None or b not in tools[label]:  # a budget's own run wins
                        tools[label][b] = ours_runs(path, b)
    out = []
    order = [k for k in sorted(tools) if k.startswith("ours")] + [p for p in PEERS.values() if p in tools]
    for label in order:
        per_budget = tools[label]
        row = {"case": os.path.basename(case_dir.rstrip("/")), "tool": label, "objectives": pts.objectives,
               "directions": directions}
        for b in budgets:
            runs = per_budget.get(b, {})
            hv = {s: pts.fraction(archs) for s, (archs, _) in runs.items()}
            short = sum(1 for archs, _ in runs.values() if len(archs) < b)
            m, sd = mean_std(list(hv.values()))
            cm, csd = mean_std([c for _, c in runs.values()])
            if label.startswith("ours"):
                csd = math.nan  # one process for all seeds: only its mean per search is known
            row[str(b)] = {"hv_fraction_mean": m, "hv_fraction_std": sd, "cpu_s_mean": cm, "cpu_s_std": csd,
                           "seeds": len(runs), "short_seeds": short, "hv_fraction_per_seed": hv}
        out.append(row)
    return out


def fmt(m, sd, digits=4):
    if math.isnan(m):
        return "-"
    return f"{m:.{digits}f}" if math.isnan(sd) else f"{m:.{digits}f} ± {sd:.{digits}f}"


def no_nan(x):
    """JSON has no NaN: null instead."""
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, dict):
        return {k: no_nan(v) for k, v in x.items()}
    if isinstance(x, list):
        return [no_nan(v) for v in x]
    return x


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", nargs="?", default="bench-out/mo-study")
    ap.add_argument("--budgets", default="100,300")
    ap.add_argument("--directions", help="max|min per objective, for cases without meta.json")
    ap.add_argument("--json", help="write the rows here (default ROOT/mo_report.json)")
    ap.add_argument("--selftest", action="store_true")
    a = ap.parse_args()
    if a.selftest:
        selftest()
        return
    budgets = [int(b) for b in a.budgets.split(",")]
    directions = a.directions.split(",") if a.directions else None
    cases = sorted(d for d in os.listdir(a.root) if os.path.exists(os.path.join(a.root, d, "points.csv")))
    if not cases:
        raise SystemExit(f"{a.root}: no <case>/points.csv")
    rows = [r for c in cases for r in case_rows(os.path.join(a.root, c), budgets, directions)]

    head = ["case", "tool"] + [f"HV frac @{b}" for b in budgets] + [f"CPU s @{b}" for b in budgets] + ["seeds"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        cells = [r["case"], r["tool"]]
        cells += [fmt(r[str(b)]["hv_fraction_mean"], r[str(b)]["hv_fraction_std"]) + ("*" if r[str(b)]["short_seeds"] else "")
                  for b in budgets]
        cells += [fmt(r[str(b)]["cpu_s_mean"], r[str(b)]["cpu_s_std"], 2) for b in budgets]
        ns = sorted({r[str(b)]["seeds"] for b in budgets})
        cells.append("/".join(str(n) for n in ns))
        print("| " + " | ".join(cells) + " |")
    path = a.json or os.path.join(a.root, "mo_report.json")
    with open(path, "w") as f:
        json.dump(no_nan(rows), f, indent=1)
    print(f"\nwritten {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
