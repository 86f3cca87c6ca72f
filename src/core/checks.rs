//! The value checks every room shares: each names the parameter or field, says what was found and
//! what is allowed, so a bad value fails before any work starts. Checks that need a world (a
//! discounted horizon, a table of one row per state) stay beside the world code that knows it.

use super::error::{Error, Result};

/// Fails with a message naming the parameter when `ok` is false.
pub fn require(
    ok: bool,
    parameter: &str,
    found: impl std::fmt::Display,
    allowed: &str,
) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            parameter,
            format!("found {found}"),
            format!("expected {allowed}"),
        ))
    }
}

/// Checks that a parameter is finite and positive, naming it otherwise.
pub fn require_positive(parameter: &str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::invalid(
            parameter,
            format!("found {value}"),
            "expected a finite positive number",
        ))
    }
}

/// Checks that a count parameter (epochs, episodes, iterations) is at least 1.
pub fn require_at_least_one(parameter: &str, value: usize) -> Result<()> {
    if value >= 1 {
        Ok(())
    } else {
        Err(Error::invalid(parameter, "found 0", "expected at least 1"))
    }
}

/// Checks a discount for a discounted world: 0 ≤ γ < 1.
pub fn require_gamma(gamma: f64) -> Result<()> {
    require(
        (0.0..1.0).contains(&gamma),
        "gamma",
        gamma,
        "0 <= gamma < 1",
    )
}

/// Checks a probability parameter: a number in [0, 1].
pub fn require_probability(value: f64, parameter: &str) -> Result<()> {
    require(
        (0.0..=1.0).contains(&value),
        parameter,
        value,
        "a probability in [0, 1]",
    )
}

/// Checks a fraction in (0, 1] (of tokens, of a batch).
pub fn require_fraction(field: &str, fraction: f64) -> Result<()> {
    if fraction.is_finite() && fraction > 0.0 && fraction <= 1.0 {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("found {fraction}"),
            "expected a fraction in (0, 1]",
        ))
    }
}

/// Checks a penalty or bonus coefficient (written `symbol` in the message) is finite and ≥ 0.
pub fn require_coefficient(parameter: &str, symbol: &str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(Error::invalid(
            parameter,
            format!("found {value}"),
            format!("expected a finite {symbol} ≥ 0"),
        ))
    }
}

/// Checks a clipping range ε ∈ (0, 1] (a lower clip of 1 − ε must stay positive or zero).
pub fn require_clip_range(parameter: &str, epsilon: f64) -> Result<()> {
    if epsilon.is_finite() && epsilon > 0.0 && epsilon <= 1.0 {
        Ok(())
    } else {
        Err(Error::invalid(
            parameter,
            format!("found {epsilon}"),
            "expected a clipping range in (0, 1]",
        ))
    }
}

/// Checks an entropy temperature τ > 0.
pub fn require_temperature(temperature: f64) -> Result<()> {
    if temperature.is_finite() && temperature > 0.0 {
        Ok(())
    } else {
        Err(Error::invalid(
            "temperature",
            format!("found {temperature}"),
            "expected a temperature tau > 0",
        ))
    }
}

/// Checks that `values` holds only finite numbers; the error names `field`, how many values are
/// not finite and where the first few are.
pub fn require_finite(field: &str, values: &[f64]) -> Result<()> {
    let bad: Vec<(usize, f64)> = values
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, x)| !x.is_finite())
        .collect();
    if bad.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = bad
        .iter()
        .take(3)
        .map(|(i, x)| format!("{x} at index {i}"))
        .collect();
    Err(Error::invalid(
        field,
        format!(
            "found {} non-finite value(s) among {}: {}{}",
            bad.len(),
            values.len(),
            shown.join(", "),
            if bad.len() > 3 { ", …" } else { "" }
        ),
        "expected finite numbers (a NaN usually means a diverged run)",
    ))
}

/// Checks K ≥ 2 arms.
pub fn require_arms(k: usize) -> Result<()> {
    if k >= 2 {
        Ok(())
    } else {
        Err(Error::invalid(
            "arms",
            format!("found {k}"),
            "a bandit needs at least 2 arms",
        ))
    }
}

/// Checks that `arm` is one of the `k` arms.
pub fn require_arm(arm: usize, k: usize) -> Result<()> {
    if arm < k {
        Ok(())
    } else {
        Err(Error::invalid(
            "arm",
            format!("found {arm}"),
            format!("expected an arm index below {k}"),
        ))
    }
}

/// Checks that a reward lies in [0, 1] (the algorithms for bounded rewards need it).
pub fn require_unit_reward(reward: f64) -> Result<()> {
    if (0.0..=1.0).contains(&reward) {
        Ok(())
    } else {
        Err(Error::invalid(
            "reward",
            format!("found {reward}"),
            "this learner needs rewards in [0, 1]",
        ))
    }
}

/// Checks that a reward is finite.
pub fn require_finite_reward(reward: f64) -> Result<()> {
    if reward.is_finite() {
        Ok(())
    } else {
        Err(Error::invalid(
            "reward",
            format!("found {reward}"),
            "rewards must be finite",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_names_its_field_and_passes_the_edges_it_allows() {
        assert!(require_positive("eta", 1e-300).is_ok());
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let message = require_positive("eta", bad).unwrap_err().to_string();
            assert!(
                message.contains("eta") && message.contains("positive"),
                "{message}"
            );
        }
        assert!(require_at_least_one("epochs", 0).is_err());
        assert!(require_gamma(0.0).is_ok() && require_gamma(1.0).is_err());
        assert!(require_gamma(f64::NAN).is_err());
        assert!(require_probability(1.0, "p").is_ok() && require_probability(-0.0, "p").is_ok());
        assert!(require_probability(1.0 + 1e-12, "p").is_err());
        assert!(require_fraction("f", 1.0).is_ok() && require_fraction("f", 0.0).is_err());
        assert!(require_coefficient("beta", "β", 0.0).is_ok());
        assert!(require_coefficient("beta", "β", -1e-300).is_err());
        assert!(
            require_clip_range("clip", 1.0).is_ok() && require_clip_range("clip", 0.0).is_err()
        );
        assert!(require_temperature(0.0).is_err());
        assert!(require_arms(1).is_err() && require_arms(2).is_ok());
        assert!(require_arm(2, 2).is_err() && require_arm(1, 2).is_ok());
        assert!(require_unit_reward(1.5).is_err() && require_finite_reward(f64::NAN).is_err());
        let message = require_finite("returns", &[1.0, f64::NAN, 2.0, f64::INFINITY])
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("returns") && message.contains("2 non-finite"),
            "{message}"
        );
    }

    #[test]
    fn non_finite_values_are_named() {
        let message = require_finite("samples", &[1.0, f64::NAN, 2.0, f64::INFINITY])
            .unwrap_err()
            .to_string();
        assert!(message.contains("samples"), "{message}");
        assert!(message.contains("2 non-finite"), "{message}");
        assert!(message.contains("NaN at index 1"), "{message}");
        assert!(require_finite("samples", &[0.0, -1.0]).is_ok());
    }
}
