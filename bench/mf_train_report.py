"""Report of bench/mf_train_study.sh: per search, the found cells' test accuracy after the common
re-training (mean +- SE over seeds), what each search evaluated in its time (trainings, full-
fidelity ones, CPU seconds), and Welch's t-test of each pair of searches (two-sided p from the
t distribution). Usage: python3 bench/mf_train_report.py OUT. Standard library only."""
import glob
import json
import math
import os
import re
import statistics
import sys

ORDER = ["random", "guided", "asha", "guided-rungs", "guided-rungs-2m"]


def t_sf(t, df):
    """Two-sided p-value of Student's t with df degrees of freedom (regularised incomplete beta)."""
    x = df / (df + t * t)
    return betainc(df / 2, 0.5, x)


def betainc(a, b, x):
    # Continued fraction (Numerical Recipes' betacf), enough for p-values.
    if x <= 0 or x >= 1:
        return 0.0 if x <= 0 else 1.0
    lbeta = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x)
    if x > (a + 1) / (a + b + 2):
        return 1 - betainc(b, a, 1 - x)
    c, d, f = 1.0, 1 - (a + b) * x / (a + 1), 0.0
    d = 1 / d if abs(d) > 1e-300 else 1e300
    f = d
    for m in range(1, 300):
        for num in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)), -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1 + num * d
            d = 1 / d if abs(d) > 1e-300 else 1e300
            c = 1 + num / c if abs(c) > 1e-300 else 1e300
            f *= d * c
    return math.exp(lbeta) * f / a


def main():
    out = sys.argv[1]
    acc, evals = {}, {}
    for d in sorted(glob.glob(os.path.join(out, "*-s*"))):
        if not os.path.isdir(d):
            continue
        name = os.path.basename(d)
        search = re.sub(r"-s\d+$", "", name)
        retrain = os.path.join(out, "retrain", name, "summary.json")
        if os.path.exists(retrain):
            with open(retrain) as f:
                acc.setdefault(search, []).append(json.load(f)["test_accuracy"])
        traj = os.path.join(d, "trajectories", "seed_" + name.rsplit("-s", 1)[1] + ".csv")
        if os.path.exists(traj):
            with open(traj) as f:
                rows = f.read().splitlines()[1:]
            full = sum(1 for r in rows if "epochs:" not in r or r.split(",")[-2] == "epochs:9")
            evals.setdefault(search, []).append((len(rows), full))
    print("found cells re-trained at the common fidelity: test accuracy (%), mean +- SE over seeds")
    for s in [x for x in ORDER if x in acc]:
        v = acc[s]
        se = statistics.stdev(v) / math.sqrt(len(v)) if len(v) > 1 else math.nan
        e = evals.get(s, [])
        print(f"{s:>15}: {statistics.mean(v):6.2f} +- {se:4.2f}  (n = {len(v)}; evaluations per run {statistics.mean(x[0] for x in e):.1f}, "
              f"at full fidelity {statistics.mean(x[1] for x in e):.1f})")
    names = [x for x in ORDER if x in acc and len(acc[x]) > 1]
    print("\nWelch's t-test (two-sided)")
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            va, vb = statistics.variance(acc[a]) / len(acc[a]), statistics.variance(acc[b]) / len(acc[b])
            if va + vb == 0:
                continue
            t = (statistics.mean(acc[a]) - statistics.mean(acc[b])) / math.sqrt(va + vb)
            df = (va + vb) ** 2 / (va * va / (len(acc[a]) - 1) + vb * vb / (len(acc[b]) - 1))
            print(f"  {a} - {b}: {statistics.mean(acc[a]) - statistics.mean(acc[b]):+.2f} points, t = {t:+.2f}, df = {df:.1f}, p = {t_sf(t, df):.3f}")


if __name__ == "__main__":
    main()
