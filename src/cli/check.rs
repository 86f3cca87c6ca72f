//! `policylab check FILE`: what a world contains, or what is wrong with it.

use super::output::say;
use std::process::ExitCode;

use serde_json::json;

use super::output::{number, print_json};
use super::{Opened, WorldArgs};
use crate::core::error::Result;
use crate::world::Horizon;
use crate::world::format::gymnasium::DEFAULT_GAMMA;
use crate::world::format::{self, SourceFormat};

/// Summarize a world: sizes, horizon, sparsity, terminal and unreachable states.
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

pub fn run(args: &CheckArgs) -> Result<ExitCode> {
    let (mdp, robust, source) = match args.world.open()? {
        Opened::Game(game, source) => return super::game::check(&game, source, args.json),
        Opened::Mdp(mdp, robust, source) => (mdp, robust, source),
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
    ];
    for (label, value) in rows {
        if !value.is_empty() {
            say!("  {label:<12} {value}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
