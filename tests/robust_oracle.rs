//! policylab's exact robust inner solvers (`policylab::exact::robust`) against an independent
//! solver on random instances.
//!
//! Nature's worst case over each uncertainty set — the L1, L∞ and KL balls, R-contamination, and
//! the s-rectangular L1 update for a fixed policy and at the optimum — is a small LP or
//! exponential-cone program. Clarabel solves the same programs: it is pure Rust (no system
//! libraries), an interior-point method with LP and exponential cones, and shares nothing with our
//! sorting, greedy, bisection and breakpoint code, so agreement is evidence for both. For several
//! hundred seeded instances per set (2 to 8 outcomes, ties in the values, zeros in the nominal
//! row, radii from 0 through tiny to past saturation) we check:
//!
//! - the returned shift (p − q)ᵀz equals the oracle's optimum minus qᵀz to 1e-9 (KL: to 1e-6,
//!   Clarabel's reliable accuracy on exponential cones, see [`KL_ORACLE_TOLERANCE`]; and to 1e-9
//!   against a weak-duality bound polished from Clarabel's multiplier, [`kl_duality_bound`]);
//! - the returned worst case lies in the simplex (1e-12) and in the set (1e-9), and attains the
//!   returned shift (1e-12);
//! - the s-rectangular `evaluate` against its LP for random policies, `optimize` against the
//!   min–max LP, and a certificate: evaluating the returned (randomized) policy gives the optimal
//!   value, and no deterministic or random policy does better.

use clarabel::algebra::CscMatrix;
use clarabel::solver::{DefaultSettings, DefaultSolver, IPSolver, SolverStatus, SupportedConeT};
use policylab::exact::robust::s_rectangular_l1::{self, ActionRow, Scratch};
use policylab::exact::robust::{contamination, kl_ball, l1_ball, linf_ball};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Random instances per uncertainty set.
const BALL_INSTANCES: u64 = 400;
/// Random states (2 to 4 actions) for the s-rectangular update.
const STATE_INSTANCES: u64 = 300;
/// Agreement with the oracle's optimal value, absolute (values lie in [−5, 5]).
const ORACLE_TOLERANCE: f64 = 1e-9;
/// Membership in the uncertainty set.
const SET_TOLERANCE: f64 = 1e-9;
/// Membership in the simplex and attainment of the returned value: only rounding is allowed.
const ROUNDING_TOLERANCE: f64 = 1e-12;
/// Clarabel's gap and feasibility tolerances for the LPs: it reports `Solved` on every instance.
const LP_SOLVER_TOLERANCE: f64 = 1e-12;
/// Clarabel's tolerances for the KL (exponential-cone) program: the tightest at which it reliably
/// reports `Solved`. Measured on 2026-12-06 (clarabel 0.11.1) over 2700 instances with κ > 0: at
/// 1e-12 it stalls (`AlmostSolved`, primal residual 1e-12 to 1e-9) on about two in five instances
/// with an interior multiplier; at 1e-9 on 7, all with tiny radii (κ ≤ 1e-4); at 1e-8, its
/// default, on none.
const KL_SOLVER_TOLERANCE: f64 = 1e-8;
/// Agreement with Clarabel's KL optimum at [`KL_SOLVER_TOLERANCE`]: its residual infeasibility is
/// amplified by the multiplier λ* (up to ~10³ for tiny radii); worst measured 4.4e-7 over the same
/// 2700 instances (the largest disagreements, recomputed in 60-digit arithmetic, were Clarabel's).
/// The 1e-9 check on KL is the duality bound ([`kl_duality_bound`]), which agrees to 3e-13.
const KL_ORACLE_TOLERANCE: f64 = 1e-6;

// ---------------------------------------------------------------------------------------------
// The oracle: a conic program in Clarabel's form.

/// A sparse row of the constraint matrix: (variable, coefficient) pairs.
type Row = Vec<(usize, f64)>;

