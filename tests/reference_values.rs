//! Values someone else computed: published numbers and closed forms, each with its source.

use std::path::Path;

use policylab::exact::{evaluate, policy_iteration, uniform_policy, value_iteration};
use policylab::world::TabularMdp;
use policylab::world::format;
use policylab::world::generate::HardChainParams;

fn shipped(name: &str) -> TabularMdp {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    format::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn assert_close(actual: f64, expected: f64, tolerance: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: got {actual}, expected {expected} ± {tolerance}"
    );
}

/// pymdptoolbox's documentation of `mdptoolbox.mdp.PolicyIteration` on
/// `mdptoolbox.example.forest()` (S=3, r1=4, r2=2, p=0.1, discount 0.9):
/// V = (26.244, 29.484, 33.484), policy = (0, 0, 0).
#[test]
fn forest_matches_pymdptoolbox() {
    let mdp = shipped("mdps/forest.toml");
    let expected = [26.244, 29.484, 33.484];
    let pi = policy_iteration(&mdp, 100).unwrap();
    let vi = value_iteration(&mdp, 1e-11, 100_000).unwrap();
    for (s, &value) in expected.iter().enumerate() {
        assert_close(pi.v[s], value, 1e-9, "policy iteration V*");
        assert_close(vi.v[s], value, 1e-9, "value iteration V*");
    }
    assert_eq!(pi.actions, vec![0, 0, 0]);
    assert_eq!(vi.actions, vec![0, 0, 0]);
}

/// Sutton & Barto (2018), Example 3.5 and Figures 3.2 / 3.5, γ = 0.9: the equiprobable random
/// policy has V(A) ≈ 8.8 and V(B) ≈ 5.3; the optimal values are V*(A) ≈ 24.4 and V*(B) ≈ 19.4.
/// Closed form: from A the optimal policy jumps to A' (+10) and walks 4 steps back to A, so
/// V*(A) = 10/(1 − γ⁵) and V*(B) = V*(A) − 5.
#[test]
fn sutton_barto_example_3_5() {
    let mdp = shipped("mdps/sutton-barto-3.5.toml");
    let (a, b) = (1, 3); // cells (0,1) and (0,3)
    let random = evaluate(&mdp, uniform_policy(&mdp).view()).unwrap();
    assert_close(random.v[a], 8.8, 0.05, "random V(A)");
    assert_close(random.v[b], 5.3, 0.05, "random V(B)");
    // Figure 3.2 (the full table, rounded to one decimal in the book).
    let figure_3_2 = [
        3.3, 8.8, 4.4, 5.3, 1.5, 1.5, 3.0, 2.3, 1.9, 0.5, 0.1, 0.7, 0.7, 0.4, -0.4, -1.0, -0.4,
        -0.4, -0.6, -1.2, -1.9, -1.3, -1.2, -1.4, -2.0,
    ];
    for (s, &v) in figure_3_2.iter().enumerate() {
        assert_close(random.v[s], v, 0.05 + 1e-12, &format!("random V(cell {s})"));
    }
    let optimal = policy_iteration(&mdp, 100).unwrap();
    let closed_form = 10.0 / (1.0 - 0.9f64.powi(5));
    assert_close(optimal.v[a], closed_form, 1e-9, "V*(A)");
    assert_close(optimal.v[b], closed_form - 5.0, 1e-9, "V*(B)");
    assert_close(optimal.v[a], 24.4, 0.05, "V*(A) as printed");
    assert_close(optimal.v[b], 19.4, 0.05, "V*(B) as printed");
    // Figure 3.5 (the full table, rounded to one decimal in the book).
    let figure_3_5 = [
        22.0, 24.4, 22.0, 19.4, 17.5, 19.8, 22.0, 19.8, 17.8, 16.0, 17.8, 19.8, 17.8, 16.0, 14.4,
        16.0, 17.8, 16.0, 14.4, 13.0, 14.4, 16.0, 14.4, 13.0, 11.7,
    ];
    for (s, &v) in figure_3_5.iter().enumerate() {
        assert_close(optimal.v[s], v, 0.05 + 1e-12, &format!("V*(cell {s})"));
    }
}

