"""Tables of bench/zc_study.sh: agreement with NASLib's stored zero-cost scores, Spearman of the
data-free proxies with the 200-epoch test accuracy over all 15,625 NB201 cells, and the table
searches with and without the zero-cost warm-up. Usage: zc_report.py OUT DATA_DIR"""
import csv
import glob
import json
import os
import re
import statistics
import sys

import numpy as np

out, data = sys.argv[1], sys.argv[2]
DATASETS = ["cifar10", "cifar100", "ImageNet16-120"]


def rank(v):
    v = np.asarray(v, float)
    o = v.argsort(kind="mergesort")
    r = np.empty(len(v))
    r[o] = np.arange(len(v))
    s = v[o]
    i = 0
    while i < len(v):  # ties share their mean rank
        j = i
        while j + 1 < len(v) and s[j + 1] == s[i]:
            j += 1
        r[o[i:j + 1]] = (i + j) / 2
        i = j + 1
    return r


def spearman(a, b):
    return float(np.corrcoef(rank(a), rank(b))[0, 1]) if len(a) > 2 else float("nan")


def read(path):
    return {r["arch"]: r for r in csv.DictReader(open(path))} if os.path.exists(path) else {}


def agreement(ours, ref, p, key="arch_str"):
    xs, ys = [], []
    for r in ref:
        o = ours.get(r[key])
        if o is None or o.get(p, "") == "" or r.get("zc_" + p, "") == "":
            continue
        xs.append(float(o[p]))
        ys.append(float(r["zc_" + p]))
    return spearman(xs, ys), len(xs)


print("## Agreement with NASLib's stored scores (NB201 subset, Spearman; n rows)\n")
print("Ours: C 16, N 5, seed 0, CIFAR-shaped random batch of 32 (NASLib: real CIFAR / ImageNet16 images, its own random weights")
print("and batch per cell). 'seed 0 vs 1': our two seeds against each other, the agreement that random weights and batch allow.\n")
proxies = ["flops", "params", "synflow", "grasp", "fisher", "grad_norm", "l2_norm", "plain", "nwot", "epe_nas", "jacov", "snip", "zen"]
print("| proxy | " + " | ".join(f"{d} vs NASLib | {d} seed 0 vs 1" for d in DATASETS) + " |")
print("|---|" + "---|---|" * len(DATASETS))
for p in proxies:
    cells = []
    for d in DATASETS:
        ref = list(csv.DictReader(open(f"{out}/subset_{d}.csv"))) if os.path.exists(f"{out}/subset_{d}.csv") else []
        df = read(f"{out}/naslib_df_{d}.csv")
        s0, s1 = read(f"{out}/naslib_all_{d}_seed0.csv"), read(f"{out}/naslib_all_{d}_seed1.csv")
        src = df if p in ("flops", "params", "synflow", "l2_norm") and df else s0
        rho, n = agreement(src, ref, p) if ref and p != "zen" else (float("nan"), 0)
        common = [a for a in s0 if a in s1 and s0[a].get(p, "") != "" and s1[a].get(p, "") != ""]
        ceil = spearman([float(s0[a][p]) for a in common], [float(s1[a][p]) for a in common]) if common else float("nan")
        cells.append(f"{rho:.3f} (n={n})" if n else "not stored")
        cells.append(f"{ceil:.3f}" if common else "")
    print(f"| {p} | " + " | ".join(cells) + " |")

print("\n## Spearman with the 200-epoch test accuracy, all 15,625 NB201 cells\n")
table = list(csv.DictReader(open(f"{data}/nasbench201/nb201.csv")))
col = {"cifar10": "cifar10_test_200ep", "cifar100": "cifar100_test_200ep", "ImageNet16-120": "imagenet16_test_200ep"}
print("| proxy | " + " | ".join(DATASETS) + " |")
print("|---|" + "---|" * len(DATASETS))
for p in ["synflow", "params", "flops", "l2_norm"]:
    row = []
    for d in DATASETS:
        ours = read(f"{out}/all_{d}.csv")
        xs, ys = [], []
        for r in table:
            o = ours.get(r["arch"])
            if o is None or o.get(p, "") == "" or r[col[d]] == "":
                continue
            xs.append(float(o[p]))
            ys.append(float(r[col[d]]))
        row.append(f"{spearman(xs, ys):.3f} (n={len(xs)})")
    print(f"| {p} | " + " | ".join(row) + " |")
for d in DATASETS:
    p = f"{out}/all_{d}.done"
    if os.path.exists(p):
        ours = read(f"{out}/all_{d}.csv")
        sec = statistics.mean(float(o["seconds_synflow"]) for o in ours.values())
        print(f"\n{d}: all {len(ours)} cells, 4 proxies, 2 threads: {open(p).read().strip()} s wall; synflow {sec * 1000:.1f} ms per cell (one thread each)")

print("\n## Searches on the table (NB201, budget 100): mean best reported (test) accuracy ± SE at 20/50/100 queries, seeds at the optimum at 100\n")
print("| dataset | search | @20 | @50 | @100 | at optimum |")
print("|---|---|---|---|---|---|")
for d in ["cifar10", "cifar100", "imagenet16"]:
    for a in ["guided", "guided-zc", "guided-zf", "guided-zf4", "guided-zc-zf", "rea", "rea-zc", "zc"]:
        folder = f"{out}/search-{d}-{a}"
        files = sorted(f for f in glob.glob(f"{folder}/trajectories/seed_*.csv") if re.fullmatch(r"seed_\d+\.csv", os.path.basename(f)))
        if not files:
            continue
        at = {20: [], 50: [], 100: []}
        for f in files:
            rows = list(csv.DictReader(open(f)))
            for q in at:
                at[q].append(float(rows[min(q, len(rows)) - 1]["best_reported"]))
        txt = open(f"{folder}.txt").read()
        m = re.search(r"reached by ([0-9.]+)% of seeds", txt)
        cells = [f"{statistics.mean(v):.2f} ± {statistics.stdev(v) / len(v) ** 0.5:.2f}" for v in at.values()]
        print(f"| {d} | {a} | " + " | ".join(cells) + f" | {m.group(1) if m else '?'}% of {len(files)} |")

pe = {f: f"{out}/predict-{f}/summary.json" for f in ("plain", "features")}
if all(os.path.exists(p) for p in pe.values()):
    import json
    res = {f: {(r["predictor"], r["train_size"]): r for r in json.load(open(p))["results"]} for f, p in pe.items()}
    print("\n## Surrogates with the four data-free proxies as inputs (CIFAR-10, nas predict-eval, 5 seeds): Kendall tau on the held-out cells, mean ± std\n")
    print("| predictor | cells | without | with features | top-1% precision without / with |")
    print("|---|---|---|---|---|")
    for key in sorted(res["plain"], key=lambda k: (["carl", "gcn", "mlp", "tart"].index(k[0]) if k[0] in ["carl", "gcn", "mlp", "tart"] else 9, k[1])):
        a, b = res["plain"][key], res["features"].get(key)
        if not b:
            continue
        print(f"| {key[0]} | {key[1]} | {a['kendall_tau_mean']:.3f} ± {a['kendall_tau_std']:.3f} | {b['kendall_tau_mean']:.3f} ± {b['kendall_tau_std']:.3f} | "
              f"{a['top1_precision_mean']:.3f} / {b['top1_precision_mean']:.3f} |")