/// minimize cᵀx subject to b − Ax ∈ K, with K the product of a zero cone (the equalities), a
/// nonnegative orthant (the inequalities) and exponential cones, in that order.
struct Program {
    objective: Vec<f64>,
    equalities: Vec<(Row, f64)>,
    inequalities: Vec<(Row, f64)>,
    exponential: Vec<[(Row, f64); 3]>,
    /// Clarabel's absolute and relative gap and feasibility tolerances.
    tolerance: f64,
}

/// What the oracle returns: the optimal value and the multipliers of the inequalities (≥ 0, in
/// the order they were added).
struct Optimum {
    value: f64,
    inequality_duals: Vec<f64>,
}

impl Program {
    fn new(variables: usize) -> Self {
        Program {
            objective: vec![0.0; variables],
            equalities: Vec::new(),
            inequalities: Vec::new(),
            exponential: Vec::new(),
            tolerance: LP_SOLVER_TOLERANCE,
        }
    }

    /// aᵀx = rhs.
    fn equal(&mut self, row: Row, rhs: f64) {
        self.equalities.push((row, rhs));
    }

    /// aᵀx ≤ rhs; returns the inequality's position (for [`Optimum::inequality_duals`]).
    fn at_most(&mut self, row: Row, rhs: f64) -> usize {
        self.inequalities.push((row, rhs));
        self.inequalities.len() - 1
    }

    /// (b_k − a_kᵀx)_{k=0,1,2} ∈ K_exp = closure{(x, y, z) : y > 0, y·exp(x/y) ≤ z}, Clarabel's
    /// convention (`ExponentialCone::is_primal_feasible` in clarabel 0.11 tests y·log(z/y) > x).
    fn exponential_cone(&mut self, rows: [(Row, f64); 3]) {
        self.exponential.push(rows);
    }

    /// x_first..x_first+count is a distribution: Σ x = 1, x ≥ 0.
    fn simplex(&mut self, first: usize, count: usize) {
        self.equal((first..first + count).map(|j| (j, 1.0)).collect(), 1.0);
        for j in first..first + count {
            self.at_most(vec![(j, -1.0)], 0.0);
        }
    }

    /// t_i ≥ |p_i − q_i| for the variables p = x_p.., t = x_t.. and the nominal row q.
    fn absolute_deviation(&mut self, p: usize, t: usize, nominal: &[f64]) {
        for (i, &q) in nominal.iter().enumerate() {
            self.at_most(vec![(p + i, 1.0), (t + i, -1.0)], q);
            self.at_most(vec![(p + i, -1.0), (t + i, -1.0)], -q);
        }
    }

