#!/usr/bin/python3
"""Optuna's multi-objective samplers (NSGA-II, MOTPE) on a tabular NAS space, as peers of `nas search`.

Input: a points file (CSV, header `index,arch,canonical_hash,<obj1>,<obj2>`) listing every architecture of
the table with its two objective values, as written by `nas space --list --columns OBJ1,OBJ2`.

Encoding: the architecture is a vector of categorical parameters x0, x1, ...
  nb201  6 edges in arch-string order, each one of none, skip_connect, nor_conv_1x1, nor_conv_3x3,
         avg_pool_3x3 (the table is complete: 15,625 rows)
  macro  8 layers, each 0, 1 or 2 (complete: 6,561 rows)
  accel  7 blocks e<E>k<K>l<L>se<S> joined by '|': 28 fields. The choices of each field are the values the
         table uses (e 1|4|6, k 3|5, l 1|2|3, se 0|1; block 6 of 7 also has l 4). The table is a SAMPLE
         (~5,125 of the space): a proposal not in it is projected to the nearest table row by Hamming
         distance over the 28 fields (ties: the first row in file order). The sampler is told the values
         of the projected row for the parameters it proposed.
Rows whose objective values are missing are dropped (a warning says how many); a repeated arch keeps its
first row.

Budget (as our engine: no architecture is charged twice): a trial whose (projected) architecture was
already evaluated gets the cached values and is not counted. A run goes on until `--budget` distinct
architectures were evaluated, or 50 x budget trials (the cap; reported).

Outputs: OUT/<sampler>/seed_<s>.csv with columns eval,arch,cpu_s (the distinct architectures in the
order first evaluated; cpu_s = process CPU seconds since the study began) and OUT/<sampler>/cpu.json
(process CPU seconds per seed, trials, cap hits). Seeds already in cpu.json with their CSV are skipped,
so a killed run resumes.

NSGA-II: population 20, optuna's other defaults (uniform crossover 0.9, mutation 1/parameters).
MOTPE: optuna.samplers.MOTPESampler with its defaults if this optuna has it, else TPESampler (which
handles several objectives itself); a printed line says which.
"""
import argparse
import csv
import json
import math
import os
import re
import sys
import time
import warnings

import numpy as np
import optuna

NB201_OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
ACCEL_BLOCK = re.compile(r"e(\d+)k(\d+)l(\d+)se(\d+)")
NSGA2_POPULATION = 20
CAP_FACTOR = 50


def parse_arch(space, arch):
    """The architecture's categorical fields (strings), or ValueError."""
    if space == "nb201":
        ops = re.findall(r"([A-Za-z0-9_]+)~\d+", arch)
        if len(ops) != 6 or any(op not in NB201_OPS for op in ops):
            raise ValueError(f"nb201: cannot read '{arch}'")
        return tuple(ops)
    if space == "macro":
        if len(arch) != 8 or any(c not in "012" for c in arch):
            raise ValueError(f"macro: '{arch}' is not 8 digits 0-2")
        return tuple(arch)
    if space == "accel":
        fields = []
        blocks = arch.split("|")
        for b in blocks:
            m = ACCEL_BLOCK.fullmatch(b)
            if not m:
                raise ValueError(f"accel: block '{b}' of '{arch}' is not e<E>k<K>l<L>se<S>")
            fields.extend(m.groups())
        if len(blocks) != 7:
            raise ValueError(f"accel: '{arch}' has {len(blocks)} blocks, expected 7")
        return tuple(fields)
    raise ValueError(f"unknown space '{space}'")