/// FrozenLake 4x4 (slippery), Gymnasium's own transition table, γ = 0.99: V*(start) = 0.542026
/// (the value reported across the DP literature for this environment). The full table and the
/// uniform-policy values were computed by an independent NumPy value iteration / linear solve on
/// the same Gymnasium 1.4.0 table (see tests/data/README.md).
#[test]
fn frozenlake_4x4() {
    let mdp = shipped("mdps/frozenlake4x4.json");
    assert_eq!(mdp.gamma(), 0.99);
    let optimal = policy_iteration(&mdp, 100).unwrap();
    assert_close(optimal.v[0], 0.542026, 5e-7, "V*(start)");
    let numpy_optimal = [
        0.5420259320,
        0.4988031872,
        0.4706956906,
        0.4568516997,
        0.5584509602,
        0.0,
        0.3583480720,
        0.0,
        0.5917987449,
        0.6430798248,
        0.6152075579,
        0.0,
        0.0,
        0.7417204390,
        0.8628374301,
        0.0,
    ];
    for (s, &v) in numpy_optimal.iter().enumerate() {
        assert_close(optimal.v[s], v, 1e-9, &format!("V*({s})"));
    }
    assert_eq!(
        optimal.actions,
        vec![0, 3, 3, 3, 0, 0, 0, 0, 3, 1, 0, 0, 0, 2, 1, 0]
    );
    let numpy_uniform = [
        0.0123561373,
        0.0104244610,
        0.0193384359,
        0.0094777483,
        0.0147870516,
        0.0,
        0.0388944494,
        0.0,
        0.0326024740,
        0.0843376421,
        0.1378108544,
        0.0,
        0.0,
        0.1703448216,
        0.4335794416,
        0.0,
    ];
    let uniform = evaluate(&mdp, uniform_policy(&mdp).view()).unwrap();
    for (s, &v) in numpy_uniform.iter().enumerate() {
        assert_close(uniform.v[s], v, 1e-9, &format!("V^uniform({s})"));
    }
}

/// CliffWalking (Gymnasium's table), γ = 0.9: the shortest safe path from the start takes 13
/// steps of reward −1, so V*(36) = −(1 − 0.9¹³)/(1 − 0.9).
#[test]
fn cliff_walking_closed_form() {
    let mdp = shipped("tests/data/cliffwalking.json")
        .with_gamma(0.9)
        .unwrap();
    assert_eq!((mdp.n_states(), mdp.n_actions()), (48, 4));
    let optimal = policy_iteration(&mdp, 100).unwrap();
    assert_close(
        optimal.v[36],
        -(1.0 - 0.9f64.powi(13)) / 0.1,
        1e-9,
        "V*(start)",
    );
    assert_close(
        optimal.v[11],
        -2.71,
        1e-9,
        "V*(11), three steps from the goal",
    );
    assert_close(
        optimal.v[47],
        -1.0,
        1e-12,
        "V*(goal): the table has the goal step once more",
    );
}

/// Taxi-v3 (Gymnasium's table), γ = 0.9. In state 0 the passenger waits at R with destination R
/// and the taxi is there: pick up (−1) then drop off (+20, done), V* = −1 + 0.9·20 = 17.
/// The mean over all 500 states is from an independent NumPy value iteration.
#[test]
fn taxi_values() {
    let mdp = shipped("tests/data/taxi.json").with_gamma(0.9).unwrap();
    assert_eq!((mdp.n_states(), mdp.n_actions()), (500, 6));
    let optimal = policy_iteration(&mdp, 100).unwrap();
    assert_close(optimal.v[0], 17.0, 1e-9, "V*(0)");
    assert_close(optimal.v[100], 14.3, 1e-9, "V*(100)");
    assert_close(optimal.v[1], 1.6226146700000021, 1e-9, "V*(1)");
    assert_close(
        optimal.v.mean().unwrap(),
        2.4679209766162074,
        1e-9,
        "mean V*",
    );
}

