//! Games: exact solution concepts against closed forms, a second method and published values.

mod common;

use nalgebra::{DMatrix, DVector};
use ndarray::{Array2, arr2};
use policylab::exact::game::{
    exploitability, markov_qre, qre::qre_residual, shapley_value_iteration, solve_matrix_game,
    solve_matrix_qre,
};
use policylab::exact::{policy_iteration, value_iteration};
use policylab::world::generate::classic_games::{
    big_match, perturbed_rock_paper_scissors, rock_paper_scissors,
};
use policylab::world::generate::{GarnetParams, RandomGameParams, RewardSharing};
use policylab::world::{GameSpec, MarkovGame};

/// The equilibrium of a nondegenerate zero-sum game by support enumeration (Shoham &
/// Leyton-Brown 2009, §4.2): for equal-size supports I, J solve the indifference conditions and
/// keep the pair whose strategies are nonnegative and whose unused actions do no better.
fn support_enumeration(m: &Array2<f64>) -> (Vec<f64>, Vec<f64>, f64) {
    let (rows, cols) = m.dim();
    let subsets = |n: usize, k: usize| -> Vec<Vec<usize>> {
        (0u32..(1 << n))
            .filter(|mask| mask.count_ones() as usize == k)
            .map(|mask| (0..n).filter(|i| mask & (1 << i) != 0).collect())
            .collect()
    };
    for k in 1..=rows.min(cols) {
        for i_set in subsets(rows, k) {
            for j_set in subsets(cols, k) {
                // y on J: M_IJ y = v·1, 1ᵀy = 1.  x on I: M_IJᵀ x = v·1, 1ᵀx = 1.
                let solve = |transpose: bool| -> Option<(Vec<f64>, f64)> {
                    let mut a = DMatrix::<f64>::zeros(k + 1, k + 1);
                    let mut b = DVector::<f64>::zeros(k + 1);
                    for r in 0..k {
                        for c in 0..k {
                            a[(r, c)] = if transpose {
                                m[[i_set[c], j_set[r]]]
                            } else {
                                m[[i_set[r], j_set[c]]]
                            };
                        }
                        a[(r, k)] = -1.0;
                        a[(k, r)] = 1.0;
                    }
                    b[k] = 1.0;
                    let z = a.lu().solve(&b)?;
                    Some(((0..k).map(|i| z[i]).collect(), z[k]))
                };
                let (Some((y_part, v)), Some((x_part, _))) = (solve(false), solve(true)) else {
                    continue;
                };
                if y_part.iter().chain(&x_part).any(|p| *p < -1e-12) {
                    continue;
                }
                let mut x = vec![0.0; rows];
                let mut y = vec![0.0; cols];
                for (slot, &i) in i_set.iter().enumerate() {
                    x[i] = x_part[slot];
                }
                for (slot, &j) in j_set.iter().enumerate() {
                    y[j] = y_part[slot];
                }
                let best_row = (0..rows)
                    .map(|a| (0..cols).map(|b| m[[a, b]] * y[b]).sum::<f64>())
                    .fold(f64::NEG_INFINITY, f64::max);
                let worst_column = (0..cols)
                    .map(|b| (0..rows).map(|a| x[a] * m[[a, b]]).sum::<f64>())
                    .fold(f64::INFINITY, f64::min);
                if best_row <= v + 1e-10 && worst_column >= v - 1e-10 {
                    return (x, y, v);
                }
            }
        }
    }
    panic!("no equilibrium found by support enumeration");
}

#[test]
fn lp_values_of_random_zero_sum_games_match_support_enumeration() {
    for seed in 0u64..40 {
        let (rows, cols) = (2 + seed as usize % 4, 2 + (seed as usize / 4) % 4);
        // A rows × cols matrix of Uniform(−1, 1) payoffs from the seed.
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let m = Array2::from_shape_fn((rows, cols), |_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        });
        let lp = solve_matrix_game(m.view()).unwrap();
        let (x, y, v) = support_enumeration(&m);
        assert!(
            (lp.value - v).abs() < 1e-10,
            "seed {seed}: LP {} vs {v}",
            lp.value
        );
        for (p, q) in lp.row.iter().zip(&x).chain(lp.column.iter().zip(&y)) {
            assert!((p - q).abs() < 1e-9, "seed {seed}: {p} vs {q}");
        }
        assert!(lp.gap() <= 1e-12, "seed {seed}: gap {}", lp.gap());
    }
}

