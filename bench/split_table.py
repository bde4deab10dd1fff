#!/usr/bin/env python3
"""Markdown tables of a split study (bench/split_study.sh): per benchmark and split, Kendall tau and
top-1% precision per predictor and training size, and the paired CARL - GCN difference (mean, its
standard error, seeds favouring each). Reads <OUT>/<space>-<dataset>/summary.json.
Usage: bench/split_table.py [OUT]"""
import json, pathlib, sys

out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "bench-out/split_study")
for path in sorted(out.glob("*/summary.json")):
    j = json.loads(path.read_text())
    preds = list(dict.fromkeys(r["predictor"] for r in j["results"]))
    print(f"\n### {j['space']} / {j['dataset']} ({j['rows']} rows, {j['seeds']} paired seeds, tau / top-1% on the held-out part)\n")
    print("| split | n | " + " | ".join(preds) + " | CARL - GCN tau (SE; seeds C:G) | CARL - GCN top-1% (SE; C:G) |")
    print("|---|---|" + "---|" * len(preds) + "---|---|")
    for split in dict.fromkeys(r["split"] for r in j["results"]):
        for n in dict.fromkeys(r["train_size"] for r in j["results"]):
            cells = []
            for p in preds:
                r = next(r for r in j["results"] if r["split"] == split and r["predictor"] == p and r["train_size"] == n)
                cells.append(f"{r['kendall_tau_mean']:.3f} / {r['top1_precision_mean']:.3f}")
            pr = [q for q in j["paired"] if q["split"] == split and q["train_size"] == n and q["a"] == "carl" and q["b"] == "gcn"]
            extra = ["", ""]
            if pr:
                t, k = pr[0]["kendall_tau"], pr[0]["top1_precision"]
                extra = [f"{t['mean_difference']:+.4f} ± {t['standard_error']:.4f} ({t['seeds_a_better']}:{t['seeds_b_better']})",
                         f"{k['mean_difference']:+.4f} ± {k['standard_error']:.4f} ({k['seeds_a_better']}:{k['seeds_b_better']})"]
            print(f"| {split} | {n} | " + " | ".join(cells) + " | " + " | ".join(extra) + " |")
