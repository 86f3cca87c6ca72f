//! `policylab algos`: every algorithm with its parameters, defaults and paper.

use super::output::say;
use std::process::ExitCode;

use crate::algo::catalogue::{Entry, catalogue};
use crate::bandit::catalogue::learners;
use crate::error::Result;
use crate::objective::{objective_names, objective_parameters};

/// List every algorithm `train` accepts and every surrogate objective, with their parameters and
/// defaults.
#[derive(Debug, clap::Args)]
pub struct AlgosArgs {}

fn list(entries: &[Entry]) {
    for entry in entries {
        say!("{}  {}", entry.name, entry.summary);
        for parameter in &entry.parameters {
            let default = parameter
                .default
                .map_or_else(|| "derived".to_string(), super::output::number);
            say!(
                "    {:<14} {:>8}  {}",
                parameter.name,
                default,
                parameter.doc
            );
        }
    }
}

pub fn run(_args: &AlgosArgs) -> Result<ExitCode> {
    say!("Policy optimization on MDPs (train, and [[runs]] on MDP worlds in experiment files):");
    list(&catalogue());
    say!("\nSet a parameter with `policylab train ... --param name=value` (repeatable).");
    say!(
        "\nBandit algorithms ([[runs]] on bandit worlds in experiment files; see src/bandit/catalogue.rs):"
    );
    list(&learners());
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
