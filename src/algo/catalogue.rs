//! Every algorithm by name — the one list `policylab algos` prints, `policylab train --algo NAME
//! --param k=v` and experiment files build from, and experiment checking validates against.
//!
//! Each algorithm file declares its own entry (`pub fn entry() -> AlgorithmEntry`: name, summary
//! with the paper, the world kinds it runs on, its parameters with defaults and documentation,
//! and a `run` function that builds the validated algorithm from the checked values); the list
//! below names each file's entry once. No algorithm name is matched anywhere else.

use ndarray::Array2;

use super::runner::{run_to_final, run_while};
use super::{Algorithm, FinalPolicy, Record};
use crate::core::error::{Error, Result};
pub use crate::core::parameters::{Entry, Parameter, check_parameters, resolved_parameters};
use crate::core::parameters::{Values, find_named};
use crate::world::started::Started;
use crate::world::{World, WorldKind};

/// Every world kind of the interface.
pub const ANY_WORLD: &[WorldKind] = &[
    WorldKind::Discounted,
    WorldKind::FiniteHorizon,
    WorldKind::Bandit,
    WorldKind::Robust,
    WorldKind::Game,
    WorldKind::Other,
];

/// The worlds with a stationary (one-table) policy (on a game: each player's, as independent
/// learners).
pub const STATIONARY_WORLDS: &[WorldKind] = &[
    WorldKind::Discounted,
    WorldKind::Bandit,
    WorldKind::Robust,
    WorldKind::Game,
    WorldKind::Other,
];

/// Games only (algorithms that update every player at once).
pub const GAME_WORLDS: &[WorldKind] = &[WorldKind::Game];

/// The stationary worlds with a fixed tabular model (soft values, sampled episodes).
pub const STATIONARY_MODEL_WORLDS: &[WorldKind] = &[WorldKind::Discounted, WorldKind::Bandit];

/// The worlds with soft values: a fixed model, or a robust world's worst case for the regularized
/// reward (entropy-regularized robust NPG and PG; the soft optimum on (s,a)-rectangular and
/// finite sets).
pub const SOFT_WORLDS: &[WorldKind] =
    &[WorldKind::Discounted, WorldKind::Bandit, WorldKind::Robust];

/// How a run is driven once its algorithm is built: the step budget, the seed of its RNG and
/// the observer of its records.
pub struct Run<'a> {
    pub steps: usize,
    pub seed: u64,
    pub observe: &'a mut dyn FnMut(usize, &Record) -> bool,
    /// Measure the final iterate π_T too, as step T (see [`run_to_final`]; not on games).
    pub measure_final: bool,
    /// Set by the run: π_T's probability tables, where the algorithm exposes them (not on games).
    pub final_policy: Option<FinalPolicy>,
}

impl Run<'_> {
    /// Runs `algorithm` on `world` for the budget, handing each record to the observer.
    /// On a game ([`World::game`]) every player runs the algorithm on its own view
    /// ([`super::independent`]).
    pub fn go<'w, A: Algorithm<dyn World + 'w>>(
        &mut self,
        algorithm: &A,
        world: &'w (dyn World + 'w),
    ) -> Result<()> {
        if let Some(game) = world.game() {
            return super::independent::run_independent(
                std::slice::from_ref(algorithm),
                game,
                self.steps,
                self.seed,
                &mut *self.observe,
            );
        }
        self.go_together(algorithm, world)
    }

    /// Runs an algorithm that updates every player of a game at once (or any algorithm on a
    /// single-agent world) on `world` itself.
    pub fn go_together<'w, A: Algorithm<dyn World + 'w>>(
        &mut self,
        algorithm: &A,
        world: &'w (dyn World + 'w),
    ) -> Result<()> {
        // On a game the iterate is every player's policy at once: neither the final row nor a
        // policy file (one table per stage) describes it.
        if world.game().is_some() {
            run_while(algorithm, world, self.steps, self.seed, &mut *self.observe)?;
        } else if self.measure_final {
            self.final_policy =
                run_to_final(algorithm, world, self.steps, self.seed, &mut *self.observe)?;
        } else {
            let state = run_while(algorithm, world, self.steps, self.seed, &mut *self.observe)?;
            self.final_policy = FinalPolicy::of(algorithm, &state);
        }
        Ok(())
    }
}

/// One algorithm of the catalogue.
#[derive(Clone)]
pub struct AlgorithmEntry {
    pub name: &'static str,
    /// One line with the paper.
    pub summary: &'static str,
    /// The world kinds it runs on.
    pub worlds: &'static [WorldKind],
    pub parameters: Vec<Parameter>,
    /// Builds the validated algorithm from checked values and runs it.
    pub run: fn(&Values<'_>, &dyn World, &mut Run<'_>) -> Result<()>,
}

impl std::fmt::Debug for AlgorithmEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlgorithmEntry")
            .field("name", &self.name)
            .field("worlds", &self.worlds)
            .field("parameters", &self.parameters)
            .finish()
    }
}

