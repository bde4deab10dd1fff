"""Zero-cost proxies against real Fashion-MNIST training (bench/zc_fmnist.sh's outputs).

Usage: /usr/bin/python3 bench/zc_fmnist_report.py OUT
Prints Spearman's rho of every proxy (computed on the trained network and on the benchmark
network) with the trained validation accuracy (the search signal) and test accuracy of the random
cells, and the end-to-end table: per search, the found cells' search-time validation accuracy and
their re-trained test accuracy (mean +- SE), candidates trained and CPU seconds per seed.
Standard library only.
"""
import csv
import glob
import json
import math
import os
import re
import statistics
import sys

from rankstats import ranks, spearman


def seed_files(run):
    return sorted(f for f in glob.glob(os.path.join(run, "trajectories", "seed_*.csv")) if re.fullmatch(r"seed_\d+\.csv", os.path.basename(f)))


def main():
    out = sys.argv[1]
    trained = {}
    for f in seed_files(f"{out}/random"):
        for r in csv.DictReader(open(f)):
            trained[r["arch"]] = (float(r["signal"]), float(r["reported"]))
    print(f"## {len(trained)} random NB201 cells trained on Fashion-MNIST at the search fidelity\n")
    nets = [n for n in ("train", "bench") if os.path.exists(f"{out}/zc_{n}.csv")]
    zc = {n: {r["arch"]: r for r in csv.DictReader(open(f"{out}/zc_{n}.csv"))} for n in nets}
    if not nets:
        return
    proxies = [c for c in next(iter(zc[nets[0]].values())).keys() if c != "arch" and not c.startswith("seconds_")]
    head = " | ".join(f"{n}: valid | {n}: test" for n in nets)
    print(f"| proxy | {head} | ms per cell ({', '.join(nets)}) |")
    print("|---|" + "---|" * (2 * len(nets) + 1))
    for p in proxies:
        cells = []
        ms = []
        for n in nets:
            pairs = [(float(zc[n][a][p]), v) for a, v in trained.items() if a in zc[n] and zc[n][a][p] != ""]
            for k in (0, 1):
                cells.append(f"{spearman([x for x, _ in pairs], [y[k] for _, y in pairs]):.3f}" if len(pairs) > 2 else "-")
            ms.append(f"{1000 * statistics.fmean(float(r['seconds_' + p]) for r in zc[n].values()):.1f}")
            missing = len(trained) - len(pairs)
            if missing:
                cells[-1] += f" ({missing} missing)"
        print(f"| {p} | " + " | ".join(cells) + f" | {' / '.join(ms)} |")
    # Votes (mean rank; a missing score ranks lowest), as --zc-proxies A,B,C ranks cells.
    for vote in (["synflow", "jacov", "snip"], ["synflow", "nwot", "jacov"], ["synflow", "nwot"]):
        cells = []
        for n in nets:
            archs = [a for a in trained if a in zc[n]]
            total = [0.0] * len(archs)
            for p in vote:
                r = ranks([float(zc[n][a][p]) if zc[n][a][p] != "" else -math.inf for a in archs])
                total = [t + x for t, x in zip(total, r)]
            for k in (0, 1):
                cells.append(f"{spearman(total, [trained[a][k] for a in archs]):.3f}")
        print(f"| vote {','.join(vote)} | " + " | ".join(cells) + " | |")

    runs = [r for r in ("guided", "guided-zc") if seed_files(f"{out}/{r}")]
    if not runs:
        return
    print("\n## End to end at equal CPU time: the cell each seed found, re-trained (mean +- SE over seeds)\n")
    print("| search | seeds | candidates per seed | training s per seed | search valid of the found cell | re-trained valid | re-trained test | found cell's NB201 CIFAR-10 test_200ep |")
    print("|---|---|---|---|---|---|---|---|")
    per = {}

    def ms(v):
        if not v:
            return "-"
        se = statistics.stdev(v) / math.sqrt(len(v)) if len(v) > 1 else 0.0
        return f"{statistics.fmean(v):.2f} ± {se:.2f}"

    for run in runs:
        valid, rv, rt, counts = [], [], [], []
        for f in seed_files(f"{out}/{run}"):
            rows = list(csv.DictReader(open(f)))
            s = re.search(r"seed_(\d+)", f).group(1)
            best = max(rows, key=lambda x: (float(x["signal"]), -int(x["query"])))
            valid.append(float(best["signal"]))
            counts.append(len(rows))
            summ = f"{out}/retrain/{run}-{s}/summary.json"
            if os.path.exists(summ):
                j = json.load(open(summ))
                rv.append(float(j["valid_accuracy"]))
                rt.append(float(j["test_accuracy"]))
        sj = json.load(open(f"{out}/{run}/summary.json"))
        train_s = [float(r["train_seconds_total"]) for r in sj["runs"]]
        table = [float(r["nb201_table"]["best_cifar10_test_200ep"]) for r in sj["runs"] if "nb201_table" in r]
        per[run] = rt
        print(f"| {run} | {len(valid)} | {statistics.fmean(counts):.1f} | {statistics.fmean(train_s):.0f} | {ms(valid)} | {ms(rv)} | {ms(rt)} | {ms(table)} |")
    if len(per) == 2 and all(len(v) > 1 for v in per.values()):
        a, b = per["guided"], per["guided-zc"]
        diff = statistics.fmean(b) - statistics.fmean(a)
        se = math.sqrt(statistics.variance(a) / len(a) + statistics.variance(b) / len(b))
        print(f"\nre-trained test, guided-zc minus guided: {diff:+.2f} (Welch t = {diff / se if se else float('nan'):.2f})")


main()
