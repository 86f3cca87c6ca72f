//! `policylab algos`: every algorithm with its parameters, defaults and paper.

use super::output::say;
use std::process::ExitCode;

use crate::algo::catalogue::{Entry, Parameter, algorithms};
use crate::bandit::catalogue::learners;
use crate::core::error::Result;
use crate::objective::{objective_names, objective_parameters};

/// List every algorithm `train` accepts and every surrogate objective, with their parameters and
/// defaults.
#[derive(Debug, clap::Args)]
pub struct AlgosArgs {}

fn list_one(name: &str, summary: &str, parameters: &[Parameter]) {
    say!("{name}  {summary}");
    for parameter in parameters {
        let default = parameter
            .default
            .map_or_else(|| "derived".to_string(), super::output::number);
        say!(
            "    {:<17} {:>8}  {}",
            parameter.name,
            default,
            parameter.doc
        );
    }
}

fn list(entries: &[Entry]) {
    for entry in entries {
        list_one(entry.name, entry.summary, &entry.parameters);
    }
}

pub fn run(_args: &AlgosArgs) -> Result<ExitCode> {
    say!("Policy optimization on MDPs (train, and [[runs]] on MDP worlds in experiment files):");
    for algorithm in algorithms() {
        let kinds: Vec<&str> = algorithm.worlds.iter().map(|k| k.name()).collect();
        list_one(
            algorithm.name,
            &format!("{}  [worlds: {}]", algorithm.summary, kinds.join(", ")),
            &algorithm.parameters,
        );
    }
    say!("\nSet a parameter with `policylab train ... --param name=value` (repeatable).");
    say!(
        "\nOn robust worlds (--uncertainty, a file's [uncertainty], CRAAM outcomes) the algorithms \
         marked `robust` optimize the worst-case return: softmax-pg is robust PG (Danskin's \
         gradient on nature's worst case; Wang & Zou 2022, Kumar et al. 2023), npg with \
         step_growth = 1/γ is robust policy mirror descent (Li, Lan & Zhao 2022), entropy-npg \
         its entropy-regularized form on nature's worst case for r − τ·log π, drpg is \
         double-loop robust PG. Planners: `policylab solve --method pi|vi|ppi|iwocs` (robust policy \
         and value iteration; IWOCS, Zouitine, Geist & Rachelson 2024)."
    );
    say!(
        "\nBandit algorithms ([[runs]] on bandit worlds in experiment files; see src/bandit/catalogue.rs):"
    );
    list(&learners());
    say!(
        "\nLLM policies ([[runs]] on `llm = \"…\"` worlds in experiment files; see src/llm/catalogue.rs):"
    );
    let shared = crate::llm::catalogue::LOOP_PARAMETERS;
    for algorithm in crate::llm::catalogue::algorithms() {
        let own: Vec<Parameter> = algorithm
            .parameters
            .into_iter()
            .filter(|p| !shared.iter().any(|q| q.name == p.name))
            .collect();
        list_one(algorithm.name, algorithm.summary, &own);
    }
    list_one(
        "(every LLM algorithm)",
        "the RL loop's parameters:",
        &shared,
    );
    say!("\nPer-sample surrogate objectives f(r, A) (src/objective/; formulas in each file):");
    for name in objective_names() {
        say!("{name}");
        for (parameter, default, doc) in objective_parameters(name) {
            say!(
                "    {:<14} {:>8}  {}",
                parameter,
                super::output::number(default),
                doc
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
