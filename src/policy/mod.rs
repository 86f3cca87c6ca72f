//! Policies. For now: reading tabular policies from files (`policylab evaluate --policy FILE`).

pub mod file;
