//! Quantal response equilibria (QRE) of entropy-regularized two-player zero-sum games.
//!
//! **Matrix games.** For payoff M (row player maximizes) and temperature τ > 0,
//! f_τ(x, y) = xᵀMy + τH(x) − τH(y) is τ-strongly concave in x and τ-strongly convex in y, so it
//! has a unique saddle point, the QRE (logit equilibrium; McKelvey & Palfrey 1995), characterized
//! by the fixed point (Cen, Wei & Chi 2021, "Fast policy extragradient methods for competitive
//! games with entropy regularization", §2)
//!
//! x = softmax(My/τ),   y = softmax(−Mᵀx/τ).
//!
//! It is found in two phases: the predictive update (PU) of Cen et al., which converges linearly
//! from any start with η = 1/(τ + max|M|), brings the fixed-point residual
//! ‖x − softmax(My/τ)‖₁ + ‖y − softmax(−Mᵀx/τ)‖₁ below 1e-6; Newton's method on the fixed-point
//! equations then converges quadratically to rounding (each Newton step is kept only if it lowers
//! the residual; otherwise PU continues). The result carries its residual.
//!
//! **Markov games.** The entropy-regularized value V_τ^{x,y}(s) = E[Σ_t γ^t (r − τ log x + τ log y)]
//! has a unique QRE whose stage strategies are the QRE of Q*_τ(s) = r(s) + γ·P(s)V*_τ, with
//! V*_τ(s) = f_τ(Q*_τ(s); x*(s), y*(s)) (Cen et al. 2021, §4). Regularized Shapley iteration
//! V_{k+1}(s) = f_τ at the QRE of M_s(V_k) is a γ-contraction (val_τ is monotone and shifts with
//! constants), stopped when γ/(1−γ)·‖V_{k+1} − V_k‖∞ ≤ tolerance; each state's QRE is warm-started
//! from the previous sweep. The certificate is the QRE gap (sum of soft best-response gains,
//! [`super::exploitability::qre_gains`]).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use super::exploitability::qre_gains;
use super::shapley::require_zero_sum;
use crate::core::checks::require_temperature;
use crate::core::error::{Error, Result};
use crate::exact::linear_solve::solve_dense;
use crate::world::MarkovGame;

/// The residual below which the PU phase hands over to Newton's method.
const NEWTON_START: f64 = 1e-6;
/// The residual at which the solver stops.
const TARGET_RESIDUAL: f64 = 1e-14;

/// The QRE of a matrix game.
#[derive(Debug, Clone, PartialEq)]
pub struct QreSolution {
    pub row: Array1<f64>,
    pub column: Array1<f64>,
    /// f_τ(x, y) = xᵀMy + τH(x) − τH(y) at the solution.
    pub value: f64,
    /// ‖x − softmax(My/τ)‖₁ + ‖y − softmax(−Mᵀx/τ)‖₁.
    pub residual: f64,
}

/// softmax(z/τ) of a vector, stably.
pub fn softmax_scaled(z: &[f64], temperature: f64) -> Vec<f64> {
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut p: Vec<f64> = z.iter().map(|v| ((v - max) / temperature).exp()).collect();
    let total: f64 = p.iter().sum();
    p.iter_mut().for_each(|v| *v /= total);
    p
}

/// H(p) = −Σ p log p with 0·log 0 = 0.
pub fn entropy(p: &[f64]) -> f64 {
    -p.iter()
        .filter(|&&v| v > 0.0)
        .map(|v| v * v.ln())
        .sum::<f64>()
}

fn row_payoffs(m: ArrayView2<'_, f64>, y: &[f64]) -> Vec<f64> {
    m.rows()
        .into_iter()
        .map(|r| r.iter().zip(y).map(|(a, b)| a * b).sum())
        .collect()
}

fn column_costs(m: ArrayView2<'_, f64>, x: &[f64]) -> Vec<f64> {
    // −Mᵀx: the column player's payoff.
    m.columns()
        .into_iter()
        .map(|c| -c.iter().zip(x).map(|(a, b)| a * b).sum::<f64>())
        .collect()
}

/// The fixed-point residual ‖x − softmax(My/τ)‖₁ + ‖y − softmax(−Mᵀx/τ)‖₁.
pub fn qre_residual(m: ArrayView2<'_, f64>, x: &[f64], y: &[f64], temperature: f64) -> f64 {
    let p = softmax_scaled(&row_payoffs(m, y), temperature);
    let q = softmax_scaled(&column_costs(m, x), temperature);
    let l1 = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(u, v)| (u - v).abs()).sum::<f64>();
    l1(x, &p) + l1(y, &q)
}

