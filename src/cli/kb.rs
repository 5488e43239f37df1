//! `oncostream kb validate`: check a knowledge-base file (every bad row reported with file:line).

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};

use crate::pipeline::kb::validate_kb;

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
        /// KB file (default: the KB built into this binary).
        #[arg(long)]
        kb: Option<PathBuf>,
    },
}

/// Runs the command.
pub fn run(args: &KbArgs) -> Result<()> {
    match &args.action {
        KbAction::Validate { kb } => {
            let k = validate_kb(kb.as_deref())?;
            println!(
                "{}: ok, {} evidence items, version {}, date {}",
                k.info.path,
                k.kb.items.len(),
                k.kb.version,
                k.kb.date
            );
            Ok(())
        }
    }
}
