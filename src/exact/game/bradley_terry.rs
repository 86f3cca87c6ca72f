//! The Bradley–Terry reward model fitted to a whole preference matrix: the scores θ that
//! maximize the population log-likelihood
//!
//!   ℓ(θ) = Σ_{a≠b} P(a ≻ b)·log σ(θ_a − θ_b),    σ(z) = 1/(1 + e^{−z}),
//!
//! the limit of the reward model an RLHF pipeline fits from infinitely many comparisons of every
//! pair (Bradley & Terry 1952; Ouyang et al. 2022 fit the same model from samples). With
//! P(a ≻ b) + P(b ≻ a) = 1 the gradient is g_a = Σ_{b≠a} (P(a ≻ b) − σ(θ_a − θ_b)) and the Hessian is
//! minus the Laplacian with weights σ(1 − σ); both are invariant to adding a constant to θ, so the
//! scores are centred (Σθ = 0) and Newton's step solves (L + 11ᵀ/K)·δ = g. The maximizer exists
//! (and is unique up to the constant) exactly when the graph with an edge a → b wherever
//! P(a ≻ b) > 0 is strongly connected (Zermelo 1929; Ford 1957): otherwise some group of options
//! beats the rest with probability 1 and its scores diverge — reported as an error before any
//! iteration.
//!
//! When P is itself Bradley–Terry, P(a ≻ b) = σ(θ*_a − θ*_b), the fit returns θ* (centred) — the
//! check in this file's tests. On intransitive preferences it returns the best single-reward
//! summary, whose maximizer need not be the minimax winner (Swamy et al. 2024, §1).

use ndarray::{Array1, Array2, ArrayView2};

use crate::core::error::{Error, Result};
use crate::exact::linear_solve::solve_dense;

/// A fitted Bradley–Terry model.
#[derive(Debug, Clone, PartialEq)]
pub struct BradleyTerry {
    /// The centred scores θ (Σθ = 0): the reward the model assigns to each option.
    pub scores: Array1<f64>,
    /// ℓ(θ) at the fit.
    pub log_likelihood: f64,
    /// ‖∇ℓ(θ)‖∞ at the fit (the certificate of optimality: ℓ is concave).
    pub gradient_norm: f64,
    pub iterations: usize,
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// log σ(z), stable for large |z|.
fn log_sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        -(-z).exp().ln_1p()
    } else {
        z - z.exp().ln_1p()
    }
}

fn log_likelihood(p: ArrayView2<'_, f64>, theta: &Array1<f64>) -> f64 {
    let k = theta.len();
    let mut total = 0.0;
    for a in 0..k {
        for b in 0..k {
            if a != b && p[[a, b]] > 0.0 {
                total += p[[a, b]] * log_sigmoid(theta[a] - theta[b]);
            }
        }
    }
    total
}

/// Checks that `p` is a square preference matrix: entries in [0, 1], P(a ≻ b) + P(b ≻ a) = 1.
pub fn check_preference(p: ArrayView2<'_, f64>) -> Result<()> {
    let (k, columns) = p.dim();
    if k != columns || k == 0 {
        return Err(Error::invalid(
            "preference",
            format!("a {k}×{columns} matrix"),
            "a square matrix with at least one option",
        ));
    }
    for a in 0..k {
        for b in 0..k {
            let (forward, backward) = (p[[a, b]], p[[b, a]]);
            if !(0.0..=1.0).contains(&forward) || (forward + backward - 1.0).abs() > 1e-12 {
                return Err(Error::invalid(
                    format!("preference[{a}][{b}]"),
                    format!("{forward} (and {backward} for the reverse pair)"),
                    "probabilities in [0, 1] with P(a>b) + P(b>a) = 1",
                ));
            }
        }
    }
    Ok(())
}

/// Whether every option reaches every other along edges a → b with P(a ≻ b) > 0 (Ford's
/// condition for a finite maximizer).
fn strongly_connected(p: ArrayView2<'_, f64>) -> bool {
    let k = p.nrows();
    let reach = |forward: bool| {
        let mut seen = vec![false; k];
        let mut stack = vec![0];
        seen[0] = true;
        while let Some(a) = stack.pop() {
            for b in 0..k {
                let edge = if forward { p[[a, b]] } else { p[[b, a]] };
                if !seen[b] && a != b && edge > 0.0 {
                    seen[b] = true;
                    stack.push(b);
                }
            }
        }
        seen.into_iter().all(|s| s)
    };
    reach(true) && reach(false)
}

