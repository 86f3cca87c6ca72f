#!/usr/bin/env python3
"""NumPy/SciPy reference for benches/games.rs: Shapley value iteration and exploitability on the
same random zero-sum Markov games (S states, 5x5 actions, branching 3, gamma = 0.9, seed 1).

Arguments: the `game-S-policylab.json` files benches/games.rs writes into target/bench-worlds/
(policylab's answer, and the path of the native game file `game-S.json` it saved beside it). The
game is read into dense arrays, as NumPy code usually holds one: R of shape (S, A, B) (player 1's
reward; player 2 receives -R) and P of shape (S, A, B, S).

Shapley value iteration (what `exact::game::shapley_value_iteration` computes, step for step):

- from V = 0, each sweep forms every stage game at once, Q = R + gamma P V (shape (S, A, B)),
  and solves each state's 5x5 matrix game with `scipy.optimize.linprog` (HiGHS): maximize v
  subject to v <= sum_a x_a Q[s, a, b] for every column b, sum_a x_a = 1, x >= 0, v free. The
  row player's strategy is x, the column player's y is read off the duals of the column
  constraints (one LP per state gives both), and the state's new value is x^T Q[s] y (policylab
  also takes x^T M y as the value);
- the stopping rule is policylab's: stop after the first sweep k with
  gamma/(1 - gamma) * max_s |V_k(s) - V_{k-1}(s)| <= tolerance (1e-8), which guarantees
  ||V_k - V*||_inf <= 1e-8 by the contraction;
- then, as policylab does, the stage games at the final V are solved once more for the
  equilibrium policies, and their exploitability is computed (below). All of this is timed.

Exploitability of a policy pair (x, y) (what `exact::game::exploitability` computes): for each
player, the MDP it faces with the other's policy fixed (player 1:
r(s, a) = sum_b y(s, b) R(s, a, b) and P(s'|s, a) = sum_b y(s, b) P(s, a, b, s'); player 2 the
same with -R and x); the player's own value by `np.linalg.solve` of (I - gamma P_pi) V = r_pi,
its best response by policy iteration (Howard) from the action greedy on the immediate reward,
each policy evaluated by `np.linalg.solve`, the current action kept on ties within 1e-12
(policylab's rule); J = rho^T V with rho the game's initial distribution;
gain = max(J_best - J, 0); exploitability = (gain_1 + gain_2) / 2.

Cross-checks (the script exits with an error on a failure):

- the exploitability of policylab's own equilibrium policies (read from the file) against
  policylab's report: the players' values and best-response values to 1e-9 — this is also what the
  `exploitability` row times;
- Shapley's V against policylab's to 1e-8 (both are within 1e-8 of V*, and both take the same
  sweeps), the same number of sweeps, and the game value rho^T V printed beside policylab's.

Prints one JSON line per benchmark (the format of numpy_dp.py; `benchmark` is the criterion group
of benches/games.rs) with the median wall time in milliseconds — exploitability: at least 10 runs
and about a second in all; Shapley value iteration: at least 3 runs and about 10 s (one run takes
seconds at S = 10 and tens of seconds at S = 100: one linprog call per state and sweep) — and the
cross-check values; a human-readable summary goes to stderr. The cross-checks use the first run's
results.
"""
import json
import os
import statistics
import sys
import time

import numpy as np
from scipy.optimize import linprog

TIE_TOLERANCE = 1e-12
CHECK_TOLERANCE = 1e-9
VALUE_TOLERANCE = 1e-8


