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