/// Mei, Xiao, Szepesvári & Schuurmans (2020), §2 example: r = (1, 0.9, 0.1): π* pulls arm 0,
/// V* = 1 and the uniform policy gets 2/3.
#[test]
fn three_armed_bandit() {
    let mdp = shipped("mdps/bandit3.toml");
    let optimal = policy_iteration(&mdp, 10).unwrap();
    assert_eq!(optimal.actions, vec![0]);
    assert_close(optimal.v[0], 1.0, 1e-15, "V*");
    let uniform = evaluate(&mdp, uniform_policy(&mdp).view()).unwrap();
    assert_close(uniform.v[0], 2.0 / 3.0, 1e-15, "V^uniform");
}

/// Li, Wei, Chi & Chen (2023, arXiv 2102.11270 revised December 2022), Lemma 1: a1 is optimal in
/// every state but 0, V*(S_1) = γ², V*(S_2) = γ⁴, V*(s) = γ^{2s}, V*(s̄) = γ^{2s+1}; §4.3 Step 7:
/// a modified booster of primary s has V* = γ^{2s+1}. The shipped chain is the paper's
/// construction at the proportions of eqs. (15)–(17) for γ = 0.97, |S| = 136 (H = 6, |S_1| = 1,
/// |S_2| = 32, m = 4, 44 filler states). The formulas are written out here, not taken from the
/// generator.
#[test]
fn li2021_chain_optimal_values() {
    let mdp = shipped("mdps/li2021-chain.json");
    let params = HardChainParams::default();
    let (g, h): (f64, usize) = (0.97, 6);
    assert_eq!((params.gamma, params.length), (g, h));
    let optimal = policy_iteration(&mdp, 1000).unwrap();
    let index = |name: &str| {
        (0..mdp.n_states())
            .find(|&s| mdp.state_label(s) == name)
            .unwrap_or_else(|| panic!("no state {name}"))
    };
    assert_close(optimal.v[index("S1.0")], g.powi(2), 1e-12, "V*(S1)");
    assert_close(optimal.v[index("S2.7")], g.powi(4), 1e-12, "V*(S2)");
    for s in 3..=h {
        let primary = index(&format!("s{s}"));
        assert_close(optimal.v[primary], g.powi(2 * s as i32), 1e-12, "V*(s)");
        assert_eq!(optimal.actions[primary], 1, "a1 optimal in s{s}");
        // Step 7: V*(ŝ) = γ^{2s+1} for the boosters of primary states, and a1 is optimal there.
        let booster = index(&format!("boost.s{s}.3"));
        assert_close(optimal.v[booster], g.powi(2 * s as i32 + 1), 1e-12, "V*(ŝ)");
        assert_eq!(
            optimal.actions[booster], 1,
            "a1 optimal in a booster of s{s}"
        );
    }
    for s in 1..=h {
        let adjoint = index(&format!("bar{s}"));
        assert_close(optimal.v[adjoint], g.powi(2 * s as i32 + 1), 1e-12, "V*(s̄)");
        assert_eq!(optimal.actions[adjoint], 1, "a1 optimal in bar{s}");
    }
    for buffer in ["S1.0", "S2.31"] {
        assert_eq!(optimal.actions[index(buffer)], 1, "a1 optimal in {buffer}");
    }
    // Eq. (14): 1 + |S_1| + |S_2| + (H − 2) + H + 2H·m listed states, the rest filler.
    assert_eq!(1 + 1 + 32 + (h - 2) + h + 2 * h * 4, 92);
    assert_eq!(mdp.n_states(), 136);
    assert_eq!(mdp.state_label(135), "0.43");
    // ρ is uniform over all states (Theorem 1).
    assert!(mdp.initial().iter().all(|&r| r == 1.0 / 136.0));
    // Closed forms agree with the generator's own table.
    for (s, v) in params.optimal_values().iter().enumerate() {
        assert_close(optimal.v[s], *v, 1e-12, "closed form");
    }
}

