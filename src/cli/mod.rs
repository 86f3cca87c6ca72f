//! The `policylab` command: `check`, `solve`, `evaluate` and `generate` on tabular worlds;
//! `algos` and `train` for policy optimization; `run`, `merge`, `plot` and `summarize` for experiment
//! files; `reproduce` for the catalogue of papers' claims.
//!
//! Every subcommand reports bad input as one line on stderr naming the file, the field and what is
//! allowed, and exits with status 2 (bad input) or 1 (a failure while computing); it never panics
//! on input.

mod algos;
mod check;
mod evaluate;
mod game;
mod generate;
mod merge;
mod output;
mod plot;
mod reproduce;
mod robust;
mod run;
mod solve;
mod summarize;
mod train;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::core::error::{Error, Result};
use crate::world::TabularMdp;
use crate::world::format::{self, FileUncertainty, SourceFormat, WorldFile};
use crate::world::generate::features as feature_maps;
use crate::world::{FeatureMap, MarkovGame, RobustMdp, UncertaintySet};

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
  policylab merge runs/x-1 runs/x-2 --out runs/x                join the shards of a job array
  policylab plot runs/mei2020-rates --metric gap --log-x --log-y  figures of your own results
  policylab summarize runs/mei2020-rates --metric gap          final values and AUC: IQM, 95% CIs";

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
    Plot(plot::PlotArgs),
    Summarize(summarize::SummarizeArgs),
    Reproduce(reproduce::ReproduceArgs),
}

/// A world file as read by [`WorldArgs::open`].
// One value per command, moved once: the size difference between the variants costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Opened {
    /// The nominal MDP, its robust version if the file or `--uncertainty` declares one, the
    /// format, and the feature map of `--features` or of the file's `features`, if any.
    Mdp(
        TabularMdp,
        Option<RobustMdp>,
        SourceFormat,
        Option<FeatureMap>,
    ),
    Game(MarkovGame, SourceFormat),
}

/// Options shared by the commands that read a world.
#[derive(Debug, clap::Args)]
pub struct WorldArgs {
    /// The world: a native .json/.toml file, a Gymnasium P-table .json, a CRAAM .csv, or a game
    /// (a Gambit .nfg, or a native game file with `players`).
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
    /// Give the world a feature map φ(s, a), read by the log-linear algorithms (`log-linear-pg`,
    /// `log-linear-npg`, `q-npg`, …) and reported by `check` (dimension, rank, and whether the
    /// world is linear in it): one-hot, random:D[:SEED] (standard normal, dimension D),
    /// aggregation:G (G blocks of consecutive states), or a .json/.toml file whose top-level
    /// `features[s][a] = [φ_1, …, φ_d]` is read (replaces the world file's own `features`).
    #[arg(long, value_name = "FEATURES")]
    pub features: Option<String>,
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

    /// Reads the file once: a game (with `--gamma` and `--start` applied; `--uncertainty` is an
    /// error) or an MDP with its robust version, as [`WorldArgs::load_robust`] gives them.
    pub fn open(&self) -> Result<Opened> {
        match format::load_file(&self.file)? {
            WorldFile::Mdp(mdp, source, declared, file_features) => {
                let (nominal, robust) = self.robust_from(mdp, declared)?;
                let features = match &self.features {
                    Some(flag) => Some(self.flag_features(flag, &nominal)?),
                    None => file_features,
                };
                Ok(Opened::Mdp(nominal, robust, source, features))
            }
            WorldFile::Game(game, source) => Ok(Opened::Game(self.game_overridden(game)?, source)),
        }
    }

