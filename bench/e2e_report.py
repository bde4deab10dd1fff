"""Summarises end-to-end searches (nas search --evaluator train) on NAS-Bench-201 against the table.

Usage: python3 bench/e2e_report.py TABLE RUN_DIR [RUN_DIR ...]
For each run directory (its trajectories/seed_*.csv and summary.json): per seed the found cell,
its trained validation/test accuracy, its CIFAR-10 accuracy in the table, the trained candidates'
mean validation accuracy after the first 10, the seconds per candidate; then, over every distinct
trained cell of all runs given, the Spearman correlation of the trained validation accuracy with
the table's CIFAR-10 valid_12ep and test_200ep. Standard library only.
"""
import csv
import glob
import os
import statistics
import sys

from rankstats import spearman


def main():
    table = {r["arch"]: r for r in csv.DictReader(open(sys.argv[1]))}
    tests = sorted(float(r["cifar10_test_200ep"]) for r in table.values())
    cells = {}
    print(f"{'run':<28} {'seed':>4} {'best valid':>10} {'test':>6} {'table test_200ep':>16} {'top %':>6} "
          f"{'mean valid q11+':>15} {'s/cand':>6}")
    for run in sys.argv[2:]:
        per_run = []
        for path in sorted(glob.glob(os.path.join(run, "trajectories", "seed_*[0-9].csv"))):
            rows = list(csv.DictReader(open(path)))
            seed = os.path.basename(path)[5:-4]
            best = max(rows, key=lambda r: (float(r["signal"]), -int(r["query"])))
            acc = float(table[best["arch"]]["cifar10_test_200ep"])
            top = 100.0 * sum(1 for t in tests if t > acc) / len(tests)
            later = [float(r["signal"]) for r in rows[10:]]
            trained = [float(r["train_seconds"]) for r in rows if float(r["train_seconds"]) > 0]
            per_run.append(acc)
            print(f"{os.path.basename(run):<28} {seed:>4} {float(best['signal']):>10.2f} {float(best['reported']):>6.2f} "
                  f"{acc:>16.2f} {top:>6.1f} {statistics.fmean(later):>15.2f} {statistics.fmean(trained):>6.1f}")
            for r in rows:
                if float(r["train_seconds"]) > 0:
                    cells.setdefault((os.path.basename(run), r["arch"]), float(r["signal"]))
        print(f"{os.path.basename(run):<28} mean table test_200ep of the found cells: {statistics.fmean(per_run):.2f} "
              f"({len(per_run)} seeds)")
    for label, keep in (("all runs", lambda k: True), ("random runs only", lambda k: "random" in k[0])):
        pairs = [(v, table[a]) for k, v in cells.items() for a in [k[1]] if keep(k)]
        if len(pairs) < 3:
            continue
        mine = [p[0] for p in pairs]
        print(f"Spearman over {len(pairs)} trained cells ({label}): vs CIFAR-10 valid_12ep "
              f"{spearman(mine, [float(p[1]['cifar10_valid_12ep']) for p in pairs]):.3f}, vs test_200ep "
              f"{spearman(mine, [float(p[1]['cifar10_test_200ep']) for p in pairs]):.3f}")


if __name__ == "__main__":
    main()
