//! What a step of a game algorithm records about the joint policy it starts from: NashConv and
//! exploitability (exact best responses), each player's value and mean entropy over states, and
//! where a temperature τ is given the QRE gap (soft best-response gains; see
//! [`crate::exact::game::exploitability`]).

use ndarray::Array2;

use crate::core::entropy::state_entropy;
use crate::core::error::{Error, Result};
use crate::core::record::{Record, player_field};
use crate::exact::game::{exploitability, qre_gains};
use crate::world::{MarkovGame, World};

/// The game of a world, or an error naming the algorithm that needs one.
pub fn require_game<'a, W: World + ?Sized>(world: &'a W, what: &str) -> Result<&'a MarkovGame> {
    world.game().ok_or_else(|| {
        Error::Usage(format!(
            "`{what}` runs on games (a Gambit .nfg or a native game file), not on a {} world",
            world.kind().name()
        ))
    })
}

/// The record of a joint policy (see the [module docs](self)).
pub fn measure_joint(
    game: &MarkovGame,
    policies: &[Array2<f64>],
    temperature: Option<f64>,
) -> Result<Record> {
    let views: Vec<_> = policies.iter().map(|p| p.view()).collect();
    let report = exploitability(game, &views)?;
    let mut record = Record::new();
    record.set("nash_conv", report.nash_conv());
    record.set("exploitability", report.exploitability());
    if let Some(tau) = temperature {
        let gains = qre_gains(game, &views, tau)?;
        record.set("qre_gap", gains.iter().sum());
    }
    for (i, policy) in policies.iter().enumerate() {
        record.set(player_field("J", i), report.values[i]);
        record.set(player_field("gain", i), report.gains[i]);
        record.set(
            player_field("entropy", i),
            state_entropy(policy.view()).mean().unwrap_or(0.0),
        );
    }
    Ok(record)
}

/// Σ_s Σ_i KL(π*_i(s) ‖ π_i(s)): the divergence to a target joint policy (the QRE) that the
/// linear-rate theorems bound.
pub fn kl_to(target: &[Array2<f64>], policies: &[Array2<f64>]) -> f64 {
    target
        .iter()
        .zip(policies)
        .map(|(p, q)| {
            p.iter()
                .zip(q.iter())
                .filter(|(a, _)| **a > 0.0)
                .map(|(a, b)| a * (a / b).ln())
                .sum::<f64>()
        })
        .sum()
}
