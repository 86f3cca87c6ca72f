#!/usr/bin/env bash
# Runs the Rust benchmarks and the NumPy reference on the same Garnet worlds (random zero-sum
# Markov games for `games`), one after the other on the same machine, and prints the ratios (NumPy
# time / policylab time; > 1 means policylab is faster). Usage: benches/compare.sh [PARTS]
# (PARTS: any of dp, pg, robust, games, comma-separated; all by default.
# POLICYLAB_BENCH_SIZES=50,500 to restrict the Garnet sizes, POLICYLAB_GAME_SIZES=10,100 the games)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="${POLICYLAB_BENCH_SIZES:-50,500,2000}"
parts=",${1:-dp,pg,robust,games},"
game_sizes="${POLICYLAB_GAME_SIZES:-10,100}"
venv=benches/reference/.venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r benches/reference/requirements.txt
fi
mkdir -p target/bench-worlds
# The Garnet worlds (dp, pg, robust); the games part writes its own files from its benchmark.
if [[ $parts =~ ,(dp|pg|robust), ]]; then
  cargo build --release --quiet --bin policylab --example robust_sweep
  for s in ${sizes//,/ }; do
    ./target/release/policylab generate garnet --states "$s" --actions 10 --branching 10 \
      --gamma 0.9 --seed 1 --out "target/bench-worlds/garnet-$s.json" >/dev/null
  done
fi
# Policy-gradient steps only at S <= 500 (the issue's sizes; a dense solve per step at 2000 is slow).
pg_sizes=$(echo "${sizes//,/ }" | tr ' ' '\n' | awk '$1 <= 500' | paste -sd, -)
worlds=()
for s in ${sizes//,/ }; do worlds+=("target/bench-worlds/garnet-$s.json"); done
pg_worlds=()
for s in ${pg_sizes//,/ }; do pg_worlds+=("target/bench-worlds/garnet-$s.json"); done
sweeps=()
for s in ${sizes//,/ }; do sweeps+=("target/bench-worlds/robust-sweep-$s.json"); done
games=()
for s in ${game_sizes//,/ }; do games+=("target/bench-worlds/game-$s-policylab.json"); done
: > target/bench-worlds/numpy.jsonl
if [[ $parts == *,dp,* ]]; then
  POLICYLAB_BENCH_SIZES="$sizes" cargo bench --bench dynamic_programming -- --noplot
fi
if [[ $parts == *,pg,* ]]; then
  POLICYLAB_BENCH_SIZES="$pg_sizes" cargo bench --bench policy_gradient -- --noplot
fi
if [[ $parts == *,robust,* ]]; then
  # policylab's sweeps at the benchmark's V, for numpy_robust.py's cross-check (to 1e-9).
  for s in ${sizes//,/ }; do
    ./target/release/examples/robust_sweep "target/bench-worlds/garnet-$s.json" \
      > "target/bench-worlds/robust-sweep-$s.json"
  done
  POLICYLAB_BENCH_SIZES="$sizes" cargo bench --bench robust_dp -- --noplot
fi
if [[ $parts == *,games,* ]]; then
  # Also writes target/bench-worlds/game-S.json and policylab's solution game-S-policylab.json.
  POLICYLAB_BENCH_SIZES="$game_sizes" cargo bench --bench games -- --noplot
fi
if [[ $parts == *,dp,* ]]; then
  "$venv/bin/python" benches/reference/numpy_dp.py "${worlds[@]}" >> target/bench-worlds/numpy.jsonl
fi
if [[ $parts == *,pg,* ]]; then
  (cd benches/reference && "../../$venv/bin/python" numpy_pg.py "${pg_worlds[@]/#/../../}") >> target/bench-worlds/numpy.jsonl
fi
if [[ $parts == *,robust,* ]]; then
  "$venv/bin/python" benches/reference/numpy_robust.py "${sweeps[@]}" >> target/bench-worlds/numpy.jsonl
fi
if [[ $parts == *,games,* ]]; then
  "$venv/bin/python" benches/reference/numpy_games.py "${games[@]}" \
    >> target/bench-worlds/numpy.jsonl
fi
"$venv/bin/python" benches/reference/ratios.py target/bench-worlds/numpy.jsonl target/criterion
