//! File formats: load → save → load is the identity, JSON and TOML say the same thing, Gymnasium
//! P-tables load as is, and the documented example means what mdps/README.md says.

use std::path::Path;

use policylab::exact::policy_iteration;
use policylab::world::format::{self, SourceFormat, Syntax, native};
use policylab::world::generate::{
    BanditParams, ChainParams, ForestParams, GarnetParams, GridworldParams, HardChainParams,
};
use policylab::world::{Horizon, TabularMdp};

mod common;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn generated() -> Vec<TabularMdp> {
    vec![
        ChainParams::default().build().unwrap(),
        ForestParams {
            states: 6,
            ..ForestParams::default()
        }
        .build()
        .unwrap(),
        GarnetParams {
            states: 40,
            actions: 5,
            branching: 7,
            gamma: 0.95,
            seed: 3,
        }
        .build()
        .unwrap(),
        GridworldParams {
            slip: 0.3,
            step_reward: -0.04,
            ..GridworldParams::default()
        }
        .build()
        .unwrap(),
        BanditParams {
            means: vec![0.25, 0.5],
            bernoulli: true,
        }
        .build()
        .unwrap(),
        HardChainParams {
            length: 5,
            buffer2: 3,
            boosters: 2,
            states: 0,
            ..HardChainParams::default()
        }
        .build()
        .unwrap(),
        GarnetParams::default()
            .build()
            .unwrap()
            .with_horizon(Horizon::Finite {
                steps: 7,
                gamma: 1.0,
            })
            .unwrap(),
    ]
}

fn all_worlds() -> Vec<(String, TabularMdp)> {
    let mut worlds = common::shipped_worlds();
    worlds.push((
        "taxi".into(),
        format::load(&root().join("tests/data/taxi.json")).unwrap(),
    ));
    worlds.extend(generated().into_iter().map(|m| (m.name().to_string(), m)));
    worlds
}

#[test]
fn load_save_load_is_the_identity() {
    let dir = tempfile::tempdir().unwrap();
    for (name, mdp) in all_worlds() {
        for (syntax, extension) in [(Syntax::Json, "json"), (Syntax::Toml, "toml")] {
            let path = dir.path().join(format!("world.{extension}"));
            format::save(&mdp, &path).unwrap();
            let again = format::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(again, mdp, "{name} through {extension}");
            // Saving the reloaded world writes the same text: the format is stable.
            assert_eq!(
                native::to_string(&again, syntax),
                std::fs::read_to_string(&path).unwrap()
            );
        }
    }
}

#[test]
fn shipped_generated_worlds_are_what_their_commands_make() {
    // mdps/README.md lists the command that made each generated file; the generators still make
    // exactly those worlds.
    let cases: Vec<(&str, TabularMdp)> = vec![
        ("mdps/forest.toml", ForestParams::default().build().unwrap()),
        (
            "mdps/bandit3.toml",
            BanditParams::default().build().unwrap(),
        ),
        (
            "mdps/garnet-20-4-3.toml",
            GarnetParams {
                states: 20,
                actions: 4,
                branching: 3,
                gamma: 0.9,
                seed: 2021,
            }
            .build()
            .unwrap(),
        ),
        (
            "mdps/li2021-chain.json",
            HardChainParams::default().build().unwrap(),
        ),
        ("mdps/chain5.toml", ChainParams::default().build().unwrap()),
    ];
    for (file, expected) in cases {
        let mut loaded = format::load(&root().join(file)).unwrap();
        // The file's name field is the generator's name.
        assert_eq!(loaded.name(), expected.name(), "{file}");
        loaded = loaded.with_gamma(expected.gamma()).unwrap();
        assert_eq!(loaded, expected, "{file}");
    }
}

