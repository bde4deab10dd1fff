"""The Python module end to end: a guided search from Python equals `nas search` with the same
seed and options; a Python evaluator drives a search (failures recorded, other exceptions
raised as they were); C++ errors arrive as Python exceptions with the CLI's message; spaces and
tables. Usage: test_nasengine.py <path to nas>   (PYTHONPATH holds the built module)."""
import csv
import os
import subprocess
import sys
import tempfile
import tomllib
import unittest

import nasengine as ne

NAS = sys.argv.pop(1) if len(sys.argv) > 1 else "build/apps/nas"


def cli_trajectory(args, out):
    subprocess.run([NAS, "search", *args, "--out", out], check=True, capture_output=True)
    with open(os.path.join(out, "trajectories", "seed_0.csv"), newline="") as f:
        return list(csv.DictReader(f))


class SearchFromPython(unittest.TestCase):
    def test_guided_equals_cli(self):
        opts = dict(algo="guided", predictor="mlp", budget=40, torch_threads=1, seeds=1, seed_base=0, top_k=4, retrain="every-k",
                    retrain_every=8)
        runs = ne.search(**opts)
        self.assertEqual(len(runs), 1)
        with tempfile.TemporaryDirectory() as d:
            cli = cli_trajectory(["--algo", "guided", "--predictor", "mlp", "--budget", "40", "--torch-threads", "1", "--seeds", "1",
                                  "--top-k", "4", "--retrain", "every-k", "--retrain-every", "8"], os.path.join(d, "run"))
        py = runs[0]["trajectory"]
        self.assertEqual(len(py), len(cli))
        for p, c in zip(py, cli):
            self.assertEqual(p["arch"], c["arch"])
            self.assertEqual(p["signal"], float(c["signal"]))
            self.assertEqual(p["best_reported"], float(c["best_reported"]))
        self.assertEqual(len(runs[0]["best_reported"]), 40)
        self.assertEqual(runs[0]["termination"], "budget_spent")
        self.assertEqual(runs[0]["device"], "cpu")
        self.assertIn("40/40 queries (budget spent)", runs[0]["summary"])
        self.assertGreater(len(runs[0]["retrains"]), 1)

    def test_config_toml_replays_in_python(self):
        # config.toml (every effective option) read by a standard TOML parser, passed as keywords:
        # the same run as the CLI's.
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "run")
            cli = cli_trajectory(["--algo", "guided", "--predictor", "gcn", "--budget", "30", "--torch-threads", "1", "--seeds", "1",
                                  "--dataset", "cifar100", "--hidden", "32", "--warm-start", "--mutation-steps", "2"], out)
            with open(os.path.join(out, "config.toml"), "rb") as f:
                config = tomllib.load(f)
        self.assertEqual(config["hidden"], 32)
        self.assertIs(config["warm-start"], True)
        self.assertEqual(config["epochs"], 100)  # a default, written too
        names = {o["name"] for o in ne.options()}
        opts = {}
        for key, value in config.items():
            k = key.replace("-", "_")
            if key in ("out", "resume") or value == "":
                continue
            self.assertIn(k, names)
            opts[k] = value
        py = ne.search(**opts)[0]["trajectory"]
        self.assertEqual([q["arch"] for q in py], [c["arch"] for c in cli])
        self.assertEqual([q["best_reported"] for q in py], [float(c["best_reported"]) for c in cli])

    def test_nb101_darts_trajectories_read_back(self):
        # Their architecture strings hold commas: the CSV must quote them (RFC 4180).
        for space in ("nb101", "darts"):
            with tempfile.TemporaryDirectory() as d:
                out = os.path.join(d, "run")
                rows = cli_trajectory(["--space", space, "--algo", "rea", "--budget", "20", "--seeds", "1"], out)
                path = os.path.join(out, "trajectories", "seed_0.csv")
                ours = ne.read_csv(path)
            self.assertEqual(len(rows), 20)
            self.assertEqual(ours["arch"], [r["arch"] for r in rows])
            sp = ne.Space(space)
            for a in ours["arch"]:
                self.assertIn(",", a)
                self.assertEqual(sp.parse(a), a)

    def test_rea_seeds_and_async_workers(self):
        runs = ne.search(algo="rea", budget=60, seeds=3, workers=4, mode="async")
        self.assertEqual(len(runs), 3)
        for r in runs:
            archs = [q["arch"] for q in r["trajectory"]]
            self.assertEqual(len(archs), 60)
            self.assertEqual(len(set(archs)), 60)

    def test_multi_fidelity_keywords(self):
        # ASHA over NB201's rungs on the simulated clock: the same options as the CLI, as keywords.
        runs = ne.search(algo="asha", fidelities="12,200", eta=3, seeds=2, executor="simulated", mode="async", workers=4,
                         cost_model="epochs:15", time_budget=20000)
        for r in runs:
            self.assertTrue(r["time_budget_reached"])
            rungs = [q["fidelity"][1] for q in r["trajectory"]]
            self.assertEqual(set(rungs), {12.0, 200.0})
            self.assertTrue(all(q["submitted"] < 20000 for q in r["trajectory"]))
            full = [q for q in r["trajectory"] if q["fidelity"][1] == 200.0]
            self.assertEqual(r["incumbent"]["signal"], max(q["signal"] for q in full))
            self.assertEqual(r["anytime"][-1][2], r["incumbent"]["reported"])
        # Guided over rungs with a second model, as a keyword; a wrong value names the choices.
        r = ne.search(algo="guided", fidelities="12,200", rung_targets="second-model", predictor="mlp", torch_threads=1, budget=30,
                      seeds=1, executor="simulated", mode="async", workers=4, cost_model="epochs:15")[0]
        self.assertEqual(len(r["trajectory"]), 30)
        full = [q for q in r["trajectory"] if q["fidelity"][1] == 200.0]
        self.assertTrue(full)
        self.assertEqual(r["incumbent"]["signal"], max(q["signal"] for q in full))
        with self.assertRaisesRegex(ne.OptionError, "second-model"):
            ne.search(algo="guided", fidelities="12,200", rung_targets="second", budget=10)
        with self.assertRaisesRegex(ne.OptionError, "--eta 1.5|eta"):
            ne.search(algo="asha", eta=1.5)
        with self.assertRaisesRegex(ne.OptionError, "full fidelity only"):
            ne.search(algo="asha", evaluator=lambda a: 1.0, budget=5)

    def test_python_evaluator(self):
        space = ne.Space("nb201")
        calls = []

        def score(arch):
            calls.append(arch)
            if arch.count("none") >= 4:
                raise ne.EvaluationFailed("diverged", "too many none ops")
            return {"signal": float(arch.count("nor_conv_3x3")), "reported": 1.0, "cost_seconds": 0.5, "parameters": 7}

        runs = ne.search(algo="rea", budget=50, evaluator=score, workers=2, mode="async", seed_base=3)
        r = runs[0]
        self.assertEqual(len(r["trajectory"]), 50)
        self.assertEqual(len(calls), 50 + len(r["failures"]))
        for f in r["failures"]:
            self.assertEqual(f["kind"], "diverged")
            self.assertEqual(f["reason"], "too many none ops")
        self.assertEqual(r["incumbent"]["signal"], max(q["signal"] for q in r["trajectory"]))
        self.assertTrue(all(q["cost_seconds"] == 0.5 and q["parameters"] == 7 for q in r["trajectory"]))
        self.assertTrue(all(space.valid(a) for a in calls))

    def test_python_evaluator_objectives_and_metrics_are_recorded(self):
        def score(arch):
            n = arch.count("nor_conv_3x3")
            return {"signal": float(n), "objectives": [float(n), -2.5], "metrics": {"params": 1000.0 + n}, "pruned": n == 0}

        r = ne.search(algo="local-search", budget=30, evaluator=score, seed_base=1)[0]
        self.assertEqual(len(r["trajectory"]), 30)
        for q in r["trajectory"]:
            self.assertEqual(q["objectives"], [q["signal"], -2.5])
            self.assertEqual(q["metrics"], {"params": 1000.0 + q["signal"]})
            self.assertEqual(q.get("pruned", False), q["signal"] == 0)
            self.assertNotIn("fidelity", q)  # full-fidelity requests carry none
        plain = ne.search(algo="rea", budget=5, seeds=1)[0]["trajectory"][0]
        self.assertFalse({"objectives", "metrics", "pruned", "fidelity"} & set(plain))

    def test_objectives_and_constraint_on_the_table(self):
        # Several objectives from Python: the front equals the CLI's pareto/seed_0.csv for the same
        # seed, holds feasible, mutually non-dominated points only, and its hypervolume share is a fraction.
        args = dict(algo="rea", budget=60, objectives="cifar10_test_200ep:max,params:min", constraint="params<=500000")
        r = ne.search(seeds=1, **args)[0]
        for q in r["trajectory"]:
            self.assertEqual(q["objectives"], [q["metrics"]["cifar10_test_200ep"], q["metrics"]["params"]])
            self.assertEqual(q["feasible"], q["metrics"]["params"] <= 500000)
        front = r["front"]
        self.assertTrue(front)
        for p in front:
            self.assertLessEqual(p["params"], 500000)
            self.assertFalse(any(o["cifar10_test_200ep"] >= p["cifar10_test_200ep"] and o["params"] <= p["params"] and o != p
                                 for o in front))
        self.assertGreater(r["hypervolume_fraction"], 0.5)
        self.assertLessEqual(r["hypervolume_fraction"], 1.0)
        with tempfile.TemporaryDirectory() as out:
            cli = ["--" + k.replace("_", "-") + "=" + str(v) for k, v in args.items()]
            subprocess.run([NAS, "search", *cli, "--seeds", "1", "--out", out], check=True, capture_output=True)
            with open(os.path.join(out, "pareto", "seed_0.csv"), newline="") as f:
                rows = list(csv.DictReader(f))
        self.assertEqual(sorted(row["arch"] for row in rows), sorted(p["arch"] for p in front))
        with self.assertRaisesRegex(ValueError, "objectives"):
            ne.search(algo="asha", fidelities="12,200", budget=10, objectives="cifar10_test_200ep:max,params:min")

    def test_python_exception_reaches_the_caller(self):
        def broken(arch):
            raise ZeroDivisionError("no score for " + arch)

        with self.assertRaises(ZeroDivisionError) as e:
            ne.search(algo="random", budget=5, evaluator=broken, workers=2)
        self.assertIn("no score for |", str(e.exception))

    def test_errors_carry_the_cli_message(self):
        with self.assertRaises(ne.OptionError) as e:
            ne.search(budget=-1)
        p = subprocess.run([NAS, "search", "--budget", "-1"], capture_output=True, text=True)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(str(e.exception), p.stderr)
        with self.assertRaises(ne.OptionError) as e:
            ne.search(no_such_option=3)
        self.assertIn("no-such-option", str(e.exception))
        with self.assertRaises(ValueError):  # OptionError is a ValueError
            ne.Space("nb999")
        with self.assertRaises(ne.OptionError):
            ne.search(out="x")


