//! Game algorithms through the catalogue: independent learners on players' views, policy
//! extragradient and magnetic mirror descent, measured against the exact equilibria.

use ndarray::Array2;
use policylab::algo::catalogue::run_named;
use policylab::algo::game_measure::kl_to;
use policylab::core::record::Record;
use policylab::exact::game::{GameWorld, markov_qre, solve_matrix_qre};
use policylab::world::World;
use policylab::world::generate::classic_games::{
    perturbed_rock_paper_scissors, preference_game, rock_paper_scissors,
};
use policylab::world::generate::{RandomGameParams, RewardSharing};

fn records(name: &str, params: &[(&str, f64)], world: &GameWorld, steps: usize) -> Vec<Record> {
    let given: Vec<(String, f64)> = params.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    let mut out = Vec::new();
    run_named(name, &given, world, steps, 0, |_, r| out.push(r.clone())).unwrap();
    out
}

/// Cen, Wei & Chi (2021): PU contracts KL(ζ*_τ ‖ ζ_t) at least by (1 − ητ) per step for
/// η = 1/(τ + max|A|) (the step-size condition as we read their Theorem 1).
#[test]
fn extragradient_meets_the_linear_rate_on_perturbed_rps() {
    let world = GameWorld::new(perturbed_rock_paper_scissors().unwrap()).unwrap();
    for tau in [0.05, 0.1, 0.5] {
        // Enough steps for the bound to fall by e^−25.
        let steps = (25.0 * (tau + 1.0) / tau) as usize;
        let run = records(
            "policy-extragradient",
            &[("temperature", tau)],
            &world,
            steps,
        );
        let eta = run[0].get("step_size").unwrap();
        assert!((eta - 1.0 / (tau + 1.0)).abs() < 1e-15);
        let kl0 = run[0].get("kl_to_qre").unwrap();
        for (t, record) in run.iter().enumerate() {
            let kl = record.get("kl_to_qre").unwrap();
            let bound = (1.0 - eta * tau).powi(t as i32) * kl0;
            assert!(
                kl <= bound + 1e-13,
                "tau {tau}, t {t}: KL {kl} > bound {bound}"
            );
        }
        assert!(run.last().unwrap().get("qre_gap").unwrap() < 1e-10);
    }
}

/// Cen, Wei & Chi (2021), Algorithm 2 (OMWU): with η = min{1/(2L + 2τ), 1/(4L)} (L the largest
/// absolute payoff) every iterate satisfies KL(ζ*_τ ‖ ζ_t) ≤ (1 − ητ)^t·KL(ζ*_τ ‖ ζ_0), on
/// perturbed RPS and on random matrix games with two to five actions per player; PU's bound with
/// its own step 1/(τ + L) holds on the same games.
#[test]
fn optimistic_mwu_and_extragradient_meet_the_linear_rate_on_random_matrix_games() {
    let mut worlds = vec![GameWorld::new(perturbed_rock_paper_scissors().unwrap()).unwrap()];
    for seed in 0..8u64 {
        let game = RandomGameParams {
            states: 1,
            players: 2,
            actions: 2 + (seed as usize % 4),
            branching: 1,
            gamma: 0.0,
            class: RewardSharing::ZeroSum,
            seed,
        }
        .build()
        .unwrap();
        worlds.push(GameWorld::new(game).unwrap());
    }
    for world in &worlds {
        let game = world.game().unwrap();
        let scale = game.reward(0).iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for tau in [0.05, 0.2, 1.0] {
            let omwu_eta = (1.0 / (2.0 * scale + 2.0 * tau)).min(1.0 / (4.0 * scale));
            let pu_eta = 1.0 / (tau + scale);
            for (name, eta) in [("omwu", omwu_eta), ("policy-extragradient", pu_eta)] {
                // Enough steps for the bound to fall by e^−20.
                let steps = (20.0 / (eta * tau)) as usize;
                let run = records(name, &[("temperature", tau)], world, steps);
                assert!((run[0].get("step_size").unwrap() - eta).abs() < 1e-15);
                let kl0 = run[0].get("kl_to_qre").unwrap();
                for (t, record) in run.iter().enumerate() {
                    let kl = record.get("kl_to_qre").unwrap();
                    let bound = (1.0 - eta * tau).powi(t as i32) * kl0;
                    assert!(
                        kl <= bound + 1e-13,
                        "{name} on {}, tau {tau}, t {t}: KL {kl} > bound {bound}",
                        game.name()
                    );
                }
            }
        }
    }
}

