//! OncoTree cancer types: codes and their ancestry (LUAD → NSCLC → LUNG → TISSUE).

use std::collections::HashMap;

/// The tree: code → (parent, name).
#[derive(Clone, Debug, Default)]
pub struct OncoTree {
    nodes: HashMap<String, (String, String)>,
}

impl OncoTree {
    /// Parses the flattened OncoTree TSV (`code name main_type tissue parent ...`).
    pub fn parse(text: &str) -> OncoTree {
        let mut nodes = HashMap::new();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() >= 5 {
                nodes.insert(f[0].to_string(), (f[4].to_string(), f[1].to_string()));
            }
        }
        OncoTree { nodes }
    }

    /// The OncoTree release compiled into the binary (`data/oncotree`, CC BY 4.0).
    pub fn bundled() -> OncoTree {
        Self::parse(include_str!(
            "../../data/oncotree/oncotree_2025_10_03.flat.tsv"
        ))
    }

    /// True when `code` is a node.
    pub fn contains(&self, code: &str) -> bool {
        self.nodes.contains_key(code)
    }

    /// Display name.
    pub fn name(&self, code: &str) -> Option<&str> {
        self.nodes.get(code).map(|(_, n)| n.as_str())
    }

    /// True when `ancestor` is `code` or one of its ancestors.
    pub(crate) fn is_within(&self, code: &str, ancestor: &str) -> bool {
        let mut c = code;
        for _ in 0..64 {
            if c == ancestor {
                return true;
            }
            match self.nodes.get(c) {
                Some((p, _)) if !p.is_empty() => c = p,
                _ => return false,
            }
        }
        false
    }
}
