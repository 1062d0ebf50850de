//! Plain-text tables for the terminal.

use std::fmt::Write as _;

/// Rows (the first is the header) as left-aligned columns, two spaces apart, indented by two.
pub fn table<R: AsRef<[String]>>(rows: &[R]) -> String {
    let n = rows.iter().map(|r| r.as_ref().len()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|c| rows.iter().filter_map(|r| r.as_ref().get(c)).map(|s| s.chars().count()).max().unwrap_or(0))
        .collect();
    let mut s = String::new();
    for r in rows {
        let cells: Vec<String> = r.as_ref().iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        let _ = writeln!(s, "  {}", cells.join("  ").trim_end());
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_align() {
        let rows = vec![vec!["a".to_string(), "bb".into()], vec!["ccc".into(), "d".into()]];
        assert_eq!(super::table(&rows), "  a    bb\n  ccc  d\n");
    }
}
