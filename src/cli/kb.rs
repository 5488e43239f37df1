//! `oncostream kb validate`: check a knowledge-base file (every bad row reported with file:line).

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};

use crate::clinical::{kb, oncotree::OncoTree};

/// `oncostream kb ...`
#[derive(Args, Debug)]
pub struct KbArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: KbAction,
}

/// KB actions.
#[derive(Subcommand, Debug)]
pub enum KbAction {
    /// Validate a KB TSV against the format and the bundled OncoTree.
    Validate {
        /// KB file (default: the bundled starter KB).
        #[arg(long)]
        kb: Option<PathBuf>,
    },
}

/// The starter KB shipped in `data/kb`.
pub fn default_kb() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/kb/oncostream_starter_kb.tsv")
}

/// Runs the command.
pub fn run(args: &KbArgs) -> Result<()> {
    match &args.action {
        KbAction::Validate { kb: path } => {
            let path = path.clone().unwrap_or_else(default_kb);
            let k = kb::load(&path, &OncoTree::bundled())?;
            println!(
                "{}: ok, {} evidence items, version {}, date {}",
                path.display(),
                k.items.len(),
                k.version,
                k.date
            );
            Ok(())
        }
    }
}
