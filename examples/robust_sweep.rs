//! Writes one robust sweep per benchmarked set for `benches/reference/numpy_robust.py`'s
//! cross-check: for a world file (as `policylab generate garnet` writes it), the V the benchmark
//! uses (the nominal V*, `benches/common/robust.rs`), the nominal sweep and T_𝒫 V with its Q_𝒫
//! for sa-L1 (0.5), s-L1 (0.5) and sa-KL (0.1), as one JSON object on stdout.
//!
//! `cargo run --release --example robust_sweep -- target/bench-worlds/garnet-50.json`

use std::path::Path;

use policylab::exact::bellman::backup_into;
use policylab::exact::robust::{Rule, Sweep, Workspace, sweep_into};
use policylab::world::RobustMdp;
use policylab::world::format::load;
use serde_json::{Map, Value, json};

#[path = "../benches/common/robust.rs"]
mod robust;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: robust_sweep WORLD.json");
    let mdp = load(Path::new(&path)).expect("a readable world file");
    let values = robust::fixed_values(&mdp);
    let a_count = mdp.n_actions();
    let mut q = vec![0.0; mdp.n_states() * a_count];
    backup_into(&mdp, &values, mdp.gamma(), &mut q);
    let nominal_v: Vec<f64> = q
        .chunks_exact(a_count)
        .zip(mdp.allowed_mask().chunks_exact(a_count))
        .map(|(row, mask)| {
            row.iter()
                .zip(mask)
                .filter(|&(_, &ok)| ok)
                .fold(f64::NEG_INFINITY, |m, (&x, _)| m.max(x))
        })
        .collect();
    let mut sweeps = Map::new();
    sweeps.insert("nominal".into(), json!({ "v": nominal_v, "q": q }));
    for (name, set) in robust::sets() {
        let world = RobustMdp::new(mdp.clone(), set).expect("a valid robust world");
        let mut work = Workspace::default();
        let mut out = Sweep::for_world(&world);
        sweep_into(&world, &values, Rule::Optimal, &mut work, &mut out);
        sweeps.insert(name.into(), json!({ "v": out.v, "q": out.q }));
    }
    let report = json!({
        "world": path, "states": mdp.n_states(), "actions": a_count, "gamma": mdp.gamma(),
        "values": values, "sweeps": Value::Object(sweeps),
    });
    println!("{report}");
}
