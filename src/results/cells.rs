//! Tables as people see them: a cell's text and number, a column's cells, and failed runs grouped
//! by error (for terminals, reports and figures; the tables themselves are [`super::schema`]'s).

use polars::prelude::*;

use super::journal::RunResult;

/// A table cell: its text, and its number when it is one (`float`: it was a real number, which
/// is shown rounded).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub number: Option<f64>,
    pub float: bool,
}

impl Cell {
    pub fn of(v: AnyValue) -> Cell {
        let num = |text: String, x: f64, float: bool| Cell { text, number: Some(x), float };
        match v {
            AnyValue::Float64(x) => num(format!("{x}"), x, true),
            AnyValue::Float32(x) => num(format!("{x}"), f64::from(x), true),
            AnyValue::Int64(i) => num(i.to_string(), i as f64, false),
            AnyValue::Int32(i) => num(i.to_string(), f64::from(i), false),
            AnyValue::UInt64(i) => num(i.to_string(), i as f64, false),
            AnyValue::UInt32(i) => num(i.to_string(), f64::from(i), false),
            AnyValue::Null => Cell { text: "-".into(), number: None, float: false },
            AnyValue::String(s) => Cell { text: s.to_string(), number: None, float: false },
            AnyValue::StringOwned(s) => Cell { text: s.to_string(), number: None, float: false },
            other => Cell { text: other.to_string(), number: None, float: false },
        }
    }

    /// The cell as shown in tables and figures: real numbers rounded (see [`crate::text::number`]).
    pub fn shown(&self) -> String {
        match self.number {
            Some(x) if self.float => crate::text::number(x),
            _ => self.text.clone(),
        }
    }
}

/// Column `name` of `df`, cell by cell (`None` if there is no such column).
pub fn cells(df: &DataFrame, name: &str) -> Option<Vec<Cell>> {
    let c = df.column(name).ok()?;
    Some((0..df.height()).map(|r| c.get(r).map(Cell::of).unwrap_or_else(|_| Cell::of(AnyValue::Null))).collect())
}

/// Failed runs grouped by error, most frequent first.
pub fn failures(results: &[RunResult]) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for e in results.iter().filter_map(|r| r.error.as_ref()) {
        match counts.iter_mut().find(|(m, _)| m == e) {
            Some((_, n)) => *n += 1,
            None => counts.push((e.clone(), 1)),
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts
}
