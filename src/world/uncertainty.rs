//! Uncertainty sets of robust MDPs: which transition kernels nature may choose around the nominal
//! one.
//!
//! A robust MDP (Iyengar 2005; Nilim & El Ghaoui 2005) is a nominal world plus a set 𝒫 of kernels;
//! its value is the worst case over 𝒫. policylab's sets are *rectangular* — nature chooses
//! independently per state–action pair ((s,a)-rectangular) or per state (s-rectangular, Wiesemann,
//! Kuhn & Rustem 2013) — so robust dynamic programming applies, plus a finite set of kernels for the
//! *static* model (one kernel for the whole episode):
//!
//! | name            | nature chooses p(·|s,a) (or all p(·|s,·) at once)        | radius          |
//! |-----------------|----------------------------------------------------------|-----------------|
//! | `sa-l1`         | ‖p − q‖₁ ≤ κ_{s,a}                                       | κ ≥ 0           |
//! | `s-l1`          | Σ_a ‖p_a − q_a‖₁ ≤ κ_s (one budget shared by the actions) | κ ≥ 0           |
//! | `sa-linf`       | \|p_i − q_i\| ≤ κ_{s,a} for every outcome i              | κ ≥ 0           |
//! | `sa-kl`         | KL(p ‖ q) ≤ κ_{s,a}                                      | κ ≥ 0           |
//! | `contamination` | p = (1 − R)·q + R·p′ for any distribution p′ (Wang & Zou 2021) | 0 ≤ R ≤ 1 |
//! | `finite`        | one of K kernels (CRAAM's outcomes), per (s,a) or — static — for the whole run | — |
//!
//! where q = q(·|s,a) is the nominal distribution over the pair's outcomes. A set lives in the
//! world file (`[uncertainty]`, documented in `mdps/README.md`) or comes from a flag,
//! `--uncertainty sa-l1:0.5` (optionally `:all` to let nature reach every state).
//!
//! **Support.** By default (`support = "nominal"`, as in CRAAM's L1 sets) nature may only move
//! probability among the outcomes the nominal kernel gives positive probability; with
//! `support = "all"` it may also send mass to any state s′ not among them, reached with reward 0
//! and not ending the episode. A KL ball cannot reach outside the nominal support (KL(p‖q) = ∞
//! there), so `sa-kl` with `support = "all"` is refused as ill-posed.

use super::format::node::{At, Node, field, item_path};
use crate::core::error::{Error, Result};

/// The shape of the set around each nominal row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetShape {
    /// (s,a)-rectangular L1 ball.
    StateActionL1,
    /// s-rectangular L1 ball: one budget shared by the actions of a state.
    StateL1,
    /// (s,a)-rectangular L∞ ball.
    StateActionLInf,
    /// (s,a)-rectangular KL ball.
    StateActionKl,
    /// R-contamination: (1 − R)·q + R·(anything).
    Contamination,
    /// A finite set of kernels, one per outcome index of a CRAAM file.
    Finite,
}

impl SetShape {
    /// Every shape, in the order `--help` lists them.
    pub const ALL: [SetShape; 6] = [
        SetShape::StateActionL1,
        SetShape::StateL1,
        SetShape::StateActionLInf,
        SetShape::StateActionKl,
        SetShape::Contamination,
        SetShape::Finite,
    ];

    /// The name used in files and flags.
    pub fn name(self) -> &'static str {
        match self {
            SetShape::StateActionL1 => "sa-l1",
            SetShape::StateL1 => "s-l1",
            SetShape::StateActionLInf => "sa-linf",
            SetShape::StateActionKl => "sa-kl",
            SetShape::Contamination => "contamination",
            SetShape::Finite => "finite",
        }
    }

    /// Looks a shape up by name.
    pub fn from_name(name: &str) -> Option<SetShape> {
        SetShape::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether nature's budget is shared by the actions of a state (s-rectangular).
    pub fn per_state(self) -> bool {
        self == SetShape::StateL1
    }

    /// What the radius means, for messages.
    fn radius_rule(self) -> &'static str {
        match self {
            SetShape::Contamination => "a contamination level 0 <= R <= 1",
            _ => "a finite radius >= 0",
        }
    }
}

/// Which next states nature may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// Only the outcomes the nominal kernel gives positive probability (the default).
    Nominal,
    /// Any state (new ones with reward 0, not ending the episode).
    All,
}

impl Support {
    pub fn name(self) -> &'static str {
        match self {
            Support::Nominal => "nominal",
            Support::All => "all",
        }
    }
}

