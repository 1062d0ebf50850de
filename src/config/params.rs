//! The parameters of an experiment: every name a sweep may vary, read off the parameter structs
//! themselves (so a new field is an axis without further code), "did you mean" suggestions,
//! setting one by name, and their values as table cells.

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use super::RawExperiment;
use crate::model::ModelParams;
use crate::protocol::ProtocolParams;

/// Which table of the experiment a parameter lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Model,
    Protocol,
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

/// Every `(section, name)` that can be an axis, model parameters first, in declaration order
/// (the protocol's measurements, [`crate::protocol::MEASUREMENTS`], are not parameters).
pub fn all() -> Vec<(Section, &'static str)> {
    let model = fields_of::<ModelParams>().iter().map(|n| (Section::Model, *n));
    let protocol = fields_of::<ProtocolParams>().iter().filter(|n| !crate::protocol::MEASUREMENTS.contains(n));
    model.chain(protocol.map(|n| (Section::Protocol, *n))).collect()
}

/// The section of parameter `name`, if it is one.
pub fn section_of(name: &str) -> Option<Section> {
    all().into_iter().find(|(_, n)| *n == name).map(|(s, _)| s)
}

/// Set parameter `name` (of `section`) of `raw` to `value`; the error is serde's, trimmed.
pub fn set(raw: &mut RawExperiment, section: Section, name: &str, value: toml::Value) -> Result<(), String> {
    fn set_in<T: serde::Serialize + serde::de::DeserializeOwned>(
        x: &T,
        name: &str,
        value: toml::Value,
    ) -> Result<T, String> {
        let mut t = toml::Table::try_from(x).map_err(|e| e.to_string())?;
        t.insert(name.to_string(), value);
        toml::Value::Table(t).try_into().map_err(|e: toml::de::Error| e.message().trim().to_string())
    }
    match section {
        Section::Model => raw.model = set_in::<ModelParams>(&raw.model, name, value)?,
        Section::Protocol => raw.protocol = set_in::<ProtocolParams>(&raw.protocol, name, value)?,
    }
    Ok(())
}

/// One parameter value, as it goes into a table cell.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Param {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

impl Param {
    fn of(v: &toml::Value) -> Param {
        match v {
            toml::Value::Boolean(b) => Param::Bool(*b),
            toml::Value::Integer(i) => Param::Int(*i),
            toml::Value::Float(x) => Param::Float(*x),
            toml::Value::String(s) => Param::Text(s.clone()),
            toml::Value::Array(xs) => Param::Text(
                xs.iter()
                    .map(|x| match x {
                        toml::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            other => Param::Text(other.to_string()),
        }
    }
}

/// Every parameter of a configuration, in the order of [`all`], as table values (`None`: absent,
/// i.e. its default is "none"). `hold_inc` is given its effective value (`0.1 * n_out` when
/// absent), `n_out` being the configuration's number of outputs.
pub fn values(raw: &RawExperiment, n_out: usize) -> Vec<(String, Option<Param>)> {
    let mut model = toml::Table::try_from(&raw.model).expect("parameters serialise to a table");
    model.insert("hold_inc".into(), toml::Value::Float(raw.model.hold_inc_for(n_out)));
    let protocol = toml::Table::try_from(&raw.protocol).expect("parameters serialise to a table");
    all()
        .into_iter()
        .map(|(section, name)| {
            let table = match section {
                Section::Model => &model,
                Section::Protocol => &protocol,
            };
            (name.to_string(), table.get(name).map(Param::of))
        })
        .collect()
}

/// The kind of a parameter's column when no run gives it a value: that of its default (a whole
/// number when the default is "none").
pub fn default_kind(name: &str) -> Param {
    let defaults = values(&RawExperiment::default(), 2);
    match defaults.into_iter().find(|(n, _)| n == name).and_then(|(_, v)| v) {
        Some(v) => v,
        None => Param::Int(0),
    }
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
