//! The digits data set: loading, checking and selecting classes.
//!
//! The file is a CSV (optionally gzip-compressed, detected by its magic bytes) with no header: one
//! image per line, its pixels (integers 0..16, row-major) then its label (0..9). The bundled copy
//! (`data/digits.csv.gz`, scikit-learn's 8x8 digits, CC BY 4.0, see `data/README.md`) is compiled
//! into the binary, so harness runs anywhere without it. [`spikes`] reads the input spike tables
//! that replace Poisson input.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::GzDecoder;

use crate::fsio::PathError;

pub mod spikes;

/// The bundled 8x8 digits (1797 images).
pub const BUNDLED: &[u8] = include_bytes!("../../data/digits.csv.gz");
/// The name the bundled data goes by in messages and manifests.
pub const BUNDLED_NAME: &str = "<bundled data/digits.csv.gz>";
/// Highest pixel value; a pixel's rate is `pixel / MAX_PIXEL * f_max`.
pub const MAX_PIXEL: u8 = 16;

/// The most text a data file may hold after decompression (a gzip bomb stops here).
pub const MAX_TEXT_BYTES: u64 = crate::fsio::Limit::LARGE.bytes;
/// The longest line of a data file (a row of pixels and a label).
pub const MAX_LINE: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{}: cannot read: {}", .0.path.display(), .0.source)]
    Io(PathError),
    #[error("{file}:{line}: {message}")]
    Malformed { file: String, line: usize, message: String },
    #[error("{file}: no images in the file")]
    Empty { file: String },
    #[error("{file}: no image of class {class} (classes present: {present:?})")]
    MissingClass { file: String, class: u8, present: Vec<u8> },
}

/// Images and labels, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Where it came from (a path, or [`BUNDLED_NAME`]).
    pub name: String,
    /// Pixels per image.
    pub n_pixels: usize,
    /// FNV-1a of the file's bytes (as stored, compressed or not): what ties results to the data.
    pub contents: u64,
    pixels: Vec<u8>,
    labels: Vec<u8>,
}

/// The images of some classes, in file order, each with its class index (its label's position in
/// the class list).
#[derive(Debug, Clone, PartialEq)]
pub struct Subset {
    pub rows: Vec<usize>,
    pub class_index: Vec<usize>,
}

impl Dataset {
    /// The bundled digits.
    pub fn bundled() -> Dataset {
        Dataset::parse(BUNDLED, BUNDLED_NAME).expect("the bundled data set is valid")
    }

    /// Load a CSV or gzip CSV file.
    pub fn load(path: &Path) -> Result<Dataset, DataError> {
        let bytes = crate::fsio::read(path).map_err(DataError::Io)?;
        Dataset::parse(&bytes, &path.display().to_string())
    }

    /// Parse file contents; `file` names it in errors.
    pub fn parse(bytes: &[u8], file: &str) -> Result<Dataset, DataError> {
        Dataset::parse_within(bytes, file, MAX_TEXT_BYTES)
    }