/// f_τ(x, y) = xᵀMy + τH(x) − τH(y).
pub fn regularized_payoff(m: ArrayView2<'_, f64>, x: &[f64], y: &[f64], temperature: f64) -> f64 {
    let bilinear: f64 = row_payoffs(m, y).iter().zip(x).map(|(a, b)| a * b).sum();
    bilinear + temperature * (entropy(x) - entropy(y))
}

/// f(x, y) = xᵀMy + τ_xH(x) − τ_yH(y): [`regularized_payoff`] with a temperature per player.
pub fn regularized_payoff_with(
    m: ArrayView2<'_, f64>,
    x: &[f64],
    y: &[f64],
    (row_temperature, column_temperature): (f64, f64),
) -> f64 {
    let bilinear: f64 = row_payoffs(m, y).iter().zip(x).map(|(a, b)| a * b).sum();
    bilinear + row_temperature * entropy(x) - column_temperature * entropy(y)
}

/// The regularized duality gap max_{x'} f_τ(x', y) − min_{y'} f_τ(x, y')
/// = τ·lse(My/τ) + τ·lse(−Mᵀx/τ) − τH(x) − τH(y) ≥ 0, zero exactly at the QRE.
pub fn regularized_gap(m: ArrayView2<'_, f64>, x: &[f64], y: &[f64], temperature: f64) -> f64 {
    let lse = |z: &[f64]| {
        let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        max + temperature
            * z.iter()
                .map(|v| ((v - max) / temperature).exp())
                .sum::<f64>()
                .ln()
    };
    lse(&row_payoffs(m, y)) + lse(&column_costs(m, x)) - temperature * (entropy(x) + entropy(y))
}

/// One entropy-regularized multiplicative step of Cen et al. (2021) from `own` against the
/// payoff vector `payoff`: log p' = (1 − ητ)·log p + η·payoff − log-normalizer.
fn regularized_mwu_step(own: &[f64], payoff: &[f64], eta: f64, temperature: f64) -> Vec<f64> {
    let logits: Vec<f64> = own
        .iter()
        .zip(payoff)
        .map(|(p, g)| (1.0 - eta * temperature) * p.ln() + eta * g)
        .collect();
    softmax_scaled(&logits, 1.0)
}

/// One predictive update of Cen et al. (2021): a prediction from (x, y), then the update from
/// (x, y) against the predicted opponent, both as
/// log x' = (1 − ητ)·log x + η·(My) − log-normalizer.
pub fn predictive_update(
    m: ArrayView2<'_, f64>,
    x: &[f64],
    y: &[f64],
    eta: f64,
    temperature: f64,
) -> (Vec<f64>, Vec<f64>) {
    predictive_update_with(m, x, y, eta, (temperature, temperature))
}

/// [`predictive_update`] with a temperature per player, (τ_x, τ_y): the row player's steps use
/// 1 − ητ_x, the column player's 1 − ητ_y (the game max_x min_y xᵀMy + τ_xH(x) − τ_yH(y)).
pub fn predictive_update_with(
    m: ArrayView2<'_, f64>,
    x: &[f64],
    y: &[f64],
    eta: f64,
    (row_temperature, column_temperature): (f64, f64),
) -> (Vec<f64>, Vec<f64>) {
    let row = |own: &[f64], payoff: &[f64]| regularized_mwu_step(own, payoff, eta, row_temperature);
    let column =
        |own: &[f64], payoff: &[f64]| regularized_mwu_step(own, payoff, eta, column_temperature);
    let x_bar = row(x, &row_payoffs(m, y));
    let y_bar = column(y, &column_costs(m, x));
    (
        row(x, &row_payoffs(m, &y_bar)),
        column(y, &column_costs(m, &x_bar)),
    )
}