impl AlgorithmEntry {
    /// The name, summary and parameters, as the shared [`Entry`].
    pub fn listing(&self) -> Entry {
        Entry {
            name: self.name,
            summary: self.summary,
            parameters: self.parameters.clone(),
        }
    }

    /// Whether it runs on worlds of `kind`.
    pub fn runs_on(&self, kind: WorldKind) -> bool {
        self.worlds.contains(&kind)
    }
}

/// All algorithms, in the order `policylab algos` prints them. Adding an algorithm: one file
/// with its `entry()`, and one line here.
pub fn algorithms() -> Vec<AlgorithmEntry> {
    let mut all = vec![
        super::softmax_pg::entry(),
        super::projected_pg::entry(),
        super::npg::entry(),
        super::entropy_pg::entry(),
        super::entropy_npg::entry(),
        super::trpo::entry(),
        super::simultaneous_pg::entry(),
        super::dynamic_pg::entry(),
        super::dynpg::entry(),
        super::drpg::entry(),
        super::srpmd::entry(),
        super::policy_extragradient::entry(),
        super::optimistic_mwu::entry(),
        super::self_play_preference::entry(),
        super::reward_model_npg::entry(),
        super::multi_agent_ppo::entry(),
        super::two_timescale_pg::entry(),
        super::quantal_adversarial::entry(),
        super::log_linear_pg::entry(),
        super::log_linear_pg::natural_entry(),
        super::log_linear_pg::q_entry(),
        super::log_linear_pg::td_entry(),
        super::magnetic_mirror_descent::entry(),
    ];
    all.extend(super::surrogate_ascent::entries());
    all.extend(super::sampled_surrogate::entries());
    all
}

/// The listings of every algorithm (names, summaries, parameters).
pub fn catalogue() -> Vec<Entry> {
    algorithms().iter().map(AlgorithmEntry::listing).collect()
}

/// Looks an algorithm up by name; an unknown name gets the list of valid ones.
pub fn algorithm(name: &str) -> Result<AlgorithmEntry> {
    find_named(algorithms(), name, |a| a.name, "algorithm")
}

/// [`algorithm`]'s listing.
pub fn entry(name: &str) -> Result<Entry> {
    algorithm(name).map(|a| a.listing())
}

/// Builds the named algorithm with `given` parameters (defaults elsewhere) and runs it for
/// `steps` steps from `seed`, handing each record to `observe`.
pub fn run_named(
    name: &str,
    given: &[(String, f64)],
    world: &dyn World,
    steps: usize,
    seed: u64,
    mut observe: impl FnMut(usize, &Record),
) -> Result<()> {
    run_named_while(name, given, world, steps, seed, |t, record| {
        observe(t, record);
        true
    })
}

/// Checks that the named algorithm exists, takes the given parameters and runs on `kind`.
pub fn check_named(name: &str, given: &[(String, f64)], kind: WorldKind) -> Result<()> {
    let entry = algorithm(name)?;
    check_parameters(&entry.listing(), given)?;
    check_world(&entry, kind)
}

fn check_world(entry: &AlgorithmEntry, kind: WorldKind) -> Result<()> {
    if entry.runs_on(kind) {
        return Ok(());
    }
    let kinds: Vec<&str> = entry.worlds.iter().map(|k| k.name()).collect();
    Err(Error::Usage(format!(
        "`{}` runs on {} worlds, not on a {} world",
        entry.name,
        kinds.join(", "),
        kind.name()
    )))
}

/// As [`run_named`], stopping after the first step for which `observe` returns `false`.
pub fn run_named_while(
    name: &str,
    given: &[(String, f64)],
    world: &dyn World,
    steps: usize,
    seed: u64,
    mut observe: impl FnMut(usize, &Record) -> bool,
) -> Result<()> {
    run_entry(&algorithm(name)?, given, world, steps, seed, &mut observe)
}

/// How a run starts and ends beyond its parameters.
#[derive(Debug, Clone, Default)]
pub struct StartAndEnd {
    /// The logits θ_0 to start from (one table, or one per stage), instead of θ_0 = 0.
    pub start: Option<Vec<Array2<f64>>>,
    /// Record the final iterate π_T as step T (one more measurement after the last update).
    pub measure_final: bool,
}

/// As [`run_named_while`], from `ends.start` (refused by an algorithm that does not take a
/// starting policy, before its second step), measuring π_T if asked; returns π_T's tables where
/// the algorithm exposes them.
pub fn run_named_from(
    name: &str,
    given: &[(String, f64)],
    world: &dyn World,
    steps: usize,
    seed: u64,
    ends: &StartAndEnd,
    mut observe: impl FnMut(usize, &Record) -> bool,
) -> Result<Option<FinalPolicy>> {
    let entry = algorithm(name)?;
    let Some(logits) = &ends.start else {
        return drive_entry(
            &entry,
            given,
            world,
            steps,
            seed,
            ends.measure_final,
            &mut observe,
        );
    };
    let started = Started::new(world, logits.clone())?;
    let mut ignored = false;
    let mut checked = |t: usize, record: &Record| {
        if !started.was_read() {
            ignored = true;
            return false;
        }
        observe(t, record)
    };
    let policy = drive_entry(
        &entry,
        given,
        &started,
        steps,
        seed,
        ends.measure_final,
        &mut checked,
    )?;
    if ignored {
        return Err(Error::Usage(format!(
            "`{name}` does not take a starting policy{}: it starts where its paper starts",
            if world.game().is_some() {
                " on games"
            } else {
                ""
            }
        )));
    }
    Ok(policy)
}

