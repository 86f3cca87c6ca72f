#!/usr/bin/env bash
# The LLM policy's speed on both CPU backends against PyTorch, interleaved on one machine:
# for each preset, ROUNDS rounds of (flex on 1 and on 2 threads, ndarray, PyTorch on 1 and on 2
# threads), each timing sampling and the scoring pass three times (examples/llm_speed.rs,
# benches/reference/torch_llm.py), then the means and the ratios to PyTorch on the same number
# of threads (> 1: policylab is faster; ndarray, single-threaded, against PyTorch on 1).
# Usage: benches/llm_compare.sh [presets, default "small tiny"] [rounds, default 3]
# Needs torch in .venv: python3 -m venv .venv && .venv/bin/pip install torch
set -euo pipefail
cd "$(dirname "$0")/.."
presets="${1:-small tiny}"
rounds="${2:-3}"
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import torch" 2>/dev/null; then
  echo "PyTorch is missing: python3 -m venv .venv && .venv/bin/pip install torch" >&2
  exit 1
fi
cargo build --release --quiet --example llm_speed
cp target/release/examples/llm_speed target/llm_speed_flex
# The ndarray build in a target folder of its own, so the default build stays warm.
CARGO_TARGET_DIR=target/ndarray-backend cargo build --release --quiet --features ndarray-backend --example llm_speed
log=target/llm_compare.log
: > "$log"
for preset in $presets; do
  for round in $(seq "$rounds"); do
    for threads in 1 2; do
      echo "== $preset $round flex$threads" >> "$log"
      RAYON_NUM_THREADS=$threads target/llm_speed_flex "$preset" 64 16 48 3 >> "$log"
    done
    echo "== $preset $round ndarray1" >> "$log"
    target/ndarray-backend/release/examples/llm_speed "$preset" 64 16 48 3 >> "$log"
    for threads in 1 2; do
      echo "== $preset $round torch$threads" >> "$log"
      .venv/bin/python benches/reference/torch_llm.py "$preset" "$threads" >> "$log"
    done
  done
done
python3 - "$log" <<'PY'
import json, re, statistics, sys
runs, current = {}, None
for line in open(sys.argv[1]):
    m = re.match(r"== (\w+) \d+ (\w+)", line)
    if m:
        current = runs.setdefault((m.group(1), m.group(2)), {"tokens": [], "forward": [], "both": []})
        continue
    m = re.search(r"([\d.]+) decoded tokens/s", line)
    if m:
        current["tokens"].append(float(m.group(1)))
    m = re.search(r"forward ([\d.]+) s, forward\+backward \(autodiff\) ([\d.]+) s", line)
    if m:
        current["forward"].append(float(m.group(1)))
        current["both"].append(float(m.group(2)))
    if line.startswith("{"):
        j = json.loads(line)
        current["tokens"].append(j["decoded_tokens_per_second"])
        current["forward"].append(j["forward_seconds"])
        current["both"].append(j["forward_backward_seconds"])
print("preset  backend  tokens/s  forward s  fwd+bwd s  | vs torch, same threads: tokens  forward  fwd+bwd")
for (preset, backend), r in runs.items():
    t = runs[(preset, "torch" + backend[-1])]
    mean = {k: statistics.mean(v) for k, v in r.items()}
    ref = {k: statistics.mean(v) for k, v in t.items()}
    print(f"{preset:7} {backend:8} {mean['tokens']:8.0f} {mean['forward']:10.3f} {mean['both']:10.3f}  |"
          f" {mean['tokens'] / ref['tokens']:15.2f} {ref['forward'] / mean['forward']:8.2f} {ref['both'] / mean['both']:8.2f}")
PY