/// One optimistic update (OMWU, Cen et al. 2021, Algorithm 2 as we read it): the prediction
/// plays against the opponent's *previous prediction* (x̄_t, ȳ_t) instead of its current iterate,
/// so each update needs one new payoff per player:
///
///   x̄_{t+1} ∝ x_t^{1−ητ} exp(η M ȳ_t),        ȳ_{t+1} ∝ y_t^{1−ητ} exp(−η Mᵀx̄_t),
///   x_{t+1} ∝ x_t^{1−ητ} exp(η M ȳ_{t+1}),    y_{t+1} ∝ y_t^{1−ητ} exp(−η Mᵀx̄_{t+1}).
///
/// Returns (x_{t+1}, y_{t+1}, x̄_{t+1}, ȳ_{t+1}).
pub fn optimistic_update(
    m: ArrayView2<'_, f64>,
    (x, y): (&[f64], &[f64]),
    (x_bar, y_bar): (&[f64], &[f64]),
    eta: f64,
    temperature: f64,
) -> [Vec<f64>; 4] {
    let step = |own: &[f64], payoff: &[f64]| regularized_mwu_step(own, payoff, eta, temperature);
    let next_x_bar = step(x, &row_payoffs(m, y_bar));
    let next_y_bar = step(y, &column_costs(m, x_bar));
    [
        step(x, &row_payoffs(m, &next_y_bar)),
        step(y, &column_costs(m, &next_x_bar)),
        next_x_bar,
        next_y_bar,
    ]
}

/// One Newton step on F(x, y) = (x − softmax(My/τ), y − softmax(−Mᵀx/τ)); `None` when the
/// Jacobian is singular or the step leaves the open simplex.
fn newton_step(
    m: ArrayView2<'_, f64>,
    x: &[f64],
    y: &[f64],
    tau: f64,
) -> Option<(Vec<f64>, Vec<f64>)> {
    let (a, b) = m.dim();
    let p = softmax_scaled(&row_payoffs(m, y), tau);
    let q = softmax_scaled(&column_costs(m, x), tau);
    let n = a + b;
    let mut jacobian = Array2::<f64>::eye(n);
    // ∂(x − p)/∂y = −(D_p − ppᵀ)·M/τ;  ∂(y − q)/∂x = (D_q − qqᵀ)·Mᵀ/τ.
    for i in 0..a {
        for j in 0..b {
            let mut entry = p[i] * m[[i, j]];
            entry -= p[i] * (0..a).map(|k| p[k] * m[[k, j]]).sum::<f64>();
            jacobian[[i, a + j]] = -entry / tau;
        }
    }
    for j in 0..b {
        for i in 0..a {
            let mut entry = q[j] * m[[i, j]];
            entry -= q[j] * (0..b).map(|k| q[k] * m[[i, k]]).sum::<f64>();
            jacobian[[a + j, i]] = entry / tau;
        }
    }
    let residual = Array1::from_iter(
        x.iter()
            .zip(&p)
            .map(|(u, v)| v - u)
            .chain(y.iter().zip(&q).map(|(u, v)| v - u)),
    );
    let delta = solve_dense(&jacobian, &residual, false).ok()?;
    let next_x: Vec<f64> = (0..a).map(|i| x[i] + delta[i]).collect();
    let next_y: Vec<f64> = (0..b).map(|j| y[j] + delta[a + j]).collect();
    if next_x
        .iter()
        .chain(&next_y)
        .any(|v| !(v.is_finite() && *v > 0.0))
    {
        return None;
    }
    let normalize = |v: Vec<f64>| {
        let total: f64 = v.iter().sum();
        v.into_iter().map(|p| p / total).collect::<Vec<f64>>()
    };
    Some((normalize(next_x), normalize(next_y)))
}