/// Li et al. (2023), Lemma 8 (for any policy π, when γ^{2H} ≥ 1/2 and c_p ≤ 1/6): (i)
/// γ^{3/2}·τ_{s−1} ≤ Q^π(s, a0) = r_s + γ²·p·τ_{s−2} ≤ γ^{1/2}·τ_s, Q^π(s, a1) = γ·V^π(\overline{s−1}),
/// Q^π(s, a2) = r_s + γ·p·V^π(\overline{s−2}) ≤ γ^{1/2}·τ_s; (iii) V^π(s̄) ≥ γ·τ_s exactly when
/// V^π(s) ≥ τ_s; (iv) the buffers' Q-values ∓γ² and ∓γ⁴ do not depend on π. Checked on random
/// policies of the shipped chain, with τ_s, r_s and p written out from eq. (18).
#[test]
fn li2021_chain_lemma_8_holds_for_random_policies() {
    let mdp = shipped("mdps/li2021-chain.json");
    let (g, h, p): (f64, usize, f64) = (0.97, 6, 0.00047 * (1.0 - 0.97));
    assert!(g.powi(2 * h as i32) >= 0.5);
    let tau = |s: usize| 0.5 * g.powf(2.0 * s as f64 / 3.0);
    let r = |s: usize| 0.5 * g.powf(2.0 * s as f64 / 3.0 + 5.0 / 6.0);
    let index = |name: &str| {
        (0..mdp.n_states())
            .find(|&s| mdp.state_label(s) == name)
            .unwrap()
    };
    for seed in 0..20u64 {
        // A policy from a deterministic pseudo-random sequence, over the available actions.
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 11) as f64 / (1u64 << 53) as f64) + 1e-3
        };
        let mut policy = ndarray::Array2::<f64>::zeros((mdp.n_states(), 3));
        for s in 0..mdp.n_states() {
            let allowed: Vec<usize> = (0..3).filter(|&a| mdp.is_allowed(s, a)).collect();
            let weights: Vec<f64> = allowed.iter().map(|_| next()).collect();
            let total: f64 = weights.iter().sum();
            for (&a, w) in allowed.iter().zip(weights) {
                policy[[s, a]] = w / total;
            }
        }
        let values = evaluate(&mdp, policy.view()).unwrap();
        for s in 3..=h {
            let i = index(&format!("s{s}"));
            let (q0, q1, q2) = (values.q[[i, 0]], values.q[[i, 1]], values.q[[i, 2]]);
            assert_close(q0, r(s) + g * g * p * tau(s - 2), 1e-12, "Q(s, a0)");
            assert!(
                g.powf(1.5) * tau(s - 1) <= q0 && q0 <= g.sqrt() * tau(s),
                "Lemma 8(i) a0"
            );
            let before = values.v[index(&format!("bar{}", s - 1))];
            assert_close(q1, g * before, 1e-12, "Q(s, a1)");
            let two_before = values.v[index(&format!("bar{}", s - 2))];
            assert_close(q2, r(s) + g * p * two_before, 1e-12, "Q(s, a2)");
            assert!(q2 <= g.sqrt() * tau(s), "Lemma 8(i) a2");
            let adjoint = values.v[index(&format!("bar{s}"))];
            assert_eq!(adjoint >= g * tau(s), values.v[i] >= tau(s), "Lemma 8(iii)");
        }
        for (buffer, k) in [("S1.0", 2), ("S2.5", 4)] {
            let i = index(buffer);
            assert_close(values.q[[i, 0]], -g.powi(k), 1e-15, "buffer a0");
            assert_close(values.q[[i, 1]], g.powi(k), 1e-15, "buffer a1");
        }
    }
}
