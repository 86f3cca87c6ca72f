//! Linear MDPs and log-linear policies (issue 22, first part): the feature maps, the linear-MDP
//! generator and the exact quantities of a log-linear policy, each against an independent
//! computation.

use nalgebra::{DMatrix, DVector};
use ndarray::Array1;
use policylab::policy::{LogLinear, log_linear_gradient, softmax_gradient};
use policylab::world::generate::GarnetParams;
use policylab::world::generate::LinearMdpParams;
use policylab::world::generate::features::{one_hot, random_features, state_aggregation};
use policylab::world::{FeatureMap, TabularMdp};
use rand::{RngExt, SeedableRng};

fn garnet(seed: u64) -> TabularMdp {
    GarnetParams {
        states: 8,
        actions: 3,
        branching: 3,
        gamma: 0.9,
        seed,
    }
    .build()
    .unwrap()
}

fn random_theta(d: usize, seed: u64) -> Array1<f64> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    Array1::from_iter((0..d).map(|_| 2.0 * rng.random::<f64>() - 1.0))
}

/// J(θ) = ρᵀV^{π_θ}.
fn objective(mdp: &TabularMdp, features: &FeatureMap, theta: &Array1<f64>) -> f64 {
    let policy = LogLinear::new(features, theta.clone()).unwrap();
    let values = policylab::exact::evaluate(mdp, policy.probabilities(features).view()).unwrap();
    mdp.initial().dot(&values.v)
}

/// The exact gradient against central finite differences (h = 1e-6), on random features and on
/// state aggregation.
#[test]
fn the_log_linear_gradient_matches_finite_differences() {
    for seed in 0..3u64 {
        let mdp = garnet(seed);
        for features in [
            random_features(8, 3, 4, seed).unwrap(),
            state_aggregation(8, 3, 3).unwrap(),
        ] {
            let theta = random_theta(features.dimension(), seed + 10);
            let exact = log_linear_gradient(
                &mdp,
                &features,
                &LogLinear::new(&features, theta.clone()).unwrap(),
            )
            .unwrap();
            let h = 1e-6;
            for k in 0..features.dimension() {
                let (mut plus, mut minus) = (theta.clone(), theta.clone());
                plus[k] += h;
                minus[k] -= h;
                let numeric = (objective(&mdp, &features, &plus)
                    - objective(&mdp, &features, &minus))
                    / (2.0 * h);
                assert!(
                    (numeric - exact.gradient[k]).abs() <= 1e-7 * (1.0 + numeric.abs()),
                    "seed {seed}, k {k}: {numeric} vs {}",
                    exact.gradient[k]
                );
            }
        }
    }
}

/// One-hot features make the log-linear policy the tabular softmax: the same gradient (to 1e-12,
/// not bit for bit: the log-linear sum runs over the rows of Φ and centres φ by E_π φ, an
/// arithmetic the tabular formula d·π·A/(1 − γ) does not do).
#[test]
fn one_hot_features_give_the_tabular_softmax_gradient() {
    let mdp = garnet(4);
    let features = one_hot(8, 3).unwrap();
    let theta = random_theta(24, 5);
    let policy = LogLinear::new(&features, theta.clone()).unwrap();
    let log_linear = log_linear_gradient(&mdp, &features, &policy).unwrap();
    let tabular = softmax_gradient(&mdp, log_linear.policy.view()).unwrap();
    for s in 0..8 {
        for a in 0..3 {
            assert!(
                (log_linear.gradient[s * 3 + a] - tabular.gradient[[s, a]]).abs() <= 1e-12,
                "({s}, {a})"
            );
        }
    }
}

/// In a generated linear MDP the transitions and rewards lie in span Φ (residual ≤ 1e-12) and so
/// does Q^π for random policies (≤ 1e-10, Jin et al. 2020, Proposition 2.3); a Garnet is not
/// linear in random features of a smaller dimension.
#[test]
fn q_of_every_policy_lies_in_the_span_of_a_linear_mdps_features() {
    for seed in 0..3u64 {
        let (mdp, features) = LinearMdpParams {
            seed,
            ..LinearMdpParams::default()
        }
        .build()
        .unwrap();
        assert_eq!(features.rank().unwrap(), 5);
        let linearity = features.linearity_residual(&mdp).unwrap();
        assert!(linearity.transition_residual <= 1e-12, "{linearity:?}");
        assert!(linearity.reward_residual <= 1e-12, "{linearity:?}");
        for policy_seed in 0..4u64 {
            // A random policy, not log-linear: Q^π is in span Φ for every π.
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(policy_seed);
            let mut pi = ndarray::Array2::<f64>::zeros((20, 4));
            for s in 0..20 {
                let row: Vec<f64> = (0..4).map(|_| rng.random::<f64>() + 1e-3).collect();
                let total: f64 = row.iter().sum();
                for a in 0..4 {
                    pi[[s, a]] = row[a] / total;
                }
            }
            let q = policylab::exact::evaluate(&mdp, pi.view()).unwrap().q;
            let flat = Array1::from_iter(q.iter().copied());
            let residual = features.projection_residual(&flat).unwrap();
            assert!(
                residual <= 1e-10,
                "seed {seed}, policy {policy_seed}: {residual}"
            );
        }
    }
    let not_linear = features_of_garnet();
    assert!(not_linear > 1e-3, "{not_linear}");
}