/// The QRE of the matrix game `m` at temperature τ, optionally warm-started.
pub fn solve_matrix_qre(
    m: ArrayView2<'_, f64>,
    temperature: f64,
    start: Option<(ArrayView1<'_, f64>, ArrayView1<'_, f64>)>,
) -> Result<QreSolution> {
    require_temperature(temperature)?;
    let (a, b) = m.dim();
    if a == 0 || b == 0 || m.iter().any(|v| !v.is_finite()) {
        return Err(Error::Usage(format!(
            "a matrix game needs finite payoffs and at least one action per player ({a}×{b})"
        )));
    }
    let (mut x, mut y) = match start {
        Some((x, y))
            if x.len() == a && y.len() == b && x.iter().chain(y.iter()).all(|v| *v > 0.0) =>
        {
            (x.to_vec(), y.to_vec())
        }
        _ => (vec![1.0 / a as f64; a], vec![1.0 / b as f64; b]),
    };
    let scale = m.iter().fold(0.0f64, |s, v| s.max(v.abs()));
    let eta = 1.0 / (temperature + scale);
    let mut residual = qre_residual(m, &x, &y, temperature);
    // PU contracts KL by (1 − ητ) per step; allow enough steps to gain 40 orders of magnitude.
    let budget = ((40.0 * std::f64::consts::LN_10) / (eta * temperature)).ceil() as usize + 100;
    let mut steps = 0;
    while residual > TARGET_RESIDUAL && steps < budget {
        if residual <= NEWTON_START
            && let Some((nx, ny)) = newton_step(m, &x, &y, temperature)
        {
            let next = qre_residual(m, &nx, &ny, temperature);
            if next < residual {
                (x, y, residual) = (nx, ny, next);
                steps += 1;
                continue;
            }
            if residual <= 1e3 * TARGET_RESIDUAL {
                break; // Rounding: Newton cannot improve further.
            }
        }
        (x, y) = predictive_update(m, &x, &y, eta, temperature);
        residual = qre_residual(m, &x, &y, temperature);
        steps += 1;
    }
    if residual.is_nan() || residual > 1e-12 {
        return Err(Error::Numerical {
            origin: "matrix QRE".into(),
            detail: format!("fixed-point residual {residual:.2e} after {steps} steps"),
        });
    }
    let value = regularized_payoff(m, &x, &y, temperature);
    Ok(QreSolution {
        row: Array1::from(x),
        column: Array1::from(y),
        value,
        residual,
    })
}

/// The QRE of an entropy-regularized zero-sum Markov game with its certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkovQre {
    /// V*_τ(s) for player 1.
    pub v: Array1<f64>,
    /// Player 1's and player 2's stationary policies.
    pub policies: Vec<Array2<f64>>,
    pub iterations: usize,
    /// The guaranteed ‖v − V*_τ‖∞.
    pub value_error_bound: f64,
    /// The largest stage fixed-point residual.
    pub residual: f64,
    /// The soft best-response gains of `policies` (their sum is the QRE gap).
    pub gains: Vec<f64>,
}

impl MarkovQre {
    /// Σ gains: 0 exactly at the QRE.
    pub fn qre_gap(&self) -> f64 {
        self.gains.iter().sum()
    }
}

/// Regularized Shapley iteration (see the [module docs](self)).
pub fn markov_qre(
    game: &MarkovGame,
    temperature: f64,
    tolerance: f64,
    max_iterations: usize,
) -> Result<MarkovQre> {
    require_zero_sum(game, "the Markov QRE solver")?;
    require_temperature(temperature)?;
    let (states, rows, cols) = (game.n_states(), game.n_actions(0), game.n_actions(1));
    let gamma = game.gamma();
    let factor = if gamma == 0.0 {
        0.0
    } else {
        gamma / (1.0 - gamma)
    };
    let mut v = vec![0.0; states];
    let mut x = Array2::from_elem((states, rows), 1.0 / rows as f64);
    let mut y = Array2::from_elem((states, cols), 1.0 / cols as f64);
    for iteration in 1..=max_iterations {
        let mut next = vec![0.0; states];
        for (s, value) in next.iter_mut().enumerate() {
            let stage = game.stage_matrix(s, &v);
            let solution = solve_matrix_qre(stage.view(), temperature, Some((x.row(s), y.row(s))))
                .map_err(|e| e.in_origin(&format!("the stage game of state {s}")))?;
            *value = solution.value;
            x.row_mut(s).assign(&solution.row);
            y.row_mut(s).assign(&solution.column);
        }
        let change = next
            .iter()
            .zip(&v)
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        v = next;
        let bound = factor * change;
        if bound <= tolerance {
            // The stage QREs at the final values.
            let mut residual = 0.0f64;
            for s in 0..states {
                let stage = game.stage_matrix(s, &v);
                let solution =
                    solve_matrix_qre(stage.view(), temperature, Some((x.row(s), y.row(s))))?;
                residual = residual.max(solution.residual);
                x.row_mut(s).assign(&solution.row);
                y.row_mut(s).assign(&solution.column);
            }
            let gains = qre_gains(game, &[x.view(), y.view()], temperature)?;
            return Ok(MarkovQre {
                v: Array1::from(v),
                policies: vec![x, y],
                iterations: iteration,
                value_error_bound: bound,
                residual,
                gains,
            });
        }
    }
    Err(Error::Numerical {
        origin: "Markov QRE".into(),
        detail: format!("‖V − V*_τ‖∞ ≤ {tolerance} not guaranteed after {max_iterations} sweeps"),
    })
}
