//! `solve` and `evaluate` on a robust world (`--uncertainty`, a file's `[uncertainty]` table, or a
//! CRAAM file with outcomes): robust values in the same shape as nominal ones, with nature's
//! worst-case kernel and the nominal numbers beside them.

use std::process::ExitCode;

use ndarray::ArrayView2;
use serde_json::{Value, json};

use super::output::{matrix, number, print_json, say, vector};
use super::solve::{Method, print_values};
use crate::core::error::Result;
use crate::exact::robust::{
    Choice, RobustEvaluation, iwocs, robust_evaluate, robust_partial_policy_iteration,
    robust_policy_iteration, robust_value_iteration,
};
use crate::exact::{evaluate, policy_iteration};
use crate::world::{RobustMdp, TabularMdp};

/// The worst case as native transitions: `[s][a] = [[probability, next_state, reward], …]`
/// (outcomes of probability 0 left out), so it can be pasted into a world file.
pub fn worst_case_json(worst_case: &TabularMdp) -> Value {
    let rows: Vec<Value> = (0..worst_case.n_states())
        .map(|s| {
            let actions: Vec<Value> = (0..worst_case.n_actions())
                .map(|a| {
                    let outcomes: Vec<Value> = worst_case
                        .outcomes(s, a)
                        .iter()
                        .filter(|o| o.probability > 0.0)
                        .map(|o| {
                            if o.done {
                                json!([o.probability, o.next_state, o.reward, true])
                            } else {
                                json!([o.probability, o.next_state, o.reward])
                            }
                        })
                        .collect();
                    Value::Array(outcomes)
                })
                .collect();
            Value::Array(actions)
        })
        .collect();
    Value::Array(rows)
}

fn kernel_choice_json(world: &RobustMdp, choice: &Choice) -> Value {
    match choice {
        Choice::Kernels(k) => Value::Array(
            k.chunks(world.n_actions().max(1))
                .map(|row| json!(row))
                .collect(),
        ),
        Choice::Distributions(_) => Value::Null,
    }
}

fn uncertainty_json(world: &RobustMdp) -> Value {
    let set = world.set();
    json!({
        "set": set.shape().name(), "support": set.support().name(),
        "description": set.describe(), "kernels": world.kernels().len(),
    })
}

/// `solve` on a robust world.
pub fn solve(
    world: &RobustMdp,
    method: Method,
    tolerance: f64,
    max_iterations: usize,
    json: bool,
) -> Result<ExitCode> {
    let nominal = world.nominal();
    let solution = match method {
        Method::Pi => robust_policy_iteration(world, tolerance, max_iterations)?,
        Method::Vi => robust_value_iteration(world, tolerance, max_iterations)?,
        Method::Ppi => robust_partial_policy_iteration(world, tolerance, max_iterations)?,
        Method::Iwocs => return solve_iwocs(world, tolerance, max_iterations, json),
    };
    let objective = nominal.initial().dot(&solution.v);
    let worst_case = solution.choice.world(world)?;
    let nominal_of_robust = evaluate(nominal, solution.policy.view())?.objective(nominal);
    let nominal_optimum = policy_iteration(nominal, max_iterations)?;
    let nominal_optimal_objective = nominal.initial().dot(&nominal_optimum.v);
    let worst_of_nominal = robust_evaluate(world, nominal_optimum.policy.view())?.objective();
    let method_name = match method {
        Method::Pi => "robust-policy-iteration",
        Method::Ppi => "robust-partial-policy-iteration",
        Method::Vi | Method::Iwocs => "robust-value-iteration",
    };
    if json {
        print_json(&json!({
            "world": nominal.name(), "states": nominal.n_states(), "actions": nominal.n_actions(),
            "gamma": nominal.gamma(), "method": method_name, "uncertainty": uncertainty_json(world),
            "iterations": solution.iterations, "value_error_bound": solution.value_error_bound,
            "residual": solution.residual, "objective": objective,
            "v": vector(&solution.v), "q": matrix(&solution.q), "policy": matrix(&solution.policy),
            "worst_case": worst_case_json(&worst_case),
            "worst_case_kernel": kernel_choice_json(world, &solution.choice),
            "nominal_objective": nominal_of_robust,
            "nominal_optimal_objective": nominal_optimal_objective,
            "nominal_optimal_policy_worst_case_objective": worst_of_nominal,
        }));
        return Ok(ExitCode::SUCCESS);
    }
    say!(
        "{}: {} states, {} actions, gamma {}",
        nominal.name(),
        nominal.n_states(),
        nominal.n_actions(),
        nominal.gamma()
    );
    say!("uncertainty: {}", world.set().describe());
    match method {
        Method::Pi => say!(
            "method: robust policy iteration, {} improvement steps; ‖T V − V‖∞ = {:.2e}",
            solution.iterations,
            solution.residual
        ),
        Method::Ppi => say!(
            "method: robust partial policy iteration, {} improvement steps; ‖V − V*‖∞ ≤ {:.2e}",
            solution.iterations,
            solution.value_error_bound
        ),
        Method::Vi | Method::Iwocs => say!(
            "method: robust value iteration, {} sweeps; ‖V − V*‖∞ ≤ {:.2e}",
            solution.iterations,
            solution.value_error_bound
        ),
    }
    say!(
        "robust J = ρᵀV*_P = {}   (this policy on the nominal world: {}; nominal optimum {}, \
         whose worst case is {})",
        number(objective),
        number(nominal_of_robust),
        number(nominal_optimal_objective),
        number(worst_of_nominal)
    );
    print_values(nominal, &solution.v, &solution.q, &solution.policy, "V*_P");
    say!("(--json adds nature's worst-case kernel against this policy)");
    Ok(ExitCode::SUCCESS)
}