/// The radius: one for every row, or one per state (s-rectangular) or per state–action pair.
#[derive(Debug, Clone, PartialEq)]
pub enum Radius {
    Uniform(f64),
    PerState(Vec<f64>),
    PerStateAction(Vec<Vec<f64>>),
}

/// An uncertainty set around a nominal world.
#[derive(Debug, Clone, PartialEq)]
pub struct UncertaintySet {
    shape: SetShape,
    radius: Radius,
    support: Support,
}

/// The fields of a world file's `[uncertainty]` table.
pub const FIELDS: &[&str] = &["set", "radius", "support"];

/// What `--uncertainty` accepts, for messages and `--help`.
pub const FLAG_SYNTAX: &str = "NAME:RADIUS[:SUPPORT] with NAME one of sa-l1, s-l1, sa-linf, \
     sa-kl, contamination and SUPPORT nominal (default) or all, e.g. sa-l1:0.5";

impl UncertaintySet {
    /// A validated set; `field` names where it came from in errors (a flag or a file's table).
    pub fn new(shape: SetShape, radius: Radius, support: Support) -> Result<Self> {
        let check = |value: f64, field: String| -> Result<()> {
            let ok = value.is_finite()
                && value >= 0.0
                && (shape != SetShape::Contamination || value <= 1.0);
            if ok {
                Ok(())
            } else {
                Err(Error::invalid(
                    field,
                    format!("found {value}"),
                    format!("expected {}", shape.radius_rule()),
                ))
            }
        };
        match &radius {
            Radius::Uniform(r) => check(*r, "radius".into())?,
            Radius::PerState(rs) => {
                for (s, &r) in rs.iter().enumerate() {
                    check(r, item_path("radius", s))?;
                }
            }
            Radius::PerStateAction(rows) => {
                if shape.per_state() {
                    return Err(Error::invalid(
                        "radius",
                        "a table per state and action",
                        format!(
                            "an s-rectangular set ({}) has one budget per state: a number or \
                             one number per state",
                            shape.name()
                        ),
                    ));
                }
                for (s, row) in rows.iter().enumerate() {
                    for (a, &r) in row.iter().enumerate() {
                        check(r, item_path(&item_path("radius", s), a))?;
                    }
                }
            }
        }
        if shape == SetShape::StateActionKl && support == Support::All {
            return Err(Error::invalid(
                "support",
                "\"all\" with a KL ball",
                "support = \"nominal\": KL(p || q) is infinite wherever p puts mass on a state \
                 the nominal q gives probability 0, so a KL ball cannot reach other states",
            ));
        }
        Ok(UncertaintySet {
            shape,
            radius,
            support,
        })
    }

    /// The finite set of a CRAAM file's outcomes (no radius).
    pub fn finite() -> Self {
        UncertaintySet {
            shape: SetShape::Finite,
            radius: Radius::Uniform(0.0),
            support: Support::Nominal,
        }
    }

