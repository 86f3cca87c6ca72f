//! The worlds of an experiment file: a world file, a seeded generator, or a bandit environment,
//! each with parameters and an optional grid over them.
//!
//! ```toml
//! [[world]]
//! name = "bandit"
//! file = "../mdps/bandit3.toml"        # relative to the experiment file
//! params = { gamma = 0.9 }             # file worlds take `gamma` and `start`
//!
//! [[world]]
//! name = "garnet"
//! generator = "garnet"                 # garnet, chain, forest, bandit, li2021-chain, riverswim, windy-walk
//! params = { states = 50, actions = 10, branching = 10, seed = 1 }
//! grid = { gamma = [0.9, 0.99] }       # one world per grid point
//!
//! [[world]]
//! name = "garnet-h"
//! generator = "garnet"                 # any file or generator world takes `horizon = H`:
//! params = { states = 10, actions = 4, branching = 3, seed = 1 }
//! grid = { horizon = [2, 4, 8] }       # an H-step world, γ = 1 within it (finite horizon)
//!
//! [[world]]
//! name = "robust-garnet"
//! generator = "garnet"                 # any file or generator world takes an uncertainty set:
//! params = { states = 10, actions = 4, branching = 3, seed = 1, uncertainty = "sa-l1" }
//! grid = { radius = [0.0, 0.1, 0.5] }  # radius (default 0) and support ("nominal" or "all")
//!                                      # (a file's own [uncertainty] table or CRAAM outcomes
//!                                      # make a robust world too; uncertainty = "finite" with
//!                                      # kernels = K: the generator at seeds seed..seed+K−1)
//!
//! [[world]]
//! name = "potential"
//! generator = "random-game"            # random-game, big-match, matrix-game, preference-game,
//!                                      # soccer (rows, columns, gamma):
//! params = { states = 5, players = 3, actions = 2, class = "potential", seed = 1 }
//!                                      # a game (a game file — .nfg or a native file with
//!                                      # `players` — too); see `crate::exact::game::GameWorld`
//!
//! [[world]]
//! name = "linear"
//! generator = "linear-mdp"             # P = Φμ, r = Φθ with its features (states, actions,
//! params = { dimension = 5, seed = 1 } # dimension, gamma, seed, feature_noise σ: the agent
//!                                      # sees φ + σ·N(0, I)); any discounted MDP world takes
//!                                      # features = "one-hot" | "random" (dimension,
//!                                      # feature_seed) | "aggregation" (groups), for the
//!                                      # log-linear algorithms; a world file's own `features`
//!                                      # are used when none is given
//!
//! [[world]]
//! name = "stochastic"
//! bandit = "bernoulli"                 # bernoulli, gaussian, switching, ftl-trap
//! params = { means = [0.9, 0.8, 0.5] }
//!
//! [[world]]
//! name = "countdown"
//! llm = "countdown"                    # arithmetic, countdown: see `crate::llm::world`
//! params = { max_target = 100, sft_steps = 600 }
//! grid = { model = ["tiny", "mini"] }
//! ```

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use super::grid::{GridPoint, expand_grid};
use crate::bandit::catalogue::EnvironmentSpec;
use crate::core::error::{Error, Result};
use crate::exact::game::GameWorld;
use crate::exact::robust::RobustWorld;
use crate::exact::{FiniteHorizonWorld, Problem};
use crate::llm::world::LlmWorld;
use crate::world::format::{self, FileUncertainty, WorldFile};
use crate::world::generate::{
    BanditParams, ChainParams, ForestParams, GarnetParams, HardChainParams, LinearMdpParams,
    PaperChainParams, RandomGameParams, RiverSwimParams, SoccerParams, WindyWalkParams,
    classic_games, features as feature_maps,
};
use crate::world::{
    FeatureMap, Horizon, MarkovGame, Radius, RobustMdp, SetShape, Support, TabularMdp,
    UncertaintySet,
};

/// The generators an experiment file can name.
pub const GENERATOR_NAMES: &[&str] = &[
    "garnet",
    "chain",
    "forest",
    "bandit",
    "li2021-chain",
    "riverswim",
    "random-game",
    "big-match",
    "matrix-game",
    "preference-game",
    "soccer",
    "linear-mdp",
    "windy-walk",
];

