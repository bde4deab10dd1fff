#!/usr/bin/env bash
# Options declared once: every subcommand's --help is generated from the declarations (each option
# written to config.toml is listed by `nas search --help`, with its default); config.toml holds
# every effective option and the version, and replays the run (--config) to the same trajectory
# and the same config. Usage: options_cli.sh <nas>
set -euo pipefail
nas=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAILED: $*"; exit 1; }

"$nas" --version | grep -qE '^nas [0-9]+\.[0-9]+\.[0-9]+$' || fail "nas --version"
for cmd in search sweep space bench predict-eval explain train; do
  "$nas" $cmd --help > "$tmp/help_$cmd.txt" || fail "nas $cmd --help exited non-zero"
  grep -q "^Usage: nas $cmd" "$tmp/help_$cmd.txt" || fail "nas $cmd --help: no usage line"
  [ "$(grep -c '^  --' "$tmp/help_$cmd.txt")" -ge 3 ] || fail "nas $cmd --help lists no options"
done

# A guided run with options from several groups; its config.toml lists every option.
"$nas" search --algo guided --predictor mlp --budget 25 --seeds 1 --torch-threads 1 --top-k 4 --dataset cifar100 --warm-start \
  --hidden 16 --retrain every-k --retrain-every 5 --out "$tmp/a" > /dev/null 2>&1 || fail "guided run"
grep -q "^# search, as run by nas [0-9.]*:" "$tmp/a/config.toml" || fail "config.toml does not name the version"
options=$(grep -E '^[a-z0-9-]+ = ' "$tmp/a/config.toml" | cut -d' ' -f1)
[ "$(echo "$options" | wc -l)" -ge 80 ] || fail "config.toml holds only $(echo "$options" | wc -l) options"
for o in $options; do
  grep -qE -- "--$o([ ,=]|$)" "$tmp/help_search.txt" || fail "--$o is in config.toml but not in nas search --help"
done
for line in 'epochs = 100' 'hidden = 16' 'warm-start = true' 'dataset = "cifar100"' 'signal = "test_200ep"' 'lambda-r = 0.5' 'workers = 1'; do
  grep -qxF "$line" "$tmp/a/config.toml" || fail "config.toml lacks '$line' (every effective option, defaults included)"
done
# Replay from the file alone: the same trajectory, the same options.
"$nas" search --config "$tmp/a/config.toml" --out "$tmp/b" > /dev/null 2>&1 || fail "replay with --config"
cmp "$tmp/a/trajectories/seed_0.csv" "$tmp/b/trajectories/seed_0.csv" || fail "the replayed run differs"
diff <(grep -v '^out = \|^#' "$tmp/a/config.toml") <(grep -v '^out = \|^#' "$tmp/b/config.toml") || fail "the replay's config differs"
# The command line wins over the file.
"$nas" search --config "$tmp/a/config.toml" --budget 20 --out "$tmp/c" > /dev/null 2>&1 || fail "replay with an override"
grep -qx 'budget = 20' "$tmp/c/config.toml" || fail "the command line did not win over the config file"
[ "$(wc -l < "$tmp/c/trajectories/seed_0.csv")" -eq 21 ] || fail "override not applied"
# The same option has the same name in every command.
for o in ranking-loss torch-threads layers weight-decay gcn-mode mask-budget tart-dp intervention-combine; do
  for cmd in search sweep predict-eval explain; do
    grep -qE -- "--$o " "$tmp/help_$cmd.txt" || fail "nas $cmd has no --$o"
  done
done
echo "options_cli: help generated for 7 commands, $(echo "$options" | wc -l) options in config.toml, replay identical"
