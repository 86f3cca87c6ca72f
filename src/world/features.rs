//! A feature map φ(s, a) ∈ R^d of a tabular world: the representation that linear MDPs,
//! log-linear policies and linear critics share (Jin, Yang, Wang & Jordan 2020, "Provably
//! efficient reinforcement learning with linear function approximation": a linear MDP has
//! P(s'|s, a) = φ(s, a)ᵀμ(s') and r(s, a) = φ(s, a)ᵀθ; Agarwal, Kakade, Lee & Mahajan 2021, §6:
//! log-linear policies π_θ(a|s) ∝ exp(θᵀφ(s, a))).
//!
//! The table has one row per (state, action), row s·A + a, and d columns. What the library
//! computes about it: its numerical rank (singular values above
//! max(S·A, d)·ε·σ_max, the usual rank tolerance) and the least-squares residual of any vector
//! over (s, a) against span Φ — with the transition columns P(s'|·,·) and the reward, the residual
//! of the best linear-MDP factorization ([`FeatureMap::linearity_residual`]).

use ndarray::{Array1, Array2, ArrayView1};

use crate::core::error::{Error, Result};
use crate::world::TabularMdp;

/// φ(s, a) for every state and action (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMap {
    states: usize,
    actions: usize,
    /// (S·A) × d, row s·A + a.
    table: Array2<f64>,
}

/// How far a world is from linear in a feature map: the largest least-squares residual
/// ‖(I − Π_Φ)x‖∞ over the transition columns x = P(s'|·,·) and over the reward.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Linearity {
    pub transition_residual: f64,
    pub reward_residual: f64,
}

impl FeatureMap {
    /// Checks the table's shape against S and A and that every entry is finite.
    pub fn new(states: usize, actions: usize, table: Array2<f64>) -> Result<Self> {
        let rows = states.checked_mul(actions).ok_or_else(|| {
            Error::invalid(
                "features",
                "S·A overflows",
                "a world of a size that fits in memory",
            )
        })?;
        if table.nrows() != rows || table.ncols() == 0 {
            return Err(Error::invalid(
                "features",
                format!("a {}×{} table", table.nrows(), table.ncols()),
                format!(
                    "one row per (state, action): {rows} rows (S = {states}, A = {actions}) and \
                     at least one column"
                ),
            ));
        }
        if let Some((index, value)) = table.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            let (row, column) = (index / table.ncols(), index % table.ncols());
            return Err(Error::invalid(
                format!(
                    "features[{row}][{column}] (state {}, action {})",
                    row / actions,
                    row % actions
                ),
                format!("{value}"),
                "finite numbers",
            ));
        }
        Ok(FeatureMap {
            states,
            actions,
            table,
        })
    }

    pub fn dimension(&self) -> usize {
        self.table.ncols()
    }

    pub fn n_states(&self) -> usize {
        self.states
    }

    pub fn n_actions(&self) -> usize {
        self.actions
    }

    /// φ(s, a).
    pub fn phi(&self, state: usize, action: usize) -> ArrayView1<'_, f64> {
        self.table.row(state * self.actions + action)
    }

    /// The (S·A) × d table.
    pub fn table(&self) -> &Array2<f64> {
        &self.table
    }

    /// The numerical rank of Φ.
    pub fn rank(&self) -> Result<usize> {
        Ok(thin_svd(&self.table)?.rank())
    }

    /// The least-squares coefficients w = argmin ‖Φw − x‖₂ (the minimum-norm one when Φ is
    /// rank-deficient) for each column x of `targets` ((S·A) × k), and the residuals Φw − x.
    pub fn least_squares(&self, targets: &Array2<f64>) -> Result<(Array2<f64>, Array2<f64>)> {
        minimum_norm_least_squares(&self.table, targets)
    }

    /// ‖(I − Π_Φ)x‖∞ for one vector x over (s, a).
    pub fn projection_residual(&self, x: &Array1<f64>) -> Result<f64> {
        let column = x.clone().insert_axis(ndarray::Axis(1));
        let (_, residual) = self.least_squares(&column)?;
        Ok(residual.iter().fold(0.0f64, |m, r| m.max(r.abs())))
    }

    /// Checks that these are features of `mdp` (the same S and A).
    pub fn require_fits(&self, mdp: &TabularMdp) -> Result<()> {
        if mdp.n_states() != self.states || mdp.n_actions() != self.actions {
            return Err(Error::invalid(
                "features",
                format!("features for S = {}, A = {}", self.states, self.actions),
                format!(
                    "the world's S = {}, A = {}",
                    mdp.n_states(),
                    mdp.n_actions()
                ),
            ));
        }
        Ok(())
    }

    /// How far `mdp` is from a linear MDP in these features (see [`Linearity`]): zero to rounding
    /// exactly when P(s'|·,·) and r lie in span Φ.
    pub fn linearity_residual(&self, mdp: &TabularMdp) -> Result<Linearity> {
        self.require_fits(mdp)?;
        let rows = self.table.nrows();
        let mut transitions = Array2::<f64>::zeros((rows, self.states));
        let mut reward = Array2::<f64>::zeros((rows, 1));
        for s in 0..self.states {
            for a in 0..self.actions {
                let (next, probability) = mdp.kernel().row(s, a);
                for (&n, &p) in next.iter().zip(probability) {
                    transitions[[s * self.actions + a, n]] += p;
                }
                reward[[s * self.actions + a, 0]] = mdp.expected_reward()[[s, a]];
            }
        }
        let largest = |residual: &Array2<f64>| residual.iter().fold(0.0f64, |m, r| m.max(r.abs()));
        Ok(Linearity {
            transition_residual: largest(&self.least_squares(&transitions)?.1),
            reward_residual: largest(&self.least_squares(&reward)?.1),
        })
    }
}