#[test]
fn big_match_has_value_one_over_two_one_minus_gamma() {
    for gamma in [0.5, 0.9, 0.99] {
        let game = big_match(gamma).unwrap();
        let solution = shapley_value_iteration(&game, 1e-10, 100_000).unwrap();
        let expected = 1.0 / (2.0 * (1.0 - gamma));
        assert!(
            (solution.v[0] - expected).abs() <= 1e-9 * expected,
            "gamma {gamma}: {} vs {expected}",
            solution.v[0]
        );
        // Player 1 stops with probability (1−γ)/(2−γ); player 2 mixes 1/2–1/2.
        let stop = (1.0 - gamma) / (2.0 - gamma);
        assert!((solution.policies[0][[0, 0]] - stop).abs() < 1e-8);
        assert!((solution.policies[1][[0, 0]] - 0.5).abs() < 1e-8);
        assert!(
            solution.certificate.nash_conv() <= 1e-9 * expected,
            "gamma {gamma}: NashConv {}",
            solution.certificate.nash_conv()
        );
    }
}

#[test]
fn rock_paper_scissors_is_uniform_with_value_zero_and_zero_exploitability() {
    let game = rock_paper_scissors().unwrap();
    let solution = shapley_value_iteration(&game, 1e-12, 10).unwrap();
    assert!(solution.v[0].abs() < 1e-15);
    for policy in &solution.policies {
        for p in policy {
            assert!((p - 1.0 / 3.0).abs() < 1e-15);
        }
    }
    assert!(solution.certificate.nash_conv() <= 1e-15);
    // A pure strategy is exploitable: (rock, uniform) loses 1 to paper.
    let rock = arr2(&[[1.0, 0.0, 0.0]]);
    let uniform = arr2(&[[1.0 / 3.0; 3]]);
    let report = exploitability(&game, &[rock.view(), uniform.view()]).unwrap();
    assert!((report.gains[0] - 0.0).abs() < 1e-15);
    assert!((report.gains[1] - 1.0).abs() < 1e-15);
    assert!((report.exploitability() - 0.5).abs() < 1e-15);
}

#[test]
fn random_markov_games_are_solved_with_certificates() {
    for seed in 0..4 {
        let game = RandomGameParams {
            states: 6,
            actions: 3,
            seed,
            ..RandomGameParams::default()
        }
        .build()
        .unwrap();
        let solution = shapley_value_iteration(&game, 1e-12, 100_000).unwrap();
        assert!(
            solution.certificate.nash_conv() <= 1e-9,
            "seed {seed}: {}",
            solution.certificate.nash_conv()
        );
        // Zero-sum: player 1's best-response value and player 2's agree with ±V*.
        let v = solution.objective(&game);
        assert!((solution.certificate.values[0] - v).abs() < 1e-9);
        assert!((solution.certificate.values[1] + v).abs() < 1e-9);
    }
}

/// A game whose second player has a single action is player 1's MDP: Shapley VI is VI.
#[test]
fn shapley_with_a_one_action_opponent_is_value_iteration() {
    let mdp = GarnetParams {
        states: 7,
        actions: 3,
        branching: 2,
        gamma: 0.9,
        seed: 5,
    }
    .build()
    .unwrap();
    let s_count = mdp.n_states();
    let rewards: Vec<Vec<f64>> = (0..s_count)
        .map(|s| (0..3).map(|a| mdp.expected_reward()[[s, a]]).collect())
        .collect();
    let transitions = (0..s_count)
        .map(|s| {
            (0..3)
                .map(|a| {
                    mdp.outcomes(s, a)
                        .iter()
                        .map(|o| (o.next_state, o.probability))
                        .collect()
                })
                .collect()
        })
        .collect();
    let negative = rewards
        .iter()
        .map(|r| r.iter().map(|v| -v).collect())
        .collect();
    let game = MarkovGame::new(GameSpec {
        name: "garnet as a game".into(),
        description: String::new(),
        n_states: s_count,
        actions: vec![3, 1],
        gamma: 0.9,
        initial: mdp.initial().to_vec(),
        rewards: vec![rewards, negative],
        transitions,
        state_names: None,
        player_names: None,
        action_names: None,
    })
    .unwrap();
    let shapley = shapley_value_iteration(&game, 1e-12, 100_000).unwrap();
    let vi = value_iteration(&mdp, 1e-12, 100_000).unwrap();
    let pi = policy_iteration(&mdp, 1000).unwrap();
    for s in 0..s_count {
        assert!((shapley.v[s] - pi.v[s]).abs() < 1e-10);
        assert!((shapley.v[s] - vi.v[s]).abs() < 1e-10);
    }
}