fn features_of_garnet() -> f64 {
    let mdp = garnet(1);
    let features = random_features(8, 3, 4, 1).unwrap();
    let linearity = features.linearity_residual(&mdp).unwrap();
    linearity.transition_residual.max(linearity.reward_residual)
}

/// The NPG direction F⁺∇J (normal equations, solved by LU) equals the compatible function
/// approximation w* (a weighted least-squares regression, solved by SVD) divided by 1 − γ
/// (Kakade 2002, Theorem 1); with one-hot features the approximation error is 0.
#[test]
fn the_npg_direction_is_the_compatible_regression() {
    for seed in 0..3u64 {
        let mdp = garnet(seed);
        let features = random_features(8, 3, 5, seed + 20).unwrap();
        let policy = LogLinear::new(&features, random_theta(5, seed)).unwrap();
        let exact = log_linear_gradient(&mdp, &features, &policy).unwrap();
        let d = 5;
        let fisher = DMatrix::from_fn(d, d, |i, j| exact.fisher[[i, j]]);
        let gradient = DVector::from_fn(d, |i, _| exact.gradient[i]);
        let direction = fisher
            .lu()
            .solve(&gradient)
            .expect("a full-rank Fisher matrix");
        for k in 0..d {
            let via_regression = exact.compatible[k] / (1.0 - 0.9);
            assert!(
                (direction[k] - via_regression).abs() <= 1e-8 * (1.0 + direction[k].abs()),
                "seed {seed}, k {k}: {} vs {via_regression}",
                direction[k]
            );
        }
        assert!(exact.approximation_error > 0.0);
    }
    let mdp = garnet(2);
    let features = one_hot(8, 3).unwrap();
    let exact = log_linear_gradient(&mdp, &features, &LogLinear::zeros(&features)).unwrap();
    assert!(
        exact.approximation_error <= 1e-20,
        "{}",
        exact.approximation_error
    );
}

/// Bad feature tables: a wrong shape, NaN, features for another world, θ of the wrong length.
#[test]
fn bad_features_are_clear_errors() {
    let wrong_shape = FeatureMap::new(4, 2, ndarray::Array2::zeros((7, 3))).unwrap_err();
    assert!(wrong_shape.to_string().contains("8 rows"), "{wrong_shape}");
    let mut nan = ndarray::Array2::zeros((8, 3));
    nan[[5, 1]] = f64::NAN;
    let error = FeatureMap::new(4, 2, nan).unwrap_err().to_string();
    assert!(
        error.contains("features[5][1] (state 2, action 1)"),
        "{error}"
    );
    let features = one_hot(4, 2).unwrap();
    let error = features
        .linearity_residual(&garnet(0))
        .unwrap_err()
        .to_string();
    assert!(error.contains("S = 8"), "{error}");
    let error = LogLinear::new(&features, Array1::zeros(3))
        .unwrap_err()
        .to_string();
    assert!(error.contains("8 finite numbers"), "{error}");
    let error = LinearMdpParams {
        dimension: 0,
        ..LinearMdpParams::default()
    }
    .build()
    .unwrap_err()
    .to_string();
    assert!(error.contains("dimension"), "{error}");
}

fn trajectory(
    name: &str,
    params: &[(&str, f64)],
    world: &dyn policylab::world::World,
    steps: usize,
) -> Vec<policylab::core::record::Record> {
    let given: Vec<(String, f64)> = params.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    let mut records = Vec::new();
    policylab::algo::catalogue::run_named(name, &given, world, steps, 0, |_, r| {
        records.push(r.clone())
    })
    .unwrap();
    records
}

/// With one-hot features, log-linear PG, NPG and Q-NPG are tabular softmax PG and NPG: the same J
/// at every step to 1e-12 (the same updates up to a constant per state; the sums run in another
/// order).
#[test]
fn one_hot_log_linear_pg_and_npg_are_the_tabular_methods() {
    use policylab::exact::Problem;
    let problem = Problem::new(garnet(3)).unwrap();
    let with_features = problem
        .clone()
        .with_features(one_hot(8, 3).unwrap())
        .unwrap();
    for (tabular, log_linear) in [
        ("softmax-pg", "log-linear-pg"),
        ("npg", "log-linear-npg"),
        ("npg", "q-npg"),
    ] {
        let a = trajectory(tabular, &[("step_size", 1.0)], &problem, 60);
        let b = trajectory(log_linear, &[("step_size", 1.0)], &with_features, 60);
        for (t, (x, y)) in a.iter().zip(&b).enumerate() {
            let (jx, jy) = (x.get("J").unwrap(), y.get("J").unwrap());
            assert!(
                (jx - jy).abs() <= 1e-12,
                "{log_linear}, step {t}: {jx} vs {jy}"
            );
        }
    }
}

