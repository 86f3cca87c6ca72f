//! `policylab algos`: every algorithm with its parameters, defaults and paper.

use super::output::say;
use std::process::ExitCode;

use crate::algo::catalogue::catalogue;
use crate::error::Result;

/// List every algorithm `train` accepts, with its parameters and their defaults.
#[derive(Debug, clap::Args)]
pub struct AlgosArgs {}

pub fn run(_args: &AlgosArgs) -> Result<ExitCode> {
    for entry in catalogue() {
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
    say!("\nSet a parameter with `policylab train ... --param name=value` (repeatable).");
    Ok(ExitCode::SUCCESS)
}
