#!/usr/bin/env bash
# Runs the Rust benchmarks and the NumPy reference on the same Garnet worlds, one after the other
# on the same machine, and prints the ratios (NumPy time / policylab time; > 1 means policylab is
# faster). Usage: benches/compare.sh [PARTS]   (PARTS: any of dp, pg, robust, comma-separated;
# all by default. POLICYLAB_BENCH_SIZES=50,500 to restrict the sizes)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="${POLICYLAB_BENCH_SIZES:-50,500,2000}"
parts=",${1:-dp,pg,robust},"
venv=benches/reference/.venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r benches/reference/requirements.txt
fi
cargo build --release --quiet --bin policylab --example robust_sweep
mkdir -p target/bench-worlds
for s in ${sizes//,/ }; do
  ./target/release/policylab generate garnet --states "$s" --actions 10 --branching 10 \
    --gamma 0.9 --seed 1 --out "target/bench-worlds/garnet-$s.json" >/dev/null
done
# Policy-gradient steps only at S <= 500 (the issue's sizes; a dense solve per step at 2000 is slow).
pg_sizes=$(echo "${sizes//,/ }" | tr ' ' '\n' | awk '$1 <= 500' | paste -sd, -)
worlds=()
for s in ${sizes//,/ }; do worlds+=("target/bench-worlds/garnet-$s.json"); done
pg_worlds=()
for s in ${pg_sizes//,/ }; do pg_worlds+=("target/bench-worlds/garnet-$s.json"); done
sweeps=()
for s in ${sizes//,/ }; do sweeps+=("target/bench-worlds/robust-sweep-$s.json"); done
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
if [[ $parts == *,dp,* ]]; then
  "$venv/bin/python" benches/reference/numpy_dp.py "${worlds[@]}" >> target/bench-worlds/numpy.jsonl
fi
if [[ $parts == *,pg,* ]]; then
  (cd benches/reference && "../../$venv/bin/python" numpy_pg.py "${pg_worlds[@]/#/../../}") >> target/bench-worlds/numpy.jsonl
fi
if [[ $parts == *,robust,* ]]; then
  "$venv/bin/python" benches/reference/numpy_robust.py "${sweeps[@]}" >> target/bench-worlds/numpy.jsonl
fi
"$venv/bin/python" benches/reference/ratios.py target/bench-worlds/numpy.jsonl target/criterion
