//! The names of every parameter a sweep may vary, read off the parameter structs themselves (so
//! a new field is an axis without further code), and "did you mean" suggestions.

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use crate::model::ModelParams;
use crate::protocol::ProtocolParams;

/// Which table of the experiment a parameter lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Model,
    Protocol,
}

impl Section {
    pub fn key(self) -> &'static str {
        match self {
            Section::Model => "model",
            Section::Protocol => "protocol",
        }
    }
}

/// Captures the field list serde passes to `deserialize_struct`.
struct Fields(Option<&'static [&'static str]>);

#[derive(Debug)]
struct Stop;

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stop")
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Stop
    }
}

impl<'de> Deserializer<'de> for &mut Fields {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Stop> {
        self.0 = Some(fields);
        Err(Stop)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut f = Fields(None);
    let _ = T::deserialize(&mut f);
    f.0.expect("a struct")
}

/// Every `(section, name)` that can be an axis, model parameters first, in declaration order.
pub fn all() -> Vec<(Section, &'static str)> {
    let model = fields_of::<ModelParams>().iter().map(|n| (Section::Model, *n));
    model.chain(fields_of::<ProtocolParams>().iter().map(|n| (Section::Protocol, *n))).collect()
}

/// The section of parameter `name`, if it is one.
pub fn section_of(name: &str) -> Option<Section> {
    all().into_iter().find(|(_, n)| *n == name).map(|(s, _)| s)
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The closest parameter name to `name`, if reasonably close.
pub fn suggest(name: &str) -> Option<&'static str> {
    all()
        .into_iter()
        .map(|(_, n)| (distance(name, n), n))
        .filter(|(d, n)| *d <= 2.max(n.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_structs() {
        let names = all();
        assert_eq!(names[0], (Section::Model, "dt_ms"));
        assert!(names.contains(&(Section::Protocol, "classes")));
        assert!(names.contains(&(Section::Model, "hold_inc")));
        assert_eq!(section_of("lr_n"), Some(Section::Model));
        assert_eq!(section_of("sampling"), Some(Section::Protocol));
        assert_eq!(section_of("nope"), None);
    }

    #[test]
    fn suggestions_find_typos() {
        assert_eq!(suggest("c_imp"), Some("c_inp"));
        assert_eq!(suggest("tau_m"), Some("tau_ms"));
        assert_eq!(suggest("clases"), Some("classes"));
        assert_eq!(suggest("completely_unrelated"), None);
    }
}