    /// [`Dataset::parse`] reading at most `max_text` bytes of text.
    fn parse_within(bytes: &[u8], file: &str, max_text: u64) -> Result<Dataset, DataError> {
        let reader: Box<dyn Read + '_> =
            if bytes.starts_with(&[0x1f, 0x8b]) { Box::new(GzDecoder::new(bytes)) } else { Box::new(bytes) };
        let contents = crate::rng::fnv1a(bytes);
        let mut set = Dataset { name: file.to_string(), n_pixels: 0, contents, pixels: Vec::new(), labels: Vec::new() };
        let bad = |line: usize, message: String| DataError::Malformed { file: file.to_string(), line, message };
        let mut line_no = 0;
        let mut buf = String::new();
        // Bounded: a decompression bomb or a file without newlines stops at a named limit.
        let mut reader = BufReader::new(reader.take(max_text + 1));
        let mut total = 0u64;
        loop {
            buf.clear();
            match reader.by_ref().take(MAX_LINE as u64 + 1).read_line(&mut buf) {
                Ok(0) => break,
                Ok(n) => total += n as u64,
                Err(e) => {
                    return Err(bad(line_no + 1, format!("cannot decode (truncated or corrupt file?): {e}")));
                }
            }
            if buf.len() > MAX_LINE {
                return Err(bad(
                    line_no + 1,
                    format!("a line longer than {MAX_LINE} bytes, the most a data line may be"),
                ));
            }
            if total > max_text {
                return Err(bad(
                    line_no + 1,
                    format!("more than {max_text} bytes of text (after decompression), the most harness reads"),
                ));
            }
            line_no += 1;
            let line = buf.trim_end_matches(['\n', '\r']);
            if line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split(',').collect();
            if set.n_pixels == 0 {
                if fields.len() < 2 {
                    return Err(bad(line_no, format!("expected pixels then a label, found {} field(s)", fields.len())));
                }
                set.n_pixels = fields.len() - 1;
            } else if fields.len() != set.n_pixels + 1 {
                return Err(bad(
                    line_no,
                    format!(
                        "expected {} fields ({} pixels and a label) as on the first line, found {}",
                        set.n_pixels + 1,
                        set.n_pixels,
                        fields.len()
                    ),
                ));
            }
            for (col, field) in fields.iter().enumerate() {
                let value: u8 = field
                    .trim()
                    .parse()
                    .map_err(|_| bad(line_no, format!("field {} is {field:?}, not a whole number", col + 1)))?;
                if col < set.n_pixels {
                    if value > MAX_PIXEL {
                        return Err(bad(line_no, format!("pixel {} is {value}, outside 0..={MAX_PIXEL}", col + 1)));
                    }
                    set.pixels.push(value);
                } else {
                    if value > 9 {
                        return Err(bad(line_no, format!("label is {value}, outside 0..=9")));
                    }
                    set.labels.push(value);
                }
            }
        }
        if set.labels.is_empty() {
            return Err(DataError::Empty { file: file.to_string() });
        }
        Ok(set)
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Pixels of the image on row `row` (0-based, file order).
    pub fn image(&self, row: usize) -> &[u8] {
        &self.pixels[row * self.n_pixels..(row + 1) * self.n_pixels]
    }

    pub fn label(&self, row: usize) -> u8 {
        self.labels[row]
    }

    /// The rows whose label is in `classes`, in file order (as `load_digits(n_class=2)` does for
    /// `[0, 1]`). Every class must have at least one image.
    pub fn select(&self, classes: &[u8]) -> Result<Subset, DataError> {
        for &class in classes {
            if !self.labels.contains(&class) {
                let mut present = self.labels.clone();
                present.sort_unstable();
                present.dedup();
                return Err(DataError::MissingClass { file: self.name.clone(), class, present });
            }
        }
        let (rows, class_index) = self
            .labels
            .iter()
            .enumerate()
            .filter_map(|(row, l)| classes.iter().position(|c| c == l).map(|ci| (row, ci)))
            .unzip();
        Ok(Subset { rows, class_index })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_digits_have_the_documented_shape() {
        let d = Dataset::bundled();
        assert_eq!((d.len(), d.n_pixels), (1797, 64));
        let s = d.select(&[0, 1]).unwrap();
        assert_eq!(s.rows.len(), 360);
        assert_eq!(s.class_index.iter().filter(|&&c| c == 0).count(), 178);
        // first image of the file is a 0 whose first row is 0,0,5,13,9,1,0,0
        assert_eq!(&d.image(0)[..8], &[0, 0, 5, 13, 9, 1, 0, 0]);
    }

    #[test]
    fn class_index_follows_the_class_list_order() {
        let d = Dataset::parse(b"1,2,3\n4,5,7\n6,7,3\n", "t.csv").unwrap();
        let s = d.select(&[7, 3]).unwrap();
        assert_eq!(s.rows, vec![0, 1, 2]);
        assert_eq!(s.class_index, vec![1, 0, 1]);
    }

    #[test]
    fn malformed_lines_are_named() {
        let cases: [(&[u8], &str); 4] = [
            (b"1,2,3\n4,5\n", "t.csv:2: expected 3 fields"),
            (b"1,2,3\n4,17,3\n", "t.csv:2: pixel 2 is 17"),
            (b"1,2,3\n4,x,3\n", "t.csv:2: field 2 is \"x\""),
            (b"1,2,10\n", "t.csv:1: label is 10"),
        ];
        for (text, want) in cases {
            let err = Dataset::parse(text, "t.csv").unwrap_err().to_string();
            assert!(err.starts_with(want), "{err:?} should start with {want:?}");
        }
    }

    #[test]
    fn a_decompression_bomb_or_an_endless_line_stops_at_a_named_limit() {
        use std::io::Write;
        let gz = |text: &[u8]| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(text).unwrap();
            e.finish().unwrap()
        };
        let bomb = gz(&b"0,0,1\n".repeat(200_000));
        assert!(bomb.len() < 20_000, "{} bytes", bomb.len());
        let err = Dataset::parse_within(&bomb, "bomb.csv.gz", 100_000).unwrap_err().to_string();
        assert!(err.starts_with("bomb.csv.gz:") && err.contains("more than 100000 bytes of text"), "{err}");
        assert!(Dataset::parse(&bomb, "bomb.csv.gz").is_ok(), "within the real limit it is data");
        let endless = gz(&vec![b'1'; MAX_LINE + 10]);
        let err = Dataset::parse(&endless, "endless.csv.gz").unwrap_err().to_string();
        assert!(err.starts_with("endless.csv.gz:1:") && err.contains("a line longer than 1048576 bytes"), "{err}");
    }

    #[test]
    fn truncated_gzip_is_reported_with_the_file_name() {
        let cut = &BUNDLED[..BUNDLED.len() / 2];
        let err = Dataset::parse(cut, "cut.csv.gz").unwrap_err().to_string();
        assert!(err.starts_with("cut.csv.gz:") && err.contains("truncated"), "{err}");
    }

    #[test]
    fn missing_file_and_class_are_named() {
        let err = Dataset::load(Path::new("/nonexistent/digits.csv")).unwrap_err().to_string();
        assert!(err.starts_with("/nonexistent/digits.csv: cannot read"), "{err}");
        let err = Dataset::parse(b"1,2,3\n", "t.csv").unwrap().select(&[3, 4]).unwrap_err().to_string();
        assert!(err.contains("no image of class 4"), "{err}");
    }
}
