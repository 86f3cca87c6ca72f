#!/usr/bin/env python3
"""NumPy reference for benches/policy_gradient.rs: exact softmax policy-gradient steps on the same
Garnet files. One step: pi = softmax(theta); V from a dense solve of (I - gamma P_pi) V = r_pi;
Q = r + gamma P V; the normalized discounted occupancy d from (I - gamma P_pi^T) d = (1 - gamma) rho;
grad = d pi A / (1 - gamma); theta += eta grad. Prints the median milliseconds per step as JSON
lines (same format as numpy_dp.py) and J after the timed steps as a cross-check.
"""
import json
import statistics
import sys
import time

import numpy as np

from numpy_dp import load


def initial(path, n_states):
    world = json.load(open(path))
    rho = world.get("initial")
    if rho is None:
        return np.full(n_states, 1.0 / n_states)
    if isinstance(rho, int):
        return np.eye(n_states)[rho]
    return np.asarray(rho, dtype=float)


def step(P, r, gamma, rho, theta, eta):
    logits = theta - theta.max(axis=1, keepdims=True)
    pi = np.exp(logits)
    pi /= pi.sum(axis=1, keepdims=True)
    P_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = (pi * r).sum(axis=1)
    identity = np.eye(P.shape[0])
    V = np.linalg.solve(identity - gamma * P_pi, r_pi)
    Q = r + gamma * P @ V
    d = np.linalg.solve(identity - gamma * P_pi.T, (1 - gamma) * rho)
    A = Q - V[:, None]
    theta += eta * d[:, None] * pi * A / (1 - gamma)
    return rho @ V


def main(paths):
    for path in paths:
        P, r, gamma = load(path)
        n = P.shape[0]
        rho = initial(path, n)
        theta = np.zeros(r.shape)
        times = []
        J = None
        for _ in range(200 if n <= 50 else 40):
            start = time.perf_counter()
            J = step(P, r, gamma, rho, theta, 1.0)
            times.append(time.perf_counter() - start)
        ms = statistics.median(times) * 1e3
        print(json.dumps({"benchmark": "softmax_pg_step", "states": n, "numpy_ms": ms, "J": J}))
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