/// Sokota et al. (2023), Theorem 3.4: MMD with η = α/L² converges to the QRE at temperature α.
#[test]
fn mmd_reaches_the_qre_of_rock_paper_scissors_and_perturbed_rps() {
    let game = perturbed_rock_paper_scissors().unwrap();
    let m = game
        .reward(0)
        .clone()
        .into_shape_with_order((3, 3))
        .unwrap();
    let alpha = 0.5;
    let qre = solve_matrix_qre(m.view(), alpha, None).unwrap();
    let world = GameWorld::new(game).unwrap();
    let run = records("mmd", &[("temperature", alpha)], &world, 400);
    let gaps: Vec<f64> = run.iter().map(|r| r.get("qre_gap").unwrap()).collect();
    assert!(gaps[399] < 1e-10, "QRE gap after 400 steps: {}", gaps[399]);
    assert!(gaps[399] < gaps[0] * 1e-6);
    // The limit is the QRE of the matrix solver: the same entropy and value for player 1.
    let entropy = -qre.row.iter().map(|p| p * p.ln()).sum::<f64>();
    assert!((run[399].get("entropy_p1").unwrap() - entropy).abs() < 1e-8);
    let value = qre.row.dot(&m.dot(&qre.column));
    assert!((run[399].get("J_p1").unwrap() - value).abs() < 1e-8);
    let rps = GameWorld::new(rock_paper_scissors().unwrap()).unwrap();
    let run = records("mmd", &[("temperature", 0.2)], &rps, 50);
    assert!(
        run.iter().all(|r| r.get("nash_conv").unwrap() < 1e-15),
        "uniform is the QRE"
    );
}

/// Independent NPG (every player NPG on its own view) reaches a Nash equilibrium of a Markov
/// potential game (Leonardos et al. 2022; Zhang, Ren & Li 2022).
#[test]
fn independent_npg_finds_a_nash_policy_in_a_potential_game() {
    for seed in 0..3 {
        let game = RandomGameParams {
            states: 4,
            players: 3,
            actions: 2,
            class: RewardSharing::Potential,
            seed,
            ..RandomGameParams::default()
        }
        .build()
        .unwrap();
        let world = GameWorld::new(game).unwrap();
        let run = records("npg", &[("step_size", 0.5)], &world, 300);
        let last = run.last().unwrap().get("nash_conv").unwrap();
        assert!(last < 1e-8, "seed {seed}: NashConv {last}");
        assert!(
            run[0].get("nash_conv").unwrap() > 1e-3,
            "seed {seed}: uniform already Nash"
        );
    }
}

/// On a Markov game, PU with the outer value iteration (Cen et al. 2021, §4) reaches the QRE
/// computed by regularized Shapley iteration.
#[test]
fn extragradient_on_a_markov_game_reaches_its_qre() {
    let game = RandomGameParams {
        states: 4,
        actions: 3,
        seed: 2,
        ..RandomGameParams::default()
    }
    .build()
    .unwrap();
    let tau = 0.5;
    let qre = markov_qre(&game, tau, 1e-12, 100_000).unwrap();
    let world = GameWorld::new(game).unwrap();
    let run = records(
        "policy-extragradient",
        &[("temperature", tau), ("inner_steps", 5.0)],
        &world,
        400,
    );
    let last = run.last().unwrap();
    assert!(
        last.get("qre_gap").unwrap() < 1e-9,
        "{:?}",
        last.get("qre_gap")
    );
    assert!(last.get("kl_to_qre").unwrap() < 1e-10);
    let uniform: Vec<Array2<f64>> = vec![Array2::from_elem((4, 3), 1.0 / 3.0); 2];
    assert!(kl_to(&qre.policies, &uniform) > 1e-3);
}

/// Self-play preference optimization (Swamy et al. 2024) with Hedge steps: on random preference
/// matrices the average iterate's exploitability never exceeds Hedge's regret bound
/// ln K/(ηT) + η/8 and ends near the minimax winner (LP value 0); the reward-model baseline
/// converges to the Bradley–Terry maximizer.
#[test]
fn self_play_preference_meets_hedges_bound_on_random_preferences() {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for k in [3usize, 5, 7] {
        // P(a ≻ b) uniform above the diagonal, 1 − P(b ≻ a) below it.
        let upper: Vec<f64> = (0..k * k).map(|_| rng.random::<f64>()).collect();
        let p: Vec<Vec<f64>> = (0..k)
            .map(|a| {
                (0..k)
                    .map(|b| match a.cmp(&b) {
                        std::cmp::Ordering::Less => upper[a * k + b],
                        std::cmp::Ordering::Greater => 1.0 - upper[b * k + a],
                        std::cmp::Ordering::Equal => 0.5,
                    })
                    .collect()
            })
            .collect();
        let world = GameWorld::new(preference_game("random", &p).unwrap()).unwrap();
        let eta = 0.1;
        let run = records("self-play-preference", &[("step_size", eta)], &world, 4000);
        for (t, record) in run.iter().enumerate() {
            let exploitability = record.get("exploitability").unwrap();
            let bound = (k as f64).ln() / (eta * (t + 1) as f64) + eta / 8.0;
            assert!((record.get("hedge_bound").unwrap() - bound).abs() < 1e-12);
            assert!(
                exploitability <= bound,
                "K {k}, T {}: {exploitability} > {bound}",
                t + 1
            );
        }
        assert!(run[3999].get("exploitability").unwrap() < 0.02);
        let baseline = records("reward-model-npg", &[("step_size", 1.0)], &world, 300);
        assert!(
            baseline[299].get("entropy_p1").unwrap() < 1e-6,
            "concentrated on one option"
        );
    }
}

