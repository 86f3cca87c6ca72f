#!/usr/bin/env python3
"""Prints NumPy-time / policylab-time for each benchmark, from numpy_dp.py's JSON lines and
criterion's estimates (target/criterion/GROUP/SIZE/new/estimates.json, mean in ns)."""
import json
import os
import sys

numpy_lines, criterion_dir = sys.argv[1], sys.argv[2]


def rust_ms(group, states):
    path = os.path.join(criterion_dir, group, str(states), "new", "estimates.json")
    if not os.path.exists(path):
        return None
    return json.load(open(path))["mean"]["point_estimate"] / 1e6


print(f"{'benchmark':<34} {'S':>5} {'numpy ms':>10} {'policylab ms':>13} {'ratio':>8}")
for line in open(numpy_lines):
    row = json.loads(line)
    name = row["benchmark"] + (" (" + row["variant"] + ")" if "variant" in row else "")
    rust = rust_ms(row["benchmark"], row["states"])
    if rust is None:
        continue
    print(f"{name:<34} {row['states']:>5} {row['numpy_ms']:>10.3f} {rust:>13.3f} {row['numpy_ms'] / rust:>7.1f}x")
    if row["benchmark"] == "policy_evaluation_direct":
        iterative = rust_ms("policy_evaluation_iterative", row["states"])
        if iterative is not None:
            print(f"{'  vs policylab iterative (1e-8)':<34} {row['states']:>5} {row['numpy_ms']:>10.3f} {iterative:>13.3f} {row['numpy_ms'] / iterative:>7.1f}x")

# benches/robust_dp.rs: one robust sweep against one nominal sweep on the same world and V
# (policylab's times; > 1 means the robust sweep is slower), with NumPy's own ratio beside it.
rows = [json.loads(line) for line in open(numpy_lines)]
numpy_ms = {(row["benchmark"], row["states"]): row["numpy_ms"] for row in rows if "variant" not in row}
robust_groups = ["robust_sweep_sa_l1", "robust_sweep_s_l1", "robust_sweep_sa_kl"]
sizes = sorted({row["states"] for row in rows if row["benchmark"] == "robust_sweep_nominal"})
if sizes:
    print()
    print(f"{'robust sweep / nominal sweep':<34} {'S':>5} {'policylab':>10} {'numpy':>8}")
    for group in robust_groups:
        for states in sizes:
            ours, nominal = rust_ms(group, states), rust_ms("robust_sweep_nominal", states)
            if ours is None or nominal is None:
                continue
            theirs = numpy_ms.get((group, states))
            theirs_nominal = numpy_ms.get(("robust_sweep_nominal", states))
            numpy_ratio = f"{theirs / theirs_nominal:>7.1f}x" if theirs and theirs_nominal else f"{'-':>8}"
            print(f"{group[len('robust_sweep_'):]:<34} {states:>5} {ours / nominal:>9.1f}x {numpy_ratio}")
