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

/// A value as an error message quotes it: exactly (shortest round-trip form), in `e` notation when
/// the plain form would be long (`1e300`, not 301 digits; `5e-324`, not 324 zeros).
pub fn value(x: f64) -> String {
    let (plain, e) = (format!("{x}"), format!("{x:e}"));
    if plain.len() > 16 && e.len() < plain.len() { e } else { plain }
}

/// A count as a message shows it: in full up to a million, else in `e` notation (`2.0005e7`).
pub fn count(n: u64) -> String {
    if n <= 1_000_000 { n.to_string() } else { format!("{:e}", n as f64) }
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
    fn values_in_messages_are_exact_and_short() {
        assert_eq!(super::value(1e300), "1e300");
        assert_eq!(super::value(-1.7e308), "-1.7e308");
        assert_eq!(super::value(5e-324), "5e-324");
        assert_eq!(super::value(0.30000000000000004), "0.30000000000000004");
        assert_eq!(super::value(1e7), "10000000");
        assert_eq!(super::value(0.1), "0.1");
        assert_eq!(super::value(1234.5), "1234.5");
        assert_eq!(super::value(f64::NAN), "NaN");
        assert_eq!(super::count(20_005_000), "2.0005e7");
        assert_eq!(super::count(13_000), "13000");
    }

    #[test]
    fn columns_align() {
        let rows = vec![vec!["a".to_string(), "bb".into()], vec!["ccc".into(), "d".into()]];
        assert_eq!(super::table(&rows), "  a    bb\n  ccc  d\n");
    }
}
