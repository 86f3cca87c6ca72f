//! Game algorithms through the catalogue: independent learners on players' views, policy
//! extragradient and magnetic mirror descent, measured against the exact equilibria.

use ndarray::Array2;
use policylab::algo::catalogue::run_named;
use policylab::algo::game_measure::kl_to;
use policylab::core::record::Record;
use policylab::exact::game::{GameWorld, markov_qre, solve_matrix_qre};
use policylab::world::generate::classic_games::{
    perturbed_rock_paper_scissors, rock_paper_scissors,
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
