//! Which outputs the teacher current drives while an image is shown in training.
//!
//! - **The class's outputs** (the notebook's, and the default; `teacher_to = "class"`): all `k`
//!   outputs `c k .. (c+1) k` of the presented class `c`, alike.
//! - **The class's best-matching output** (`teacher_to = "best"`): only the output `j` of class `c`
//!   whose forward weights best match the image's input rates,
//!
//!   `j = argmax_{j in c k .. (c+1) k} sum_i w[i][j] r_i`   (summed in input order, from `i = 0`;
//!   the first output wins a tie),
//!
//!   with the weights as they are when the presentation starts. This is learning vector
//!   quantisation's rule (Kohonen 1990, "The self-organizing map", Proc. IEEE 78(9), LVQ1: only the
//!   nearest prototype of the right class is moved toward the example) in the network's terms:
//!   driven alike, a class's outputs learn one template, so the class is one prototype (a nearest
//!   centroid); taught one at a time, the output already closest to an image learns it, so that a
//!   class could hold as many templates as it has outputs. The predictions are unchanged (a class's
//!   score sums its outputs). In the study it does not work out (docs/study.md, section 8): the
//!   first output taught an image of a class then matches every later one best and is taught all
//!   of them, with or without weight normalisation.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::model::State;

/// Which of the presented class's outputs the teacher drives (see the module's doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TeacherTo {
    /// All of the class's outputs, alike.
    Class,
    /// The class's output whose forward weights best match the image.
    Best,
}

/// The outputs the teacher drives for a presentation of class index `class` (`k` outputs a
/// class), with the image's input rates already in `s.rates_hz`.
pub fn taught(to: TeacherTo, s: &State, class: usize, k: usize) -> Range<usize> {
    let outputs = class * k..(class + 1) * k;
    match to {
        TeacherTo::Class => outputs,
        TeacherTo::Best => {
            let j = best_match(s, outputs);
            j..j + 1
        }
    }
}

/// The output in `outputs` whose forward weights have the largest sum of products with the
/// input rates (in input order; the first of ties).
fn best_match(s: &State, outputs: Range<usize>) -> usize {
    let w = s.w();
    let mut best = (outputs.start, f64::NEG_INFINITY);
    for j in outputs {
        let column = w.column(j);
        let drive = column.iter().zip(&s.rates_hz).fold(0.0, |sum, (w, r)| sum + w * r);
        if drive > best.1 {
            best = (j, drive);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::*;
    use crate::model::ModelParams;

    /// The class's outputs for "class"; for "best", the one whose weights match the rates best,
    /// chosen within the class only, the first of ties.
    #[test]
    fn the_teacher_drives_the_class_or_its_best_match() {
        let f = ModelParams::default().factors(3, 6).unwrap();
        let mut s = State::from_parts(
            &f,
            vec![0.0; 3],
            vec![0.0; 3],
            vec![0.0; 6],
            vec![0.0; 6],
            Array2::zeros((3, 6)),
            Array2::zeros((6, 6)),
        );
        // columns: output j's weights from inputs 0, 1, 2
        let columns =
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [9.0, 0.0, 0.0], [0.0, 0.5, 0.5], [0.0, 0.5, 0.5]];
        let mut w = Array2::zeros((3, 6));
        for (j, c) in columns.iter().enumerate() {
            for (i, &x) in c.iter().enumerate() {
                w[[i, j]] = x;
            }
        }
        s.set_w(&w);
        s.rates_hz = vec![0.0, 10.0, 20.0];
        assert_eq!(taught(TeacherTo::Class, &s, 1, 3), 3..6);
        assert_eq!(taught(TeacherTo::Best, &s, 0, 3), 2..3, "input 2 is the brightest");
        assert_eq!(taught(TeacherTo::Best, &s, 1, 3), 4..5, "outputs 4 and 5 tie at 15, output 3 has 0");
        s.rates_hz = vec![1.0, 0.0, 0.0];
        assert_eq!(taught(TeacherTo::Best, &s, 1, 3), 3..4);
    }
}
