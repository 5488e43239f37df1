//! The whole pass of `oncostream run`: the caller, MSI, QC, copy-number and structural-variant
//! observers composed into one
//! [`ColumnObserver`], so each BAM is read once.

use crate::engine::{Column, ColumnObserver, RefSlice};
use crate::somatic::{
    cnv::{CnvObserver, CnvPartial},
    evidence::{CallObserver, CallPartial},
    msi::{MsiObserver, MsiPartial},
    qc::{QcObserver, QcPartial},
    sv::{SvObserver, SvPartial},
};
use crate::types::{Aln, Region, Shard};

/// Every stage of the pass.
pub struct RunObserver<'a> {
    /// Somatic caller.
    pub call: CallObserver,
    /// MSI histograms.
    pub msi: MsiObserver<'a>,
    /// QC, callable bases, identity.
    pub qc: QcObserver,
    /// Copy-number bins and heterozygous sites.
    pub cnv: CnvObserver<'a>,
    /// Split reads and discordant pairs.
    pub sv: SvObserver<'a>,
}

/// One shard's partials of every stage.
pub struct RunPartial {
    /// Caller partial.
    pub call: CallPartial,
    /// MSI partial.
    pub msi: MsiPartial,
    /// QC partial.
    pub qc: QcPartial,
    /// Copy-number partial.
    pub cnv: CnvPartial,
    /// Structural-variant evidence.
    pub sv: SvPartial,
}

impl ColumnObserver for RunObserver<'_> {
    type Partial = RunPartial;

    fn padding(&self) -> u64 {
        self.call.padding().max(self.msi.padding())
    }

    fn begin(&self, shard: &Shard, reference: &RefSlice<'_>) -> RunPartial {
        RunPartial {
            call: self.call.begin(shard, reference),
            msi: self.msi.begin(shard, reference),
            qc: self.qc.begin(shard, reference),
            cnv: self.cnv.begin(shard, reference),
            sv: self.sv.begin(shard, reference),
        }
    }

    fn read(&self, p: &mut RunPartial, sample: usize, a: &Aln<'_>, pass: bool) {
        self.qc.read(&mut p.qc, sample, a, pass);
        self.cnv.read(&mut p.cnv, sample, a, pass);
        self.sv.read(&mut p.sv, sample, a, pass);
    }

    fn overlapping(
        &self,
        p: &mut RunPartial,
        sample: usize,
        a: &Aln<'_>,
        pass: bool,
        r: &RefSlice<'_>,
    ) {
        self.call.overlapping(&mut p.call, sample, a, pass, r);
        if a.start <= (p.call_core_end() as i64) + self.msi.read_window as i64 {
            self.msi.overlapping(&mut p.msi, sample, a, pass, r);
        }
    }

    fn handles_empty(&self, p: &RunPartial) -> bool {
        self.call.handles_empty(&p.call)
            && self.msi.handles_empty(&p.msi)
            && self.qc.handles_empty(&p.qc)
            && self.cnv.handles_empty(&p.cnv)
            && self.sv.handles_empty(&p.sv)
    }

    fn empty_span(&self, p: &mut RunPartial, core: Region) {
        self.call.empty_span(&mut p.call, core);
        self.msi.empty_span(&mut p.msi, core);
        self.qc.empty_span(&mut p.qc, core);
        self.cnv.empty_span(&mut p.cnv, core);
    }

    fn column(&self, p: &mut RunPartial, c: &Column<'_>) {
        self.call.column(&mut p.call, c);
        self.qc.column(&mut p.qc, c);
        self.cnv.column(&mut p.cnv, c);
    }

    fn finish(&self, p: &mut RunPartial, r: &RefSlice<'_>) {
        self.call.finish(&mut p.call, r);
        self.msi.finish(&mut p.msi, r);
        self.qc.finish(&mut p.qc, r);
        self.cnv.finish(&mut p.cnv, r);
    }
}

impl RunPartial {
    fn call_core_end(&self) -> u64 {
        self.call.core_end()
    }
}