/// Fits the Bradley–Terry scores to `p` by Newton's method (with backtracking far from the
/// optimum), to ‖∇ℓ‖∞ ≤ `tolerance` (see the [module docs](self)).
pub fn fit_bradley_terry(p: ArrayView2<'_, f64>, tolerance: f64) -> Result<BradleyTerry> {
    check_preference(p)?;
    if !strongly_connected(p) {
        return Err(Error::Numerical {
            origin: "the Bradley-Terry fit".into(),
            detail: "no finite maximizer: some options beat all the others with probability 1 \
                     (the graph of P(a > b) > 0 is not strongly connected), so their scores \
                     diverge"
                .into(),
        });
    }
    let k = p.nrows();
    let mut theta = Array1::<f64>::zeros(k);
    let mut value = log_likelihood(p, &theta);
    const MAX_ITERATIONS: usize = 200;
    for iteration in 0..MAX_ITERATIONS {
        let mut gradient = Array1::<f64>::zeros(k);
        let mut system = Array2::<f64>::from_elem((k, k), 1.0 / k as f64);
        for a in 0..k {
            for b in 0..k {
                if a == b {
                    continue;
                }
                let s = sigmoid(theta[a] - theta[b]);
                gradient[a] += p[[a, b]] - s;
                let w = s * (1.0 - s);
                system[[a, a]] += w;
                system[[a, b]] -= w;
            }
        }
        let norm = gradient.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        if norm <= tolerance {
            return Ok(BradleyTerry {
                scores: theta,
                log_likelihood: value,
                gradient_norm: norm,
                iterations: iteration,
            });
        }
        let direction = solve_dense(&system, &gradient, false)
            .map_err(|e| e.in_origin("the Bradley-Terry fit"))?;
        // Backtracking (Armijo) on the concave ℓ far from the optimum; near it (‖g‖∞ < 1e-6)
        // the full Newton step, whose gain is below the rounding of ℓ.
        let slope = gradient.dot(&direction);
        let mut step = 1.0;
        loop {
            if norm < 1e-6 {
                theta = &theta + &direction;
                value = log_likelihood(p, &theta);
                break;
            }
            let candidate = &theta + &(&direction * step);
            let candidate_value = log_likelihood(p, &candidate);
            if candidate_value >= value + 1e-4 * step * slope || step < 1e-12 {
                theta = candidate;
                value = candidate_value;
                break;
            }
            step *= 0.5;
        }
        let mean = theta.mean().unwrap_or(0.0);
        theta.mapv_inplace(|t| t - mean);
    }
    Err(Error::Numerical {
        origin: "the Bradley-Terry fit".into(),
        detail: format!(
            "no convergence to |gradient| <= {tolerance} in {MAX_ITERATIONS} Newton steps"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bradley_terry_matrix(theta: &[f64]) -> Array2<f64> {
        let k = theta.len();
        Array2::from_shape_fn((k, k), |(a, b)| {
            if a == b {
                0.5
            } else {
                sigmoid(theta[a] - theta[b])
            }
        })
    }

    /// Preferences generated by a Bradley–Terry model give back its centred scores.
    #[test]
    fn recovers_the_scores_of_a_bradley_terry_matrix() {
        let truth = [1.5, -0.3, 0.2, -2.0, 0.6];
        let p = bradley_terry_matrix(&truth);
        let fit = fit_bradley_terry(p.view(), 1e-13).unwrap();
        let mean = truth.iter().sum::<f64>() / truth.len() as f64;
        for (fitted, t) in fit.scores.iter().zip(truth) {
            assert!(
                (fitted - (t - mean)).abs() < 1e-10,
                "{fitted} vs {}",
                t - mean
            );
        }
        assert!(fit.gradient_norm <= 1e-13);
    }

    /// A Condorcet cycle with equal margins has equal scores; a certain winner has no fit.
    #[test]
    fn a_symmetric_cycle_has_equal_scores_and_a_certain_winner_has_none() {
        let cycle = ndarray::array![[0.5, 0.8, 0.2], [0.2, 0.5, 0.8], [0.8, 0.2, 0.5]];
        let fit = fit_bradley_terry(cycle.view(), 1e-13).unwrap();
        assert!(
            fit.scores.iter().all(|t| t.abs() < 1e-12),
            "{:?}",
            fit.scores
        );
        let certain = ndarray::array![[0.5, 1.0], [0.0, 0.5]];
        assert!(matches!(
            fit_bradley_terry(certain.view(), 1e-13),
            Err(Error::Numerical { .. })
        ));
        let lopsided = ndarray::array![[0.5, 0.7], [0.2, 0.5]];
        assert!(fit_bradley_terry(lopsided.view(), 1e-13).is_err());
    }
}