/// A one-player cooperative game is an MDP: the player's view reproduces it bit for bit.
#[test]
fn one_player_game_view_is_the_mdp() {
    let game = RandomGameParams {
        states: 5,
        players: 1,
        actions: 4,
        class: RewardSharing::Cooperative,
        seed: 3,
        ..RandomGameParams::default()
    }
    .build()
    .unwrap();
    let uniform = Array2::from_elem((5, 4), 0.25);
    let view = game.player_view(0, &[uniform.view()]).unwrap();
    for s in 0..5 {
        for a in 0..4 {
            assert_eq!(view.expected_reward()[[s, a]], game.reward(0)[[s, a]]);
            let row = game.transition().row(s * 4 + a);
            for o in view.outcomes(s, a) {
                assert_eq!(o.probability, row[o.next_state]);
            }
        }
    }
}

#[test]
fn matrix_qre_matches_sokota_et_al_perturbed_rps() {
    // ssokota/mmd, examples/nfg/perturbed_rps.py: pre-computed QREs of (M + 3)/6 (8 digits).
    let published = [
        (0.05, [0.1517447, 0.46794775, 0.38030755]),
        (0.1, [0.17347803, 0.48630324, 0.34021873]),
        (0.2, [0.22364492, 0.47798817, 0.29836691]),
        (0.5, [0.29813319, 0.41382045, 0.28804635]),
    ];
    let game = perturbed_rock_paper_scissors().unwrap();
    let m = game
        .reward(0)
        .clone()
        .into_shape_with_order((3, 3))
        .unwrap();
    for (tau, strategy) in published {
        let qre = solve_matrix_qre(m.view(), tau, None).unwrap();
        assert!(
            qre.residual <= 1e-12,
            "tau {tau}: residual {}",
            qre.residual
        );
        for (k, expected) in strategy.iter().enumerate() {
            assert!(
                (qre.row[k] - expected).abs() < 5e-8,
                "tau {tau}: {}",
                qre.row[k]
            );
            assert!((qre.column[k] - expected).abs() < 5e-8);
        }
    }
}

#[test]
fn markov_qre_has_a_fixed_point_residual_below_1e_12() {
    let game = RandomGameParams {
        states: 5,
        actions: 3,
        seed: 11,
        ..RandomGameParams::default()
    }
    .build()
    .unwrap();
    for tau in [1.0, 0.1, 0.02] {
        let qre = markov_qre(&game, tau, 1e-12, 100_000).unwrap();
        assert!(qre.residual <= 1e-12, "tau {tau}: {}", qre.residual);
        assert!(
            qre.qre_gap() <= 1e-9,
            "tau {tau}: QRE gap {}",
            qre.qre_gap()
        );
        // The stage residual, recomputed independently at the returned values.
        for s in 0..game.n_states() {
            let stage = game.stage_matrix(s, qre.v.as_slice().unwrap());
            let r = qre_residual(
                stage.view(),
                qre.policies[0].row(s).as_slice().unwrap(),
                qre.policies[1].row(s).as_slice().unwrap(),
                tau,
            );
            assert!(r <= 1e-12, "tau {tau}, state {s}: {r}");
        }
    }
}

fn policylab(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_policylab"))
        .args(args)
        .output()
        .expect("the policylab binary runs")
}

