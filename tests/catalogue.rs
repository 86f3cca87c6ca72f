//! Adding an algorithm is one file and one line: a toy algorithm written here as that one file
//! would be (a validated value, an `Algorithm` impl for any world, an `entry()`), run through the
//! catalogue's own path (`run_entry`, what `run_named` does after the lookup), with the checks a
//! listed algorithm gets.

use policylab::algo::Algorithm;
use policylab::algo::catalogue::{ANY_WORLD, AlgorithmEntry, algorithms, run_entry};
use policylab::core::checks::require_probability;
use policylab::core::error::Result;
use policylab::core::parameters::parameter;
use policylab::core::record::Record;
use policylab::exact::Problem;
use policylab::metrics::PolicySnapshot;
use policylab::world::World;
use policylab::world::generate::GarnetParams;
use rand_chacha::ChaCha8Rng;

/// Moves a fraction `mix` of each state's probability onto the greedy action of Q^π (a
/// conservative policy iteration step, Kakade & Langford 2002, with a fixed mixture weight).
struct ToyMixing {
    mix: f64,
}

impl ToyMixing {
    fn new(mix: f64) -> Result<Self> {
        require_probability(mix, "mix")?;
        Ok(ToyMixing { mix })
    }
}

impl<W: World + ?Sized> Algorithm<W> for ToyMixing {
    type State = ndarray::Array2<f64>;

    fn name(&self) -> &'static str {
        "toy-mixing"
    }

    fn initial_state(&self, world: &W) -> Result<Self::State> {
        Ok(policylab::policy::direct::uniform_table(world))
    }

    fn step(
        &self,
        world: &W,
        policy: Self::State,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(Self::State, Record)> {
        let (snapshot, record) = PolicySnapshot::measure(world, vec![policy])?;
        let q = &snapshot.stationary().q;
        let mut next = &snapshot.probabilities[0] * (1.0 - self.mix);
        for (s, row) in q.rows().into_iter().enumerate() {
            let best = (0..row.len())
                .max_by(|&a, &b| row[a].total_cmp(&row[b]))
                .expect("a state has actions");
            next[[s, best]] += self.mix;
        }
        Ok((next, record))
    }
}

fn entry() -> AlgorithmEntry {
    AlgorithmEntry {
        name: "toy-mixing",
        summary: "conservative policy iteration with a fixed mixture (a test of the catalogue)",
        worlds: ANY_WORLD,
        parameters: vec![parameter("mix", 0.5, "mixture weight α ∈ [0, 1]")],
        run: |values, world, run| run.go(&ToyMixing::new(values.real("mix"))?, world),
    }
}

#[test]
fn a_new_entry_runs_through_the_catalogue_path_with_its_checks() {
    let problem = Problem::new(GarnetParams::default().build().unwrap()).unwrap();
    assert!(algorithms().iter().all(|a| a.name != "toy-mixing"));
    let mut gaps = Vec::new();
    run_entry(&entry(), &[], &problem, 30, 0, &mut |_, record| {
        gaps.push(record.get("gap").unwrap());
        true
    })
    .unwrap();
    assert!(gaps[29] < 1e-6 * gaps[0], "{} -> {}", gaps[0], gaps[29]);
    let mut never = |_: usize, _: &Record| -> bool { panic!("a refused run takes no step") };
    let bad_value = [("mix".to_string(), 1.5)];
    let message = run_entry(&entry(), &bad_value, &problem, 1, 0, &mut never)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("mix") && message.contains("[0, 1]"),
        "{message}"
    );
    let bad_name = [("mixture".to_string(), 0.5)];
    let message = run_entry(&entry(), &bad_name, &problem, 1, 0, &mut never)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("`mixture`") && message.contains("mix"),
        "{message}"
    );
}
