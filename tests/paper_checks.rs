//! Policy-optimization claims checked against the papers' own numbers (bounded runtime).

use std::path::Path;

use policylab::algo::{Problem, SoftmaxPg, run};
use policylab::world::format;

fn shipped(name: &str) -> Problem {
    let mdp = format::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap();
    Problem::new(mdp).unwrap()
}

/// Mei, Xiao, Szepesvári & Schuurmans (2020), the 3-armed bandit r = (1, 0.9, 0.1), η = 0.4,
/// uniform start: softmax PG converges at rate Θ(1/t); t·(V* − V^{π_t}) levels off near 1.67
/// (≈ 1.689 at t = 10⁴ and ≈ 1.670 at t = 10⁵), and the log-log slope of the gap is −1.
#[test]
fn mei2020_softmax_pg_is_theta_one_over_t_on_the_bandit() {
    let problem = shipped("mdps/bandit3.toml");
    let mut gaps = Vec::new();
    run(
        &SoftmaxPg { step_size: 0.4 },
        &problem,
        100_001,
        0,
        |_, record| {
            gaps.push(record.get("gap").unwrap());
        },
    )
    .unwrap();
    let scaled = |t: usize| t as f64 * gaps[t];
    eprintln!(
        "Mei et al. bandit: t·gap = {} at 1e4, {} at 1e5",
        scaled(10_000),
        scaled(100_000)
    );
    assert!(
        (scaled(10_000) - 1.689).abs() < 0.002,
        "t·gap at 1e4 = {}",
        scaled(10_000)
    );
    assert!(
        (scaled(100_000) - 1.670).abs() < 0.002,
        "t·gap at 1e5 = {}",
        scaled(100_000)
    );
    // Least-squares slope of log gap against log t over t ∈ [10³, 10⁵].
    let points: Vec<(f64, f64)> = (1_000..=100_000)
        .step_by(1_000)
        .map(|t| ((t as f64).ln(), gaps[t].ln()))
        .collect();
    let n = points.len() as f64;
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let slope = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>()
        / points.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>();
    eprintln!("log-log slope over [1e3, 1e5]: {slope}");
    assert!((-1.05..=-0.95).contains(&slope), "log-log slope {slope}");
    // The gap decreases monotonically (exact PG with η ≤ 1/L ascends J).
    assert!(gaps.windows(2).all(|w| w[1] <= w[0] + 1e-15));
}

/// Agarwal, Kakade, Lee & Mahajan (2021), Theorem 5.3: NPG from the uniform policy with constant
/// step η satisfies V^{(T)}(ρ) ≥ V*(ρ) − log|A|/(ηT) − 1/((1−γ)²T) for every T ≥ 1, here on
/// Garnets and on the shipped discounted worlds with rewards in [0, 1].
#[test]
fn agarwal2021_npg_meets_its_bound() {
    use policylab::algo::NaturalPg;
    use policylab::world::generate::GarnetParams;
    let mut problems: Vec<Problem> = (0..3)
        .map(|seed| {
            Problem::new(
                GarnetParams {
                    states: 20,
                    actions: 4,
                    branching: 3,
                    gamma: 0.9,
                    seed,
                }
                .build()
                .unwrap(),
            )
            .unwrap()
        })
        .collect();
    problems.push(
        shipped("mdps/frozenlake4x4.json")
            .mdp
            .with_gamma(0.9)
            .map(|m| Problem::new(m).unwrap())
            .unwrap(),
    );
    problems.push(shipped("mdps/bandit3.toml"));
    for problem in &problems {
        let gamma = problem.mdp.gamma();
        let log_actions = (problem.mdp.n_actions() as f64).ln();
        for &eta in &[0.1, 1.0, 10.0] {
            let mut gaps = Vec::new();
            run(
                &NaturalPg {
                    step_size: eta,
                    step_growth: 1.0,
                },
                problem,
                201,
                0,
                |_, r| gaps.push(r.get("gap").unwrap()),
            )
            .unwrap();
            for (t, &gap) in gaps.iter().enumerate().skip(1) {
                let bound =
                    log_actions / (eta * t as f64) + 1.0 / ((1.0 - gamma).powi(2) * t as f64);
                assert!(
                    gap <= bound + 1e-12,
                    "{}: η {eta}, T {t}: gap {gap} > bound {bound}",
                    problem.mdp.name()
                );
            }
            assert!(gaps[200] < gaps[0], "NPG improves");
        }
    }
}
