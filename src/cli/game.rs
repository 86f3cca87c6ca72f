//! `check`, `solve` and `evaluate` on games (Gambit `.nfg` files and native game files).

use std::path::PathBuf;
use std::process::ExitCode;

use ndarray::{Array1, Array2, ArrayView2};
use serde_json::{Value, json};

use super::output::{matrix, number, print_json, print_table, say, vector};
use crate::core::error::{Error, Result};
use crate::exact::game::{
    Exploitability, exploitability, markov_qre, qre_gains, shapley_value_iteration,
};
use crate::exact::policy_iteration;
use crate::policy::game_file::load_game_policies;
use crate::world::format::SourceFormat;
use crate::world::{GameClass, MarkovGame};

fn describe(game: &MarkovGame) -> String {
    let actions: Vec<String> = game.action_counts().iter().map(|a| a.to_string()).collect();
    format!(
        "{}: {}-player {} {}, {} state{}, actions {}, gamma {}",
        game.name(),
        game.n_players(),
        game.class().name(),
        if game.is_normal_form() {
            "normal-form game"
        } else {
            "Markov game"
        },
        game.n_states(),
        if game.n_states() == 1 { "" } else { "s" },
        actions.join("×"),
        game.gamma()
    )
}

/// `policylab check GAME`.
pub fn check(game: &MarkovGame, source: SourceFormat, json: bool) -> Result<ExitCode> {
    let low = (0..game.n_players())
        .map(|i| game.reward(i).iter().copied().fold(f64::INFINITY, f64::min))
        .fold(f64::INFINITY, f64::min);
    let high = (0..game.n_players())
        .map(|i| {
            game.reward(i)
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .fold(f64::NEG_INFINITY, f64::max);
    if json {
        print_json(&json!({
            "game": game.name(), "format": source.to_string(), "players": game.n_players(),
            "class": game.class().name(), "states": game.n_states(),
            "actions": game.action_counts(), "joint_actions": game.n_joint(),
            "gamma": game.gamma(), "normal_form": game.is_normal_form(),
            "reward_range": [low, high],
        }));
    } else {
        say!("{} ({source})", describe(game));
        say!(
            "{} joint actions; rewards in [{}, {}]",
            game.n_joint(),
            number(low),
            number(high)
        );
        match game.class() {
            GameClass::ZeroSum => {
                say!("solve: Shapley value iteration (LP per state); --temperature T gives the QRE")
            }
            GameClass::Cooperative => {
                say!("solve: the team optimum (policy iteration on joint actions)")
            }
            GameClass::GeneralSum => say!(
                "solve: not available for general-sum games; `evaluate --policy` gives NashConv"
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What `solve` found: values for player 1 (or the team), one policy per player, and how.
struct Solved {
    method: &'static str,
    v: Array1<f64>,
    policies: Vec<Array2<f64>>,
    iterations: usize,
    certificate: Value,
}

/// `policylab solve GAME`.
pub fn solve(
    game: &MarkovGame,
    temperature: Option<f64>,
    tolerance: f64,
    max_iterations: usize,
    json: bool,
) -> Result<ExitCode> {
    let solved = match (game.class(), temperature) {
        (GameClass::ZeroSum, None) => {
            let s = shapley_value_iteration(game, tolerance, max_iterations)?;
            Solved {
                method: "shapley-value-iteration",
                certificate: certificate_json(
                    &s.certificate,
                    Some(s.value_error_bound),
                    Some(s.stage_gap),
                ),
                v: s.v,
                policies: s.policies,
                iterations: s.iterations,
            }
        }
        (GameClass::ZeroSum, Some(tau)) => {
            let s = markov_qre(game, tau, tolerance, max_iterations)?;
            Solved {
                method: "regularized-shapley-iteration",
                certificate: json!({
                    "qre_gap": s.qre_gap(), "qre_gains": s.gains,
                    "fixed_point_residual": s.residual, "value_error_bound": s.value_error_bound,
                }),
                v: s.v,
                policies: s.policies,
                iterations: s.iterations,
            }
        }
        (GameClass::Cooperative, None) => {
            let team = game.team_mdp()?;
            let best = policy_iteration(&team, max_iterations)?;
            let mut policies: Vec<Array2<f64>> = game
                .action_counts()
                .iter()
                .map(|&a| Array2::zeros((game.n_states(), a)))
                .collect();
            for (s, &j) in best.actions.iter().enumerate() {
                for (i, a) in game.joint_actions(j).into_iter().enumerate() {
                    policies[i][[s, a]] = 1.0;
                }
            }
            let views: Vec<ArrayView2<'_, f64>> = policies.iter().map(|p| p.view()).collect();
            let report = exploitability(game, &views)?;
            Solved {
                method: "team-policy-iteration",
                certificate: certificate_json(&report, None, None),
                v: best.v,
                policies,
                iterations: best.iterations,
            }
        }
        (GameClass::Cooperative, Some(_)) => {
            return Err(Error::Usage(
                "--temperature computes the QRE of a two-player zero-sum game; this game is \
                 cooperative"
                    .into(),
            ));
        }
        (GameClass::GeneralSum, _) => {
            return Err(Error::Usage(format!(
                "{}: a general-sum game; `solve` computes equilibria of two-player zero-sum \
                 games (LP / Shapley iteration) and team optima of cooperative games. Use \
                 `evaluate --policy FILE` for NashConv, or `train` for learning dynamics",
                game.name()
            )));
        }
    };
    let objective = game.initial().dot(&solved.v);
    if json {
        print_json(&json!({
            "game": game.name(), "players": game.n_players(), "class": game.class().name(),
            "states": game.n_states(), "actions": game.action_counts(), "gamma": game.gamma(),
            "method": solved.method, "temperature": temperature, "iterations": solved.iterations,
            "objective": objective, "v": vector(&solved.v),
            "policies": solved.policies.iter().map(matrix).collect::<Vec<_>>(),
            "certificate": solved.certificate,
        }));
        return Ok(ExitCode::SUCCESS);
    }
    say!("{}", describe(game));
    say!(
        "method: {} ({} iterations){}",
        solved.method,
        solved.iterations,
        temperature.map_or(String::new(), |t| format!(", temperature {t}"))
    );
    say!(
        "value for {}: ρᵀV = {}",
        game.player_label(0),
        number(objective)
    );
    print_policies(game, &solved.v, &solved.policies, "V");
    say!("certificate: {}", solved.certificate);
    Ok(ExitCode::SUCCESS)
}

fn certificate_json(report: &Exploitability, bound: Option<f64>, stage_gap: Option<f64>) -> Value {
    json!({
        "nash_conv": report.nash_conv(), "exploitability": report.exploitability(),
        "gains": report.gains, "values": report.values,
        "best_response_values": report.best_response_values,
        "value_error_bound": bound, "stage_gap": stage_gap,
        "convention": "NashConv = sum of best-response gains; exploitability = NashConv / players",
    })
}

fn print_policies(game: &MarkovGame, v: &Array1<f64>, policies: &[Array2<f64>], label: &str) {
    let mut header = vec!["state".to_string(), label.to_string()];
    header.extend((0..game.n_players()).map(|i| game.player_label(i)));
    let rows: Vec<Vec<String>> = (0..game.n_states())
        .map(|s| {
            let mut row = vec![game.state_label(s), number(v[s])];
            for (i, policy) in policies.iter().enumerate() {
                let parts: Vec<String> = (0..game.n_actions(i))
                    .filter(|&a| policy[[s, a]] > 0.0)
                    .map(|a| format!("{} {}", game.action_label(i, a), number(policy[[s, a]])))
                    .collect();
                row.push(parts.join(", "));
            }
            row
        })
        .collect();
    print_table(&header, &rows);
}

/// `policylab evaluate GAME --policy uniform|FILE`.
pub fn evaluate(
    game: &MarkovGame,
    policy: &str,
    temperature: Option<f64>,
    json: bool,
) -> Result<ExitCode> {
    let policies: Vec<Array2<f64>> = if policy == "uniform" {
        game.uniform_policies()
    } else {
        load_game_policies(&PathBuf::from(policy), game)?
    };
    let views: Vec<ArrayView2<'_, f64>> = policies.iter().map(|p| p.view()).collect();
    let report = exploitability(game, &views).map_err(|e| e.in_origin(policy))?;
    let qre = temperature
        .map(|t| qre_gains(game, &views, t))
        .transpose()?;
    if json {
        print_json(&json!({
            "game": game.name(), "players": game.n_players(), "class": game.class().name(),
            "values": report.values, "best_response_values": report.best_response_values,
            "gains": report.gains, "nash_conv": report.nash_conv(),
            "exploitability": report.exploitability(),
            "state_values": report.state_values.iter().map(vector).collect::<Vec<_>>(),
            "policies": policies.iter().map(matrix).collect::<Vec<_>>(),
            "temperature": temperature,
            "qre_gains": qre, "qre_gap": qre.as_ref().map(|g| g.iter().sum::<f64>()),
        }));
        return Ok(ExitCode::SUCCESS);
    }
    say!("{}", describe(game));
    let header: Vec<String> = ["player", "J_i(π)", "best response", "gain"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let rows: Vec<Vec<String>> = (0..game.n_players())
        .map(|i| {
            vec![
                game.player_label(i),
                number(report.values[i]),
                number(report.best_response_values[i]),
                number(report.gains[i]),
            ]
        })
        .collect();
    print_table(&header, &rows);
    say!(
        "NashConv = {} (sum of gains); exploitability = NashConv/{} = {}",
        number(report.nash_conv()),
        game.n_players(),
        number(report.exploitability())
    );
    if let (Some(t), Some(gains)) = (temperature, &qre) {
        say!(
            "QRE gap at temperature {t} = {} (soft best-response gains {:?})",
            number(gains.iter().sum()),
            gains
        );
    }
    Ok(ExitCode::SUCCESS)
}