/// One `[[world]]` table as written.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorldEntry {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandit: Option<String>,
    /// A task family: the world is a transformer policy trained on it ([`LlmWorld`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub llm: Option<String>,
    #[serde(default)]
    pub params: toml::Table,
    #[serde(default)]
    pub grid: toml::Table,
}

/// What runs in a world instance.
#[derive(Debug, Clone)]
pub enum WorldKind {
    /// A discounted MDP, solved once (V*, optimal actions) and shared by its runs.
    Mdp(Arc<Problem>),
    /// A finite-horizon MDP (a file or generator with `horizon = H`), solved once by backward
    /// induction; its policies have one table per step.
    FiniteHorizon(Arc<FiniteHorizonWorld>),
    /// A bandit environment, built afresh for every run.
    Bandit(EnvironmentSpec),
    /// A task and a transformer with its SFT recipe, prepared once per output folder.
    Llm(Arc<LlmWorld>),
    /// A robust MDP (a world with `uncertainty`), solved once by robust policy iteration.
    Robust(Arc<RobustWorld>),
    /// A game (normal-form or Markov), solved once where a solution concept gives a reference.
    Game(Arc<GameWorld>),
}

impl WorldKind {
    /// What kind of world this is, in words for error messages.
    pub fn describe(&self) -> &'static str {
        match self {
            WorldKind::Mdp(_) => "an MDP",
            WorldKind::FiniteHorizon(_) => "a finite-horizon MDP",
            WorldKind::Bandit(_) => "a bandit",
            WorldKind::Llm(_) => "an LLM world",
            WorldKind::Robust(_) => "a robust MDP",
            WorldKind::Game(_) => "a game",
        }
    }

    /// The world as the algorithms' interface sees it (MDPs of either horizon, robust MDPs,
    /// games), or `None` for a
    /// bandit environment or an LLM world.
    pub fn policy_world(&self) -> Option<&dyn crate::world::World> {
        match self {
            WorldKind::Mdp(problem) => Some(problem.as_ref()),
            WorldKind::FiniteHorizon(world) => Some(world.as_ref()),
            WorldKind::Robust(world) => Some(world.as_ref()),
            WorldKind::Game(world) => Some(world.as_ref()),
            WorldKind::Bandit(_) | WorldKind::Llm(_) => None,
        }
    }
}

/// One world of the experiment: an entry at one point of its grid.
#[derive(Debug, Clone)]
pub struct World {
    /// `name`, or `name[k=v,…]` for a point of a grid.
    pub name: String,
    /// The entry's name.
    pub entry: String,
    /// The grid point (empty without a grid).
    pub point: GridPoint,
    pub kind: WorldKind,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOverrides {
    gamma: Option<f64>,
    start: Option<usize>,
}

fn deserialize<T: serde::de::DeserializeOwned>(table: toml::Table, what: &str) -> Result<T> {
    toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| {
            Error::invalid(
                "params",
                e.message().trim().to_string(),
                format!("the parameters of {what}"),
            )
        })
}

/// A state index as an initial distribution (`start = s`).
fn start_distribution(start: usize, states: usize) -> Result<Vec<f64>> {
    if start >= states {
        return Err(Error::invalid(
            "params.start",
            format!("found {start}"),
            format!("a state index below {states}"),
        ));
    }
    let mut rho = vec![0.0; states];
    rho[start] = 1.0;
    Ok(rho)
}

fn file_world(
    mut mdp: TabularMdp,
    declared: FileUncertainty,
    params: toml::Table,
) -> Result<(TabularMdp, FileUncertainty)> {
    let overrides: FileOverrides = deserialize(params, "a world file (gamma, start)")?;
    let declared = match declared {
        FileUncertainty::Kernels(kernels) => FileUncertainty::Kernels(
            kernels
                .into_iter()
                .map(|k| match overrides.gamma {
                    Some(gamma) => k.with_gamma(gamma),
                    None => Ok(k),
                })
                .collect::<Result<Vec<_>>>()?,
        ),
        other => other,
    };
    if let Some(gamma) = overrides.gamma {
        mdp = mdp.with_gamma(gamma)?;
    }
    if let Some(start) = overrides.start {
        mdp = mdp.with_initial(start_distribution(start, mdp.n_states())?)?;
    }
    Ok((mdp, declared))
}

