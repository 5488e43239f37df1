//! Cancer-type sets of knowledge-base items: OncoTree codes (each covering its subtree), `*` for
//! any solid tumour, and explicit exclusions that exclude.

use serde::{Deserialize, Serialize};

use crate::clinical::oncotree::OncoTree;

/// OncoTree tissues that are not solid tumours: a tumour-agnostic (`*`) item does not cover
/// them (tumour-agnostic approvals are for solid tumours).
pub(crate) const NON_SOLID: &[&str] = &["MYELOID", "LYMPH"];

/// OncoTree 2025-10-03 files a few subtypes outside the node their clinical group is written
/// with: medullary carcinoma of the colon (`CMC`, main type "Colorectal Cancer") is a sibling of
/// `COADREAD` under `BOWEL`, and sarcomatoid carcinoma of the lung (`SARCL`, a WHO non-small-cell
/// carcinoma, main type "Non-Small Cell Lung Cancer") a sibling of `NSCLC` under `LUNG`. A KB code
/// on the left also covers the codes on the right (with their subtrees). Lung neuroendocrine
/// tumours (`LNET`: carcinoids, large-cell neuroendocrine and small-cell carcinoma), although
/// OncoTree gives some of them the NSCLC main type, are deliberately not added; nor are the
/// appendix, anal or neuroendocrine codes next to `COADREAD`.
pub const CLINICAL_GROUPS: &[(&str, &[&str])] = &[("COADREAD", &["CMC"]), ("NSCLC", &["SARCL"])];

/// Whether `patient` lies in the subtree of `code` or of one of the codes its clinical group adds.
fn covers(tree: &OncoTree, code: &str, patient: &str) -> bool {
    tree.is_within(patient, code)
        || CLINICAL_GROUPS
            .iter()
            .filter(|(c, _)| *c == code)
            .flat_map(|(_, extra)| extra.iter())
            .any(|x| tree.is_within(patient, x))
}

/// Which cancer types an item covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancerSet {
    /// OncoTree codes (each with its subtree); empty with `any`.
    pub codes: Vec<String>,
    /// Any solid tumour (`*`).
    pub any: bool,
    /// Codes (with subtrees) the item explicitly does not cover.
    pub exclude: Vec<String>,
}

/// How an item's cancer set relates to the patient's cancer type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applies {
    /// The patient's type is in the set.
    Here,
    /// Another cancer type (the item is evidence from elsewhere).
    Elsewhere,
    /// The patient's type is explicitly excluded: the item does not apply at all.
    Excluded,
}

impl CancerSet {
    /// Parses `codes` (comma-separated, or `*`) and `exclude` (comma-separated, or `-`), checking
    /// every code against the tree.
    pub fn parse(codes: &str, exclude: &str, tree: &OncoTree) -> Result<CancerSet, String> {
        let list = |s: &str| -> Result<Vec<String>, String> {
            let mut out = Vec::new();
            for c in s.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                if !tree.contains(c) {
                    return Err(format!(
                        "cancer type '{c}' is not an OncoTree 2025-10-03 code"
                    ));
                }
                out.push(c.to_string());
            }
            Ok(out)
        };
        let codes = codes.trim();
        let (any, codes) = if codes == "*" {
            (true, Vec::new())
        } else {
            let v = list(codes)?;
            if v.is_empty() {
                return Err("no cancer type (use * for any solid tumour)".into());
            }
            (false, v)
        };
        let exclude = if exclude.trim() == "-" || exclude.trim().is_empty() {
            Vec::new()
        } else {
            list(exclude)?
        };
        Ok(CancerSet {
            codes,
            any,
            exclude,
        })
    }

    /// METHOD: an item applies to the patient's OncoTree code when the code lies in the subtree
    /// of one of its codes (with the [`CLINICAL_GROUPS`] additions; for `*`, of any solid-tumour
    /// tissue) and in none of its exclusions; an excluded type is not "another cancer type" (it
    /// is not evidence at all).
    pub fn applies(&self, tree: &OncoTree, patient: &str) -> Applies {
        if self.exclude.iter().any(|x| covers(tree, x, patient)) {
            return Applies::Excluded;
        }
        let here = if self.any {
            !NON_SOLID.iter().any(|t| tree.is_within(patient, t))
        } else {
            self.codes.iter().any(|c| covers(tree, c, patient))
        };
        if here {
            Applies::Here
        } else {
            Applies::Elsewhere
        }
    }

    /// As written (`NSCLC`, `*`, `* except COADREAD`).
    pub fn display(&self) -> String {
        let base = if self.any {
            "*".to_string()
        } else {
            self.codes.join(",")
        };
        if self.exclude.is_empty() {
            base
        } else {
            format!("{base} except {}", self.exclude.join(","))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_cover_subtrees_and_exclusions_exclude() {
        let tree = OncoTree::bundled();
        let s = CancerSet::parse("*", "COADREAD", &tree).unwrap();
        assert_eq!(s.applies(&tree, "THPA"), Applies::Here);
        assert_eq!(s.applies(&tree, "COAD"), Applies::Excluded);
        assert_eq!(
            s.applies(&tree, "AML"),
            Applies::Elsewhere,
            "not a solid tumour"
        );
        let nsclc = CancerSet::parse("NSCLC", "-", &tree).unwrap();
        assert_eq!(nsclc.applies(&tree, "LUAD"), Applies::Here);
        assert_eq!(nsclc.applies(&tree, "COAD"), Applies::Elsewhere);
        let list = CancerSet::parse("STAD, GEJ", "-", &tree).unwrap();
        assert_eq!(list.applies(&tree, "GEJ"), Applies::Here);
        assert!(CancerSet::parse("NSCLC,LUNG_ADENO", "-", &tree).is_err());
        assert!(CancerSet::parse("", "-", &tree).is_err());
    }

    #[test]
    fn clinical_groups_add_the_siblings_oncotree_files_elsewhere() {
        let tree = OncoTree::bundled();
        // CMC and SARCL are not inside COADREAD / NSCLC in the tree ...
        assert!(!tree.is_within("CMC", "COADREAD"));
        assert!(!tree.is_within("SARCL", "NSCLC"));
        // ... but a colorectal / NSCLC item covers them, and an exclusion excludes them
        let crc = CancerSet::parse("COADREAD", "-", &tree).unwrap();
        assert_eq!(crc.applies(&tree, "CMC"), Applies::Here);
        let nsclc = CancerSet::parse("NSCLC", "-", &tree).unwrap();
        assert_eq!(nsclc.applies(&tree, "SARCL"), Applies::Here);
        assert_eq!(
            nsclc.applies(&tree, "LUNE"),
            Applies::Elsewhere,
            "neuroendocrine stays out"
        );
        assert_eq!(nsclc.applies(&tree, "SCLC"), Applies::Elsewhere);
        let agnostic = CancerSet::parse("*", "COADREAD", &tree).unwrap();
        assert_eq!(agnostic.applies(&tree, "CMC"), Applies::Excluded);
    }
}