def load_game(path):
    game = json.load(open(path))
    if game.get("players") != 2 or not game.get("zero_sum"):
        raise SystemExit(f"{path}: a two-player zero-sum game is needed")
    S = game["states"] if isinstance(game["states"], int) else len(game["states"])
    A, B = [a if isinstance(a, int) else len(a) for a in game["actions"]]
    R = np.zeros((S, A, B))
    P = np.zeros((S, A, B, S))
    for row in game["transitions"]:
        s, (a, b) = row["state"], row["actions"]
        R[s, a, b] = row["reward"]
        for p, nxt in row["next"]:
            P[s, a, b, nxt] += p
    initial = game.get("initial")
    if isinstance(initial, int):
        rho = np.eye(S)[initial]
    elif initial is None:
        rho = np.full(S, 1.0 / S)
    else:
        rho = np.asarray(initial, dtype=float)
    return {"R": R, "P": P, "gamma": float(game["gamma"]), "rho": rho}


def solve_matrix_game(M):
    """Row player's (maximizer's) and column player's strategies and the value x^T M y."""
    A, B = M.shape
    c = np.zeros(A + 1)
    c[-1] = -1.0
    A_ub = np.hstack([-M.T, np.ones((B, 1))])
    A_eq = np.ones((1, A + 1))
    A_eq[0, -1] = 0.0
    bounds = [(0.0, None)] * A + [(None, None)]
    res = linprog(c, A_ub=A_ub, b_ub=np.zeros(B), A_eq=A_eq, b_eq=[1.0], bounds=bounds,
                  method="highs")
    if res.status != 0:
        raise SystemExit(f"linprog failed: {res.message}")
    x = np.maximum(res.x[:A], 0.0)
    x /= x.sum()
    y = np.maximum(-res.ineqlin.marginals, 0.0)
    y /= y.sum()
    return x, y, x @ M @ y


def stage_games(w, V):
    return w["R"] + w["gamma"] * (w["P"] @ V)


def evaluate(P_pi, r_pi, gamma):
    return np.linalg.solve(np.eye(len(r_pi)) - gamma * P_pi, r_pi)


def policy_iteration(r, P, gamma):
    """Optimal V of the MDP (r: S x A, P: S x A x S) by Howard's policy iteration."""
    S = r.shape[0]
    states = np.arange(S)
    best = r.max(axis=1, keepdims=True)
    actions = (r >= best - TIE_TOLERANCE * np.maximum(np.abs(best), 1.0)).argmax(axis=1)
    while True:
        V = evaluate(P[states, actions], r[states, actions], gamma)
        Q = r + gamma * (P @ V)
        best = Q.max(axis=1)
        threshold = best - TIE_TOLERANCE * np.maximum(np.abs(best), 1.0)
        keep = Q[states, actions] >= threshold
        improved = np.where(keep, actions, (Q >= threshold[:, None]).argmax(axis=1))
        if np.array_equal(improved, actions):
            return V
        actions = improved


def exploitability(w, x, y):
    R, P, gamma, rho = w["R"], w["P"], w["gamma"], w["rho"]
    views = [
        (np.einsum("sb,sab->sa", y, R), np.einsum("sb,sabt->sat", y, P), x),
        (-np.einsum("sa,sab->sb", x, R), np.einsum("sa,sabt->sbt", x, P), y),
    ]
    values, best_values = [], []
    for r, Pv, pi in views:
        own = evaluate(np.einsum("sa,sat->st", pi, Pv), (pi * r).sum(axis=1), gamma)
        values.append(rho @ own)
        best_values.append(rho @ policy_iteration(r, Pv, gamma))
    gains = [max(b - v, 0.0) for b, v in zip(best_values, values)]
    return {"values": values, "best_response_values": best_values, "gains": gains,
            "exploitability": sum(gains) / 2.0}


