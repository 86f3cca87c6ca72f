//! `policylab solve FILE`: optimal values and an optimal policy.

use super::output::say;
use std::process::ExitCode;

use serde_json::json;

use super::output::{
    MAX_Q_COLUMNS, describe_action_distribution, matrix, number, print_json, print_table,
    state_header, vector,
};
use super::{Opened, WorldArgs};
use crate::core::error::Result;
use crate::exact::{backward_induction, policy_iteration, value_iteration};
use crate::world::{Horizon, TabularMdp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    /// Value iteration, stopped when ‖V − V*‖∞ ≤ tolerance is guaranteed.
    Vi,
    /// Policy iteration with exact evaluation: optimal to rounding.
    Pi,
    /// Partial policy iteration (robust worlds only): robust policy iteration whose evaluations
    /// stop at a target that tightens each step, until ‖V − V*‖∞ ≤ tolerance is guaranteed
    /// (Ho, Petrik & Wiesemann 2021).
    Ppi,
    /// IWOCS (robust worlds only): incremental worst-case search through static models, with
    /// lower and upper bounds on the robust value (Zouitine, Geist & Rachelson 2024).
    Iwocs,
}

/// Optimal values V*, Q* and a deterministic optimal policy.
///
/// Discounted worlds are solved by policy iteration (default) or value iteration; finite-horizon
/// worlds by backward induction (one policy per step). Ties between actions are broken towards
/// the lowest action index.
///
/// A game (Gambit .nfg or a native game file) is solved for its equilibrium: a two-player
/// zero-sum game by Shapley value iteration with a certified LP per state (the duality gap and
/// the exact exploitability of the policies are printed), with --temperature for the QRE of
/// the entropy-regularized game; a cooperative game for its team optimum.
///
/// A robust world (`--uncertainty sa-l1:0.5`, a file's `[uncertainty]` table, or a CRAAM .csv
/// with outcomes) is solved by robust policy iteration, value iteration or partial policy
/// iteration (`--method ppi`): V*_P = max_π min_{P in the set}
/// V^π_P, the robust-optimal policy (randomized where an s-rectangular set needs it), and with
/// --json nature's worst-case kernel against it and the nominal numbers beside.
#[derive(Debug, clap::Args)]
pub struct SolveArgs {
    #[command(flatten)]
    world: WorldArgs,
    /// Solver for discounted worlds.
    #[arg(long, value_enum, default_value = "pi")]
    method: Method,
    /// Value iteration stops once ‖V − V*‖∞ ≤ this is guaranteed (γ/(1−γ)·‖V_{k+1} − V_k‖∞).
    #[arg(long, default_value_t = 1e-10, value_name = "EPS")]
    tolerance: f64,
    /// Give up after this many sweeps (value iteration) or improvements (policy iteration).
    #[arg(long, default_value_t = 1_000_000, value_name = "N")]
    max_iterations: usize,
    /// Print one JSON object with "v", "q", "policy" (S lists of A probabilities) and more.
    #[arg(long)]
    json: bool,
    /// Games only: the quantal response equilibrium of the entropy-regularized zero-sum game at
    /// this temperature τ > 0 (x ∝ exp(Q y/τ), y ∝ exp(−Qᵀx/τ) in every state) instead of the
    /// Nash equilibrium.
    #[arg(long, value_name = "TAU")]
    temperature: Option<f64>,
}