    /// Parses `--uncertainty NAME:RADIUS[:SUPPORT]`; errors are usage errors naming the flag.
    pub fn parse_flag(text: &str) -> Result<Self> {
        let flag = |found: String, expected: String| {
            Error::Usage(format!(
                "--uncertainty {text}: {found}; expected {expected}"
            ))
        };
        let syntax = || FLAG_SYNTAX.to_string();
        let parts: Vec<&str> = text.split(':').map(str::trim).collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(flag("not NAME:RADIUS".into(), syntax()));
        }
        let shape = match SetShape::from_name(parts[0]) {
            Some(SetShape::Finite) => {
                return Err(flag(
                    "a finite set".into(),
                    "a ball: a finite set comes from a CRAAM file with an idoutcome column".into(),
                ));
            }
            Some(shape) => shape,
            None => return Err(flag(format!("unknown set {:?}", parts[0]), syntax())),
        };
        let radius: f64 = parts[1]
            .parse()
            .map_err(|_| flag(format!("radius {:?} is not a number", parts[1]), syntax()))?;
        let support = match parts.get(2) {
            None => Support::Nominal,
            Some(&"nominal") => Support::Nominal,
            Some(&"all") => Support::All,
            Some(other) => return Err(flag(format!("unknown support {other:?}"), syntax())),
        };
        UncertaintySet::new(shape, Radius::Uniform(radius), support).map_err(|e| match e {
            Error::Invalid {
                found, expected, ..
            } => flag(found, expected.trim_start_matches("expected ").to_string()),
            other => other,
        })
    }

    /// Reads a world file's `uncertainty` table for a world of the given shape.
    pub fn from_node(node: &Node, n_states: usize, n_actions: usize) -> Result<Self> {
        let entries = At::new(node, "uncertainty").table(FIELDS)?;
        let name_node = field(entries, "set").ok_or_else(|| {
            Error::invalid(
                "uncertainty.set",
                "missing",
                "expected one of sa-l1, s-l1, sa-linf, sa-kl, contamination",
            )
        })?;
        let name = At::new(name_node, "uncertainty.set").text()?;
        let shape = match SetShape::from_name(name) {
            Some(SetShape::Finite) | None => {
                return Err(Error::invalid(
                    "uncertainty.set",
                    format!("{name:?}"),
                    "expected one of sa-l1, s-l1, sa-linf, sa-kl, contamination (a finite set \
                     comes from a CRAAM file's outcomes)",
                ));
            }
            Some(shape) => shape,
        };
        let support = match field(entries, "support") {
            None => Support::Nominal,
            Some(node) => match At::new(node, "uncertainty.support").text()? {
                "nominal" => Support::Nominal,
                "all" => Support::All,
                other => {
                    return Err(Error::invalid(
                        "uncertainty.support",
                        format!("{other:?}"),
                        "expected \"nominal\" or \"all\"",
                    ));
                }
            },
        };
        let radius_node = field(entries, "radius").ok_or_else(|| {
            Error::invalid(
                "uncertainty.radius",
                "missing",
                "expected a number, one per state, or one per state and action",
            )
        })?;
        let path = "uncertainty.radius";
        let radius = match radius_node {
            Node::Array(rows) if rows.iter().any(|r| matches!(r, Node::Array(_))) => {
                let rows =
                    At::new(radius_node, path).array_of_len(n_states, "one row per state")?;
                let mut table = Vec::with_capacity(n_states);
                for (s, row) in rows.iter().enumerate() {
                    let row_path = item_path(path, s);
                    let items =
                        At::new(row, &row_path).array_of_len(n_actions, "one radius per action")?;
                    let mut values = Vec::with_capacity(n_actions);
                    for (a, item) in items.iter().enumerate() {
                        values.push(At::new(item, &item_path(&row_path, a)).number()?);
                    }
                    table.push(values);
                }
                Radius::PerStateAction(table)
            }
            Node::Array(_) => {
                let items =
                    At::new(radius_node, path).array_of_len(n_states, "one radius per state")?;
                let mut values = Vec::with_capacity(n_states);
                for (s, item) in items.iter().enumerate() {
                    values.push(At::new(item, &item_path(path, s)).number()?);
                }
                Radius::PerState(values)
            }
            node => Radius::Uniform(At::new(node, path).number()?),
        };
        UncertaintySet::new(shape, radius, support)
            .map_err(|e| e.with_field(|field| format!("uncertainty.{field}")))
    }

    pub fn shape(&self) -> SetShape {
        self.shape
    }

    pub fn support(&self) -> Support {
        self.support
    }

    pub fn radius(&self) -> &Radius {
        &self.radius
    }

    /// The radius of row (s, a) (of state s for an s-rectangular set).
    pub fn radius_at(&self, state: usize, action: usize) -> f64 {
        match &self.radius {
            Radius::Uniform(r) => *r,
            Radius::PerState(rs) => rs[state],
            Radius::PerStateAction(rows) => rows[state][action],
        }
    }

    /// Whether every radius is zero: the set is the nominal kernel alone.
    pub fn is_nominal(&self) -> bool {
        self.shape != SetShape::Finite
            && match &self.radius {
                Radius::Uniform(r) => *r == 0.0,
                Radius::PerState(rs) => rs.iter().all(|&r| r == 0.0),
                Radius::PerStateAction(rows) => rows.iter().flatten().all(|&r| r == 0.0),
            }
    }

    /// The same set with a uniform radius (for sweeps over the radius).
    pub fn with_radius(&self, radius: f64) -> Result<Self> {
        UncertaintySet::new(self.shape, Radius::Uniform(radius), self.support)
    }

    /// A one-line description, e.g. `sa-l1, radius 0.5, nominal support`.
    pub fn describe(&self) -> String {
        if self.shape == SetShape::Finite {
            return "finite set of kernels (one per outcome)".into();
        }
        let radius = match &self.radius {
            Radius::Uniform(r) => format!("radius {r}"),
            Radius::PerState(_) => "a radius per state".into(),
            Radius::PerStateAction(_) => "a radius per state and action".into(),
        };
        format!(
            "{}, {radius}, {} support",
            self.shape.name(),
            self.support.name()
        )
    }

    /// Checks that per-state or per-pair radii match the world's shape.
    pub fn check_shape(&self, n_states: usize, n_actions: usize) -> Result<()> {
        let bad = match &self.radius {
            Radius::Uniform(_) => None,
            Radius::PerState(rs) => {
                (rs.len() != n_states).then(|| format!("{} radii for {n_states} states", rs.len()))
            }
            Radius::PerStateAction(rows) => (rows.len() != n_states
                || rows.iter().any(|r| r.len() != n_actions))
            .then(|| format!("a radius table that is not {n_states} x {n_actions}")),
        };
        match bad {
            None => Ok(()),
            Some(found) => Err(Error::invalid(
                "uncertainty.radius",
                found,
                "one radius per state (or per state and action) of the world",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_and_bad_ones_say_what_is_allowed() {
        let set = UncertaintySet::parse_flag("sa-l1:0.5").unwrap();
        assert_eq!(set.shape(), SetShape::StateActionL1);
        assert_eq!(set.radius_at(3, 1), 0.5);
        assert_eq!(set.support(), Support::Nominal);
        let all = UncertaintySet::parse_flag("s-l1:1:all").unwrap();
        assert_eq!(
            (all.shape(), all.support()),
            (SetShape::StateL1, Support::All)
        );
        for (flag, needle) in [
            ("sa-l1:-0.1", "found -0.1"),
            ("sa-l1:NaN", "found NaN"),
            ("sa-l1:inf", "found inf"),
            ("sa-l2:0.1", "unknown set \"sa-l2\""),
            ("contamination:1.5", "0 <= R <= 1"),
            ("sa-kl:0.1:all", "KL(p || q) is infinite"),
            ("sa-l1", "NAME:RADIUS"),
            ("sa-l1:0.1:everywhere", "unknown support"),
            ("finite:1", "CRAAM file"),
        ] {
            let message = UncertaintySet::parse_flag(flag).unwrap_err().to_string();
            assert!(message.contains("--uncertainty"), "{flag}: {message}");
            assert!(message.contains(needle), "{flag}: {message}");
        }
    }

    #[test]
    fn file_tables_read_uniform_per_state_and_per_pair_radii() {
        let read = |text: &str| {
            let node = Node::parse_toml(text, "test").unwrap();
            let table = match &node {
                Node::Table(entries) => field(entries, "uncertainty").unwrap().clone(),
                _ => unreachable!("a TOML document is a table"),
            };
            UncertaintySet::from_node(&table, 2, 2)
        };
        let uniform = read("[uncertainty]\nset = \"sa-linf\"\nradius = 0.2\n").unwrap();
        assert_eq!(uniform.radius(), &Radius::Uniform(0.2));
        let per_state = read("[uncertainty]\nset = \"s-l1\"\nradius = [0.1, 0.3]\n").unwrap();
        assert_eq!(per_state.radius_at(1, 0), 0.3);
        let per_pair =
            read("[uncertainty]\nset = \"sa-kl\"\nradius = [[0.1, 0.2], [0.3, 0.4]]\n").unwrap();
        assert_eq!(per_pair.radius_at(1, 0), 0.3);
        for (text, needle) in [
            ("[uncertainty]\nradius = 0.1\n", "uncertainty.set: missing"),
            (
                "[uncertainty]\nset = \"l1\"\nradius = 0.1\n",
                "uncertainty.set: \"l1\"",
            ),
            (
                "[uncertainty]\nset = \"sa-l1\"\n",
                "uncertainty.radius: missing",
            ),
            (
                "[uncertainty]\nset = \"sa-l1\"\nradius = [0.1, -1.0]\n",
                "uncertainty.radius[1]: found -1",
            ),
            (
                "[uncertainty]\nset = \"s-l1\"\nradius = [[0.1, 0.2], [0.3, 0.4]]\n",
                "one budget per state",
            ),
            (
                "[uncertainty]\nset = \"sa-l1\"\nradius = [0.1]\n",
                "uncertainty.radius",
            ),
            (
                "[uncertainty]\nset = \"sa-l1\"\nradius = 0.1\nsupport = \"some\"\n",
                "uncertainty.support",
            ),
        ] {
            let message = read(text).unwrap_err().to_string();
            assert!(message.contains(needle), "{text}: {message}");
        }
    }
}
