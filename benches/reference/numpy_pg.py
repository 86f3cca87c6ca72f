#!/usr/bin/env python3
"""NumPy reference for benches/policy_gradient.rs: exact softmax policy-gradient steps on the same
Garnet files, in two forms.

`softmax_pg_gradient_step` (the bare update): pi = softmax(theta); V from a dense solve of
(I - gamma P_pi) V = r_pi; Q = r + gamma P V; the normalized discounted occupancy d from
(I - gamma P_pi^T) d = (1 - gamma) rho; grad = d pi A / (1 - gamma); theta += eta grad.

`softmax_pg_step` (the update with policylab's per-step record, what `SoftmaxPg::step` returns):
the bare update plus J, the gap V*(rho) - J, the occupancy-weighted entropy, the smallest
probability of an optimal action, and, after the update, the entropy change dH, its first-order
prediction -Cov(log pi, dz) and KL(pi_t || pi_{t+1}), all weighted by d. As in policylab, pi and
log pi come from the logits in one pass and the tables of pi_{t+1} serve the next step.

Prints the median milliseconds per step as JSON lines (same format as numpy_dp.py) and J after
the timed steps as a cross-check.
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


def softmax_tables(theta):
    shifted = theta - theta.max(axis=1, keepdims=True)
    log_pi = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return np.exp(log_pi), log_pi


def evaluate(P, r, gamma, rho, pi):
    P_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = (pi * r).sum(axis=1)
    identity = np.eye(P.shape[0])
    V = np.linalg.solve(identity - gamma * P_pi, r_pi)
    Q = r + gamma * P @ V
    d = np.linalg.solve(identity - gamma * P_pi.T, (1 - gamma) * rho)
    return V, Q, d


def gradient_step(P, r, gamma, rho, theta, eta):
    logits = theta - theta.max(axis=1, keepdims=True)
    pi = np.exp(logits)
    pi /= pi.sum(axis=1, keepdims=True)
    V, Q, d = evaluate(P, r, gamma, rho, pi)
    A = Q - V[:, None]
    theta += eta * d[:, None] * pi * A / (1 - gamma)
    return rho @ V


def recorded_step(P, r, gamma, rho, theta, eta, tables, optimum):
    optimal_objective, optimal_mask = optimum
    pi, log_pi = tables
    V, Q, d = evaluate(P, r, gamma, rho, pi)
    A = Q - V[:, None]
    dz = eta * d[:, None] * pi * A / (1 - gamma)
    J = rho @ V
    plogp = pi * log_pi
    entropy_per_state = -plogp.sum(axis=1)
    record = {
        "J": J,
        "gap": optimal_objective - J,
        "entropy": d @ entropy_per_state,
        "min_optimal_prob": (pi * optimal_mask).sum(axis=1).min(),
    }
    theta += dz
    q, log_q = softmax_tables(theta)
    covariance = (plogp * dz).sum(axis=1) - plogp.sum(axis=1) * (pi * dz).sum(axis=1)
    record["dH"] = d @ (-(q * log_q).sum(axis=1) - entropy_per_state)
    record["cov_pred"] = -(d @ covariance)
    record["kl"] = d @ (pi * (log_pi - log_q)).sum(axis=1)
    return record, (q, log_q)


def optimum(P, r, gamma, rho):
    """V* by value iteration to 1e-12 and the optimal actions (within 1e-9 of the best)."""
    V = np.zeros(P.shape[0])
    while True:
        Q = r + gamma * P @ V
        new = Q.max(axis=1)
        if np.abs(new - V).max() <= 1e-12 * (1 - gamma):
            break
        V = new
    Q = r + gamma * P @ V
    best = Q.max(axis=1, keepdims=True)
    return rho @ V, (Q >= best - 1e-9 * np.maximum(1.0, np.abs(best))).astype(float)


def timed(steps, run):
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main(paths):
    for path in paths:
        P, r, gamma = load(path)
        n = P.shape[0]
        rho = initial(path, n)
        steps = 200 if n <= 50 else 40

        theta = np.zeros(r.shape)
        J = []
        ms = timed(steps, lambda: J.append(gradient_step(P, r, gamma, rho, theta, 1.0)))
        print(json.dumps({"benchmark": "softmax_pg_gradient_step", "states": n, "numpy_ms": ms, "J": J[-1]}))

        best = optimum(P, r, gamma, rho)
        theta = np.zeros(r.shape)
        state = {"tables": softmax_tables(theta)}

        def run():
            state["record"], state["tables"] = recorded_step(
                P, r, gamma, rho, theta, 1.0, state["tables"], best
            )

        ms = timed(steps, run)
        print(json.dumps({"benchmark": "softmax_pg_step", "states": n, "numpy_ms": ms, "J": state["record"]["J"]}))
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
