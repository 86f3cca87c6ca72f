#!/usr/bin/env python3
"""NumPy reference for benches/robust_dp.rs: one robust Bellman sweep (the optimal operator) on the
same Garnet worlds and the same V, for the same sets, vectorized over all state-action pairs.

Arguments: the JSON files `examples/robust_sweep.rs` writes (one per world: the world file's path,
the V the benchmark uses — the world's nominal V* — and policylab's sweeps). The world itself is
read from the native JSON file `policylab generate garnet` wrote (the file numpy_dp.py reads), as
rows of candidate outcomes (next state, nominal probability q_k, reward), the nominal outcomes of
positive probability, in file order — policylab's candidates for the nominal support.

For each pair (s, a) the candidate values are z_k = reward_k + gamma V(next_k), the nominal
Q = sum_k q_k z_k, and:

- nominal: V(s) = max_a Q(s, a) (what one sweep of value iteration computes);
- sa-L1 (radius 0.5): the Iyengar/Petrik rule on each row sorted by z — move eps = min(kappa/2,
  1 - q_min) onto the outcome of least z and take it from the largest z first; V = max_a (Q + shift);
- s-L1 (budget 0.5 per state): the value is the least level u that nature can bring every action
  of the state down to within the budget, sum_a xi_a(u) <= kappa with xi_a(u) the radius at which
  action a's worst value falls to u (a piecewise-linear function read off the same sorted rows);
  u is found by bisection, vectorized over states, to 1e-12 (relative), then each action's Q is
  lowered by the L1 worst case of radius min(xi_a(u), kappa) and the randomized optimal policy
  pi_a ∝ 1/rate is formed, as in src/exact/robust/s_rectangular_l1.rs;
- sa-KL (radius 0.1): the one-dimensional dual, bisection on log lambda of KL(p_lambda || q) =
  kappa with p_lambda ∝ q exp(-z / lambda), bracketed and bisected with policylab's stopping rule
  (until the geometric midpoint equals an end of the bracket), vectorized over all rows at once;
  the closed form where the ball holds q restricted to the least values.

Before timing, each sweep's V and Q are checked against policylab's to 1e-9 (absolute; the script
exits with an error otherwise). Prints median wall times in milliseconds as JSON lines (the format
of numpy_dp.py; `benchmark` is the criterion group of benches/robust_dp.rs) with the largest
difference found by the check.
"""
import json
import os
import statistics
import sys
import time

import numpy as np

TOLERANCE = 1e-9
SETS = [("sa-l1", 0.5), ("s-l1", 0.5), ("sa-kl", 0.1)]


def load_rows(path):
    """Candidate rows of a native JSON world: next states, probabilities, rewards and a
    continuation mask (0 after `done`), each of shape (S*A, b); every row must have the same
    number b of positive-probability outcomes (true of Garnet worlds)."""
    world = json.load(open(path))
    n_states = world["states"] if isinstance(world["states"], int) else len(world["states"])
    n_actions = world["actions"] if isinstance(world["actions"], int) else len(world["actions"])
    if world.get("action_rewards") is not None:
        raise SystemExit(f"{path}: action_rewards are not supported by this reference")
    rows = []
    for per_state in world["transitions"]:
        for outcomes in per_state:
            row = [o for o in outcomes if o[0] > 0.0]
            rows.append(row)
    widths = {len(row) for row in rows}
    if len(rows) != n_states * n_actions or len(widths) != 1 or 0 in widths:
        raise SystemExit(f"{path}: every state-action pair needs the same number of outcomes")
    prob = np.array([[o[0] for o in row] for row in rows], dtype=float)
    nxt = np.array([[o[1] for o in row] for row in rows], dtype=np.intp)
    rew = np.array([[o[2] if len(o) > 2 else 0.0 for o in row] for row in rows], dtype=float)
    cont = np.array([[0.0 if (len(o) > 3 and o[3]) else 1.0 for o in row] for row in rows])
    return {"prob": prob, "next": nxt, "reward": rew, "cont": cont, "gamma": world["gamma"],
            "states": n_states, "actions": n_actions}


def candidate_values(w, V):
    z = w["reward"] + w["gamma"] * w["cont"] * V[w["next"]]
    return z, (w["prob"] * z).sum(axis=1)


