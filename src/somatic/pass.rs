//! The whole pass of `oncostream run`: the caller, MSI and QC observers composed into one
//! [`ColumnObserver`], so each BAM is read once.

use crate::engine::{Column, ColumnObserver, RefSlice};
use crate::somatic::{
    evidence::{CallObserver, CallPartial},
    msi::{MsiObserver, MsiPartial},
    qc::{QcObserver, QcPartial},
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
}

/// One shard's partials of every stage.
pub struct RunPartial {
    /// Caller partial.
    pub call: CallPartial,
    /// MSI partial.
    pub msi: MsiPartial,
    /// QC partial.
    pub qc: QcPartial,
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
        }
    }

    fn read(&self, p: &mut RunPartial, sample: usize, a: &Aln<'_>, pass: bool) {
        self.qc.read(&mut p.qc, sample, a, pass);
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
    }

    fn empty_span(&self, p: &mut RunPartial, core: Region) {
        self.call.empty_span(&mut p.call, core);
        self.msi.empty_span(&mut p.msi, core);
        self.qc.empty_span(&mut p.qc, core);
    }

    fn column(&self, p: &mut RunPartial, c: &Column<'_>) {
        self.call.column(&mut p.call, c);
        self.qc.column(&mut p.qc, c);
    }

    fn finish(&self, p: &mut RunPartial, r: &RefSlice<'_>) {
        self.call.finish(&mut p.call, r);
        self.msi.finish(&mut p.msi, r);
        self.qc.finish(&mut p.qc, r);
    }
}

impl RunPartial {
    fn call_core_end(&self) -> u64 {
        self.call.core_end()
    }
}