/// A game file's game with the entry's `gamma` and `start`.
fn file_game(mut game: MarkovGame, params: toml::Table) -> Result<MarkovGame> {
    let overrides: FileOverrides = deserialize(params, "a game file (gamma, start)")?;
    if let Some(gamma) = overrides.gamma {
        game = game.with_gamma(gamma)?;
    }
    if let Some(start) = overrides.start {
        game = game.with_initial(start_distribution(start, game.n_states())?)?;
    }
    Ok(game)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BigMatchParams {
    #[serde(default = "default_gamma")]
    gamma: f64,
}

fn default_gamma() -> f64 {
    0.9
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MatrixGameParams {
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PreferenceGameParams {
    /// P(a ≻ b), a square matrix with P + Pᵀ = 1.
    preference: Vec<Vec<f64>>,
    #[serde(default)]
    name: Option<String>,
}

/// What a generator name builds: a game, or (for an MDP generator) nothing yet — its
/// parameters are handed back.
enum Generated {
    Game(Box<MarkovGame>),
    /// A linear MDP and its features.
    Linear(Box<(TabularMdp, FeatureMap)>),
    /// A robust world built whole by its generator (the windy walk's finite set).
    Robust(Box<RobustMdp>),
    Mdp(toml::Table),
}

/// The game a game generator builds from `params`, or the parameters back for an MDP generator.
fn generated_game(generator: &str, params: toml::Table) -> Result<Generated> {
    let what = format!("generator `{generator}`");
    if generator == "linear-mdp" {
        let pair = deserialize::<LinearMdpParams>(params, &what)?
            .build()
            .map_err(|e| e.with_field(|field| format!("params.{field}")))?;
        return Ok(Generated::Linear(Box::new(pair)));
    }
    if generator == "windy-walk" {
        let robust = deserialize::<WindyWalkParams>(params, &what)?
            .build()
            .map_err(|e| e.with_field(|field| format!("params.{field}")))?;
        return Ok(Generated::Robust(Box::new(robust)));
    }
    let game = match generator {
        "random-game" => deserialize::<RandomGameParams>(params, &what)?.build(),
        "soccer" => deserialize::<SoccerParams>(params, &what)?.build(),
        "big-match" => {
            classic_games::big_match(deserialize::<BigMatchParams>(params, &what)?.gamma)
        }
        "matrix-game" => {
            classic_games::matrix_game(&deserialize::<MatrixGameParams>(params, &what)?.name)
        }
        "preference-game" => {
            let given = deserialize::<PreferenceGameParams>(params, &what)?;
            classic_games::preference_game(
                given.name.as_deref().unwrap_or("preference-game"),
                &given.preference,
            )
        }
        _ => return Ok(Generated::Mdp(params)),
    };
    game.map(|game| Generated::Game(Box::new(game)))
        .map_err(|e| e.with_field(|field| format!("params.{field}")))
}

/// A game world, solved once for its reference.
fn game_world(game: MarkovGame) -> Result<WorldKind> {
    Ok(WorldKind::Game(Arc::new(GameWorld::new(game)?)))
}

fn generated_world(generator: &str, params: toml::Table) -> Result<TabularMdp> {
    let what = format!("generator `{generator}`");
    match generator {
        "garnet" => deserialize::<GarnetParams>(params, &what)?.build(),
        "chain" => deserialize::<ChainParams>(params, &what)?.build(),
        "forest" => deserialize::<ForestParams>(params, &what)?.build(),
        "bandit" => deserialize::<BanditParams>(params, &what)?.build(),
        "li2021-chain" if params.contains_key("paper_states") => {
            deserialize::<PaperChainParams>(params, &what)?
                .params()?
                .build()
        }
        "li2021-chain" => deserialize::<HardChainParams>(params, &what)?.build(),
        "riverswim" => deserialize::<RiverSwimParams>(params, &what)?.build(),
        other => Err(Error::invalid(
            "generator",
            format!("unknown generator `{other}`"),
            format!("one of {}", GENERATOR_NAMES.join(", ")),
        )),
    }
}

impl WorldEntry {
    /// Every world of this entry (one per grid point), built and, for MDPs, solved. `folder` is
    /// the experiment file's folder (world files are relative to it).
    pub fn build(&self, folder: &Path) -> Result<Vec<World>> {
        let sources = [&self.file, &self.generator, &self.bandit, &self.llm]
            .iter()
            .filter(|s| s.is_some())
            .count();
        if sources != 1 {
            return Err(Error::invalid(
                "world",
                format!("`{}` names {sources} sources", self.name),
                "exactly one of `file`, `generator`, `bandit` or `llm`",
            ));
        }
        let mut worlds = Vec::new();
        for point in expand_grid(&self.params, &self.grid)? {
            let params = point.apply(&self.params);
            let (features, params) = take_features(params)?;
            let mut file_features = None;
            let kind = match (&self.file, &self.generator, &self.bandit) {
                _ if self.llm.is_some() => WorldKind::Llm(Arc::new(LlmWorld::from_table(
                    self.llm.as_deref().unwrap_or_default(),
                    &params,
                )?)),
                (Some(file), _, _) => match format::load_file(&folder.join(file))? {
                    WorldFile::Game(game, _) => game_world(file_game(game, params)?)?,
                    WorldFile::Mdp(mdp, _, declared, map) => {
                        file_features = map;
                        let (horizon, params) = take_horizon(params)?;
                        let (uncertainty, params) = take_uncertainty(params)?;
                        let (mdp, declared) = file_world(mdp, declared, params)?;
                        let declared = match uncertainty {
                            Some(set) => FileUncertainty::Set(set),
                            None => declared,
                        };
                        robust_or_plain(with_horizon(mdp, horizon)?, declared)?
                    }
                },
                (None, Some(generator), _) => match generated_game(generator, params)? {
                    Generated::Game(game) => game_world(*game)?,
                    Generated::Robust(robust) => {
                        WorldKind::Robust(Arc::new(RobustWorld::new(*robust)?))
                    }
                    Generated::Linear(pair) => {
                        if features.is_some() {
                            return Err(Error::invalid(
                                "params.features",
                                "features on `linear-mdp`",
                                "nothing: a linear MDP brings its own features Φ",
                            ));
                        }
                        let (mdp, map) = *pair;
                        WorldKind::Mdp(Arc::new(Problem::new(mdp)?.with_features(map)?))
                    }
                    Generated::Mdp(params) => {
                        let (horizon, params) = take_horizon(params)?;
                        if let Some(count) = finite_set_size(&params)? {
                            let kernels = seeded_kernels(generator, params, count)?;
                            let first = with_horizon(kernels[0].clone(), horizon)?;
                            robust_or_plain(first, FileUncertainty::Kernels(kernels))?
                        } else {
                            let (uncertainty, params) = take_uncertainty(params)?;
                            let mdp = with_horizon(generated_world(generator, params)?, horizon)?;
                            let declared = match uncertainty {
                                Some(set) => FileUncertainty::Set(set),
                                None => FileUncertainty::None,
                            };
                            robust_or_plain(mdp, declared)?
                        }
                    }
                },
                (None, None, bandit) => WorldKind::Bandit(EnvironmentSpec::from_table(
                    bandit.as_deref().unwrap_or_default(),
                    params,
                )?),
            };
            let kind = match (features, file_features) {
                (Some(spec), _) => attach_features(kind, &spec)?,
                (None, Some(map)) => with_file_features(kind, map)?,
                (None, None) => kind,
            };
            worlds.push(World {
                name: point.label(&self.name),
                entry: self.name.clone(),
                point,
                kind,
            });
        }
        Ok(worlds)
    }
}

/// A robust world when the entry or its file declares an uncertainty set, a plain one otherwise.
fn robust_or_plain(mdp: TabularMdp, declared: FileUncertainty) -> Result<WorldKind> {
    if !matches!(declared, FileUncertainty::None) && mdp.horizon().steps().is_some() {
        return Err(Error::invalid(
            "params.horizon",
            "a finite horizon on a robust world",
            "robust worlds are discounted: drop `horizon`",
        ));
    }
    let robust = match declared {
        FileUncertainty::None => return mdp_world(mdp),
        FileUncertainty::Set(set) => RobustMdp::new(mdp, set)?,
        FileUncertainty::Kernels(kernels) => RobustMdp::finite(kernels)?,
    };
    Ok(WorldKind::Robust(Arc::new(RobustWorld::new(robust)?)))
}

/// `uncertainty = "finite", kernels = K`: the number of kernels of a generated finite set.
fn finite_set_size(params: &toml::Table) -> Result<Option<usize>> {
    if params.get("uncertainty").and_then(toml::Value::as_str) != Some("finite") {
        return Ok(None);
    }
    match params.get("kernels") {
        Some(toml::Value::Integer(k)) if *k >= 1 => Ok(Some(*k as usize)),
        other => Err(Error::invalid(
            "params.kernels",
            format!(
                "found {}",
                other.map_or("nothing".to_string(), |v| v.to_string())
            ),
            "uncertainty = \"finite\" takes kernels = K >= 1: the generator with seeds seed, \
             seed + 1, …, seed + K − 1 gives the K kernels",
        )),
    }
}

/// The K kernels of a generated finite set: the generator at seeds seed, …, seed + K − 1.
fn seeded_kernels(
    generator: &str,
    mut params: toml::Table,
    kernels: usize,
) -> Result<Vec<TabularMdp>> {
    params.remove("uncertainty");
    params.remove("kernels");
    let seed = match params.get("seed") {
        Some(toml::Value::Integer(seed)) if *seed >= 0 => *seed,
        _ => {
            return Err(Error::invalid(
                "params.seed",
                "missing",
                "a finite set of generated kernels needs a seeded generator (garnet) and its seed",
            ));
        }
    };
    (0..kernels as i64)
        .map(|k| {
            let mut at = params.clone();
            at.insert("seed".into(), toml::Value::Integer(seed + k));
            generated_world(generator, at)
        })
        .collect()
}

/// Splits `uncertainty` (a set name), `radius` (default 0; a grid axis) and `support` off a
/// world's parameters.
fn take_uncertainty(mut params: toml::Table) -> Result<(Option<UncertaintySet>, toml::Table)> {
    let name = params.remove("uncertainty");
    let radius = params.remove("radius");
    let support = params.remove("support");
    let Some(name) = name else {
        if radius.is_some() || support.is_some() {
            return Err(Error::invalid(
                "params",
                "`radius` or `support` without `uncertainty`",
                "uncertainty = \"sa-l1\" (or s-l1, sa-linf, sa-kl, contamination) with them",
            ));
        }
        return Ok((None, params));
    };
    let name = match &name {
        toml::Value::String(text) => text.clone(),
        other => {
            return Err(Error::invalid(
                "params.uncertainty",
                format!("found {other}"),
                "a set name: sa-l1, s-l1, sa-linf, sa-kl or contamination",
            ));
        }
    };
    let radius = match radius {
        None => 0.0,
        Some(toml::Value::Float(r)) => r,
        Some(toml::Value::Integer(r)) => r as f64,
        Some(other) => {
            return Err(Error::invalid(
                "params.radius",
                format!("found {other}"),
                "a number >= 0",
            ));
        }
    };
    let support = match support {
        None => "nominal".to_string(),
        Some(toml::Value::String(text)) => text,
        Some(other) => {
            return Err(Error::invalid(
                "params.support",
                format!("found {other}"),
                "\"nominal\" or \"all\"",
            ));
        }
    };
    let shape = match SetShape::from_name(&name) {
        Some(shape) if shape != SetShape::Finite => shape,
        _ => {
            return Err(Error::invalid(
                "params.uncertainty",
                format!("{name:?}"),
                "one of sa-l1, s-l1, sa-linf, sa-kl, contamination (or \"finite\" with kernels = K)",
            ));
        }
    };
    let support = match support.as_str() {
        "nominal" => Support::Nominal,
        "all" => Support::All,
        other => {
            return Err(Error::invalid(
                "params.support",
                format!("{other:?}"),
                "\"nominal\" or \"all\"",
            ));
        }
    };
    let set = UncertaintySet::new(shape, Radius::Uniform(radius), support)
        .map_err(|e| e.with_field(|field| format!("params.{field}")))?;
    Ok((Some(set), params))
}

/// `features = "one-hot" | "random" | "aggregation"` on a world, with `dimension` and
/// `feature_seed` (random) or `groups` (aggregation).
#[derive(Debug, Clone, PartialEq)]
struct FeatureSpec {
    kind: String,
    dimension: usize,
    groups: usize,
    seed: u64,
}

/// Splits `features`, `dimension`, `groups` and `feature_seed` off a world's parameters.
fn take_features(mut params: toml::Table) -> Result<(Option<FeatureSpec>, toml::Table)> {
    let Some(kind) = params.remove("features") else {
        return Ok((None, params));
    };
    let count = |params: &mut toml::Table, name: &str, default: i64| -> Result<usize> {
        match params.remove(name) {
            None => Ok(default as usize),
            Some(toml::Value::Integer(n)) if n >= 1 => Ok(n as usize),
            Some(other) => Err(Error::invalid(
                format!("params.{name}"),
                format!("found {other}"),
                "a whole number >= 1",
            )),
        }
    };
    let kind = match kind {
        toml::Value::String(text) if feature_maps::NAMES.contains(&text.as_str()) => text,
        other => {
            return Err(Error::invalid(
                "params.features",
                format!("found {other}"),
                "\"one-hot\", \"random\" (with dimension, feature_seed) or \"aggregation\" (with groups)",
            ));
        }
    };
    let spec = FeatureSpec {
        dimension: count(&mut params, "dimension", 4)?,
        groups: count(&mut params, "groups", 2)?,
        seed: match params.remove("feature_seed") {
            None => 0,
            Some(toml::Value::Integer(n)) if n >= 0 => n as u64,
            Some(other) => {
                return Err(Error::invalid(
                    "params.feature_seed",
                    format!("found {other}"),
                    "a whole number >= 0",
                ));
            }
        },
        kind,
    };
    Ok((Some(spec), params))
}

/// A discounted MDP world with the feature map `spec` names; any other kind is an error.
fn attach_features(kind: WorldKind, spec: &FeatureSpec) -> Result<WorldKind> {
    let WorldKind::Mdp(problem) = kind else {
        return Err(Error::invalid(
            "params.features",
            format!("features on {}", kind.describe()),
            "features on a discounted MDP world (a generator or a file, without horizon or \
             uncertainty)",
        ));
    };
    let map = feature_maps::named(
        &spec.kind,
        problem.mdp.n_states(),
        problem.mdp.n_actions(),
        spec.dimension,
        spec.groups,
        spec.seed,
    )
    .map_err(|e| e.with_field(|field| format!("params.{field}")))?;
    Ok(WorldKind::Mdp(Arc::new(
        Problem::clone(&problem).with_features(map)?,
    )))
}

/// A world file's own `features` on its discounted MDP world; other kinds (a horizon or an
/// uncertainty set given in the experiment file) run no algorithm that reads features, and keep
/// the world as it is.
fn with_file_features(kind: WorldKind, map: FeatureMap) -> Result<WorldKind> {
    Ok(match kind {
        WorldKind::Mdp(problem) => {
            WorldKind::Mdp(Arc::new(Problem::clone(&problem).with_features(map)?))
        }
        other => other,
    })
}

/// A tabular world of either horizon, solved once.
fn mdp_world(mdp: TabularMdp) -> Result<WorldKind> {
    Ok(match mdp.horizon() {
        Horizon::Discounted { .. } => WorldKind::Mdp(Arc::new(Problem::new(mdp)?)),
        Horizon::Finite { .. } => WorldKind::FiniteHorizon(Arc::new(FiniteHorizonWorld::new(mdp)?)),
    })
}

/// Splits the `horizon` parameter off a world's parameters: `horizon = H` (a whole number ≥ 1,
/// so it can be a grid axis) makes the world an H-step undiscounted one (Klein et al.'s finite
/// horizon, γ = 1 within it).
fn take_horizon(mut params: toml::Table) -> Result<(Option<usize>, toml::Table)> {
    let horizon = match params.remove("horizon") {
        None => None,
        Some(toml::Value::Integer(h)) if h >= 1 => Some(h as usize),
        Some(other) => {
            return Err(Error::invalid(
                "params.horizon",
                format!("found {other}"),
                "a whole number of steps >= 1",
            ));
        }
    };
    Ok((horizon, params))
}

fn with_horizon(mdp: TabularMdp, horizon: Option<usize>) -> Result<TabularMdp> {
    match horizon {
        None => Ok(mdp),
        Some(steps) => mdp.with_horizon(Horizon::Finite { steps, gamma: 1.0 }),
    }
}
