//! `policylab evaluate FILE --policy uniform|FILE`: the values of a given policy.

use super::output::say;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use super::output::{matrix, number, print_json, vector};
use super::solve::print_values;
use super::{Opened, WorldArgs};
use crate::core::error::Result;
use crate::exact::{evaluate, evaluate_finite, occupancy, uniform_policy};
use crate::policy::file::{PolicyTables, load_policy};
use crate::world::Horizon;

/// V^π, Q^π, A^π, the occupancy d^π_ρ and J(π) = ρᵀV^π of a policy.
///
/// On a game, `--policy` is `uniform` or a file with `policies = [table per player]` (the output
/// of `solve GAME --json`); each player's value, best response, gain, NashConv and
/// exploitability (= NashConv / players) are printed.
///
/// On a robust world (`--uncertainty`, a file's `[uncertainty]`, a CRAAM file with outcomes) the
/// values are the worst case over the set, V^π_P = min_P V^π_P, with nature's kernel (--json).
///
/// The policy is `uniform` (uniform over each state's available actions) or a file: JSON/TOML with
/// `policy = [[π(a|s) …] …]` (one row per state; for finite horizons optionally one table per
/// step) or `actions = [a_0, …]` (deterministic). The output of `policylab solve --json` is a valid
/// policy file.
#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    #[command(flatten)]
    world: WorldArgs,
    /// `uniform`, or a policy file (.json or .toml).
    #[arg(long, value_name = "uniform|FILE")]
    policy: String,
    /// Print one JSON object with "v", "q", "advantage", "policy", "occupancy" and "objective".
    #[arg(long)]
    json: bool,
    /// Games only: also print the QRE gap (soft best-response gains) at this temperature.
    #[arg(long, value_name = "TAU")]
    temperature: Option<f64>,
}

pub fn run(args: &EvaluateArgs) -> Result<ExitCode> {
    let origin = args.world.file.display().to_string();
    let (mdp, robust) = match args.world.open()? {
        Opened::Game(game, _) => {
            return super::game::evaluate(&game, &args.policy, args.temperature, args.json)
                .map_err(|e| e.in_origin(&origin));
        }
        Opened::Mdp(mdp, robust, _, _) => (mdp, robust),
    };
    if args.temperature.is_some() {
        return Err(crate::core::error::Error::Usage(
            "--temperature is read for games (the QRE gap)".into(),
        ));
    }
    let tables = if args.policy == "uniform" {
        PolicyTables(vec![uniform_policy(&mdp)])
    } else {
        load_policy(&PathBuf::from(&args.policy), &mdp)?
    };
    let policy_origin = if args.policy == "uniform" {
        origin.clone()
    } else {
        args.policy.clone()
    };
    match mdp.horizon() {
        Horizon::Finite { steps, .. } => {
            let views: Vec<_> = tables.0.iter().map(|t| t.view()).collect();
            let values = evaluate_finite(&mdp, &views).map_err(|e| e.in_origin(&policy_origin))?;
            let objective = values.objective(&mdp);
            if args.json {
                print_json(&json!({
                    "world": mdp.name(), "horizon": steps, "gamma": mdp.gamma(),
                    "objective": objective, "v": vector(&values.v[0]), "q": matrix(&values.q[0]),
                    "policy": matrix(&values.policy[0]),
                    "steps": (0..steps).map(|h| json!({"v": vector(&values.v[h]), "q": matrix(&values.q[h])})).collect::<Vec<_>>(),
                }));
            } else {
                say!("{}: horizon {steps}, gamma {}", mdp.name(), mdp.gamma());
                say!("J = ρᵀV_0 = {}", number(objective));
                print_values(&mdp, &values.v[0], &values.q[0], &values.policy[0], "V_0");
            }
        }
        Horizon::Discounted { .. } => {
            if tables.0.len() != 1 {
                return Err(crate::core::error::Error::invalid(
                    "policy",
                    format!("found {} per-step tables", tables.0.len()),
                    "a discounted world takes one stationary table",
                )
                .in_origin(&policy_origin));
            }
            let policy = tables.0[0].view();
            if let Some(world) = &robust {
                crate::exact::check_policy(&mdp, policy)
                    .map_err(|e| e.in_origin(&policy_origin))?;
                return super::robust::evaluate_policy(world, policy, args.json)
                    .map_err(|e| e.in_origin(&origin));
            }
            let values = evaluate(&mdp, policy).map_err(|e| e.in_origin(&policy_origin))?;
            let objective = values.objective(&mdp);
            let occupancy = occupancy(&mdp, policy).map_err(|e| e.in_origin(&origin))?;
            if args.json {
                print_json(&json!({
                    "world": mdp.name(), "gamma": mdp.gamma(), "objective": objective,
                    "v": vector(&values.v), "q": matrix(&values.q),
                    "advantage": matrix(&values.advantage()), "policy": matrix(&tables.0[0]),
                    "occupancy": vector(&occupancy),
                }));
            } else {
                say!("{}: gamma {}", mdp.name(), mdp.gamma());
                say!("J = ρᵀV^π = {}", number(objective));
                print_values(&mdp, &values.v, &values.q, &tables.0[0], "V^π");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