/// `solve --method iwocs`: the incremental worst-case search's bounds, trace and policy.
fn solve_iwocs(
    world: &RobustMdp,
    tolerance: f64,
    max_iterations: usize,
    json: bool,
) -> Result<ExitCode> {
    let nominal = world.nominal();
    let solution = iwocs(world, tolerance, max_iterations)?;
    let model = if world.kernels().is_empty() {
        "rectangular (static = dynamic for a stationary policy)"
    } else {
        "static: one kernel of the finite set for the whole run"
    };
    if json {
        let trace: Vec<Value> = solution
            .trace
            .iter()
            .map(|t| json!({"models": t.models, "lower": t.lower, "upper": t.upper}))
            .collect();
        print_json(&json!({
            "world": nominal.name(), "states": nominal.n_states(), "actions": nominal.n_actions(),
            "gamma": nominal.gamma(), "method": "iwocs", "uncertainty": uncertainty_json(world),
            "model": model, "lower": solution.lower, "upper": solution.upper,
            "objective": solution.lower, "policy": matrix(&solution.policy), "trace": trace,
            "models_found": solution.models.len(),
        }));
        return Ok(ExitCode::SUCCESS);
    }
    say!(
        "{}: uncertainty {}; model {model}",
        nominal.name(),
        world.set().describe()
    );
    say!(
        "method: IWOCS, {} iterations, {} models found",
        solution.trace.len(),
        solution.models.len()
    );
    for (i, t) in solution.trace.iter().enumerate() {
        say!(
            "  iteration {i}: {} models, {} <= robust J <= {}",
            t.models,
            number(t.lower),
            number(t.upper)
        );
    }
    say!(
        "best policy's worst case J = {}; the robust value lies in [{}, {}]",
        number(solution.lower),
        number(solution.lower),
        number(solution.upper)
    );
    Ok(ExitCode::SUCCESS)
}

/// `evaluate` on a robust world.
pub fn evaluate_policy(
    world: &RobustMdp,
    policy: ArrayView2<'_, f64>,
    json: bool,
) -> Result<ExitCode> {
    let nominal = world.nominal();
    let RobustEvaluation {
        worst_case,
        choice,
        values,
        occupancy,
        residual,
        steps,
    } = robust_evaluate(world, policy)?;
    let objective = values.objective(&worst_case);
    let nominal_objective = evaluate(nominal, policy)?.objective(nominal);
    if json {
        print_json(&json!({
            "world": nominal.name(), "gamma": nominal.gamma(), "uncertainty": uncertainty_json(world),
            "objective": objective, "nominal_objective": nominal_objective,
            "v": vector(&values.v), "q": matrix(&values.q), "advantage": matrix(&values.advantage()),
            "policy": matrix(&policy.to_owned()), "occupancy": vector(&occupancy),
            "worst_case": worst_case_json(&worst_case),
            "worst_case_kernel": kernel_choice_json(world, &choice),
            "nature_steps": steps, "residual": residual,
        }));
        return Ok(ExitCode::SUCCESS);
    }
    say!("{}: uncertainty {}", nominal.name(), world.set().describe());
    say!(
        "robust J(π) = {}   (nominal J(π) = {}); nature's policy iteration: {steps} steps, \
         ‖T^π V − V‖∞ = {residual:.2e}",
        number(objective),
        number(nominal_objective)
    );
    print_values(nominal, &values.v, &values.q, &policy.to_owned(), "V^π_P");
    Ok(ExitCode::SUCCESS)
}