/// A thin singular value decomposition A = U·diag(σ)·Vᵀ (faer's, run sequentially) with the rank
/// tolerance max(m, n)·ε·σ_max.
#[derive(Debug, Clone)]
pub struct ThinSvd {
    /// m × k.
    pub u: Array2<f64>,
    /// k singular values.
    pub sigma: Vec<f64>,
    /// n × k.
    pub v: Array2<f64>,
    pub tolerance: f64,
}

impl ThinSvd {
    /// How many singular values are above the tolerance.
    pub fn rank(&self) -> usize {
        self.sigma.iter().filter(|&&s| s > self.tolerance).count()
    }

    /// The indices of the singular values above the tolerance.
    pub fn kept(&self) -> Vec<usize> {
        (0..self.sigma.len())
            .filter(|&i| self.sigma[i] > self.tolerance)
            .collect()
    }

    /// σ_max (the spectral norm of A).
    pub fn largest(&self) -> f64 {
        self.sigma.iter().copied().fold(0.0, f64::max)
    }

    /// σ_min over the k singular values.
    pub fn smallest(&self) -> f64 {
        self.sigma.iter().copied().fold(f64::INFINITY, f64::min)
    }
}

/// The thin SVD of `a` (see [`ThinSvd`]).
pub fn thin_svd(a: &Array2<f64>) -> Result<ThinSvd> {
    let (m, n) = a.dim();
    let matrix = faer::Mat::<f64>::from_fn(m, n, |i, j| a[[i, j]]);
    let svd = matrix.thin_svd().map_err(|e| Error::Numerical {
        origin: "the singular value decomposition".into(),
        detail: format!("{e:?}"),
    })?;
    let (u, s, v) = (svd.U(), svd.S().column_vector(), svd.V());
    let k = s.nrows();
    let sigma: Vec<f64> = (0..k).map(|i| s[i]).collect();
    let largest = sigma.iter().copied().fold(0.0, f64::max);
    Ok(ThinSvd {
        u: Array2::from_shape_fn((m, k), |(i, j)| u[(i, j)]),
        v: Array2::from_shape_fn((n, k), |(i, j)| v[(i, j)]),
        tolerance: m.max(n) as f64 * f64::EPSILON * largest,
        sigma,
    })
}

/// w = argmin ‖A·w − b‖₂ for each column b of `targets` (the minimum-norm solution: singular
/// values below the rank tolerance are dropped), and the residuals A·w − b.
pub fn minimum_norm_least_squares(
    a: &Array2<f64>,
    targets: &Array2<f64>,
) -> Result<(Array2<f64>, Array2<f64>)> {
    if targets.nrows() != a.nrows() {
        return Err(Error::invalid(
            "targets",
            format!("{} rows", targets.nrows()),
            format!("one per row of the design: {}", a.nrows()),
        ));
    }
    let svd = thin_svd(a)?;
    // Uᵀb, scaled by 1/σ where σ is above the tolerance, then V·(…).
    let mut coefficients = svd.u.t().dot(targets);
    for (i, mut row) in coefficients.rows_mut().into_iter().enumerate() {
        let sigma = svd.sigma[i];
        let scale = if sigma > svd.tolerance {
            1.0 / sigma
        } else {
            0.0
        };
        row.mapv_inplace(|x| x * scale);
    }
    let w = svd.v.dot(&coefficients);
    let residual = a.dot(&w) - targets;
    Ok((w, residual))
}
