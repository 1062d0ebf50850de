//! Input spike tables (`input_spikes = "file.csv"`): a `step,neuron` header, then one spike per
//! line, `step` counted in steps of `dt_ms` from the start of training and `neuron` an input index.
//! Replayed in every run instead of Poisson input (the golden tests replay brian2's this way).

use std::path::Path;

use crate::fsio;

/// A spike table and the hash of the file it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeTable {
    /// `(step, neuron)`, in file order.
    pub spikes: Vec<(u64, u32)>,
    /// FNV-1a of the file's bytes: what ties results to this table.
    pub contents: u64,
}

impl SpikeTable {
    /// Read a table; errors name the file and line.
    pub fn read(path: &Path) -> Result<SpikeTable, String> {
        let file = path.display();
        let bytes = fsio::read(path).map_err(|e| format!("{file}: cannot read: {}", e.source))?;
        let text = String::from_utf8(bytes.clone()).map_err(|e| {
            let line = bytes[..e.utf8_error().valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
            format!("{file}:{line}: not UTF-8 text")
        })?;
        SpikeTable::parse(&text, &file.to_string())
            .map(|spikes| SpikeTable { spikes, contents: crate::rng::fnv1a(&bytes) })
    }

    /// Parse a table's text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Vec<(u64, u32)>, String> {
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, header)) if header.replace(' ', "") == "step,neuron" => {}
            _ => return Err(format!("{file}:1: expected the header `step,neuron`")),
        }
        let mut table = Vec::new();
        for (i, line) in lines.filter(|(_, l)| !l.trim().is_empty()) {
            let parsed = line.split_once(',').and_then(|(s, n)| Some((s.trim().parse().ok()?, n.trim().parse().ok()?)));
            table.push(parsed.ok_or_else(|| {
                format!("{file}:{}: expected `step,neuron` (two whole numbers), found {line:?}", i + 1)
            })?);
        }
        Ok(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_file_and_line() {
        let cases = [
            ("step;neuron\n1;2\n", "t.csv:1: expected the header"),
            ("step,neuron\n1,2\n3\n", "t.csv:3: expected `step,neuron`"),
            ("step,neuron\n1,2\n-3,1\n", "t.csv:3:"),
            ("step,neuron\n1,x\n", "t.csv:2:"),
            ("", "t.csv:1: expected the header"),
        ];
        for (text, want) in cases {
            let e = SpikeTable::parse(text, "t.csv").unwrap_err();
            assert!(e.starts_with(want), "{text:?}: {e}");
        }
        assert_eq!(SpikeTable::parse("step, neuron\n\n5, 3\n7,0\n", "t.csv").unwrap(), [(5, 3), (7, 0)]);
    }

    #[test]
    fn reading_hashes_the_bytes_and_names_a_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.csv");
        std::fs::write(&p, "step,neuron\n1,2\n").unwrap();
        let t = SpikeTable::read(&p).unwrap();
        assert_eq!(t.contents, crate::rng::fnv1a(b"step,neuron\n1,2\n"));
        let e = SpikeTable::read(&dir.path().join("none.csv")).unwrap_err();
        assert!(e.starts_with(&format!("{}: cannot read", dir.path().join("none.csv").display())), "{e}");
        std::fs::write(&p, b"step,neuron\n1,\xff\n").unwrap();
        assert!(SpikeTable::read(&p).unwrap_err().ends_with("s.csv:2: not UTF-8 text"));
    }
}
