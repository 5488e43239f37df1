//! The one integration-test binary: peers, determinism, CLI errors, metrics.

#[path = "suite/util.rs"]
mod util;

#[path = "suite/peers.rs"]
mod peers;

#[path = "suite/determinism.rs"]
mod determinism;

#[path = "suite/errors.rs"]
mod errors;

#[path = "suite/metrics.rs"]
mod metrics;

#[path = "suite/somatic.rs"]
mod somatic;

#[path = "suite/biomarkers.rs"]
mod biomarkers;

#[path = "suite/annotation.rs"]
mod annotation;

#[path = "suite/tiering.rs"]
mod tiering;

#[path = "suite/report.rs"]
mod report;