class SpacesAndTables(unittest.TestCase):
    def test_spaces(self):
        self.assertIn("darts", ne.spaces)
        s = ne.Space("nb201")
        self.assertEqual(s.size, 15625)
        a = s.sample(7)
        self.assertEqual(s.parse(a), a)
        self.assertNotEqual(s.mutate(a, 1), a)
        self.assertEqual(s.sample(7), a)  # seeded
        # Isomorphic cells (a none edge makes the other input irrelevant) share a canonical hash.
        x = "|none~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|none~1|skip_connect~2|"
        y = "|none~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"
        self.assertEqual(s.canonical_hash(x), s.canonical_hash(y))
        self.assertEqual(s.encode(a).shape, (30,))
        self.assertFalse(s.valid("|bogus~0|"))
        for name in ("nb101", "darts"):
            sp = ne.Space(name)
            b = sp.sample(3)
            self.assertEqual(sp.parse(b), b)

    def test_table(self):
        t = ne.Table(space="nb201", dataset="cifar100")
        self.assertEqual(t.rows, 15625)
        self.assertEqual(len(t.archs()), 15625)
        v = t.values(t.reported)
        self.assertEqual(v.shape, (15625,))
        self.assertAlmostEqual(t.optimum(t.reported), float(v.max()))
        a = t.archs()[0]
        self.assertEqual(t.value(a, t.reported), v[0])

    def test_zero_cost(self):
        a = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
        c = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
        sp = ne.Space("nb201")
        one = sp.zc(a, proxies="params,synflow,jacov", channels=4, cells=1, batch_size=8)
        self.assertEqual(one["arch"], a)
        self.assertGreater(one["params"], 0)
        self.assertIsNotNone(one["synflow"])
        self.assertIn("synflow", one["seconds"])
        both = sp.zc([a, c], proxies="params,jacov", channels=4, cells=1, batch_size=8, threads=2)
        self.assertEqual([r["arch"] for r in both], [a, c])
        self.assertEqual(both[0]["params"], one["params"])
        self.assertEqual(both[0]["jacov"], one["jacov"])
        self.assertIsNone(both[1]["jacov"])  # an all-none cell: missing, not a number
        # The benchmark network on the table's shape: params and flops are NASLib's stored zc_params and zc_flops (subset row).
        t = ne.Table(space="nb201", dataset="imagenet16")
        row = t.zc("|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_1x1~0|nor_conv_1x1~1|none~2|", proxies="params,flops")
        self.assertAlmostEqual(row["params"], 0.622536, places=6)
        self.assertAlmostEqual(row["flops"], 22.084672, places=2)
        with self.assertRaisesRegex(ne.OptionError, "unknown proxy 'bogus'"):
            sp.zc(a, proxies="bogus")
        with self.assertRaisesRegex(ne.OptionError, "proxy nwot needs images"):
            sp.zc(a, proxies="nwot", data="none")
        runs = ne.search(algo="zc", zc_proxies="params", zc_warmup=20, budget=3, seeds=1)
        self.assertEqual(len(runs[0]["trajectory"]), 3)
        # Proxies as the surrogate's inputs: computed for the cells the search meets (params: cheap).
        runs = ne.search(algo="guided", zc_features="params", budget=15, seeds=1, epochs=5, retrain_epochs=2)
        self.assertEqual(len(runs[0]["trajectory"]), 15)
        with self.assertRaisesRegex(ne.OptionError, "--zc-features are extra inputs of a guided search's surrogate"):
            ne.search(algo="rea", zc_features="params", budget=3, seeds=1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
