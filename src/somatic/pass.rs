//! The whole pass of `oncostream run`: the caller, MSI, QC, copy-number and structural-variant
//! observers (and one optional extra stage's) composed into one [`ColumnObserver`], so each BAM
//! is read once.

use crate::engine::{Column, ColumnObserver, RefSlice};
use crate::somatic::{
    cnv::{CnvObserver, CnvPartial},
    evidence::{CallObserver, CallPartial},
    msi::{MsiObserver, MsiPartial},
    qc::{QcObserver, QcPartial},
    sv::{SvObserver, SvPartial},
};
use crate::types::{Aln, Region, Shard};

/// Every stage of the pass; `X` is an extra stage's observer ([`crate::engine::NoObserver`]
/// when there is none).
pub struct RunObserver<'a, X> {
    /// Somatic caller.
    pub call: CallObserver,
    /// MSI histograms.
    pub msi: MsiObserver<'a>,
    /// QC, callable bases, identity.
    pub qc: QcObserver,
    /// Copy-number bins and heterozygous sites; split reads and discordant pairs.
    pub structural: (CnvObserver<'a>, SvObserver<'a>),
    /// An extra stage.
    pub extra: X,
}

/// One shard's partials of every stage.
pub struct RunPartial<X> {
    /// Caller partial.
    pub call: CallPartial,
    /// MSI partial.
    pub msi: MsiPartial,
    /// QC partial.
    pub qc: QcPartial,
    /// Copy-number partial and structural-variant evidence.
    pub structural: (CnvPartial, SvPartial),
    /// The extra stage's partial.
    pub extra: X,
}

impl<X: ColumnObserver> ColumnObserver for RunObserver<'_, X> {
    type Partial = RunPartial<X::Partial>;

    fn padding(&self) -> u64 {
        self.call
            .padding()
            .max(self.msi.padding())
            .max(self.extra.padding())
    }

    fn begin(&self, shard: &Shard, reference: &RefSlice<'_>) -> Self::Partial {
        RunPartial {
            call: self.call.begin(shard, reference),
            msi: self.msi.begin(shard, reference),
            qc: self.qc.begin(shard, reference),
            structural: self.structural.begin(shard, reference),
            extra: self.extra.begin(shard, reference),
        }
    }

    fn read(&self, p: &mut Self::Partial, sample: usize, a: &Aln<'_>, pass: bool) {
        self.qc.read(&mut p.qc, sample, a, pass);
        self.structural.read(&mut p.structural, sample, a, pass);
        self.extra.read(&mut p.extra, sample, a, pass);
    }

    fn overlapping(
        &self,
        p: &mut Self::Partial,
        sample: usize,
        a: &Aln<'_>,
        pass: bool,
        r: &RefSlice<'_>,
    ) {
        self.call.overlapping(&mut p.call, sample, a, pass, r);
        if a.start <= (p.call.core_end() as i64) + self.msi.read_window as i64 {
            self.msi.overlapping(&mut p.msi, sample, a, pass, r);
        }
        self.extra.overlapping(&mut p.extra, sample, a, pass, r);
    }

    fn handles_empty(&self, p: &Self::Partial) -> bool {
        self.call.handles_empty(&p.call)
            && self.msi.handles_empty(&p.msi)
            && self.qc.handles_empty(&p.qc)
            && self.structural.handles_empty(&p.structural)
            && self.extra.handles_empty(&p.extra)
    }

    fn empty_span(&self, p: &mut Self::Partial, core: Region) {
        self.call.empty_span(&mut p.call, core);
        self.msi.empty_span(&mut p.msi, core);
        self.qc.empty_span(&mut p.qc, core);
        self.structural.empty_span(&mut p.structural, core);
        self.extra.empty_span(&mut p.extra, core);
    }

    fn column(&self, p: &mut Self::Partial, c: &Column<'_>) {
        self.call.column(&mut p.call, c);
        self.qc.column(&mut p.qc, c);
        self.structural.column(&mut p.structural, c);
        self.extra.column(&mut p.extra, c);
    }

    fn finish(&self, p: &mut Self::Partial, r: &RefSlice<'_>) {
        self.call.finish(&mut p.call, r);
        self.msi.finish(&mut p.msi, r);
        self.qc.finish(&mut p.qc, r);
        self.structural.finish(&mut p.structural, r);
        self.extra.finish(&mut p.extra, r);
    }
}
