//! The `policylab` command: `check`, `solve`, `evaluate` and `generate` on tabular worlds;
//! `algos` and `train` for policy optimization; `run` and `merge` for experiment files.
//!
//! Every subcommand reports bad input as one line on stderr naming the file, the field and what is
//! allowed, and exits with status 2 (bad input) or 1 (a failure while computing); it never panics
//! on input.

mod algos;
mod check;
mod evaluate;
mod generate;
mod merge;
mod output;
mod reproduce;
mod robust;
mod run;
mod solve;
mod train;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::core::error::{Error, Result};
use crate::world::TabularMdp;
use crate::world::format::{self, FileUncertainty, SourceFormat};
use crate::world::{RobustMdp, UncertaintySet};

const LONG_ABOUT: &str = "\
policylab: a research testbed for policy optimization, checked against exact answers.

Worlds are tabular MDPs in files: policylab's native JSON/TOML format (see mdps/README.md) or a
Gymnasium toy-text transition table dumped with `json.dump(env.unwrapped.P, f)`. Shipped worlds
live in mdps/.

Start here:
  policylab check mdps/frozenlake4x4.json           what is in a world (or what is wrong with it)
  policylab solve mdps/forest.toml                  optimal values and policy
  policylab evaluate mdps/sutton-barto-3.5.toml --policy uniform
  policylab generate garnet --states 50 --actions 5 --branching 3 --seed 7 --out garnet.toml
  policylab algos                                   every algorithm, its parameters and paper
  policylab train mdps/bandit3.toml --algo softmax-pg --param step_size=0.4 --steps 10000 --out runs/mei
  policylab reproduce --list                        the papers' claims policylab reproduces
  policylab reproduce mei2020-rates --quick         run one, write figures/, compare with the paper
  policylab run experiments/mei2020-rates.toml --threads 2     an experiment file: grids, seeds, resume
  policylab merge runs/x-1 runs/x-2 --out runs/x                join the shards of a job array";

#[derive(Debug, Parser)]
#[command(name = "policylab", version, about = "A research testbed for policy optimization", long_about = LONG_ABOUT)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Check(check::CheckArgs),
    Solve(solve::SolveArgs),
    Evaluate(evaluate::EvaluateArgs),
    Generate(generate::GenerateArgs),
    Algos(algos::AlgosArgs),
    Train(train::TrainArgs),
    Run(run::RunArgs),
    Merge(merge::MergeArgs),
    Reproduce(reproduce::ReproduceArgs),
}

/// Options shared by the commands that read a world.
#[derive(Debug, clap::Args)]
pub struct WorldArgs {
    /// The world: a native .json/.toml file or a Gymnasium P-table .json.
    pub file: PathBuf,
    /// Override the discount γ (discounted worlds need 0 <= γ < 1; finite horizons allow 1).
    #[arg(long, value_name = "G")]
    pub gamma: Option<f64>,
    /// Start every episode in this state (sets ρ to a point mass; index from 0).
    #[arg(long, value_name = "STATE")]
    pub start: Option<usize>,
    /// Make the world robust: nature picks the worst kernel of this set (replaces the file's
    /// `[uncertainty]`). NAME:RADIUS[:SUPPORT] with NAME sa-l1 (‖p − q‖₁ ≤ RADIUS per state and
    /// action), s-l1 (one L1 budget per state, shared by its actions), sa-linf, sa-kl, or
    /// contamination (level 0..1); SUPPORT nominal (default: only the nominal next states) or all.
    /// Read by `solve`, `evaluate` and `train`.
    #[arg(long, value_name = "SET")]
    pub uncertainty: Option<String>,
}

impl WorldArgs {
    /// Loads the world and applies the overrides.
    pub fn load(&self) -> Result<(TabularMdp, SourceFormat)> {
        if self.uncertainty.is_some() {
            return Err(Error::Usage(
                "--uncertainty is read by `solve`, `evaluate` and `train`; this command works \
                 on the nominal world"
                    .into(),
            ));
        }
        let (mdp, source) = format::load_with_format(&self.file)?;
        Ok((self.overridden(mdp)?, source))
    }

    /// Loads the world with the uncertainty set of `--uncertainty` or of the file, if any:
    /// the nominal world and the robust one.
    pub fn load_robust(&self) -> Result<(TabularMdp, Option<RobustMdp>)> {
        let origin = self.file.display().to_string();
        let (mdp, _, declared) = format::load_robust(&self.file)?;
        let nominal = self.overridden(mdp)?;
        let robust = match (&self.uncertainty, declared) {
            (Some(flag), FileUncertainty::Kernels(_)) => {
                return Err(Error::Usage(format!(
                    "--uncertainty {flag}: {origin} already defines a finite set of kernels \
                     (its outcomes); drop the flag, or give a file without idoutcome"
                )));
            }
            (Some(flag), _) => Some(RobustMdp::new(
                nominal.clone(),
                UncertaintySet::parse_flag(flag)?,
            )?),
            (None, FileUncertainty::Set(set)) => {
                Some(RobustMdp::new(nominal.clone(), set).map_err(|e| e.in_origin(&origin))?)
            }
            (None, FileUncertainty::Kernels(kernels)) => {
                let kernels = kernels
                    .into_iter()
                    .map(|k| self.overridden(k))
                    .collect::<Result<Vec<_>>>()?;
                let robust = RobustMdp::finite(kernels).map_err(|e| e.in_origin(&origin))?;
                return Ok((robust.nominal().clone(), Some(robust)));
            }
            (None, FileUncertainty::None) => None,
        };
        Ok((nominal, robust))
    }

    /// Applies `--gamma` and `--start`.
    fn overridden(&self, mut mdp: TabularMdp) -> Result<TabularMdp> {
        let origin = self.file.display().to_string();
        if let Some(gamma) = self.gamma {
            mdp = mdp.with_gamma(gamma).map_err(|e| match e {
                Error::Invalid {
                    found, expected, ..
                } => Error::Usage(format!("--gamma {gamma}: {found}; {expected}")),
                other => other,
            })?;
        }
        if let Some(start) = self.start {
            if start >= mdp.n_states() {
                return Err(Error::Usage(format!(
                    "--start {start}: {origin} has {} states; expected a state index from 0 to {}",
                    mdp.n_states(),
                    mdp.n_states() - 1
                )));
            }
            let mut rho = vec![0.0; mdp.n_states()];
            rho[start] = 1.0;
            mdp = mdp.with_initial(rho).map_err(|e| e.in_origin(&origin))?;
        }
        Ok(mdp)
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    crate::llm::heap::keep_freed_memory();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Solve(args) => solve::run(&args),
        Command::Evaluate(args) => evaluate::run(&args),
        Command::Generate(args) => generate::run(&args),
        Command::Algos(args) => algos::run(&args),
        Command::Train(args) => train::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::Reproduce(args) => reproduce::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            match error {
                Error::Numerical { .. } => ExitCode::from(1),
                _ => ExitCode::from(2),
            }
        }
    }
}
