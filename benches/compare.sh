#!/usr/bin/env bash
# Runs the Rust benchmarks and the NumPy reference on the same Garnet worlds, one after the other
# on the same machine, and prints the ratios (NumPy time / policylab time; > 1 means policylab is
# faster). Usage: benches/compare.sh   (POLICYLAB_BENCH_SIZES=50,500 to restrict the sizes)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="${POLICYLAB_BENCH_SIZES:-50,500,2000}"
venv=benches/reference/.venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r benches/reference/requirements.txt
fi
cargo build --release --quiet
mkdir -p target/bench-worlds
for s in ${sizes//,/ }; do
  ./target/release/policylab generate garnet --states "$s" --actions 10 --branching 10 \
    --gamma 0.9 --seed 1 --out "target/bench-worlds/garnet-$s.json" >/dev/null
done
POLICYLAB_BENCH_SIZES="$sizes" cargo bench --bench dynamic_programming -- --noplot
worlds=()
for s in ${sizes//,/ }; do worlds+=("target/bench-worlds/garnet-$s.json"); done
"$venv/bin/python" benches/reference/numpy_dp.py "${worlds[@]}" > target/bench-worlds/numpy.jsonl
"$venv/bin/python" benches/reference/ratios.py target/bench-worlds/numpy.jsonl target/criterion
