//! `policylab generate KIND [params] --out FILE`: write a generated world (or game) in the native
//! format.

use super::output::say;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use crate::core::error::{Error, Result};
use crate::world::MarkovGame;
use crate::world::format;
use crate::world::generate::classic_games;
use crate::world::generate::gridworld::{Cell, Exit, Jump};
use crate::world::generate::{
    BanditParams, ChainParams, ForestParams, GarnetParams, GridworldParams, HardChainParams,
    LinearMdpParams, PaperChainParams, RandomGameParams, RewardSharing, RiverSwimParams,
    SoccerParams,
};

/// Generate a world and write it as native JSON or TOML (chosen by the extension of --out).
///
/// Every generator is deterministic: the same parameters (and --seed) give the same file.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    #[command(subcommand)]
    kind: Kind,
}

#[derive(Debug, Subcommand)]
enum Kind {
    /// Strens (2000) chain: walk forward for a big reward at the end, or go back for a small one.
    Chain {
        /// Number of states.
        #[arg(long, default_value_t = 5)]
        states: usize,
        /// Probability that the other action happens.
        #[arg(long, default_value_t = 0.2)]
        slip: f64,
        /// Reward of `back`.
        #[arg(long, default_value_t = 2.0, allow_negative_numbers = true)]
        back_reward: f64,
        /// Reward of `forward` in the last state.
        #[arg(long, default_value_t = 10.0, allow_negative_numbers = true)]
        end_reward: f64,
        #[arg(long, default_value_t = 0.99)]
        gamma: f64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Gridworld with slip, walls, exits and jumps (Sutton & Barto's Example 3.5 is one).
    Gridworld {
        #[arg(long, default_value_t = 4)]
        rows: usize,
        #[arg(long, default_value_t = 4)]
        columns: usize,
        /// Probability that a move goes in a uniformly random direction instead.
        #[arg(long, default_value_t = 0.0)]
        slip: f64,
        /// Reward of every move that stays on the grid.
        #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
        step_reward: f64,
        /// Reward of a move off the grid (the agent stays in place).
        #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
        wall_reward: f64,
        /// Exit cell ROW,COLUMN:REWARD (repeatable); entering it pays REWARD and ends the
        /// episode. Default: the bottom-right corner paying 1. Use --no-exit for none.
        #[arg(
            long = "exit",
            value_name = "ROW,COLUMN:REWARD",
            allow_negative_numbers = true
        )]
        exits: Vec<String>,
        /// No exit cells at all (a continuing task).
        #[arg(long, conflicts_with = "exits")]
        no_exit: bool,
        /// Jump ROW,COLUMN:ROW,COLUMN:REWARD (repeatable): every action in the first cell moves to
        /// the second and pays REWARD.
        #[arg(long = "jump", value_name = "FROM:TO:REWARD")]
        jumps: Vec<String>,
        /// Start cell ROW,COLUMN; default uniform over the non-exit cells.
        #[arg(long, value_name = "ROW,COLUMN")]
        start: Option<String>,
        #[arg(long, default_value_t = 0.9)]
        gamma: f64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Garnet(S, A, b) random MDP: b random next states per (s, a), Uniform(0,1) rewards.
    Garnet {
        #[arg(long, default_value_t = 10)]
        states: usize,
        #[arg(long, default_value_t = 3)]
        actions: usize,
        /// Next states per (state, action).
        #[arg(long, default_value_t = 3)]
        branching: usize,
        #[arg(long, default_value_t = 0.9)]
        gamma: f64,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// A linear MDP (Jin et al. 2020) with its features: φ(s, a) ~ Dirichlet(1) in R^d,
    /// P(s'|s, a) = φ(s, a)ᵀμ(s'), r(s, a) = φ(s, a)ᵀθ; the file carries `features`, so
    /// `train --algo log-linear-npg` and `check` use them.
    LinearMdp {
        #[arg(long, default_value_t = 20)]
        states: usize,
        #[arg(long, default_value_t = 4)]
        actions: usize,
        /// The feature dimension d.
        #[arg(long, default_value_t = 5)]
        dimension: usize,
        /// σ: the file's features are φ + σ·N(0, 1) (a misspecified linear MDP; 0: exact).
        #[arg(long, default_value_t = 0.0)]
        feature_noise: f64,
        #[arg(long, default_value_t = 0.9)]
        gamma: f64,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// K-armed bandit as a one-state MDP (each pull ends the episode).
    Bandit {
        /// Mean reward of each arm, comma-separated.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "1,0.9,0.1",
            allow_negative_numbers = true
        )]
        means: Vec<f64>,
        /// Bernoulli rewards (1 with probability mean) instead of deterministic ones.
        #[arg(long)]
        bernoulli: bool,
        #[arg(long)]
        out: PathBuf,
    },
    /// pymdptoolbox's forest-management example.
    Forest {
        #[arg(long, default_value_t = 3)]
        states: usize,
        /// Reward for waiting in the oldest state.
        #[arg(long, default_value_t = 4.0)]
        r1: f64,
        /// Reward for cutting in the oldest state.
        #[arg(long, default_value_t = 2.0)]
        r2: f64,
        /// Probability of fire per step.
        #[arg(long, default_value_t = 0.1)]
        fire: f64,
        #[arg(long, default_value_t = 0.9)]
        gamma: f64,
        #[arg(long)]
        out: PathBuf,
    },
    /// The hard chain of Li et al. (2023) on which softmax PG takes exponential time (their §3;
    /// the defaults are the paper's proportions at γ = 0.97 and |S| = 136, see
    /// paper-notes/li2021-hard-chain.md).
    #[command(name = "li2021-chain")]
    Li2021Chain {
        #[arg(long, default_value_t = 0.97)]
        gamma: f64,
        /// Chain length H (primary states 3..H, adjoint states 1̄..H̄).
        #[arg(long, default_value_t = 6)]
        length: usize,
        /// |S_1|, copies of buffer state 1.
        #[arg(long, default_value_t = 1)]
        buffer1: usize,
        /// |S_2|, copies of buffer state 2.
        #[arg(long, default_value_t = 32)]
        buffer2: usize,
        /// m, the size of each of the 2H booster sets.
        #[arg(long, default_value_t = 4)]
        boosters: usize,
        /// c_p in p = c_p (1 − γ) (the paper needs c_p < 1/2016).
        #[arg(long, default_value_t = 0.00047)]
        c_p: f64,
        /// The original single-action boosters (Theorem 2) instead of Step 7's (Theorem 1).
        #[arg(long)]
        original_boosters: bool,
        /// |S|: the states beyond the listed sets are absorbing filler (0: none).
        #[arg(long, default_value_t = 136)]
        states: usize,
        /// Take H and the set sizes from the paper's constants at this |S| (eqs. (15)–(17) and
        /// (35)); excludes --length, --buffer1, --buffer2, --boosters, --c-p and --states.
        #[arg(long, conflicts_with_all = ["length", "buffer1", "buffer2", "boosters", "c_p", "states"])]
        paper_states: Option<usize>,
        #[arg(long)]
        out: PathBuf,
    },
    /// RiverSwim (Strehl & Littman 2008) as in CRAAM's example domain: swim left for 5 at the
    /// bank, or upstream against the current for 10000 at the source.
    Riverswim {
        #[arg(long, default_value_t = 6)]
        states: usize,
        /// Reward of swimming left in state 0.
        #[arg(long, default_value_t = 5.0, allow_negative_numbers = true)]
        left_reward: f64,
        /// Reward of staying at the source when swimming right.
        #[arg(long, default_value_t = 10000.0, allow_negative_numbers = true)]
        right_reward: f64,
        #[arg(long, default_value_t = 0.9)]
        gamma: f64,
        #[arg(long)]
        out: PathBuf,
    },
    /// A random Markov game (a matrix game with --states 1 --gamma 0): `branching` next states
    /// per joint action, Uniform(−1, 1) rewards shared by --class.
    #[command(name = "random-game")]
    RandomGame {
        #[arg(long, default_value_t = 10)]
        states: usize,
        #[arg(long, default_value_t = 2)]
        players: usize,
        /// Actions per player.
        #[arg(long, default_value_t = 5)]
        actions: usize,
        #[arg(long, default_value_t = 3)]
        branching: usize,
        #[arg(long, default_value_t = 0.9)]
        gamma: f64,
        /// zero-sum, general-sum, cooperative or potential (state-only transitions and
        /// r_i = Φ + a term free of player i's action: a Markov potential game).
        #[arg(long, default_value = "zero-sum")]
        class: String,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// The Big Match (Blackwell & Ferguson 1968): zero-sum, V*(play) = 1/(2(1−γ)).
    /// Littman's grid soccer (1994): a zero-sum Markov game on a rows × columns field.
    Soccer {
        #[arg(long, default_value_t = 4)]
        rows: usize,
        #[arg(long, default_value_t = 5)]
        columns: usize,
        #[arg(long, default_value_t = 0.9)]
        gamma: f64,
        #[arg(long)]
        out: PathBuf,
    },
    #[command(name = "big-match")]
    BigMatch {
        #[arg(long, default_value_t = 0.9)]
        gamma: f64,
        #[arg(long)]
        out: PathBuf,
    },
    /// A classic matrix game: rock-paper-scissors, matching-pennies, perturbed-rps (Sokota et
    /// al. 2023), prisoners-dilemma or climbing-game (Claus & Boutilier 1998).
    #[command(name = "matrix-game")]
    MatrixGame {
        /// Which game.
        #[arg(long)]
        name: String,
        #[arg(long)]
        out: PathBuf,
    },
}

/// A generator's rejected parameter as a usage error naming the flag.
fn generator_error(kind: &str, error: Error) -> Error {
    match error {
        Error::Invalid {
            field,
            found,
            expected,
            ..
        } => Error::Usage(format!("generate {kind}: --{field}: {found}; {expected}")),
        other => other,
    }
}

/// Writes a generated game.
fn write_game(game: Result<MarkovGame>, kind: &str, out: &std::path::Path) -> Result<ExitCode> {
    let game = game.map_err(|e| generator_error(kind, e))?;
    format::save_game(&game, out)?;
    say!(
        "wrote {} ({} players, {} states, {} joint actions) to {}",
        game.name(),
        game.n_players(),
        game.n_states(),
        game.n_joint(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn parse_cell(text: &str, option: &str) -> Result<Cell> {
    let bad = || {
        Error::Usage(format!(
            "{option} {text:?}: expected a cell ROW,COLUMN such as 0,1"
        ))
    };
    let (r, c) = text.split_once(',').ok_or_else(bad)?;
    Ok((
        r.trim().parse().map_err(|_| bad())?,
        c.trim().parse().map_err(|_| bad())?,
    ))
}

fn parse_reward(text: &str, option: &str) -> Result<f64> {
    text.trim()
        .parse()
        .map_err(|_| Error::Usage(format!("{option}: reward {text:?} is not a number")))
}

fn parse_exit(text: &str) -> Result<Exit> {
    let (cell, reward) = text.split_once(':').ok_or_else(|| {
        Error::Usage(format!(
            "--exit {text:?}: expected ROW,COLUMN:REWARD such as 3,3:1"
        ))
    })?;
    Ok(Exit {
        cell: parse_cell(cell, "--exit")?,
        reward: parse_reward(reward, "--exit")?,
    })
}

fn parse_jump(text: &str) -> Result<Jump> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() != 3 {
        return Err(Error::Usage(format!(
            "--jump {text:?}: expected ROW,COLUMN:ROW,COLUMN:REWARD such as 0,1:4,1:10"
        )));
    }
    Ok(Jump {
        from: parse_cell(parts[0], "--jump")?,
        to: parse_cell(parts[1], "--jump")?,
        reward: parse_reward(parts[2], "--jump")?,
    })
}

pub fn run(args: &GenerateArgs) -> Result<ExitCode> {
    let (mdp, out, kind) = match &args.kind {
        Kind::RandomGame {
            states,
            players,
            actions,
            branching,
            gamma,
            class,
            seed,
            out,
        } => {
            let params = RandomGameParams {
                states: *states,
                players: *players,
                actions: *actions,
                branching: *branching,
                gamma: *gamma,
                class: RewardSharing::parse(class)?,
                seed: *seed,
            };
            return write_game(params.build(), "random-game", out);
        }
        Kind::Soccer {
            rows,
            columns,
            gamma,
            out,
        } => {
            let params = SoccerParams {
                rows: *rows,
                columns: *columns,
                gamma: *gamma,
            };
            return write_game(params.build(), "soccer", out);
        }
        Kind::LinearMdp {
            states,
            actions,
            dimension,
            feature_noise,
            gamma,
            seed,
            out,
        } => {
            let (mdp, features) = LinearMdpParams {
                states: *states,
                actions: *actions,
                dimension: *dimension,
                gamma: *gamma,
                seed: *seed,
                feature_noise: *feature_noise,
            }
            .build()
            .map_err(|e| generator_error("linear-mdp", e))?;
            format::save_with_features(&mdp, Some(&features), out)?;
            say!(
                "wrote {} ({} states, {} actions, {} features) to {}",
                mdp.name(),
                mdp.n_states(),
                mdp.n_actions(),
                features.dimension(),
                out.display()
            );
            return Ok(ExitCode::SUCCESS);
        }
        Kind::BigMatch { gamma, out } => {
            return write_game(classic_games::big_match(*gamma), "big-match", out);
        }
        Kind::MatrixGame { name, out } => {
            return write_game(classic_games::matrix_game(name), "matrix-game", out);
        }
        Kind::Chain {
            states,
            slip,
            back_reward,
            end_reward,
            gamma,
            out,
        } => (
            ChainParams {
                states: *states,
                slip: *slip,
                back_reward: *back_reward,
                end_reward: *end_reward,
                gamma: *gamma,
            }
            .build(),
            out,
            "chain",
        ),
        Kind::Gridworld {
            rows,
            columns,
            slip,
            step_reward,
            wall_reward,
            exits,
            no_exit,
            jumps,
            start,
            gamma,
            out,
        } => {
            let mut params = GridworldParams {
                rows: *rows,
                columns: *columns,
                slip: *slip,
                step_reward: *step_reward,
                wall_reward: *wall_reward,
                gamma: *gamma,
                ..GridworldParams::default()
            };
            if *no_exit {
                params.exits.clear();
            } else if !exits.is_empty() {
                params.exits = exits.iter().map(|e| parse_exit(e)).collect::<Result<_>>()?;
            } else {
                params.exits = vec![Exit {
                    cell: (rows.saturating_sub(1), columns.saturating_sub(1)),
                    reward: 1.0,
                }];
            }
            params.jumps = jumps.iter().map(|j| parse_jump(j)).collect::<Result<_>>()?;
            params.start = start
                .as_deref()
                .map(|s| parse_cell(s, "--start"))
                .transpose()?;
            (params.build(), out, "gridworld")
        }
        Kind::Garnet {
            states,
            actions,
            branching,
            gamma,
            seed,
            out,
        } => (
            GarnetParams {
                states: *states,
                actions: *actions,
                branching: *branching,
                gamma: *gamma,
                seed: *seed,
            }
            .build(),
            out,
            "garnet",
        ),
        Kind::Bandit {
            means,
            bernoulli,
            out,
        } => (
            BanditParams {
                means: means.clone(),
                bernoulli: *bernoulli,
            }
            .build(),
            out,
            "bandit",
        ),
        Kind::Forest {
            states,
            r1,
            r2,
            fire,
            gamma,
            out,
        } => (
            ForestParams {
                states: *states,
                r1: *r1,
                r2: *r2,
                fire: *fire,
                gamma: *gamma,
            }
            .build(),
            out,
            "forest",
        ),
        Kind::Li2021Chain {
            gamma,
            length,
            buffer1,
            buffer2,
            boosters,
            c_p,
            original_boosters,
            states,
            paper_states,
            out,
        } => (
            match paper_states {
                Some(n) => PaperChainParams {
                    gamma: *gamma,
                    paper_states: *n,
                    modified_boosters: !*original_boosters,
                }
                .params()
                .and_then(|params| params.build()),
                None => HardChainParams {
                    gamma: *gamma,
                    length: *length,
                    buffer1: *buffer1,
                    buffer2: *buffer2,
                    boosters: *boosters,
                    c_p: *c_p,
                    modified_boosters: !*original_boosters,
                    states: *states,
                }
                .build(),
            },
            out,
            "li2021-chain",
        ),
        Kind::Riverswim {
            states,
            left_reward,
            right_reward,
            gamma,
            out,
        } => (
            RiverSwimParams {
                states: *states,
                left_reward: *left_reward,
                right_reward: *right_reward,
                gamma: *gamma,
            }
            .build(),
            out,
            "riverswim",
        ),
    };
    let mdp = mdp.map_err(|e| generator_error(kind, e))?;
    format::save(&mdp, out)?;
    say!(
        "wrote {} ({} states, {} actions) to {}",
        mdp.name(),
        mdp.n_states(),
        mdp.n_actions(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