/// In a linear MDP Q^π lies in span φ and the advantage of every log-linear policy in span φ̄, so
/// the regressions of NPG and Q-NPG are exact at every step (errors ≤ 1e-20) and their gaps fall;
/// on random features of a Garnet they are not (ε_approx > 0).
#[test]
fn npg_on_a_linear_mdp_has_no_approximation_error() {
    use policylab::exact::Problem;
    let (mdp, features) = LinearMdpParams::default().build().unwrap();
    let world = Problem::new(mdp).unwrap().with_features(features).unwrap();
    let run = trajectory("log-linear-npg", &[("step_size", 1.0)], &world, 200);
    for record in &run {
        assert!(
            record.get("approximation_error").unwrap() <= 1e-20,
            "{record:?}"
        );
    }
    let (first, last) = (run[0].get("gap").unwrap(), run[199].get("gap").unwrap());
    assert!(last < 1e-3 * first, "gap {first} -> {last}");
    let garnet_world = Problem::new(garnet(1))
        .unwrap()
        .with_features(random_features(8, 3, 4, 1).unwrap())
        .unwrap();
    let run = trajectory("log-linear-npg", &[("step_size", 1.0)], &garnet_world, 5);
    assert!(run[0].get("approximation_error").unwrap() > 1e-6);
}

/// `mdps/linear-mdp-3.toml` is written by its factorization: the loaded world's P and r are
/// Φμ and Φθ computed here by hand from the same numbers, and the world is linear in its features.
#[test]
fn a_factorized_world_file_is_the_linear_mdp_it_describes() {
    let path = std::path::Path::new("mdps/linear-mdp-3.toml");
    let policylab::world::format::WorldFile::Mdp(mdp, _, _, Some(features)) =
        policylab::world::format::load_file(path).unwrap()
    else {
        panic!("linear-mdp-3.toml should load as an MDP with features");
    };
    let mu = [[0.8, 0.2, 0.0], [0.0, 0.3, 0.7]];
    let theta = [0.0, 1.0];
    let phi = [
        [[0.9, 0.1], [0.2, 0.8]],
        [[0.7, 0.3], [0.1, 0.9]],
        [[0.5, 0.5], [0.0, 1.0]],
    ];
    for (s, row) in phi.iter().enumerate() {
        for (a, &f) in row.iter().enumerate() {
            assert_eq!(features.phi(s, a).to_vec(), f.to_vec());
            let reward = f[0] * theta[0] + f[1] * theta[1];
            assert!((mdp.expected_reward()[[s, a]] - reward).abs() < 1e-15);
            let mut p = [0.0; 3];
            let (next, probability) = mdp.kernel().row(s, a);
            for (&n, &q) in next.iter().zip(probability) {
                p[n] += q;
            }
            for n in 0..3 {
                let want = f[0] * mu[0][n] + f[1] * mu[1][n];
                assert!(
                    (p[n] - want).abs() < 1e-15,
                    "P({n}|{s},{a}) = {} vs {want}",
                    p[n]
                );
            }
        }
    }
    let linearity = features.linearity_residual(&mdp).unwrap();
    assert!(linearity.transition_residual < 1e-12 && linearity.reward_residual < 1e-12);
}

/// A generated linear MDP written with its features and read back is the same world with the
/// same feature map (bit for bit: numbers are written in Rust's shortest round-trip form).
#[test]
fn features_round_trip_through_a_world_file() {
    let (mdp, features) = LinearMdpParams {
        states: 7,
        actions: 3,
        dimension: 4,
        gamma: 0.8,
        seed: 5,
        ..LinearMdpParams::default()
    }
    .build()
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    for name in ["linear.toml", "linear.json"] {
        let path = dir.path().join(name);
        policylab::world::format::save_with_features(&mdp, Some(&features), &path).unwrap();
        let policylab::world::format::WorldFile::Mdp(back, _, _, Some(back_features)) =
            policylab::world::format::load_file(&path).unwrap()
        else {
            panic!("{name} should load with its features");
        };
        assert_eq!(back_features, features, "{name}");
        assert_eq!(back.kernel().raw(), mdp.kernel().raw(), "{name}");
        assert_eq!(back.expected_reward(), mdp.expected_reward(), "{name}");
        let only = policylab::world::format::load_features(&path, 7, 3).unwrap();
        assert_eq!(only, features);
        let wrong = policylab::world::format::load_features(&path, 6, 3).unwrap_err();
        assert!(wrong.to_string().contains("one list per state"), "{wrong}");
    }
}
