#!/usr/bin/env python3
"""Tables for the weight-sharing studies (issue 26).

  oneshot_report.py ranking OUT   supernet configurations: Kendall / Spearman of inherited-weight
                                  accuracy and of the parameter count against stand-alone training
                                  and the NB201 CIFAR-10 table (bench/oneshot_ranking.sh)
  oneshot_report.py methods OUT   DARTS-V1/V2, GDAS, RSPS: derived cells per seed, their NB201
                                  CIFAR-10 accuracy, parameter-free edges (bench/oneshot_methods.sh)
  oneshot_report.py darts OUT     DARTS-V1 (or another method) on the DARTS space: derived genotypes
                                  per seed, their parameter count in DARTS' CIFAR-10 network,
                                  parameter-free edges, final op weights (bench/oneshot_darts_space.sh)
  oneshot_report.py e2e OUT       end to end at equal CPU time: the found cells re-trained at one
                                  common fidelity, mean +- SE, Welch tests (bench/oneshot_e2e.sh)
"""
import csv
import glob
import json
import math
import os
import statistics
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def ranking(out):
    rows = []
    for s in sorted(glob.glob(os.path.join(out, "*", "summary.json"))):
        j = load(s)
        if "ranking" not in j:
            continue
        name = os.path.basename(os.path.dirname(s))
        by = {a["reference"]: a for a in j["ranking"]["against"]}
        rows.append((name, j, by))
    if not rows:
        sys.exit(f"{out}: no ranking results")
    # Each supernet ranks by its paths' validation accuracy and by minus their validation loss
    # (the same pass; summaries from before the loss have no loss columns: "-").
    print("| supernet (C8 N1, SPOS) | training images x epochs | train s | images/s | Kendall vs stand-alone (accuracy / loss) | "
          "Spearman | Kendall vs NB201 C10 | Spearman | cells/s |")
    print("|---|---|---|---|---|---|---|---|---|")
    f = lambda a, k: f"{a[k]:.3f}" if a and k in a else "-"
    both = lambda a, who, stat: f"{f(a, f'{who}_{stat}')} / {f(a, f'{who}_loss_{stat}')}"  # accuracy / loss
    for name, j, by in rows:
        sa, tb = by.get("signal"), by.get("nb201_cifar10_test")
        print(f"| {name} ({j['sampling']}, {j['ranking']['bn_batches']} BN batches) | {j['train_images']} x {j['epochs']} | {j['train_seconds']:.0f} | "
              f"{j['images_per_second']:.0f} | {both(sa, 'supernet', 'kendall')} | {both(sa, 'supernet', 'spearman')} | {both(tb, 'supernet', 'kendall')} | "
              f"{both(tb, 'supernet', 'spearman')} | {j['ranking']['cells_per_second']:.2f} |")
        if sa and "few_shot_kendall" in sa:
            fs = j["few_shot"]
            print(f"| {name}: few-shot, edge {fs['edge']}, 5 x {fs['epochs']} more epochs | | "
                  f"{sum(x['train_seconds_this_call'] for x in fs['sub_supernets']):.0f} | | {both(sa, 'few_shot', 'kendall')} | "
                  f"{both(sa, 'few_shot', 'spearman')} | {both(tb, 'few_shot', 'kendall')} | {both(tb, 'few_shot', 'spearman')} | |")
    name, j, by = rows[0]
    sa, tb = by.get("signal"), by.get("nb201_cifar10_test")
    print(f"| parameter count | - | - | - | {sa['params_kendall']:.3f} | {sa['params_spearman']:.3f} | "
          f"{tb['params_kendall']:.3f} | {tb['params_spearman']:.3f} | - |")
    print(f"\n{sa['cells']} cells; stand-alone: the cells' validation accuracy after 5 epochs on 4,000 images (C8 N1).")


def methods(out):
    print("| method | seed | derived cell | parameter-free edges | NB201 C10 test | supernet s |")
    print("|---|---|---|---|---|---|")
    by_method = {}
    for s in sorted(glob.glob(os.path.join(out, "*", "summary.json"))):
        j = load(s)
        if "arch" not in j:
            continue
        m = j["method"]
        t = j.get("nb201_cifar10_test", float("nan"))
        by_method.setdefault(m, []).append((t, j["parameter_free_edges"]))
        print(f"| {m} | {j['seed']} | `{j['arch']}` | {j['parameter_free_edges']} | {t:.2f} | {j['train_seconds']:.0f} |")
    print("\n| method | seeds | NB201 C10 test mean +- std | parameter-free edges (mean of 6) |")
    print("|---|---|---|---|")
    for m, v in sorted(by_method.items()):
        t = [x[0] for x in v]
        sd = statistics.stdev(t) if len(t) > 1 else 0.0
        print(f"| {m} | {len(v)} | {statistics.mean(t):.2f} +- {sd:.2f} | {statistics.mean(x[1] for x in v):.1f} |")