class Table:
    """The points file: architectures, objective values and the categorical encoding."""

    def __init__(self, path, space):
        with open(path, newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            if header[:3] != ["index", "arch", "canonical_hash"] or len(header) < 5:
                raise SystemExit(f"{path}: header {header}; expected index,arch,canonical_hash,<obj1>,<obj2>")
            self.objectives = header[3:5]
            self.archs, self.values, fields = [], [], []
            seen, dropped, repeated = set(), 0, 0
            for row in reader:
                if not row:
                    continue
                arch = row[1]
                try:
                    vals = tuple(float(v) for v in row[3:5])
                except ValueError:
                    vals = (math.nan,)
                if not all(math.isfinite(v) for v in vals):
                    dropped += 1
                    continue
                if arch in seen:
                    repeated += 1
                    continue
                seen.add(arch)
                self.archs.append(arch)
                self.values.append(vals)
                fields.append(parse_arch(space, arch))
        if dropped or repeated:
            print(f"{path}: dropped {dropped} rows without objective values, {repeated} repeated archs", file=sys.stderr)
        nfields = len(fields[0])
        if space == "nb201":
            self.choices = [NB201_OPS] * nfields
        elif space == "macro":
            self.choices = [["0", "1", "2"]] * nfields
        else:  # a sample of the space: the values the table uses
            self.choices = [sorted({f[i] for f in fields}, key=int) for i in range(nfields)]
        pos = [{c: k for k, c in enumerate(ch)} for ch in self.choices]
        self.codes = np.array([[pos[i][v] for i, v in enumerate(f)] for f in fields], dtype=np.int16)
        self.row_of = {f: r for r, f in reversed(list(enumerate(fields)))}  # first row wins
        self.complete = len(self.archs) == math.prod(len(c) for c in self.choices)

    def project(self, fields):
        """The table row of these fields, or the nearest by Hamming distance (first in file order on ties)."""
        r = self.row_of.get(fields)
        if r is not None:
            return r
        code = np.array([self.choices[i].index(v) for i, v in enumerate(fields)], dtype=np.int16)
        return int(np.argmin((self.codes != code).sum(axis=1)))  # argmin: the first minimum


def make_sampler(name, seed):
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(population_size=NSGA2_POPULATION, seed=seed), "NSGAIISampler(population_size=20)"
    if hasattr(optuna.samplers, "MOTPESampler"):
        return optuna.samplers.MOTPESampler(seed=seed), "MOTPESampler (defaults)"
    return optuna.samplers.TPESampler(seed=seed), "TPESampler (multi-objective, defaults)"


def run_seed(table, sampler_name, seed, budget, directions):
    sampler, _ = make_sampler(sampler_name, seed)
    study = optuna.create_study(directions=["maximize" if d == "max" else "minimize" for d in directions], sampler=sampler)
    names = [f"x{i}" for i in range(len(table.choices))]
    evaluated, order, cpu = set(), [], []
    trials, cap = 0, CAP_FACTOR * budget
    t0 = time.process_time()
    while len(order) < budget and trials < cap:
        trial = study.ask()
        fields = tuple(trial.suggest_categorical(n, ch) for n, ch in zip(names, table.choices))
        r = table.project(fields)
        if r not in evaluated:
            evaluated.add(r)
            order.append(r)
            cpu.append(time.process_time() - t0)
        study.tell(trial, list(table.values[r]))
        trials += 1
    return order, cpu, time.process_time() - t0, trials


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", required=True)
    ap.add_argument("--space", required=True, choices=["nb201", "macro", "accel"])
    ap.add_argument("--directions", required=True, help="max|min for each objective, e.g. max,min")
    ap.add_argument("--budget", type=int, required=True)
    ap.add_argument("--seeds", type=int, required=True, help="seeds 0..S-1")
    ap.add_argument("--sampler", required=True, choices=["nsga2", "motpe"])
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    directions = a.directions.split(",")
    if len(directions) != 2 or any(d not in ("max", "min") for d in directions):
        raise SystemExit(f"--directions {a.directions}: expected two of max|min, e.g. max,min")

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=FutureWarning)  # MOTPESampler is deprecated in 3.x
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)

    table = Table(a.points, a.space)
    _, label = make_sampler(a.sampler, 0)
    print(f"optuna {optuna.__version__}: {label}; {a.space}: {len(table.archs)} archs"
          f" ({'complete' if table.complete else 'a sample: proposals projected by Hamming distance'}),"
          f" {len(table.choices)} parameters; objectives {table.objectives[0]}:{directions[0]},"
          f" {table.objectives[1]}:{directions[1]}")

    out = os.path.join(a.out, a.sampler)
    os.makedirs(out, exist_ok=True)
    cpu_path = os.path.join(out, "cpu.json")
    summary = {"tool": f"optuna {optuna.__version__}", "sampler": label, "space": a.space, "budget": a.budget,
               "objectives": table.objectives, "directions": directions, "seeds": {}}
    if os.path.exists(cpu_path):
        with open(cpu_path) as f:
            old = json.load(f)
        if old.get("budget") == a.budget and old.get("sampler") == label:
            summary["seeds"] = old["seeds"]
    for s in range(a.seeds):
        seed_csv = os.path.join(out, f"seed_{s}.csv")
        if str(s) in summary["seeds"] and os.path.exists(seed_csv):
            continue
        order, cpu, total, trials = run_seed(table, a.sampler, s, a.budget, directions)
        lines = ["eval,arch,cpu_s"] + [f"{i + 1},{table.archs[r]},{c:.4f}" for i, (r, c) in enumerate(zip(order, cpu))]
        write_atomic(seed_csv, "\n".join(lines) + "\n")
        cap_hit = len(order) < a.budget
        summary["seeds"][str(s)] = {"cpu_s": round(total, 4), "trials": trials, "distinct": len(order), "cap_hit": cap_hit}
        write_atomic(cpu_path, json.dumps(summary, indent=1) + "\n")
        print(f"{a.sampler} {a.space} seed {s}: {len(order)} distinct in {trials} trials, {total:.1f} CPU s"
              + (" (CAP HIT)" if cap_hit else ""), file=sys.stderr, flush=True)
    caps = sum(v["cap_hit"] for v in summary["seeds"].values())
    if caps:
        print(f"{caps} seeds hit the cap of {CAP_FACTOR * a.budget} trials before {a.budget} distinct archs")


if __name__ == "__main__":
    main()