def sorted_rows(prob, z):
    """Each row by decreasing z (the least-z outcome's probability zeroed: it only receives mass)."""
    n = np.arange(z.shape[0])
    target = z.argmin(axis=1)
    z_least = z[n, target]
    order = np.argsort(-z, axis=1, kind="stable")
    zs = np.take_along_axis(z, order, axis=1)
    qs = np.where(order == target[:, None], 0.0, np.take_along_axis(prob, order, axis=1))
    return n, target, z_least, order, zs, qs


def l1_worst(prob, z, radius, rows=None):
    """Shift (p - q)^T z <= 0 and the worst-case p over the L1 ball of `radius` (scalar or per row)."""
    n, target, z_least, order, zs, qs = rows if rows is not None else sorted_rows(prob, z)
    moved = np.maximum(np.minimum(np.asarray(radius) / 2.0, 1.0 - prob[n, target]), 0.0)
    before = np.cumsum(qs, axis=1) - qs
    take = np.clip(moved[:, None] - before, 0.0, qs)
    shift = -(take * (zs - z_least[:, None])).sum(axis=1)
    p = np.empty_like(prob)
    np.put_along_axis(p, order, np.take_along_axis(prob, order, axis=1) - take, axis=1)
    p[n, target] += take.sum(axis=1)
    return shift, p


def greedy(q_table):
    return q_table.max(axis=1), q_table.argmax(axis=1)


def sweep_nominal(w, V):
    z, q = candidate_values(w, V)
    v, _ = greedy(q.reshape(w["states"], w["actions"]))
    return v, q


def sweep_sa_l1(w, V, radius):
    z, q = candidate_values(w, V)
    shift, _ = l1_worst(w["prob"], z, radius)
    q = q + shift
    v, _ = greedy(q.reshape(w["states"], w["actions"]))
    return v, q


def sweep_sa_kl(w, V, radius):
    z, q_nominal = candidate_values(w, V)
    prob = w["prob"]
    gaps = z - z.min(axis=1, keepdims=True)
    least = gaps == 0.0
    at_least = np.where(least, prob, 0.0).sum(axis=1)
    closed = -np.log(at_least) <= radius
    p = np.where(least, prob, 0.0) / at_least[:, None]
    open_rows = ~closed
    if open_rows.any():
        qo, wo = prob[open_rows], gaps[open_rows]

        def divergence(lam):
            x = -wo / lam[:, None]
            t = qo * np.exp(x)
            total = t.sum(axis=1)
            t /= total[:, None]
            return np.maximum((t * (x - np.log(total)[:, None])).sum(axis=1), 0.0), t

        scale = wo.max(axis=1)
        high, low = scale.copy(), scale.copy()
        while True:
            grow = divergence(high)[0] > radius
            if not grow.any():
                break
            high = np.where(grow, high * 2.0, high)
        while True:
            shrink = (low > np.finfo(float).tiny) & (divergence(low)[0] <= radius)
            if not shrink.any():
                break
            low = np.where(shrink, low / 2.0, low)
        for _ in range(200):
            middle = np.sqrt(low * high)
            active = (middle > low) & (middle < high)
            if not active.any():
                break
            over = divergence(middle)[0] > radius
            low = np.where(active & over, middle, low)
            high = np.where(active & ~over, middle, high)
        p[open_rows] = divergence(high)[1]
    q = q_nominal + ((p - prob) * z).sum(axis=1)
    v, _ = greedy(q.reshape(w["states"], w["actions"]))
    return v, q


