//! `kb validate`: check a knowledge base (the built-in one, or a file).

use std::path::Path;

use anyhow::Result;

use super::clinical_inputs::{load_kb, LoadedKb};
use crate::clinical::oncotree::OncoTree;

/// Loads and validates a KB (every bad row reported as `file:line: reason`, exit 65).
pub fn validate_kb(path: Option<&Path>) -> Result<LoadedKb> {
    load_kb(path, &OncoTree::bundled())
}