/// Runs one entry: checks the given parameters against it and its world kinds, builds the
/// validated algorithm and runs it — what [`run_named_while`] does after the lookup, and what an
/// entry that is not (yet) in [`algorithms`] runs through.
pub fn run_entry(
    entry: &AlgorithmEntry,
    given: &[(String, f64)],
    world: &dyn World,
    steps: usize,
    seed: u64,
    observe: &mut dyn FnMut(usize, &Record) -> bool,
) -> Result<()> {
    drive_entry(entry, given, world, steps, seed, false, observe).map(|_| ())
}

fn drive_entry(
    entry: &AlgorithmEntry,
    given: &[(String, f64)],
    world: &dyn World,
    steps: usize,
    seed: u64,
    measure_final: bool,
    observe: &mut dyn FnMut(usize, &Record) -> bool,
) -> Result<Option<FinalPolicy>> {
    let listing = entry.listing();
    let values = Values::checked(&listing, given)?;
    check_world(entry, world.kind())?;
    let mut run = Run {
        steps,
        seed,
        observe,
        measure_final,
        final_policy: None,
    };
    (entry.run)(&values, world, &mut run)
        .map_err(|e| e.in_origin(&format!("algorithm `{}`", entry.name)))?;
    Ok(run.final_policy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::{FiniteHorizonWorld, Problem};
    use crate::world::Horizon;
    use crate::world::generate::GarnetParams;

    #[test]
    fn every_listed_algorithm_runs_with_its_defaults_on_every_world_it_names() {
        // One-hot features on the discounted worlds, for the log-linear algorithms.
        let one_hot = |mdp: &crate::world::TabularMdp| {
            crate::world::generate::features::one_hot(mdp.n_states(), mdp.n_actions()).unwrap()
        };
        let problem = Problem::new(GarnetParams::default().build().unwrap()).unwrap();
        let problem = problem
            .clone()
            .with_features(one_hot(&problem.mdp))
            .unwrap();
        let finite = FiniteHorizonWorld::new(
            GarnetParams::default()
                .build()
                .unwrap()
                .with_horizon(Horizon::Finite {
                    steps: 3,
                    gamma: 1.0,
                })
                .unwrap(),
        )
        .unwrap();
        let bandit = crate::world::generate::BanditParams::default()
            .build()
            .unwrap();
        let bandit = Problem::new(bandit).unwrap();
        let bandit = bandit.clone().with_features(one_hot(&bandit.mdp)).unwrap();
        let worlds: [&dyn World; 3] = [&problem, &finite, &bandit];
        for entry in algorithms() {
            for world in worlds {
                let mut steps = 0;
                let result = run_named(entry.name, &[], world, 3, 0, |_, record| {
                    assert!(record.get("J").is_some());
                    steps += 1;
                });
                if entry.name == "projected-pg" && world.gamma() == 0.0 {
                    // Agarwal et al.'s default step (1−γ)³/(2γ|A|) is undefined at γ = 0.
                    let message = result.unwrap_err().to_string();
                    assert!(message.contains("γ > 0"), "{message}");
                } else if entry.runs_on(world.kind()) {
                    result.unwrap_or_else(|e| panic!("{}: {e}", entry.name));
                    assert_eq!(steps, 3, "{}", entry.name);
                } else {
                    let message = result.unwrap_err().to_string();
                    assert!(message.contains("runs on"), "{}: {message}", entry.name);
                }
            }
        }
    }

    #[test]
    fn names_are_unique_and_unknown_names_list_the_valid_ones() {
        let all = algorithms();
        for (i, a) in all.iter().enumerate() {
            assert!(
                all[..i].iter().all(|b| b.name != a.name),
                "{} twice",
                a.name
            );
        }
        let problem = Problem::new(GarnetParams::default().build().unwrap()).unwrap();
        let error = run_named("ppo", &[], &problem, 1, 0, |_, _| {})
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("unknown algorithm `ppo`") && error.contains("ppo-clip"),
            "{error}"
        );
        let given = [("stepsize".to_string(), 0.1)];
        let error = run_named("npg", &given, &problem, 1, 0, |_, _| {})
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`stepsize`") && error.contains("step_size, step_growth"),
            "{error}"
        );
        let given = [("epochs".to_string(), 2.5)];
        let error = run_named("spo", &given, &problem, 1, 0, |_, _| {})
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("epochs") && error.contains("whole number"),
            "{error}"
        );
        let given = [("step_size".to_string(), -1.0)];
        let error = run_named("softmax-pg", &given, &problem, 1, 0, |_, _| {})
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("step_size") && error.contains("positive"),
            "{error}"
        );
    }
}