#[test]
fn generators_are_deterministic_in_their_seed() {
    let make = |seed| {
        GarnetParams {
            seed,
            ..GarnetParams::default()
        }
        .build()
        .unwrap()
    };
    assert_eq!(
        native::to_string(&make(5), Syntax::Json),
        native::to_string(&make(5), Syntax::Json)
    );
    assert_ne!(make(5), make(6));
    // Garnet structure: b distinct next states per (s, a), rewards in [0, 1).
    let mdp = GarnetParams {
        states: 30,
        actions: 2,
        branching: 4,
        gamma: 0.9,
        seed: 1,
    }
    .build()
    .unwrap();
    for s in 0..30 {
        for a in 0..2 {
            let outcomes = mdp.outcomes(s, a);
            assert_eq!(outcomes.len(), 4);
            let mut next: Vec<usize> = outcomes.iter().map(|o| o.next_state).collect();
            next.sort();
            next.dedup();
            assert_eq!(next.len(), 4);
            assert!((0.0..1.0).contains(&outcomes[0].reward));
        }
    }
}

#[test]
fn gymnasium_p_table_loads_as_is() {
    let path = root().join("mdps/frozenlake4x4.json");
    let (mdp, source) = format::load_with_format(&path).unwrap();
    assert_eq!(source, SourceFormat::GymnasiumPTable);
    assert_eq!((mdp.n_states(), mdp.n_actions()), (16, 4));
    assert_eq!(mdp.initial()[0], 1.0);
    // State 0, action 0 lists next state 0 twice: the kernel merges them (1/3 + 1/3).
    let (next, probability) = mdp.kernel().row(0, 0);
    assert_eq!(next, &[0, 4]);
    assert!((probability[0] - 2.0 / 3.0).abs() < 1e-12);
    // The same world written natively and read back solves identically.
    let text = native::to_string(&mdp, Syntax::Toml);
    let (native_world, source) = format::parse(&text, Syntax::Toml, "inline", "x").unwrap();
    assert_eq!(source, SourceFormat::NativeToml);
    let a = policy_iteration(&mdp, 100).unwrap();
    let b = policy_iteration(&native_world, 100).unwrap();
    assert_eq!(a.v, b.v);
}

#[test]
fn json_and_toml_spell_the_same_world() {
    let toml = r#"
gamma = 0.5
states = 2
actions = ["stay", "go"]
transitions = [
  [[[1.0, 0, 1.0]], [[1.0, 1]]],
  [[[1.0, 1, 2.0]], [[0.5, 0], [0.5, 1, 0.0, true]]],
]
"#;
    let json = r#"{"gamma": 0.5, "states": 2, "actions": ["stay", "go"],
      "transitions": [[[[1.0, 0, 1.0]], [[1.0, 1]]], [[[1.0, 1, 2.0]], [[0.5, 0], [0.5, 1, 0.0, true]]]]}"#;
    let (a, _) = format::parse(toml, Syntax::Toml, "a.toml", "two").unwrap();
    let (b, _) = format::parse(json, Syntax::Json, "b.json", "two").unwrap();
    assert_eq!(a, b);
    assert_eq!(
        a.initial().to_vec(),
        vec![0.5, 0.5],
        "ρ defaults to uniform"
    );
}

/// mdps/README.md: V*(street) = 8/(1 − 0.9·0.1), V*(home) = (−1 + 0.9·0.8·V*(street))/(1 − 0.9·0.2).
#[test]
fn the_documented_example_means_what_the_readme_says() {
    let mdp = format::load(&root().join("mdps/example.toml")).unwrap();
    let street = 8.0 / (1.0 - 0.9 * 0.1);
    let home = (-1.0 + 0.9 * 0.8 * street) / (1.0 - 0.9 * 0.2);
    let solution = policy_iteration(&mdp, 100).unwrap();
    assert!((solution.v[1] - street).abs() < 1e-12);
    assert!((solution.v[0] - home).abs() < 1e-12);
    assert_eq!(solution.v[2], 0.0);
    assert_eq!(solution.actions[..2], [0, 0]);
    assert_eq!(mdp.terminal_states(), vec![2]);
    assert_eq!(mdp.state_label(1), "street");
    assert_eq!(mdp.action_label(1, 1), "wait");
}

#[test]
fn saving_is_atomic_and_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/folder/world.json");
    let mdp = ForestParams::default().build().unwrap();
    format::save(&mdp, &path).unwrap();
    format::save(&mdp, &path).unwrap();
    let names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["world.json".to_string()]);
}
