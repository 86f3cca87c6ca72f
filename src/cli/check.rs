//! `policylab check FILE`: what a world contains, or what is wrong with it.

use super::output::say;
use std::process::ExitCode;

use serde_json::json;

use super::output::{number, print_json};
use super::{Opened, WorldArgs};
use crate::core::error::Result;
use crate::world::features::Linearity;
use crate::world::format::gymnasium::DEFAULT_GAMMA;
use crate::world::format::{self, SourceFormat};
use crate::world::{FeatureMap, Horizon, TabularMdp};

/// Summarize a world: sizes, horizon, sparsity, terminal and unreachable states, and its feature
/// map (from the file or `--features`): dimension, rank, and whether the world is linear in it.
///
/// Exits with status 0 when the file is a valid world and prints the first problem otherwise
/// (naming the file, the field or (state, action), what was found and what is allowed).
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    world: WorldArgs,
    /// Print one JSON object instead of the summary.
    #[arg(long)]
    json: bool,
}

fn list_states(states: &[usize], limit: usize) -> String {
    if states.is_empty() {
        return "none".to_string();
    }
    let shown: Vec<String> = states.iter().take(limit).map(|s| s.to_string()).collect();
    let more = if states.len() > limit {
        format!(", … ({} in all)", states.len())
    } else {
        String::new()
    };
    format!("{}{more}", shown.join(", "))
}

/// The largest S·A·S for which `check` measures how linear a world is in its features (a dense
/// (S·A) × S least-squares problem: 5·10⁷ numbers, 400 MB).
const MAX_LINEARITY_ENTRIES: usize = 50_000_000;

/// What `check` reports about a feature map: d, the rank, and the residual of the best linear-MDP
/// factorization P = Φμ, r = Φθ (Jin et al. 2020), when the world is small enough to measure it.
struct FeatureSummary {
    dimension: usize,
    rank: usize,
    linearity: Option<Linearity>,
    reward_scale: f64,
}

impl FeatureSummary {
    fn of(map: &FeatureMap, mdp: &TabularMdp) -> Result<Self> {
        map.require_fits(mdp)?;
        let size = mdp
            .n_states()
            .checked_mul(mdp.n_actions())
            .and_then(|n| n.checked_mul(mdp.n_states()));
        let linearity = match size {
            Some(n) if n <= MAX_LINEARITY_ENTRIES => Some(map.linearity_residual(mdp)?),
            _ => None,
        };
        Ok(FeatureSummary {
            dimension: map.dimension(),
            rank: map.rank()?,
            linearity,
            reward_scale: mdp
                .expected_reward()
                .iter()
                .fold(1.0f64, |m, r| m.max(r.abs())),
        })
    }

    /// Linear to rounding: both residuals within 1e-9 (the reward's relative to max(1, |r|)).
    fn is_linear(&self) -> Option<bool> {
        self.linearity.map(|l| {
            l.transition_residual <= LINEAR_TOLERANCE
                && l.reward_residual <= LINEAR_TOLERANCE * self.reward_scale
        })
    }

    fn to_json(&self) -> serde_json::Value {
        json!({
            "dimension": self.dimension,
            "rank": self.rank,
            "transition_residual": self.linearity.map(|l| l.transition_residual),
            "reward_residual": self.linearity.map(|l| l.reward_residual),
            "linear": self.is_linear(),
        })
    }

    fn describe(&self) -> String {
        let rank = if self.rank == self.dimension {
            format!("rank {} (full)", self.rank)
        } else {
            format!(
                "rank {} of {}: the NPG regressions take the minimum-norm solution",
                self.rank, self.dimension
            )
        };
        let linear = match (self.linearity, self.is_linear()) {
            (Some(l), Some(true)) => format!(
                "a linear MDP in them (P = Φμ, r = Φθ to residuals {:.1e}, {:.1e})",
                l.transition_residual, l.reward_residual
            ),
            (Some(l), _) => format!(
                "not a linear MDP in them (the best P ≈ Φμ, r ≈ Φθ leave residuals {}, {})",
                number(l.transition_residual),
                number(l.reward_residual)
            ),
            (None, _) => format!("linearity not measured (S·A·S above {MAX_LINEARITY_ENTRIES})"),
        };
        format!("d = {}, {rank}; {linear}", self.dimension)
    }
}

/// The largest residual of a factorization `check` calls linear.
const LINEAR_TOLERANCE: f64 = 1e-9;