    /// Solves to `self.tolerance`; panics with `context` unless Clarabel reports `Solved`.
    fn solve(&self, context: &str) -> Optimum {
        let variables = self.objective.len();
        let rows = self
            .equalities
            .iter()
            .chain(&self.inequalities)
            .chain(self.exponential.iter().flatten());
        let mut columns: Vec<Vec<(usize, f64)>> = vec![Vec::new(); variables];
        let mut rhs = Vec::new();
        for (i, (row, b)) in rows.enumerate() {
            for &(j, a) in row {
                columns[j].push((i, a));
            }
            rhs.push(*b);
        }
        let (mut colptr, mut rowval, mut nzval) = (vec![0], Vec::new(), Vec::new());
        for column in &columns {
            for &(i, a) in column {
                rowval.push(i);
                nzval.push(a);
            }
            colptr.push(rowval.len());
        }
        let constraints = CscMatrix::new(rhs.len(), variables, colptr, rowval, nzval);
        let quadratic = CscMatrix::zeros((variables, variables));
        let mut cones = Vec::new();
        if !self.equalities.is_empty() {
            cones.push(SupportedConeT::ZeroConeT(self.equalities.len()));
        }
        if !self.inequalities.is_empty() {
            cones.push(SupportedConeT::NonnegativeConeT(self.inequalities.len()));
        }
        cones.extend(
            self.exponential
                .iter()
                .map(|_| SupportedConeT::ExponentialConeT()),
        );
        let settings = DefaultSettings {
            verbose: false,
            max_iter: 500,
            tol_gap_abs: self.tolerance,
            tol_gap_rel: self.tolerance,
            tol_feas: self.tolerance,
            ..DefaultSettings::default()
        };
        let mut solver = DefaultSolver::new(
            &quadratic,
            &self.objective,
            &constraints,
            &rhs,
            &cones,
            settings,
        )
        .unwrap_or_else(|e| panic!("{context}: Clarabel refused the program: {e:?}"));
        solver.solve();
        let solution = &solver.solution;
        assert_eq!(
            solution.status,
            SolverStatus::Solved,
            "{context}: Clarabel did not solve the oracle program"
        );
        let first = self.equalities.len();
        Optimum {
            value: solution.obj_val,
            inequality_duals: solution.z[first..first + self.inequalities.len()].to_vec(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Random instances.

/// A nominal row over `n` outcomes: Dirichlet(1); in half the draws each outcome is zeroed with
/// probability 0.3 (one chosen outcome stays positive, so the row can be a point mass).
fn nominal_row(rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
    let mut q: Vec<f64> = (0..n).map(|_| -(1.0 - rng.random::<f64>()).ln()).collect();
    if rng.random_bool(0.5) {
        let keep = rng.random_range(0..n);
        for (i, x) in q.iter_mut().enumerate() {
            if i != keep && rng.random_bool(0.3) {
                *x = 0.0;
            }
        }
    }
    let total: f64 = q.iter().sum();
    q.iter_mut().for_each(|x| *x /= total);
    q
}

/// Values in [−5, 5]: uniform in half the draws, on the grid {−5, −2.5, 0, 2.5, 5} in the other
/// half (ties, at the least value too).
fn values_row(rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
    if rng.random_bool(0.5) {
        (0..n).map(|_| rng.random_range(-5.0..=5.0)).collect()
    } else {
        (0..n)
            .map(|_| 2.5 * rng.random_range(-2..=2) as f64)
            .collect()
    }
}

/// A radius: exactly 0 in one draw out of ten, tiny (log-uniform on [1e-6, 1e-2]) in one out of
/// ten, otherwise uniform on [0, largest].
fn radius(rng: &mut ChaCha8Rng, largest: f64) -> f64 {
    match rng.random_range(0..10) {
        0 => 0.0,
        1 => 10f64.powf(rng.random_range(-6.0..=-2.0)),
        _ => rng.random_range(0.0..=largest),
    }
}

/// A ball instance: (nominal q, values z, radius) with 2 to 8 outcomes.
fn ball_instance(seed: u64, largest_radius: f64) -> (Vec<f64>, Vec<f64>, f64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = rng.random_range(2..=8);
    let nominal = nominal_row(&mut rng, n);
    let values = values_row(&mut rng, n);
    let radius = radius(&mut rng, largest_radius);
    (nominal, values, radius)
}

fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

// ---------------------------------------------------------------------------------------------
// The balls.

/// `worst` is a distribution, attains `shift` = (worst − q)ᵀz, and `shift` equals the oracle's
/// optimal pᵀz minus qᵀz to `tolerance`.
fn check_worst_case(
    context: &str,
    (nominal, values): (&[f64], &[f64]),
    worst: &[f64],
    shift: f64,
    oracle_optimum: f64,
    tolerance: f64,
) {
    assert!(
        worst.iter().all(|&p| p >= -ROUNDING_TOLERANCE),
        "{context}: worst case {worst:?} has a negative entry"
    );
    let total: f64 = worst.iter().sum();
    assert!(
        (total - 1.0).abs() <= ROUNDING_TOLERANCE,
        "{context}: worst case {worst:?} sums to {total}"
    );
    let attained: f64 = worst
        .iter()
        .zip(nominal)
        .zip(values)
        .map(|((p, q), z)| (p - q) * z)
        .sum();
    assert!(
        (attained - shift).abs() <= ROUNDING_TOLERANCE,
        "{context}: worst case {worst:?} attains the shift {attained}, returned {shift}"
    );
    let oracle_shift = oracle_optimum - dot(nominal, values);
    assert!(
        (shift - oracle_shift).abs() <= tolerance,
        "{context}: shift {shift}, oracle {oracle_shift} (difference {:e}); worst case {worst:?}",
        shift - oracle_shift
    );
}

#[test]
fn l1_ball_matches_the_lp() {
    for seed in 0..BALL_INSTANCES {
        let (nominal, values, radius) = ball_instance(seed, 2.5);
        let context =
            format!("L1 ball, seed {seed}: q = {nominal:?}, z = {values:?}, κ = {radius}");
        let n = nominal.len();
        let mut worst = vec![0.0; n];
        let shift = l1_ball::worst_case(&nominal, &values, radius, &mut worst);
        // Variables p (0..n) and t ≥ |p − q| (n..2n): min zᵀp, p ∈ Δ, Σ t ≤ κ.
        let mut program = Program::new(2 * n);
        program.objective[..n].copy_from_slice(&values);
        program.simplex(0, n);
        program.absolute_deviation(0, n, &nominal);
        program.at_most((n..2 * n).map(|j| (j, 1.0)).collect(), radius);
        let optimum = program.solve(&context).value;
        let instance = (nominal.as_slice(), values.as_slice());
        check_worst_case(&context, instance, &worst, shift, optimum, ORACLE_TOLERANCE);
        let distance: f64 = worst.iter().zip(&nominal).map(|(p, q)| (p - q).abs()).sum();
        assert!(
            distance <= radius + SET_TOLERANCE,
            "{context}: worst case {worst:?} is {distance} from q"
        );
    }
}

#[test]
fn linf_ball_matches_the_lp() {
    for seed in 0..BALL_INSTANCES {
        let (nominal, values, radius) = ball_instance(seed, 1.0);
        let context =
            format!("L∞ ball, seed {seed}: q = {nominal:?}, z = {values:?}, κ = {radius}");
        let n = nominal.len();
        let mut worst = vec![0.0; n];
        let shift = linf_ball::worst_case(&nominal, &values, radius, &mut Vec::new(), &mut worst);
        // min zᵀp, p ∈ Δ, q − κ ≤ p ≤ q + κ.
        let mut program = Program::new(n);
        program.objective.copy_from_slice(&values);
        program.simplex(0, n);
        for (i, &q) in nominal.iter().enumerate() {
            program.at_most(vec![(i, 1.0)], q + radius);
            program.at_most(vec![(i, -1.0)], radius - q);
        }
        let optimum = program.solve(&context).value;
        let instance = (nominal.as_slice(), values.as_slice());
        check_worst_case(&context, instance, &worst, shift, optimum, ORACLE_TOLERANCE);
        let distance = worst
            .iter()
            .zip(&nominal)
            .fold(0.0f64, |m, (p, q)| m.max((p - q).abs()));
        assert!(
            distance <= radius + SET_TOLERANCE,
            "{context}: worst case {worst:?} is {distance} from q"
        );
    }
}

/// KL(p ‖ q) written out here rather than taken from `kl_ball::divergence`.
fn relative_entropy(p: &[f64], q: &[f64]) -> f64 {
    p.iter()
        .zip(q)
        .filter(|&(&p, _)| p > 0.0)
        .map(|(&p, &q)| {
            if q > 0.0 {
                p * (p / q).ln()
            } else {
                f64::INFINITY
            }
        })
        .sum()
}

/// The Lagrangian dual of min { zᵀp : p ∈ Δ(S), KL(p ‖ q) ≤ κ } over the support S of q and its
/// first two derivatives at λ > 0, with w_i = z_i − m ≥ 0, m = min_S z and p_λ ∝ q·exp(−w/λ):
///
/// D(λ) = min_{p ∈ Δ(S)} zᵀp + λ·(KL(p ‖ q) − κ) = m − λκ − λ·log Σ_S q_i·exp(−w_i/λ),
/// D′(λ) = KL(p_λ ‖ q) − κ,  D″(λ) = −Var_{p_λ}(w)/λ³.
fn kl_dual(nominal: &[f64], values: &[f64], radius: f64, multiplier: f64) -> (f64, f64, f64) {
    let support = || nominal.iter().zip(values).filter(|&(&q, _)| q > 0.0);
    let least = support().fold(f64::INFINITY, |m, (_, &z)| m.min(z));
    let tilt = |z: f64| (-(z - least) / multiplier).exp();
    let partition: f64 = support().map(|(&q, &z)| q * tilt(z)).sum();
    let moment = |k: i32| -> f64 {
        support()
            .map(|(&q, &z)| q * tilt(z) / partition * (z - least).powi(k))
            .sum()
    };
    let (mean, second) = (moment(1), moment(2));
    let value = least - multiplier * radius - multiplier * partition.ln();
    let slope = -mean / multiplier - partition.ln() - radius;
    let curvature = -(second - mean * mean).max(0.0) / multiplier.powi(3);
    (value, slope, curvature)
}

/// A lower bound on the KL ball's optimum by weak duality: the best D(λ) among λ = 0 (D(0) = m,
/// tight when the ball saturates and the budget is slack), Clarabel's multiplier, and two Newton
/// steps on D from it. Every λ ≥ 0 gives a valid bound, so the steps can only tighten it; they
/// take Clarabel's multiplier (off in the fourth digit or so) quadratically to the optimal one,
/// and the bound becomes tight to rounding.
fn kl_duality_bound(nominal: &[f64], values: &[f64], radius: f64, multiplier: f64) -> f64 {
    let least = nominal
        .iter()
        .zip(values)
        .filter(|&(&q, _)| q > 0.0)
        .fold(f64::INFINITY, |m, (_, &z)| m.min(z));
    let mut best = least;
    let mut lambda = multiplier;
    for _ in 0..3 {
        if !(lambda > 0.0 && lambda.is_finite()) {
            break;
        }
        let (value, slope, curvature) = kl_dual(nominal, values, radius, lambda);
        best = best.max(value);
        if curvature >= 0.0 {
            break;
        }
        lambda -= slope / curvature;
    }
    best
}

#[test]
fn kl_ball_matches_the_exponential_cone_program() {
    for seed in 0..BALL_INSTANCES {
        let (nominal, values, radius) = ball_instance(seed, 3.0);
        let context =
            format!("KL ball, seed {seed}: q = {nominal:?}, z = {values:?}, κ = {radius}");
        let n = nominal.len();
        let mut worst = vec![0.0; n];
        let shift = kl_ball::worst_case(&nominal, &values, radius, &mut Vec::new(), &mut worst);
        if radius == 0.0 {
            // The ball is the point q: with no strictly feasible point Clarabel stops at
            // `AlmostSolved`, up to 1e-4 off. The answer is known exactly.
            assert!(
                worst == nominal && shift == 0.0,
                "{context}: worst case {worst:?}, shift {shift}"
            );
            continue;
        }
        // Over the support S of q only (KL(p ‖ q) = ∞ elsewhere): variables p_k (0..m) and
        // t_k ≥ p_k·log(p_k/q_k) (m..2m): min zᵀp, Σ p = 1, Σ t ≤ κ, with
        // (−t_k, p_k, q_k) ∈ K_exp ⇔ p_k·exp(−t_k/p_k) ≤ q_k ⇔ t_k ≥ p_k·log(p_k/q_k)
        // (which also gives p_k ≥ 0).
        let support: Vec<usize> = (0..n).filter(|&i| nominal[i] > 0.0).collect();
        let m = support.len();
        let mut program = Program::new(2 * m);
        program.tolerance = KL_SOLVER_TOLERANCE;
        for (k, &i) in support.iter().enumerate() {
            program.objective[k] = values[i];
            program.exponential_cone([
                (vec![(m + k, 1.0)], 0.0),
                (vec![(k, -1.0)], 0.0),
                (Vec::new(), nominal[i]),
            ]);
        }
        program.equal((0..m).map(|k| (k, 1.0)).collect(), 1.0);
        let budget = program.at_most((m..2 * m).map(|j| (j, 1.0)).collect(), radius);
        let optimum = program.solve(&context);
        let instance = (nominal.as_slice(), values.as_slice());
        check_worst_case(
            &context,
            instance,
            &worst,
            shift,
            optimum.value,
            KL_ORACLE_TOLERANCE,
        );
        let divergence = relative_entropy(&worst, &nominal);
        assert!(
            divergence <= radius + SET_TOLERANCE,
            "{context}: worst case {worst:?} has KL {divergence}"
        );
        // Our worst case is feasible, so its value is at least any Lagrangian bound: agreement
        // with the bound certifies it optimal.
        let multiplier = optimum.inequality_duals[budget];
        let bound =
            kl_duality_bound(&nominal, &values, radius, multiplier) - dot(&nominal, &values);
        assert!(
            (shift - bound).abs() <= ORACLE_TOLERANCE,
            "{context}: shift {shift}, duality bound from Clarabel's λ = {multiplier}: {bound} \
             (difference {:e})",
            shift - bound
        );
    }
}

#[test]
fn contamination_matches_the_lp() {
    for seed in 0..BALL_INSTANCES {
        let (nominal, values, level) = ball_instance(seed, 1.0);
        // The far end exactly too: R = 1 in one instance out of ten (R = 0 comes from `radius`).
        let level = if seed % 10 == 5 { 1.0 } else { level };
        let context =
            format!("R-contamination, seed {seed}: q = {nominal:?}, z = {values:?}, R = {level}");
        let n = nominal.len();
        let mut worst = vec![0.0; n];
        let shift = contamination::worst_case(&nominal, &values, level, &mut worst);
        // p = (1 − R)·q + R·p′: min R·zᵀp′ over p′ ∈ Δ, plus (1 − R)·qᵀz.
        let mut program = Program::new(n);
        program.objective = values.iter().map(|z| level * z).collect();
        program.simplex(0, n);
        let optimum = program.solve(&context).value + (1.0 - level) * dot(&nominal, &values);
        let instance = (nominal.as_slice(), values.as_slice());
        check_worst_case(&context, instance, &worst, shift, optimum, ORACLE_TOLERANCE);
        // worst − (1 − R)·q = R·p′ ≥ 0 (it sums to R once worst is in the simplex).
        for (i, (&p, &q)) in worst.iter().zip(&nominal).enumerate() {
            assert!(
                p >= (1.0 - level) * q - SET_TOLERANCE,
                "{context}: worst case {worst:?} is below (1 − R)·q at outcome {i}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The s-rectangular L1 update.

/// One action of a random state: Q_a, q_a, z_a.
struct Action {
    q_value: f64,
    nominal: Vec<f64>,
    values: Vec<f64>,
}

/// A state with 2 to 4 actions, each with its own 2 to 8 outcomes, and a shared budget drawn by
/// [`radius`] up to 2.5·|A| (each action's ball saturates by 2).
fn state_instance(rng: &mut ChaCha8Rng) -> (Vec<Action>, f64) {
    let actions = rng.random_range(2..=4);
    let state = (0..actions)
        .map(|_| {
            let n = rng.random_range(2..=8);
            Action {
                q_value: rng.random_range(-5.0..=5.0),
                nominal: nominal_row(rng, n),
                values: values_row(rng, n),
            }
        })
        .collect();
    let budget = radius(rng, 2.5 * actions as f64);
    (state, budget)
}

fn action_rows(state: &[Action]) -> Vec<ActionRow<'_>> {
    state
        .iter()
        .map(|a| ActionRow {
            q_value: a.q_value,
            nominal: &a.nominal,
            values: &a.values,
        })
        .collect()
}

/// A random policy: deterministic in a quarter of the draws, otherwise drawn like a nominal row
/// (zeros in some).
fn random_policy(rng: &mut ChaCha8Rng, actions: usize) -> Vec<f64> {
    if rng.random_bool(0.25) {
        let mut policy = vec![0.0; actions];
        policy[rng.random_range(0..actions)] = 1.0;
        policy
    } else {
        nominal_row(rng, actions)
    }
}

/// Nature's program over a state: variables p_a and t_a ≥ |p_a − q_a| for every action, laid out
/// as [p_0, t_0, p_1, t_1, …] (plus `extra` variables at the end), with p_a ∈ Δ and Σ t ≤ κ.
/// Returns the program and each action's offset of p_a.
fn shared_budget_program(state: &[Action], budget: f64, extra: usize) -> (Program, Vec<usize>) {
    let mut offsets = Vec::new();
    let mut next = 0;
    for action in state {
        offsets.push(next);
        next += 2 * action.nominal.len();
    }
    let mut program = Program::new(next + extra);
    let mut slacks = Vec::new();
    for (action, &p) in state.iter().zip(&offsets) {
        let n = action.nominal.len();
        program.simplex(p, n);
        program.absolute_deviation(p, p + n, &action.nominal);
        slacks.extend((p + n..p + 2 * n).map(|j| (j, 1.0)));
    }
    program.at_most(slacks, budget);
    (program, offsets)
}

/// min over nature of Σ_a π_a·(Q_a + (p_a − q_a)ᵀz_a), by the oracle.
fn evaluate_oracle(state: &[Action], policy: &[f64], budget: f64, context: &str) -> f64 {
    let (mut program, offsets) = shared_budget_program(state, budget, 0);
    let mut constant = 0.0;
    for ((action, &p), &weight) in state.iter().zip(&offsets).zip(policy) {
        for (i, &z) in action.values.iter().enumerate() {
            program.objective[p + i] = weight * z;
        }
        constant += weight * (action.q_value - dot(&action.nominal, &action.values));
    }
    program.solve(context).value + constant
}

/// min over nature and u of u subject to Q_a + (p_a − q_a)ᵀz_a ≤ u for every action, by the
/// oracle.
fn optimize_oracle(state: &[Action], budget: f64, context: &str) -> f64 {
    let (mut program, offsets) = shared_budget_program(state, budget, 1);
    let level = program.objective.len() - 1;
    program.objective[level] = 1.0;
    for (action, &p) in state.iter().zip(&offsets) {
        let mut row: Row = (0..action.values.len())
            .map(|i| (p + i, action.values[i]))
            .collect();
        row.push((level, -1.0));
        program.at_most(row, dot(&action.nominal, &action.values) - action.q_value);
    }
    program.solve(context).value
}

fn describe(state: &[Action], budget: f64) -> String {
    let actions: Vec<String> = state
        .iter()
        .map(|a| format!("(Q {}, q {:?}, z {:?})", a.q_value, a.nominal, a.values))
        .collect();
    format!("actions [{}], κ = {budget}", actions.join(", "))
}

#[test]
fn s_rectangular_evaluate_matches_the_lp() {
    let mut scratch = Scratch::default();
    for seed in 0..STATE_INSTANCES {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (state, budget) = state_instance(&mut rng);
        let rows = action_rows(&state);
        let mut radii = vec![0.0; state.len()];
        for draw in 0..3 {
            let policy = random_policy(&mut rng, state.len());
            let context = format!(
                "s-rectangular evaluate, seed {seed}, policy {draw} {policy:?}: {}",
                describe(&state, budget)
            );
            let value =
                s_rectangular_l1::evaluate(&rows, &policy, budget, &mut scratch, &mut radii);
            let oracle = evaluate_oracle(&state, &policy, budget, &context);
            assert!(
                (value - oracle).abs() <= ORACLE_TOLERANCE,
                "{context}: evaluate {value}, oracle {oracle} (difference {:e})",
                value - oracle
            );
        }
    }
}

#[test]
fn s_rectangular_optimize_matches_the_lp_and_its_policy_is_optimal() {
    let mut scratch = Scratch::default();
    for seed in 0..STATE_INSTANCES {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (state, budget) = state_instance(&mut rng);
        let context = format!(
            "s-rectangular optimize, seed {seed}: {}",
            describe(&state, budget)
        );
        let rows = action_rows(&state);
        let actions = state.len();
        let (mut policy, mut radii) = (vec![0.0; actions], vec![0.0; actions]);
        let value =
            s_rectangular_l1::optimize(&rows, budget, &mut scratch, &mut policy, &mut radii);
        let oracle = optimize_oracle(&state, budget, &context);
        assert!(
            (value - oracle).abs() <= ORACLE_TOLERANCE,
            "{context}: optimize {value}, oracle {oracle} (difference {:e})",
            value - oracle
        );
        assert!(
            policy.iter().all(|&p| p >= 0.0)
                && (policy.iter().sum::<f64>() - 1.0).abs() <= ROUNDING_TOLERANCE,
            "{context}: optimal policy {policy:?} is not a distribution"
        );
        // The certificate: nature's best reply to the returned policy leaves the optimal value…
        let attained = s_rectangular_l1::evaluate(&rows, &policy, budget, &mut scratch, &mut radii);
        assert!(
            (attained - value).abs() <= ORACLE_TOLERANCE,
            "{context}: policy {policy:?} attains {attained}, optimize returned {value}"
        );
        // …and no other policy, deterministic or random, gets more.
        let mut others: Vec<Vec<f64>> = (0..actions)
            .map(|a| {
                (0..actions)
                    .map(|b| if a == b { 1.0 } else { 0.0 })
                    .collect()
            })
            .collect();
        others.extend((0..3).map(|_| random_policy(&mut rng, actions)));
        for other in &others {
            let got = s_rectangular_l1::evaluate(&rows, other, budget, &mut scratch, &mut radii);
            assert!(
                got <= value + ORACLE_TOLERANCE,
                "{context}: policy {other:?} gets {got}, more than the optimum {value}"
            );
        }
    }
}

/// A pinned case: one action whose ball saturates within the budget. Rounding once made the
/// radius needed to reach the floor infinite (Q − Σ falls, subtracted one segment at a time,
/// overshoots the floor by 6e-17), and `optimize` returned the next breakpoint, here Q itself
/// (0.8 instead of 0.5).
#[test]
fn s_rectangular_optimize_reaches_the_floor_at_saturation() {
    let state = [Action {
        q_value: 0.8,
        nominal: vec![0.7, 0.3],
        values: vec![0.0, 1.0],
    }];
    let context = format!("pinned saturated state: {}", describe(&state, 1.0));
    let (mut policy, mut radii) = ([0.0], [0.0]);
    let value = s_rectangular_l1::optimize(
        &action_rows(&state),
        1.0,
        &mut Scratch::default(),
        &mut policy,
        &mut radii,
    );
    let oracle = optimize_oracle(&state, 1.0, &context);
    assert!(
        (value - oracle).abs() <= ORACLE_TOLERANCE && (value - 0.5).abs() <= ROUNDING_TOLERANCE,
        "{context}: optimize {value}, oracle {oracle}, by hand 0.5"
    );
}