    /// The feature map `--features` names, for `mdp`.
    fn flag_features(&self, flag: &str, mdp: &TabularMdp) -> Result<FeatureMap> {
        let (states, actions) = (mdp.n_states(), mdp.n_actions());
        let mut parts = flag.split(':');
        let name = parts.next().unwrap_or_default();
        let numbers = parts
            .map(|p| p.trim().parse::<usize>())
            .collect::<std::result::Result<Vec<_>, _>>();
        let usage = || {
            Error::Usage(format!(
                "--features {flag}: expected one-hot, random:D[:SEED], aggregation:G (whole \
                 numbers), or a .json/.toml file with a `features` table"
            ))
        };
        let from_generator = |dimension: usize, groups: usize, seed: u64| {
            feature_maps::named(name, states, actions, dimension, groups, seed)
                .map_err(|e| Error::Usage(format!("--features {flag}: {e}")))
        };
        match (name, numbers.as_deref()) {
            ("one-hot", Ok([])) => from_generator(1, 1, 0),
            ("random", Ok([d])) => from_generator(*d, 1, 0),
            ("random", Ok([d, seed])) => from_generator(*d, 1, *seed as u64),
            ("aggregation", Ok([groups])) => from_generator(1, *groups, 0),
            _ if feature_maps::NAMES.contains(&name) => Err(usage()),
            _ => {
                let path = std::path::Path::new(flag);
                if !path.exists() {
                    return Err(usage());
                }
                format::load_features(path, states, actions)
            }
        }
    }

    fn game_overridden(&self, mut game: MarkovGame) -> Result<MarkovGame> {
        let origin = self.file.display().to_string();
        if let Some(flag) = &self.features {
            return Err(Error::Usage(format!(
                "--features {flag}: {origin} is a game; feature maps apply to MDPs"
            )));
        }
        if let Some(flag) = &self.uncertainty {
            return Err(Error::Usage(format!(
                "--uncertainty {flag}: {origin} is a game; uncertainty sets apply to MDPs"
            )));
        }
        if let Some(gamma) = self.gamma {
            game = game.with_gamma(gamma).map_err(|e| gamma_error(gamma, e))?;
        }
        if let Some(rho) = self.start_distribution(game.n_states())? {
            game = game.with_initial(rho).map_err(|e| e.in_origin(&origin))?;
        }
        Ok(game)
    }

    /// ρ as a point mass on `--start`, checked against the number of states.
    fn start_distribution(&self, n_states: usize) -> Result<Option<Vec<f64>>> {
        let Some(start) = self.start else {
            return Ok(None);
        };
        if start >= n_states {
            return Err(Error::Usage(format!(
                "--start {start}: {} has {n_states} states; expected a state index from 0 to {}",
                self.file.display(),
                n_states - 1
            )));
        }
        let mut rho = vec![0.0; n_states];
        rho[start] = 1.0;
        Ok(Some(rho))
    }

    /// Loads the world with the uncertainty set of `--uncertainty` or of the file, if any:
    /// the nominal world and the robust one.
    pub fn load_robust(&self) -> Result<(TabularMdp, Option<RobustMdp>)> {
        let (mdp, _, declared) = format::load_robust(&self.file)?;
        self.robust_from(mdp, declared)
    }

    fn robust_from(
        &self,
        mdp: TabularMdp,
        declared: FileUncertainty,
    ) -> Result<(TabularMdp, Option<RobustMdp>)> {
        let origin = self.file.display().to_string();
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
            mdp = mdp.with_gamma(gamma).map_err(|e| gamma_error(gamma, e))?;
        }
        if let Some(rho) = self.start_distribution(mdp.n_states())? {
            mdp = mdp.with_initial(rho).map_err(|e| e.in_origin(&origin))?;
        }
        Ok(mdp)
    }
}

/// A rejected `--gamma` as a usage error naming the flag.
fn gamma_error(gamma: f64, error: Error) -> Error {
    match error {
        Error::Invalid {
            found, expected, ..
        } => Error::Usage(format!("--gamma {gamma}: {found}; {expected}")),
        other => other,
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
        Command::Plot(args) => plot::run(&args),
        Command::Summarize(args) => summarize::run(&args),
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
