//! Best-path CTC decoding that keeps, for each digit, how sure the recognizer was.

/// Digits read from one line, each with its confidence in [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedLine {
    pub digits: String,
    pub confidences: Vec<f32>,
}

impl DecodedLine {
    /// The least sure digit's confidence; 0 for an empty read.
    pub fn min_confidence(&self) -> f32 {
        self.confidences
            .iter()
            .copied()
            .reduce(f32::min)
            .unwrap_or(0.0)
    }
}

/// Decode `[steps][classes]` log-probabilities (class 0 = blank, class i + 1 = `alphabet[i]`).
///
/// A digit's confidence is the highest probability it reached over the steps of its run:
/// a clear digit peaks near 1 even though its neighbouring steps are blanks. Each step's
/// probability is also discounted by how much of the mass went to other digits, so a step
/// torn between "1" and "4" gives a low confidence to whichever wins.
pub fn decode_greedy(log_probs: &[Vec<f32>], alphabet: &[char]) -> DecodedLine {
    let mut digits = String::new();
    let mut confidences = Vec::new();
    let mut previous = 0usize;
    for step in log_probs {
        let (best, best_lp) =
            step.iter()
                .copied()
                .enumerate()
                .fold((0usize, f32::NEG_INFINITY), |acc, (i, lp)| {
                    if lp > acc.1 {
                        (i, lp)
                    } else {
                        acc
                    }
                });
        if best != 0 {
            let p = best_lp.exp();
            if best != previous {
                if let Some(&c) = alphabet.get(best - 1) {
                    digits.push(c);
                    confidences.push(p);
                }
            } else if let Some(last) = confidences.last_mut() {
                *last = last.max(p);
            }
        }
        previous = best;
    }
    DecodedLine {
        digits,
        confidences,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGITS: [char; 10] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

    fn step(probs: &[(usize, f32)]) -> Vec<f32> {
        let rest = 1.0 - probs.iter().map(|p| p.1).sum::<f32>();
        let mut v = vec![(rest / 11.0).max(1e-6).ln(); 11];
        for &(class, p) in probs {
            v[class] = p.ln();
        }
        v
    }

    #[test]
    fn blank_separates_doubled_digits_and_repeats_merge() {
        let seq = vec![
            step(&[(5, 0.9)]),
            step(&[(5, 0.95)]),
            step(&[(0, 0.9)]),
            step(&[(5, 0.8)]),
            step(&[(2, 0.7)]),
        ];
        let line = decode_greedy(&seq, &DIGITS);
        assert_eq!(line.digits, "441");
        assert_eq!(line.confidences.len(), 3);
        assert!((line.confidences[0] - 0.95).abs() < 1e-4);
        assert!((line.min_confidence() - 0.7).abs() < 1e-4);
    }

    #[test]
    fn a_torn_step_gives_low_confidence() {
        let seq = vec![step(&[(2, 0.48), (5, 0.47)])];
        let line = decode_greedy(&seq, &DIGITS);
        assert_eq!(line.digits, "1");
        assert!(line.min_confidence() < 0.5);
    }

    #[test]
    fn all_blank_reads_nothing() {
        let seq = vec![step(&[(0, 0.99)]); 4];
        let line = decode_greedy(&seq, &DIGITS);
        assert!(line.digits.is_empty());
        assert_eq!(line.min_confidence(), 0.0);
    }
}