def darts(out):
    print("| run | genotype | params (DARTS CIFAR-10 net, C36 20 cells) | parameter-free edges of 16 | final loss | images/s | train s |")
    print("|---|---|---|---|---|---|---|")
    free, params = [], []
    for f in sorted(glob.glob(os.path.join(out, "*", "summary.json"))):
        j = load(f)
        name = os.path.basename(os.path.dirname(f))
        free.append(j["parameter_free_edges"])
        params.append(j["arch_parameters_darts_cifar10"])
        print(f"| {name} | `{j['arch']}` | {j['arch_parameters_darts_cifar10'] / 1e6:.2f}M | {j['parameter_free_edges']} | "
              f"{j['final_loss']:.3f} | {j['images_per_second']:.1f} | {j['train_seconds']:.0f} |")
        # The final epoch's softmax weights, averaged over the normal (0-13) and reduction (14-27) edges.
        rows = list(csv.DictReader(open(os.path.join(os.path.dirname(f), "arch_weights.csv"))))
        last = max(int(r["epoch"]) for r in rows)
        ops = [k for k in rows[0] if k not in ("epoch", "edge")]
        for cell, lo, hi in (("normal", 0, 13), ("reduce", 14, 27)):
            rs = [r for r in rows if int(r["epoch"]) == last and lo <= int(r["edge"]) <= hi]
            mean = {k: statistics.mean(float(r[k]) for r in rs) for k in ops}
            dev = max(abs(float(r[k]) - 1 / len(ops)) for r in rs for k in ops)
            print(f"|   {cell} cell, epoch {last} mean weights (largest distance of one weight from uniform {dev:.4f}) | "
                  + ", ".join(f"{k} {v:.4f}" for k, v in mean.items()) + " | | | | | |")
    if free:
        print(f"mean parameter-free edges {statistics.mean(free):.2f} of 16 (uniformly random ops: 16 x 3/7 = 6.86); "
              f"mean parameters {statistics.mean(params) / 1e6:.2f}M (DARTS reports 3.3M for its V1 and V2 genotypes)")


def welch(a, b):
    from scipy import stats
    return stats.ttest_ind(a, b, equal_var=False).pvalue


def e2e(out):
    arms = {}
    for f in sorted(glob.glob(os.path.join(out, "final", "*", "summary.json"))):
        name = os.path.basename(os.path.dirname(f))
        arm, seed = name.rsplit("-", 1)
        j = load(f)
        arms.setdefault(arm, []).append((int(seed), j["test_accuracy"], j["valid_accuracy"]))
    cost = {}
    if os.path.exists(os.path.join(out, "cpu_seconds.csv")):
        for r in csv.DictReader(open(os.path.join(out, "cpu_seconds.csv"))):
            cost.setdefault(r["arm"], []).append(float(r["cpu_seconds"]))
    print("| arm | seeds | re-trained test accuracy mean +- SE | valid mean | CPU s per seed (mean) |")
    print("|---|---|---|---|---|")
    for arm, v in sorted(arms.items()):
        t = [x[1] for x in v]
        se = statistics.stdev(t) / math.sqrt(len(t)) if len(t) > 1 else 0.0
        c = f"{statistics.mean(cost[arm]):.0f}" if arm in cost else "-"
        print(f"| {arm} | {len(v)} | {statistics.mean(t):.2f} +- {se:.2f} | {statistics.mean(x[2] for x in v):.2f} | {c} |")
    names = sorted(arms)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ta, tb = [x[1] for x in arms[a]], [x[1] for x in arms[b]]
            if len(ta) > 1 and len(tb) > 1:
                print(f"Welch {a} vs {b}: p = {welch(ta, tb):.3f}")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("ranking", "methods", "darts", "e2e"):
        sys.exit(__doc__)
    {"ranking": ranking, "methods": methods, "darts": darts, "e2e": e2e}[sys.argv[1]](sys.argv[2])
