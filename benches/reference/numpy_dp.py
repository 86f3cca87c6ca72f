#!/usr/bin/env python3
"""NumPy reference for benches/dynamic_programming.rs: the same computations on the same worlds.

For each Garnet file (policylab's native JSON, written by `policylab generate garnet`):
  - policy evaluation of the uniform policy by a dense solve of (I - gamma P_pi) V = r_pi, then
    Q = r + gamma P V  (what policylab's `evaluate` does);
  - value iteration from V = 0 until gamma/(1-gamma)·max|V_{k+1} - V_k| <= 1e-8 (policylab's
    `value_iteration` stopping rule), with P dense (numpy) and, if scipy is present, sparse CSR.
Prints median wall times in milliseconds as JSON lines, plus J = mean V as a cross-check.
"""
import json
import statistics
import sys
import time

import numpy as np

try:
    import scipy.sparse as sparse
except ImportError:  # the sparse variant is optional
    sparse = None


def load(path):
    world = json.load(open(path))
    n_states = world["states"] if isinstance(world["states"], int) else len(world["states"])
    n_actions = world["actions"] if isinstance(world["actions"], int) else len(world["actions"])
    P = np.zeros((n_states, n_actions, n_states))
    r = np.zeros((n_states, n_actions))
    for s, per_state in enumerate(world["transitions"]):
        for a, outcomes in enumerate(per_state):
            for outcome in outcomes:
                p, nxt = outcome[0], outcome[1]
                reward = outcome[2] if len(outcome) > 2 else 0.0
                done = len(outcome) > 3 and outcome[3]
                r[s, a] += p * reward
                if not done:
                    P[s, a, nxt] += p
    return P, r, world["gamma"]


def evaluate(P, r, gamma, pi):
    P_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = np.einsum("sa,sa->s", pi, r)
    V = np.linalg.solve(np.eye(P.shape[0]) - gamma * P_pi, r_pi)
    Q = r + gamma * P @ V
    return V, Q


def value_iteration(P, r, gamma, tol=1e-8):
    V = np.zeros(P.shape[0])
    factor = gamma / (1 - gamma)
    while True:
        V_new = (r + gamma * (P @ V)).max(axis=1)
        change = np.abs(V_new - V).max()
        V = V_new
        if factor * change <= tol:
            return V


def value_iteration_sparse(P_csr, r, gamma, tol=1e-8):
    n_states, n_actions = r.shape
    V = np.zeros(n_states)
    factor = gamma / (1 - gamma)
    while True:
        V_new = (r + gamma * (P_csr @ V).reshape(n_states, n_actions)).max(axis=1)
        change = np.abs(V_new - V).max()
        V = V_new
        if factor * change <= tol:
            return V


def timed(fn, repeats):
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3, result


def main(paths):
    for path in paths:
        P, r, gamma = load(path)
        n = P.shape[0]
        repeats = 20 if n <= 500 else 5
        pi = np.full(r.shape, 1.0 / r.shape[1])
        ms, (V, _) = timed(lambda: evaluate(P, r, gamma, pi), repeats)
        print(json.dumps({"benchmark": "policy_evaluation_direct", "states": n, "numpy_ms": ms, "J": V.mean()}))
        ms, V = timed(lambda: value_iteration(P, r, gamma), repeats)
        print(json.dumps({"benchmark": "value_iteration", "states": n, "numpy_ms": ms, "J": V.mean()}))
        if sparse is not None:
            P_csr = sparse.csr_matrix(P.reshape(n * r.shape[1], n))
            ms, V = timed(lambda: value_iteration_sparse(P_csr, r, gamma), repeats)
            print(json.dumps({"benchmark": "value_iteration", "variant": "scipy.sparse", "states": n, "numpy_ms": ms, "J": V.mean()}))
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