/// Sequential multi-agent PPO (Zhao et al. 2023): on random cooperative games the team's value
/// never decreases from one round to the next (the multi-agent performance-difference lemma) and
/// the run ends at a Nash policy; with one agent it is softmax NPG on the MDP and reaches the
/// optimum.
#[test]
fn multi_agent_ppo_improves_the_team_every_round() {
    for (players, actions, seed) in [(2, 3, 1u64), (3, 2, 4), (1, 4, 2)] {
        let game = RandomGameParams {
            states: 4,
            players,
            actions,
            branching: 2,
            gamma: 0.9,
            class: RewardSharing::Cooperative,
            seed,
        }
        .build()
        .unwrap();
        let world = GameWorld::new(game).unwrap();
        let run = records("multi-agent-ppo", &[("step_size", 1.0)], &world, 1500);
        for pair in run.windows(2) {
            let (before, after) = (pair[0].get("J_p1").unwrap(), pair[1].get("J_p1").unwrap());
            assert!(
                after >= before - 1e-12,
                "{players} agents: J fell from {before} to {after}"
            );
        }
        let last = run.last().unwrap();
        assert!(last.get("nash_conv").unwrap() < 1e-8, "{last:?}");
        if players == 1 {
            assert!(last.get("gap").unwrap() < 1e-8, "one agent: {last:?}");
        }
    }
}

/// Two-timescale independent PG (Daskalakis, Foster & Golowich 2020) with equal steps is
/// independent projected PG, record for record; with a slow min-player it still finds the pure
/// equilibrium of a random zero-sum game that has one (exploitability exactly 0).
#[test]
fn two_timescale_pg_with_equal_steps_is_independent_projected_pg() {
    let game = RandomGameParams {
        states: 3,
        players: 2,
        actions: 2,
        branching: 2,
        gamma: 0.8,
        class: RewardSharing::ZeroSum,
        seed: 1,
    }
    .build()
    .unwrap();
    let world = GameWorld::new(game).unwrap();
    let two = records(
        "two-timescale-pg",
        &[("step_size", 0.1), ("slow_step_size", 0.1)],
        &world,
        200,
    );
    let one = records("projected-pg", &[("step_size", 0.1)], &world, 200);
    for (a, b) in two.iter().zip(&one) {
        for field in ["nash_conv", "J_p1", "gap_p1", "gap_p2"] {
            assert_eq!(a.get(field), b.get(field), "{field}");
        }
    }
    let slow = records(
        "two-timescale-pg",
        &[("step_size", 0.1), ("slow_step_size", 0.01)],
        &world,
        3000,
    );
    assert_eq!(slow.last().unwrap().get("nash_conv"), Some(0.0));
}

/// QARL (Reddi et al. 2024), exact: with the adversary's temperature fixed at the protagonist's it
/// is policy extragradient (PU) at that temperature, record for record; after a curriculum from a
/// nearly random adversary (α = 10) to α_T the protagonist's shortfall against a rational
/// adversary is within the QRE's bound (β log|A| + α_T log|B|)/(1 − γ), on perturbed
/// rock-paper-scissors and on a random Markov game.
#[test]
fn qarl_reaches_the_bound_of_its_final_qre() {
    let rps = GameWorld::new(perturbed_rock_paper_scissors().unwrap()).unwrap();
    let fixed = records(
        "qarl",
        &[
            ("temperature", 0.1),
            ("start_temperature", 0.1),
            ("final_temperature", 0.1),
        ],
        &rps,
        100,
    );
    let pu = records("policy-extragradient", &[("temperature", 0.1)], &rps, 100);
    for (a, b) in fixed.iter().zip(&pu) {
        for field in ["nash_conv", "J_p1", "entropy_p1", "entropy_p2", "step_size"] {
            assert_eq!(a.get(field), b.get(field), "{field}");
        }
    }
    let markov = GameWorld::new(
        RandomGameParams {
            states: 3,
            players: 2,
            actions: 3,
            branching: 2,
            gamma: 0.5,
            class: RewardSharing::ZeroSum,
            seed: 5,
        }
        .build()
        .unwrap(),
    )
    .unwrap();
    for world in [&rps, &markov] {
        let game = world.game().unwrap();
        let (beta, alpha) = (0.05, 0.05);
        let run = records(
            "qarl",
            &[
                ("temperature", beta),
                ("start_temperature", 10.0),
                ("final_temperature", alpha),
                ("curriculum_steps", 300.0),
            ],
            world,
            3000,
        );
        let first = &run[0];
        assert_eq!(first.get("adversary_temperature"), Some(10.0));
        assert!((run[300].get("adversary_temperature").unwrap() - alpha).abs() < 1e-12);
        let bound = (beta * (game.n_actions(0) as f64).ln()
            + alpha * (game.n_actions(1) as f64).ln())
            / (1.0 - game.gamma());
        let last = run.last().unwrap();
        let shortfall = last.get("gap").unwrap();
        assert!(
            (0.0..=bound).contains(&shortfall) && last.get("nash_conv").unwrap() <= bound,
            "{}: shortfall {shortfall}, bound {bound}, {last:?}",
            game.name()
        );
    }
}
