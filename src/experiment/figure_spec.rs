//! `[[figure]]` in an experiment file: a figure `policylab plot OUT` draws from the results — one
//! metric against the step (or another column), one panel per world, one line per run label with
//! the mean over seeds and its 95% bootstrap band.
//!
//! ```toml
//! [[figure]]
//! metric = "gap"            # a recorded metric (a column of results.csv); required
//! x = "step"                # the horizontal axis (default: step)
//! log_x = true              # logarithmic axes (default: false)
//! log_y = true
//! title = "Sublinear rates" # default: the experiment's title and the metric
//! file = "gap"              # figures/FILE.png and .svg in the output folder (default: the metric)
//! labels = ["softmax PG"]   # only these run labels (default: every label)
//! ```
//!
//! The keys are checked when the experiment is read (an unknown key or a wrong type is an error
//! naming the figure); the metric and the labels are checked against the results when it is
//! drawn, since which metrics an algorithm records is known once it ran.

use serde::{Deserialize, Serialize};

use crate::core::error::{Error, Result};

/// One `[[figure]]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FigureSpec {
    pub metric: String,
    #[serde(default = "step")]
    pub x: String,
    #[serde(default)]
    pub log_x: bool,
    #[serde(default)]
    pub log_y: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
}

fn step() -> String {
    "step".to_string()
}

impl FigureSpec {
    /// A figure of `metric` against the step with the default settings.
    pub fn of(metric: &str) -> Self {
        FigureSpec {
            metric: metric.to_string(),
            x: step(),
            log_x: false,
            log_y: false,
            title: None,
            file: None,
            labels: None,
        }
    }

    /// The stem of the files it is written to.
    pub fn stem(&self) -> &str {
        self.file.as_deref().unwrap_or(&self.metric)
    }

    /// Checks what can be checked before the results exist: a non-empty metric, and a file stem
    /// that stays inside the figures folder.
    pub fn validate(&self) -> Result<()> {
        if self.metric.trim().is_empty() {
            return Err(Error::invalid(
                "metric",
                "empty",
                "a recorded metric, e.g. \"gap\"",
            ));
        }
        let stem = self.stem();
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if stem.is_empty() || stem.starts_with('.') || !stem.chars().all(allowed) {
            return Err(Error::invalid(
                "file",
                format!("`{stem}`"),
                "a file name of letters, digits, - _ . (not starting with a dot); it is \
                 written under OUT/figures/",
            ));
        }
        if self.labels.as_ref().is_some_and(Vec::is_empty) {
            return Err(Error::invalid(
                "labels",
                "an empty list",
                "at least one run label, or no `labels` key",
            ));
        }
        Ok(())
    }
}
