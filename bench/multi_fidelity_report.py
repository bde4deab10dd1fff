"""Report of bench/multi_fidelity_study.sh: per dataset and search, the mean regret (table optimum of
the reported column minus the incumbent's reported value; the incumbent is the best full-fidelity
result finished by then, by signal) at 5, 6 and 8 hours (Syne Tune's budgets) and at 24 hours, the
median simulated time to the optimum and how many seeds reach it; writes OUT/regret.svg (mean
regret against simulated hours, log scale). Usage: python3 bench/multi_fidelity_report.py OUT.
Standard library only."""
import csv
import glob
import json
import math
import os
import statistics
import sys

HOURS = [5, 6, 8, 24]
ORDER = ["random", "rea", "guided", "sh", "hyperband", "asha", "guided-rungs", "guided-rungs-lowest", "guided-rungs-second"]


def load(folder):
    """Per seed: the list of (finished, signal, reported) of full-fidelity records, by time."""
    runs = []
    for path in sorted(glob.glob(os.path.join(folder, "trajectories", "seed_*.csv"))):
        if path.endswith("_retrains.csv"):
            continue
        with open(path) as f:
            rows = list(csv.DictReader(f))
        top = max((float(r["fidelity"].split(":")[1]) for r in rows if r.get("fidelity", "full") != "full"), default=None)
        full = [r for r in rows if top is None or r.get("fidelity", "full") == "full" or float(r["fidelity"].split(":")[1]) >= top]
        runs.append(sorted((float(r["finished"]), float(r["signal"]), float(r["reported"])) for r in full))
    return runs


def incumbent_at(run, t):
    best = None
    for fin, sig, rep in run:
        if fin > t:
            break
        if best is None or sig > best[0]:
            best = (sig, rep)
    return None if best is None else best[1]


def time_to(run, optimum):
    best = -math.inf
    for fin, sig, rep in run:
        if sig > best:
            best = sig
            if rep >= optimum - 1e-9:
                return fin
    return math.inf


def main():
    out = sys.argv[1]
    results = {}
    for summary in sorted(glob.glob(os.path.join(out, "*", "summary.json"))):
        folder = os.path.dirname(summary)
        with open(summary) as f:
            s = json.load(f)
        label = os.path.basename(folder)[len(s["dataset"]) + 1:]  # <dataset>-<search>
        results[(s["dataset"], label)] = (s["optimum"], load(folder))
    datasets = sorted({d for d, _ in results}, key=["cifar10", "cifar100", "imagenet16"].index)
    print("mean regret ± SE (percentage points) at simulated hours; median hours to the optimum (seeds reaching it within the run)")
    for ds in datasets:
        print(f"\n{ds}")
        print(f"{'search':>20} " + " ".join(f"{h:>12}h" for h in HOURS) + f"  {'to optimum':>12}  seeds")
        for algo in [a for a in ORDER if (ds, a) in results]:
            optimum, runs = results[(ds, algo)]
            cells = []
            for h in HOURS:
                v = [optimum - x for x in (incumbent_at(r, h * 3600) for r in runs) if x is not None]
                se = statistics.stdev(v) / math.sqrt(len(v)) if len(v) > 1 else math.nan
                star = " " if len(v) == len(runs) else "*"
                cells.append(f"{statistics.mean(v) if v else math.nan:6.3f}±{se:.3f}{star}")
            times = sorted(time_to(r, optimum) for r in runs)
            med = times[len(times) // 2] if len(times) % 2 else (times[len(times) // 2 - 1] + times[len(times) // 2]) / 2
            reach = sum(t < math.inf for t in times)
            print(f"{algo:>20} " + " ".join(cells) + f"  {med / 3600 if med < math.inf else math.inf:>11.2f}h  {reach}/{len(runs)}")
    print("\n(* = some seeds had no full-fidelity result yet; the mean is over those that had)")
    svg(out, results, datasets)


def svg(out, results, datasets):
    w, h, pad = 360, 260, 45
    colors = {"random": "#888", "rea": "#1f77b4", "guided": "#2ca02c", "sh": "#ff7f0e", "hyperband": "#9467bd", "asha": "#d62728",
              "guided-rungs": "#17becf", "guided-rungs-lowest": "#8c564b", "guided-rungs-second": "#e377c2"}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w * len(datasets)}" height="{h + 30}" font-family="sans-serif" font-size="11">']
    hours = [0.25 * i for i in range(1, 97)]
    for k, ds in enumerate(datasets):
        x0 = k * w
        curves = {}
        for algo in ORDER:
            if (ds, algo) not in results:
                continue
            optimum, runs = results[(ds, algo)]
            pts = []
            for t in hours:
                v = [optimum - x for x in (incumbent_at(r, t * 3600) for r in runs) if x is not None]
                if len(v) == len(runs):
                    pts.append((t, max(statistics.mean(v), 1e-3)))
            curves[algo] = pts
        lo, hi = math.log10(1e-3), math.log10(max([p[1] for c in curves.values() for p in c] + [1e-2]))
        sx = lambda t: x0 + pad + (w - pad - 10) * t / 24
        sy = lambda v: 10 + (h - pad) * (1 - (math.log10(v) - lo) / (hi - lo if hi > lo else 1))
        parts.append(f'<text x="{x0 + w / 2}" y="{h + 25}" text-anchor="middle">{ds}: mean regret (log) vs simulated hours</text>')
        parts.append(f'<line x1="{sx(0)}" y1="{sy(10 ** lo)}" x2="{sx(24)}" y2="{sy(10 ** lo)}" stroke="black"/>')
        for t in (0, 5, 6, 8, 12, 24):
            parts.append(f'<text x="{sx(t)}" y="{sy(10 ** lo) + 14}" text-anchor="middle">{t}</text>')
        for e in range(int(math.ceil(lo)), int(math.floor(hi)) + 1):
            parts.append(f'<text x="{x0 + pad - 4}" y="{sy(10 ** e) + 4}" text-anchor="end">1e{e}</text>')
        for i, (algo, pts) in enumerate(curves.items()):
            if pts:
                d = " ".join(f"{sx(t):.1f},{sy(v):.1f}" for t, v in pts)
                parts.append(f'<polyline fill="none" stroke="{colors[algo]}" stroke-width="1.5" points="{d}"/>')
            parts.append(f'<text x="{x0 + w - 80}" y="{20 + 13 * i}" fill="{colors[algo]}">{algo}</text>')
    parts.append("</svg>")
    with open(os.path.join(out, "regret.svg"), "w") as f:
        f.write("\n".join(parts))
    print(f"wrote {os.path.join(out, 'regret.svg')}")


if __name__ == "__main__":
    main()