#[test]
fn solve_json_is_a_policy_file_for_evaluate_and_certifies_the_big_match() {
    let dir = std::env::temp_dir().join(format!("policylab-games-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let game = concat!(env!("CARGO_MANIFEST_DIR"), "/mdps/big-match.toml");
    let solved = policylab(&["solve", game, "--json"]);
    assert!(
        solved.status.success(),
        "{}",
        String::from_utf8_lossy(&solved.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&solved.stdout).unwrap();
    assert!(
        (json["objective"].as_f64().unwrap() - 5.0).abs() < 1e-9,
        "γ = 0.9: 1/(2·0.1)"
    );
    assert!(json["certificate"]["nash_conv"].as_f64().unwrap() <= 1e-9);
    let policy = dir.join("equilibrium.json");
    std::fs::write(&policy, &solved.stdout).unwrap();
    let evaluated = policylab(&[
        "evaluate",
        game,
        "--policy",
        policy.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        evaluated.status.success(),
        "{}",
        String::from_utf8_lossy(&evaluated.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&evaluated.stdout).unwrap();
    assert!(report["exploitability"].as_f64().unwrap() <= 1e-9);
    assert!((report["values"][0].as_f64().unwrap() - 5.0).abs() < 1e-9);
    // The shipped .nfg games solve to value 0.
    for file in ["rock-paper-scissors.nfg", "matching-pennies.nfg"] {
        let path = format!("{}/mdps/{file}", env!("CARGO_MANIFEST_DIR"));
        let out = policylab(&["solve", &path, "--json"]);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(json["objective"].as_f64().unwrap().abs() < 1e-12, "{file}");
    }
    // A general-sum game given to the zero-sum solver is a clear error.
    let pd = dir.join("pd.json");
    let made = policylab(&[
        "generate",
        "matrix-game",
        "--name",
        "prisoners-dilemma",
        "--out",
        pd.to_str().unwrap(),
    ]);
    assert!(made.status.success());
    let refused = policylab(&["solve", pd.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("general-sum") && stderr.contains("zero-sum"),
        "{stderr}"
    );
    // Defect–defect is the equilibrium of the prisoner's dilemma; cooperation is exploitable.
    let cooperate = dir.join("cooperate.json");
    std::fs::write(&cooperate, r#"{"policies": [[[1.0, 0.0]], [[1.0, 0.0]]]}"#).unwrap();
    let out = policylab(&[
        "evaluate",
        pd.to_str().unwrap(),
        "--policy",
        cooperate.to_str().unwrap(),
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!((report["nash_conv"].as_f64().unwrap() - 4.0).abs() < 1e-12);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn native_game_files_round_trip() {
    for class in [
        RewardSharing::ZeroSum,
        RewardSharing::GeneralSum,
        RewardSharing::Potential,
    ] {
        let game = RandomGameParams {
            states: 3,
            actions: 2,
            class,
            seed: 9,
            ..RandomGameParams::default()
        }
        .build()
        .unwrap();
        for extension in ["json", "toml"] {
            let path = std::env::temp_dir().join(format!(
                "policylab-game-{}-{class:?}.{extension}",
                std::process::id()
            ));
            policylab::world::format::save_game(&game, &path).unwrap();
            let back = policylab::world::format::load_game(&path).unwrap();
            assert_eq!(back.reward(0), game.reward(0), "{class:?} {extension}");
            assert_eq!(back.reward(1), game.reward(1));
            assert_eq!(back.transition(), game.transition());
            assert_eq!(back.class(), game.class());
            std::fs::remove_file(&path).ok();
        }
    }
}

#[test]
fn every_shipped_game_is_solved_with_a_certificate() {
    let games = common::shipped_games();
    assert!(games.len() >= 3, "the shipped games are missing");
    for (path, game) in games {
        let solution = shapley_value_iteration(&game, 1e-12, 100_000).unwrap();
        assert!(solution.certificate.nash_conv() <= 1e-9, "{path}");
    }
}

/// Littman's grid soccer (1994) on his 4 × 5 field: the layout is symmetric under the point
/// reflection that swaps the players, so V*(ρ) = 0 and V*(s) = −V*(reflection of s) for every
/// state; A holding the ball beside its goal with B out of reach scores at once, V* = 1 + γ·0.
/// Shapley value iteration's policies carry their exact exploitability.
#[test]
fn littman_soccer_is_symmetric_and_scores_at_once() {
    use policylab::world::generate::SoccerParams;
    let params = SoccerParams::default();
    let game = params.build().unwrap();
    assert_eq!(game.n_states(), 760);
    let solution = shapley_value_iteration(&game, 1e-10, 100_000).unwrap();
    assert!(solution.certificate.nash_conv() <= 1e-9);
    assert!(solution.objective(&game).abs() <= 1e-9);
    let index: std::collections::HashMap<String, usize> = (0..game.n_states())
        .map(|s| (game.state_label(s), s))
        .collect();
    let square = |text: &str| -> (i64, i64) {
        let (c, r) = text
            .trim_matches(|ch| ch == '(' || ch == ')')
            .split_once(',')
            .unwrap();
        (c.parse().unwrap(), r.parse().unwrap())
    };
    for s in 0..game.n_states() {
        let label = game.state_label(s);
        let parts: Vec<&str> = label.split_whitespace().collect();
        let (a, b) = (square(&parts[0][1..]), square(&parts[1][1..]));
        let reflect = |(c, r): (i64, i64)| (4 - c, 3 - r);
        let (a2, b2) = (reflect(b), reflect(a));
        let holder = if parts[3] == "A" { "B" } else { "A" };
        let mirror = format!("A({},{}) B({},{}) ball {holder}", a2.0, a2.1, b2.0, b2.1);
        let m = index[&mirror];
        assert!(
            (solution.v[s] + solution.v[m]).abs() <= 1e-9,
            "{label}: {} against {mirror}: {}",
            solution.v[s],
            solution.v[m]
        );
    }
    let at_goal = index["A(0,1) B(4,3) ball A"];
    assert!(
        (solution.v[at_goal] - 1.0).abs() <= 1e-9,
        "{}",
        solution.v[at_goal]
    );
    // Bad fields are refused.
    let narrow = SoccerParams {
        columns: 2,
        ..SoccerParams::default()
    };
    assert!(narrow.build().unwrap_err().to_string().contains("columns"));
}
