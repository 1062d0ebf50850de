//! Problems with an experiment file, and where they are: every error names the file, the line of
//! the key when the key is written in the file, and the key itself
//! (`bad.toml:3: key `model.tau_ms`: a time constant must be > 0 ms (got 0)`).

use std::fmt;

/// One problem with a configuration: the dotted key and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

impl Problem {
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem { key: key.into(), message: message.into() }
    }
}

/// Problems found in an experiment file, located.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub file: String,
    pub problems: Vec<Located>,
}

/// A problem with its line (1-based) when the key is written in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub line: Option<usize>,
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", self.file)?;
            if let Some(line) = p.line {
                write!(f, ":{line}")?;
            }
            if !p.key.is_empty() {
                write!(f, ": key `{}`", p.key)?;
            }
            write!(f, ": {}", p.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Line of the value of the dotted `key` (`model.tau_ms`, `protocol.classes[1]`) in `text`.
pub fn locate(text: &str, key: &str) -> Option<usize> {
    let doc = toml::de::DeTable::parse(text).ok()?;
    let mut parts = key.split('.').flat_map(|p| p.split('[')).map(|p| p.trim_end_matches(']'));
    let first = parts.next()?;
    let mut value = doc.get_ref().get(first)?;
    for part in parts {
        value = match part.parse::<usize>() {
            Ok(i) => value.get_ref().as_array().and_then(|a| a.get(i))?,
            Err(_) => value.get_ref().as_table().and_then(|t| t.get(part))?,
        };
    }
    Some(line_of(text, value.span().start))
}

/// Locate problems in `text` (the file named `file`): a key that is not written in the file (a
/// missing one) is located at the nearest table that is (`race.budget` at `[race]`).
pub fn locate_all(file: &str, text: &str, problems: Vec<Problem>) -> ConfigError {
    let line_of_key = |key: &str| {
        let mut k = key;
        loop {
            if let Some(line) = locate(text, k) {
                return Some(line);
            }
            k = &k[..k.rfind(['.', '['])?];
        }
    };
    ConfigError {
        file: file.to_string(),
        problems: problems
            .into_iter()
            .map(|p| Located { line: line_of_key(&p.key), key: p.key, message: p.message })
            .collect(),
    }
}

/// Parse experiment `text` that came from `file`.
pub fn parse_text(file: &str, text: &str) -> Result<super::RawExperiment, ConfigError> {
    super::raw::parse(text).map_err(|(key, e)| ConfigError {
        file: file.to_string(),
        problems: vec![Located {
            line: e.span().map(|s| line_of(text, s.start)),
            key,
            message: e.message().trim().to_string(),
        }],
    })
}

impl ConfigError {
    /// An error about the file as a whole (it cannot be read, say).
    pub fn whole_file(file: &str, message: String) -> ConfigError {
        ConfigError { file: file.to_string(), problems: vec![Located { line: None, key: String::new(), message }] }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_located_at_their_values() {
        let text = "name = \"x\"\n[model]\ntau_ms = 0.0\n[protocol]\nclasses = [0,\n  12]\n";
        assert_eq!(locate(text, "model.tau_ms"), Some(3));
        assert_eq!(locate(text, "protocol.classes[1]"), Some(6));
        assert_eq!(locate(text, "model.lr"), None);
        // A key not written in the file is located at its table; one whose table is absent too has
        // no line at all.
        let e = locate_all(
            "f.toml",
            text,
            vec![
                Problem::new("model.tau_ms", "bad"),
                Problem::new("model.lr", "worse"),
                Problem::new("race.budget", "missing"),
            ],
        );
        assert_eq!(
            e.to_string(),
            "f.toml:3: key `model.tau_ms`: bad\nf.toml:2: key `model.lr`: worse\nf.toml: key `race.budget`: missing"
        );
    }
}
