//! The one integration-test binary: peers, determinism, CLI errors, metrics, somatic calling,
//! biomarkers, annotation, tiering, reports, up-front validation and output safety, schemas.

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

#[path = "suite/artifacts.rs"]
mod artifacts;

#[path = "suite/annotation.rs"]
mod annotation;

#[path = "suite/tiering.rs"]
mod tiering;

#[path = "suite/report.rs"]
mod report;

#[path = "suite/validation.rs"]
mod validation;

#[path = "suite/schema.rs"]
mod schema;

#[path = "suite/wgs.rs"]
mod wgs;

#[path = "suite/structural.rs"]
mod structural;

#[path = "suite/junctions.rs"]
mod junctions;

#[path = "suite/batch.rs"]
mod batch;

#[path = "suite/evidence.rs"]
mod evidence;

#[path = "suite/stage_example.rs"]
mod stage_example;

#[path = "suite/layers.rs"]
mod layers;

#[path = "suite/docs.rs"]
mod docs;

#[path = "suite/monitor.rs"]
mod monitor;

#[path = "suite/robustness.rs"]
mod robustness;

#[path = "suite/exports.rs"]
mod exports;

#[path = "suite/external_structural.rs"]
mod external_structural;
