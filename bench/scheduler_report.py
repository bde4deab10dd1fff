"""Report of bench/scheduler_study.sh: best test accuracy against simulated time per scheduler and
worker count, the mean simulated time to the optimum, and the utilisation; writes OUT/scheduler.svg.
Usage: python3 bench/scheduler_report.py OUT. Standard library only."""
import csv
import glob
import json
import math
import os
import re
import statistics
import sys


def curve(rows, times):
    """Best reported value (the incumbent's, by signal) at each time in `times`."""
    best_sig, best_rep, out, i = -math.inf, math.nan, [], 0
    rows = sorted(rows, key=lambda r: float(r["finished"]))
    for t in times:
        while i < len(rows) and float(rows[i]["finished"]) <= t:
            if float(rows[i]["signal"]) > best_sig:
                best_sig, best_rep = float(rows[i]["signal"]), float(rows[i]["reported"])
            i += 1
        out.append(best_rep)
    return out


def main():
    out = sys.argv[1]
    runs = {}
    for d in sorted(glob.glob(os.path.join(out, "*-w*"))):
        if not os.path.isdir(d):
            continue
        m = re.match(r"(.*)-w(\d+)$", os.path.basename(d))
        summary = json.load(open(os.path.join(d, "summary.json")))
        trajs = [list(csv.DictReader(open(p))) for p in sorted(glob.glob(os.path.join(d, "trajectories", "seed_*[0-9].csv")))]
        runs[(m.group(1), int(m.group(2)))] = (summary, trajs)
    optimum = next(iter(runs.values()))[0]["optimum"]
    print(f"optimum {optimum}; times in simulated hours (cost model in the study script)")
    print(f"{'scheduler':<14} {'W':>3} {'util %':>7} {'makespan h':>10} {'time to optimum h (hit)':>24} "
          f"{'best @2h':>9} {'@8h':>7} {'@32h':>7}")
    series = {}
    for (name, w), (summary, trajs) in sorted(runs.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        hits = []
        for rows in trajs:
            t_hit = next((float(r["finished"]) for r in sorted(rows, key=lambda r: float(r["finished"]))
                          if abs(float(r["best_reported"]) - optimum) < 1e-9), None)
            # best_reported is recorded in tell order, which is time order for the simulated executor.
            hits.append(t_hit)
        reached = [h for h in hits if h is not None]
        tto = f"{statistics.fmean(reached) / 3600:.2f} ({len(reached)}/{len(hits)})" if reached else f"- (0/{len(hits)})"
        grid = [3600 * x for x in (2, 8, 32)]
        at = [statistics.fmean(c) for c in zip(*[curve(rows, grid) for rows in trajs])]
        print(f"{name:<14} {w:>3} {100 * summary['utilisation']:>7.1f} {summary['makespan_seconds'] / 3600:>10.2f} {tto:>24} "
              f"{at[0]:>9.3f} {at[1]:>7.3f} {at[2]:>7.3f}")
        times = [3600 * 0.25 * i for i in range(1, 161)]
        series[(name, w)] = (times, [statistics.fmean(c) for c in zip(*[curve(rows, times) for rows in trajs])])
    # One panel per W, lines per scheduler.
    colours = {"guided-async": "#d62728", "guided-sync": "#1f77b4", "rea-async": "#2ca02c", "random": "#7f7f7f"}
    ws = sorted({w for _, w in series})
    W, H, pw, ph = 300 * len(ws) + 40, 380, 280, 280
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
           f'<rect width="{W}" height="{H}" fill="white"/>']
    lo, hi = 93.0, optimum + 0.05
    for p, w in enumerate(ws):
        x0, y0 = 50 + p * 300, 40
        svg.append(f'<text x="{x0}" y="25" font-size="13">W = {w}: mean best test accuracy vs simulated hours</text>')
        svg.append(f'<rect x="{x0}" y="{y0}" width="{pw - 40}" height="{ph}" fill="none" stroke="black"/>')
        for k in range(5):
            v = lo + (hi - lo) * k / 4
            y = y0 + ph * (1 - k / 4)
            svg.append(f'<text x="{x0 - 4}" y="{y + 4}" text-anchor="end">{v:.2f}</text>')
        for k in range(5):
            svg.append(f'<text x="{x0 + (pw - 40) * k / 4}" y="{y0 + ph + 14}" text-anchor="middle">{10 * k}</text>')
        for (name, ww), (times, vals) in series.items():
            if ww != w:
                continue
            pts = " ".join(f"{x0 + (pw - 40) * t / 3600 / 40:.1f},{y0 + ph * (1 - (min(max(v, lo), hi) - lo) / (hi - lo)):.1f}"
                           for t, v in zip(times, vals) if not math.isnan(v))
            svg.append(f'<polyline fill="none" stroke="{colours.get(name, "black")}" stroke-width="1.6" points="{pts}"/>')
    for i, (name, c) in enumerate(colours.items()):
        svg.append(f'<line x1="{50 + 150 * i}" y1="{H - 20}" x2="{70 + 150 * i}" y2="{H - 20}" stroke="{c}" stroke-width="3"/>'
                   f'<text x="{75 + 150 * i}" y="{H - 16}">{name}</text>')
    svg.append("</svg>")
    open(os.path.join(out, "scheduler.svg"), "w").write("\n".join(svg))
    print(f"plot: {os.path.join(out, 'scheduler.svg')}")


if __name__ == "__main__":
    main()
