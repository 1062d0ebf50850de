//! Text for people: aligned tables for the terminal, and numbers as tables and figures show them.

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

/// A real number as shown in tables and figures: 4 decimals with trailing zeros dropped, or 4
/// significant digits in scientific notation below 0.01 (`0.30000000000000004` is `0.3`,
/// `0.000123456` is `1.235e-4`, `200.0` is `200`).
pub fn number(x: f64) -> String {
    if x != 0.0 && x.abs() < 0.01 {
        format!("{x:.3e}")
    } else {
        format!("{x:.4}").trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_shown_compactly() {
        assert_eq!(super::number(0.30000000000000004), "0.3");
        assert_eq!(super::number(0.000123456), "1.235e-4");
        assert_eq!(super::number(200.0), "200");
        assert_eq!(super::number(0.0), "0");
        assert_eq!(super::number(-0.5), "-0.5");
    }

    #[test]
    fn columns_align() {
        let rows = vec![vec!["a".to_string(), "bb".into()], vec!["ccc".into(), "d".into()]];
        assert_eq!(super::table(&rows), "  a    bb\n  ccc  d\n");
    }
}