pub fn run(args: &SolveArgs) -> Result<ExitCode> {
    let origin = args.world.file.display().to_string();
    let (mdp, robust) = match args.world.open()? {
        Opened::Game(game, _) => {
            return super::game::solve(
                &game,
                args.temperature,
                args.tolerance,
                args.max_iterations,
                args.json,
            )
            .map_err(|e| e.in_origin(&origin));
        }
        Opened::Mdp(mdp, robust, _, _) => (mdp, robust),
    };
    if args.temperature.is_some() {
        return Err(crate::core::error::Error::Usage(
            "--temperature is for games (the QRE); soft-optimal MDP policies come from \
             `train --algo entropy-npg`"
                .into(),
        ));
    }
    if let Some(world) = robust {
        return super::robust::solve(
            &world,
            args.method,
            args.tolerance,
            args.max_iterations,
            args.json,
        )
        .map_err(|e| e.in_origin(&origin));
    }
    if let Horizon::Finite { steps, .. } = mdp.horizon() {
        let solution = backward_induction(&mdp).map_err(|e| e.in_origin(&origin))?;
        let objective = solution.objective(&mdp);
        if args.json {
            let per_step: Vec<_> = (0..steps)
                .map(|h| {
                    json!({"v": vector(&solution.v[h]), "q": matrix(&solution.q[h]), "policy": matrix(&solution.policy[h])})
                })
                .collect();
            print_json(&json!({
                "world": mdp.name(), "states": mdp.n_states(), "actions": mdp.n_actions(),
                "gamma": mdp.gamma(), "horizon": steps, "method": "backward-induction",
                "objective": objective, "v": vector(&solution.v[0]), "q": matrix(&solution.q[0]),
                "policy": matrix(&solution.policy[0]), "steps": per_step,
            }));
        } else {
            say!(
                "{}: {} states, {} actions, horizon {steps}, gamma {}",
                mdp.name(),
                mdp.n_states(),
                mdp.n_actions(),
                mdp.gamma()
            );
            say!(
                "method: backward induction (exact); J = ρᵀV*_0 = {}",
                number(objective)
            );
            say!("step-0 values and actions (use --json for every step):");
            print_values(
                &mdp,
                &solution.v[0],
                &solution.q[0],
                &solution.policy[0],
                "V*_0",
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let solution = match args.method {
        Method::Pi => policy_iteration(&mdp, args.max_iterations),
        Method::Vi => value_iteration(&mdp, args.tolerance, args.max_iterations),
        Method::Iwocs | Method::Ppi => Err(crate::core::error::Error::Usage(format!(
            "--method {} solves robust worlds: add --uncertainty SET, or give a file with an \
             [uncertainty] table or CRAAM outcomes",
            if args.method == Method::Ppi {
                "ppi"
            } else {
                "iwocs"
            }
        ))),
    }
    .map_err(|e| e.in_origin(&origin))?;
    let objective = mdp.initial().dot(&solution.v);
    let method = match args.method {
        Method::Pi => "policy-iteration",
        Method::Vi | Method::Iwocs | Method::Ppi => "value-iteration",
    };
    if args.json {
        print_json(&json!({
            "world": mdp.name(), "states": mdp.n_states(), "actions": mdp.n_actions(),
            "gamma": mdp.gamma(), "method": method, "iterations": solution.iterations,
            "value_error_bound": solution.value_error_bound,
            "policy_error_bound": solution.policy_error_bound,
            "objective": objective, "v": vector(&solution.v), "q": matrix(&solution.q),
            "policy": matrix(&solution.policy), "greedy_actions": solution.actions,
        }));
        return Ok(ExitCode::SUCCESS);
    }
    say!(
        "{}: {} states, {} actions, gamma {}",
        mdp.name(),
        mdp.n_states(),
        mdp.n_actions(),
        mdp.gamma()
    );
    match args.method {
        Method::Pi => say!(
            "method: policy iteration, {} improvement steps (exact up to rounding)",
            solution.iterations
        ),
        Method::Vi | Method::Iwocs | Method::Ppi => say!(
            "method: value iteration, {} sweeps; ‖V − V*‖∞ ≤ {:.2e}, greedy policy within {:.2e} of optimal",
            solution.iterations,
            solution.value_error_bound,
            solution.policy_error_bound
        ),
    }
    say!("J = ρᵀV* = {}", number(objective));
    print_values(&mdp, &solution.v, &solution.q, &solution.policy, "V*");
    Ok(ExitCode::SUCCESS)
}

/// Prints one row per state: value, action distribution and (for few actions) Q per action.
pub fn print_values(
    mdp: &TabularMdp,
    v: &ndarray::Array1<f64>,
    q: &ndarray::Array2<f64>,
    policy: &ndarray::Array2<f64>,
    value_label: &str,
) {
    let header = state_header(mdp, &[value_label, "policy"], true);
    let rows: Vec<Vec<String>> = (0..mdp.n_states())
        .map(|s| {
            let mut row = vec![
                mdp.state_label(s),
                number(v[s]),
                describe_action_distribution(mdp, s, &policy.row(s).to_vec()),
            ];
            if mdp.n_actions() <= MAX_Q_COLUMNS {
                row.extend((0..mdp.n_actions()).map(|a| {
                    if mdp.is_allowed(s, a) {
                        number(q[[s, a]])
                    } else {
                        "-".to_string()
                    }
                }));
            }
            row
        })
        .collect();
    print_table(&header, &rows);
}