pub fn run(args: &CheckArgs) -> Result<ExitCode> {
    let (mdp, robust, source, features) = match args.world.open()? {
        Opened::Game(game, source) => return super::game::check(&game, source, args.json),
        Opened::Mdp(mdp, robust, source, features) => (mdp, robust, source, features),
    };
    let uncertainty = robust.as_ref().map(|r| match r.kernels().len() {
        0 => r.set().describe(),
        k => format!("a finite set of {k} kernels (CRAAM outcomes; nominal = their mixture)"),
    });
    let terminal = mdp.terminal_states();
    let unreachable = mdp.unreachable_states();
    let outcomes: usize = (0..mdp.n_states())
        .flat_map(|s| (0..mdp.n_actions()).map(move |a| (s, a)))
        .map(|(s, a)| mdp.outcomes(s, a).len())
        .sum();
    let unavailable = (0..mdp.n_states())
        .flat_map(|s| (0..mdp.n_actions()).map(move |a| (s, a)))
        .filter(|&(s, a)| !mdp.is_allowed(s, a))
        .count();
    let rewards = mdp.expected_reward();
    let (low, high) = rewards
        .indexed_iter()
        .filter(|((s, a), _)| mdp.is_allowed(*s, *a))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), (_, &r)| {
            (l.min(r), h.max(r))
        });
    let features = features
        .map(|map| FeatureSummary::of(&map, &mdp))
        .transpose()?;
    let kernel = mdp.kernel();
    let start_states: Vec<usize> = (0..mdp.n_states())
        .filter(|&s| mdp.initial()[s] > 0.0)
        .collect();

    if args.json {
        print_json(&json!({
            "file": args.world.file.display().to_string(),
            "format": source.to_string(),
            "name": mdp.name(),
            "states": mdp.n_states(),
            "actions": mdp.n_actions(),
            "gamma": mdp.gamma(),
            "horizon": mdp.horizon().steps(),
            "outcomes": outcomes,
            "kernel_nonzeros": kernel.nonzeros(),
            "kernel_density": kernel.density(),
            "unavailable_actions": unavailable,
            "terminal_states": terminal,
            "unreachable_states": unreachable,
            "reward_range": [low, high],
            "initial_support": start_states,
            "uncertainty": uncertainty,
            "features": features.as_ref().map(FeatureSummary::to_json),
        }));
        return Ok(ExitCode::SUCCESS);
    }

    let gamma_note = match source {
        _ if args.world.gamma.is_some() => String::new(),
        SourceFormat::GymnasiumPTable => {
            format!(" (P-tables carry no discount: default {DEFAULT_GAMMA}; set --gamma)")
        }
        SourceFormat::CraamCsv => format!(
            " (CRAAM files carry no discount: default {}; set --gamma)",
            format::craam::DEFAULT_GAMMA
        ),
        _ => String::new(),
    };
    let horizon = match mdp.horizon() {
        Horizon::Discounted { gamma } => format!("discounted, gamma = {gamma}{gamma_note}"),
        Horizon::Finite { steps, gamma } => format!("finite, {steps} steps, gamma = {gamma}"),
    };
    let initial = if start_states.len() == 1 {
        format!("state {}", mdp.state_label(start_states[0]))
    } else if start_states.len() == mdp.n_states()
        && mdp
            .initial()
            .iter()
            .all(|&p| (p - mdp.initial()[0]).abs() < 1e-15)
    {
        "uniform over all states".to_string()
    } else {
        format!("{} states with positive probability", start_states.len())
    };
    say!("{}: ok", args.world.file.display());
    let rows = [
        ("format", source.to_string()),
        ("name", mdp.name().to_string()),
        ("description", mdp.spec().description.clone()),
        ("states", mdp.n_states().to_string()),
        (
            "actions",
            if unavailable > 0 {
                format!(
                    "{} ({unavailable} state-action pairs unavailable)",
                    mdp.n_actions()
                )
            } else {
                mdp.n_actions().to_string()
            },
        ),
        ("horizon", horizon),
        ("initial", initial),
        (
            "transitions",
            format!(
                "{outcomes} outcomes; kernel {} nonzeros of {} (density {:.3}%)",
                kernel.nonzeros(),
                mdp.n_states() * mdp.n_actions() * mdp.n_states(),
                100.0 * kernel.density()
            ),
        ),
        (
            "rewards",
            format!("expected r(s,a) in [{}, {}]", number(low), number(high)),
        ),
        (
            "terminal",
            if terminal.is_empty() {
                "none".to_string()
            } else {
                format!(
                    "{} state{}: {}",
                    terminal.len(),
                    if terminal.len() == 1 { "" } else { "s" },
                    list_states(&terminal, 20)
                )
            },
        ),
        ("unreachable", list_states(&unreachable, 20)),
        ("uncertainty", uncertainty.unwrap_or_default()),
        (
            "features",
            features
                .as_ref()
                .map(FeatureSummary::describe)
                .unwrap_or_default(),
        ),
    ];
    for (label, value) in rows {
        if !value.is_empty() {
            say!("  {label:<12} {value}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