def shapley(w, tolerance, max_iterations=100_000):
    gamma = w["gamma"]
    factor = 0.0 if gamma == 0.0 else gamma / (1.0 - gamma)
    S = w["R"].shape[0]
    V = np.zeros(S)
    for iteration in range(1, max_iterations + 1):
        Q = stage_games(w, V)
        nxt = np.array([solve_matrix_game(Q[s])[2] for s in range(S)])
        change = np.abs(nxt - V).max()
        V = nxt
        if factor * change <= tolerance:
            Q = stage_games(w, V)
            solutions = [solve_matrix_game(Q[s]) for s in range(S)]
            x = np.array([sol[0] for sol in solutions])
            y = np.array([sol[1] for sol in solutions])
            return {"v": V, "x": x, "y": y, "iterations": iteration,
                    "certificate": exploitability(w, x, y)}
    raise SystemExit(f"Shapley value iteration did not reach {tolerance} "
                     f"in {max_iterations} sweeps")


def timed(fn, budget, least):
    """Runs fn at least `least` times and for about `budget` seconds in all (the first run counts:
    a Shapley run at S = 100 takes tens of seconds); returns the median wall time in
    milliseconds, the number of runs and the first run's result (the one cross-checked)."""
    times, first = [], None
    while len(times) < least or (sum(times) < budget and len(times) < 1000):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
        first = result if first is None else first
    return statistics.median(times) * 1e3, len(times), first


def world_path(report_path, recorded):
    if os.path.exists(recorded):
        return recorded
    return os.path.join(os.path.dirname(report_path), os.path.basename(recorded))


def fail(message):
    raise SystemExit(message)


def main(paths):
    for path in paths:
        ours = json.load(open(path))
        w = load_game(world_path(path, ours["world"]))
        S = w["R"].shape[0]

        # Exploitability of policylab's equilibrium policies: the same computation on both sides.
        x, y = (np.asarray(p, dtype=float) for p in ours["policies"])
        ms, repeats, report = timed(lambda: exploitability(w, x, y), 1.0, 10)
        error = max(np.abs(np.subtract(report[k], ours[k])).max()
                    for k in ("values", "best_response_values"))
        if not error <= CHECK_TOLERANCE:
            fail(f"{path}: exploitability differs from policylab's by {error:.3e}")
        print(json.dumps({"benchmark": "exploitability", "states": S, "numpy_ms": ms,
                          "repeats": repeats, "exploitability": report["exploitability"],
                          "policylab_exploitability": ours["exploitability"],
                          "max_error": error}))
        sys.stdout.flush()
        print(f"S = {S}: exploitability of policylab's policies {report['exploitability']:.6e} "
              f"(policylab {ours['exploitability']:.6e}; values and best responses agree to "
              f"{error:.1e})", file=sys.stderr)

        # Shapley value iteration, then the policies' exploitability.
        ms, repeats, solution = timed(lambda: shapley(w, ours["tolerance"]), 10.0, 3)
        v_error = np.abs(solution["v"] - np.asarray(ours["v"])).max()
        game_value = w["rho"] @ solution["v"]
        if not v_error <= VALUE_TOLERANCE:
            fail(f"{path}: Shapley V differs from policylab's by {v_error:.3e}")
        if solution["iterations"] != ours["iterations"]:
            fail(f"{path}: {solution['iterations']} sweeps against policylab's "
                 f"{ours['iterations']}")
        certificate = solution["certificate"]
        print(json.dumps({"benchmark": "shapley_value_iteration", "states": S, "numpy_ms": ms,
                          "repeats": repeats, "iterations": solution["iterations"],
                          "game_value": game_value, "policylab_game_value": ours["game_value"],
                          "max_v_error": v_error,
                          "exploitability": certificate["exploitability"],
                          "policylab_exploitability": ours["exploitability"]}))
        sys.stdout.flush()
        print(f"S = {S}: Shapley VI {solution['iterations']} sweeps (policylab "
              f"{ours['iterations']}), rho^T V = {game_value:.12f} (policylab "
              f"{ours['game_value']:.12f}, |diff| {abs(game_value - ours['game_value']):.1e}, "
              f"max |V diff| {v_error:.1e}), exploitability of its policies "
              f"{certificate['exploitability']:.3e} (policylab's {ours['exploitability']:.3e})",
              file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