def sweep_s_l1(w, V, budget):
    S, A = w["states"], w["actions"]
    prob = w["prob"]
    z, q_nominal = candidate_values(w, V)
    rows = sorted_rows(prob, z)
    _, _, z_least, _, zs, qs = rows
    # Segments of g_a: lengths 2 q_j, rates (z_j - z_least)/2, steepest first (rows are sorted).
    rate = (zs - z_least[:, None]) / 2.0
    length = np.where((qs > 0.0) & (rate > 0.0), 2.0 * qs, 0.0)
    fall = np.cumsum(length * rate, axis=1).reshape(S, A, -1)
    reach = np.cumsum(length, axis=1).reshape(S, A, -1)
    rate3 = rate.reshape(S, A, -1)
    Q = q_nominal.reshape(S, A)
    b = fall.shape[2]
    pad = np.zeros((S, A, 1))
    fall0 = np.concatenate([pad, fall], axis=2)  # falls and radii before segment k
    reach0 = np.concatenate([pad, reach], axis=2)

    def radii(level):
        """xi_a(level) for every (s, a): the least radius at which g_a falls to level[s]."""
        drop = Q - level[:, None]
        k = (fall < drop[:, :, None]).sum(axis=2)
        kk = np.minimum(k, b - 1)[:, :, None]
        r_k = np.take_along_axis(rate3, kk, axis=2)[:, :, 0]
        xi = (np.take_along_axis(reach0, kk, axis=2)[:, :, 0]
              + (drop - np.take_along_axis(fall0, kk, axis=2)[:, :, 0]) / np.where(r_k > 0, r_k, 1.0))
        beyond = k >= b
        slack = 1e-12 * np.maximum(np.abs(level), 1.0)[:, None]
        xi = np.where(beyond, np.where(drop - fall[:, :, -1] <= slack, reach[:, :, -1], np.inf), xi)
        return np.where(drop <= 0.0, 0.0, xi), k, r_k

    floors = Q - fall[:, :, -1]
    floor = floors.max(axis=1)
    spare = radii(floor)[0].sum(axis=1) <= budget
    lo, hi = floor.copy(), Q.max(axis=1)
    active = ~spare
    while active.any():
        middle = 0.5 * (lo + hi)
        over = radii(middle)[0].sum(axis=1) > budget
        lo = np.where(active & over, middle, lo)
        hi = np.where(active & ~over, middle, hi)
        active &= (hi - lo) > 1e-12 * np.maximum(np.abs(hi), 1.0)
    level = np.where(spare, floor, 0.5 * (lo + hi))
    xi, k, r_k = radii(level)
    # The optimal policy: pi_a ∝ 1/rate of the segment xi_a ends in (binding budget), or the
    # action of highest floor (budget to spare).
    weights = np.where(Q - level[:, None] > 1e-12 * np.maximum(np.abs(level), 1.0)[:, None],
                       1.0 / np.where(r_k > 0, r_k, 1.0), 0.0)
    policy = weights / np.maximum(weights.sum(axis=1, keepdims=True), np.finfo(float).tiny)
    policy[spare] = np.eye(A)[floors[spare].argmax(axis=1)]
    shift, _ = l1_worst(prob, z, np.minimum(xi, budget).reshape(-1), rows)
    return level, q_nominal + shift, policy


def run(w, V, name, radius):
    if name == "nominal":
        return sweep_nominal(w, V)
    if name == "sa-l1":
        return sweep_sa_l1(w, V, radius)
    if name == "sa-kl":
        return sweep_sa_kl(w, V, radius)
    if name == "s-l1":
        v, q, _ = sweep_s_l1(w, V, radius)
        return v, q
    raise ValueError(name)


def timed(fn):
    """Median of repeated calls: at least 10, and about a second in all."""
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    repeats = int(min(1000, max(10, 1.0 / max(first, 1e-6))))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def world_path(sweeps_path, recorded):
    if os.path.exists(recorded):
        return recorded
    return os.path.join(os.path.dirname(sweeps_path), os.path.basename(recorded))


def main(paths):
    for path in paths:
        report = json.load(open(path))
        w = load_rows(world_path(path, report["world"]))
        V = np.asarray(report["values"], dtype=float)
        n = w["states"]
        for name, radius in [("nominal", None)] + SETS:
            v, q = run(w, V, name, radius)
            expected = report["sweeps"][name]
            error = max(np.abs(v - np.asarray(expected["v"])).max(),
                        np.abs(q - np.asarray(expected["q"])).max())
            if not error <= TOLERANCE:
                raise SystemExit(f"{path}: {name} differs from policylab's sweep by {error:.3e}")
            ms = timed(lambda: run(w, V, name, radius))
            group = "robust_sweep_" + name.replace("-", "_")
            print(json.dumps({"benchmark": group, "states": n, "numpy_ms": ms, "max_error": error}))
            sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
