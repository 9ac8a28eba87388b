//! QR module values to bits, undoing blur that mixes neighbouring modules (motion blur of a
//! module or more smears each module into the next along its direction). The blur is learnt
//! from the modules whose colour the standard fixes (finder patterns, separators, timing
//! patterns, the dark module, the quiet zone around the code): each sampled value is modelled
//! as a level plus a weight for each dark module among it and its eight neighbours, fitted by
//! least squares; the unknown modules are then set, a few sweeps over the grid, to the colour
//! whose predicted value is nearer the sampled one.

/// Sweeps over the grid (every row, then every column) after the first thresholded guess.
const SWEEPS: usize = 3;
/// Known neighbourhoods needed to fit the ten weights.
const MIN_EQUATIONS: usize = 40;

/// Modules whose colour the QR standard fixes, for a code `dim` modules across (true = dark).
pub(crate) fn function_modules(dim: usize) -> Vec<Option<bool>> {
    let mut known = vec![None; dim * dim];
    let mut set = |r: usize, c: usize, dark: bool| {
        if r < dim && c < dim {
            known[r * dim + c] = Some(dark);
        }
    };
    // Finder patterns with their separators: rings at Chebyshev distance 0–1 and 3 are dark.
    for (r0, c0) in [(3, 3), (3, dim - 4), (dim - 4, 3)] {
        for dr in -4i32..=4 {
            for dc in -4i32..=4 {
                let ring = dr.abs().max(dc.abs());
                let (r, c) = (r0 as i32 + dr, c0 as i32 + dc);
                if r >= 0 && c >= 0 {
                    set(r as usize, c as usize, ring <= 1 || ring == 3);
                }
            }
        }
    }
    for i in 8..dim.saturating_sub(8) {
        set(6, i, i % 2 == 0);
        set(i, 6, i % 2 == 0);
    }
    set(dim - 8, 8, true);
    // Versions 2–6 have one alignment pattern, centred 7 modules from the bottom-right corner.
    if (25..=41).contains(&dim) {
        let centre = dim - 7;
        for dr in -2i32..=2 {
            for dc in -2i32..=2 {
                let ring = dr.abs().max(dc.abs());
                let (r, c) = (centre as i32 + dr, centre as i32 + dc);
                set(r as usize, c as usize, ring != 1);
            }
        }
    }
    known
}

/// Bits (true = dark) for the grid of sampled `values` (`dim` × `dim`, row by row) once the
/// blur between neighbours is undone; `None` when too few known neighbourhoods fit the model.
pub(crate) fn deblurred_bits(values: &[f32], dim: usize, threshold: f32) -> Option<Vec<bool>> {
    let known = function_modules(dim);
    // Outside the code is the quiet zone: light.
    let colour = |bits: &[bool], r: i32, c: i32| -> f32 {
        if r < 0 || c < 0 || r >= dim as i32 || c >= dim as i32 {
            0.0
        } else {
            f32::from(u8::from(bits[r as usize * dim + c as usize]))
        }
    };
    let features = |bits: &[bool], r: usize, c: usize| -> [f32; 10] {
        let mut f = [1.0; 10];
        for (k, slot) in f.iter_mut().skip(1).enumerate() {
            let (dr, dc) = (k as i32 / 3 - 1, k as i32 % 3 - 1);
            *slot = colour(bits, r as i32 + dr, c as i32 + dc);
        }
        f
    };
    let is_known = |r: i32, c: i32| {
        r < 0
            || c < 0
            || r >= dim as i32
            || c >= dim as i32
            || known[r as usize * dim + c as usize].is_some()
    };
    let known_bits: Vec<bool> = known.iter().map(|k| k.unwrap_or(false)).collect();
    let mut normal = [[0.0f64; 10]; 10];
    let mut rhs = [0.0f64; 10];
    let mut equations = 0;
    for r in 0..dim {
        for c in 0..dim {
            let whole =
                (-1..=1).all(|dr| (-1..=1).all(|dc| is_known(r as i32 + dr, c as i32 + dc)));
            if !whole {
                continue;
            }
            let f = features(&known_bits, r, c);
            for ((row, sum), fi) in normal.iter_mut().zip(rhs.iter_mut()).zip(f) {
                for (cell, fj) in row.iter_mut().zip(f) {
                    *cell += f64::from(fi * fj);
                }
                *sum += f64::from(fi * values[r * dim + c]);
            }
            equations += 1;
        }
    }
    if equations < MIN_EQUATIONS {
        return None;
    }
    let weights = solve(normal, rhs)?;
    let model = Model {
        weights: weights.map(|w| w as f32),
        dim,
    };
    let mut bits: Vec<bool> = values
        .iter()
        .zip(&known)
        .map(|(v, k)| k.unwrap_or(*v < threshold))
        .collect();
    for _ in 0..SWEEPS {
        let mut changed = false;
        for transposed in [false, true] {
            for line in 0..dim {
                changed |= model.best_line(values, &known, &mut bits, line, transposed);
            }
        }
        if !changed {
            break;
        }
    }
    Some(bits)
}

/// The fitted blur: a level and the weight of each dark module among a module and its eight
/// neighbours (row by row, the module itself in the middle).
struct Model {
    weights: [f32; 10],
    dim: usize,
}

impl Model {
    /// The colour at (line, position) of a line-major grid (columns when `transposed`);
    /// outside the code is light.
    fn ink(&self, bits: &[bool], line: i32, position: i32, transposed: bool) -> f32 {
        let dim = self.dim as i32;
        if line < 0 || position < 0 || line >= dim || position >= dim {
            return 0.0;
        }
        let (r, c) = if transposed {
            (position, line)
        } else {
            (line, position)
        };
        f32::from(u8::from(bits[(r * dim + c) as usize]))
    }

    /// The weight of the neighbour `d_line`, `d_position` away (in line-major terms).
    fn weight(&self, d_line: i32, d_position: i32, transposed: bool) -> f32 {
        let (dr, dc) = if transposed {
            (d_position, d_line)
        } else {
            (d_line, d_position)
        };
        self.weights[1 + ((dr + 1) * 3 + dc + 1) as usize]
    }

    /// Sets line `line` to the colours that minimise the squared error of the modules on it
    /// and on the lines either side, the other lines held (a Viterbi pass over pairs of
    /// neighbouring colours); known modules keep their colour. Returns whether it changed.
    fn best_line(
        &self,
        values: &[f32],
        known: &[Option<bool>],
        bits: &mut [bool],
        line: usize,
        transposed: bool,
    ) -> bool {
        let dim = self.dim;
        let index = |l: usize, p: usize| if transposed { p * dim + l } else { l * dim + p };
        let allowed = |p: usize, bit: bool| known[index(line, p)].is_none_or(|k| k == bit);
        let (l, n) = (line as i32, dim as i32);
        // For each position k and each line d either side: the prediction without this line's
        // three modules around k, and the value it must match.
        let mut base = vec![[(0.0f32, 0.0f32); 3]; dim];
        for (k, slot) in base.iter_mut().enumerate() {
            for (d, entry) in slot.iter_mut().enumerate() {
                let other = l + d as i32 - 1;
                if other < 0 || other >= n {
                    *entry = (0.0, f32::NAN);
                    continue;
                }
                let mut prediction = self.weights[0];
                for dl in -1..=1 {
                    if other + dl == l {
                        continue;
                    }
                    for dp in -1..=1 {
                        let ink = self.ink(bits, other + dl, k as i32 + dp, transposed);
                        prediction += self.weight(dl, dp, transposed) * ink;
                    }
                }
                *entry = (prediction, values[index(other as usize, k)]);
            }
        }
        // term(k, colours at k-1, k, k+1): error of the three modules at position k.
        let term = |k: usize, trio: [f32; 3]| -> f32 {
            let mut sum = 0.0;
            for (d, (prediction, value)) in base[k].iter().enumerate() {
                if value.is_nan() {
                    continue;
                }
                let dl = l - (l + d as i32 - 1);
                let mut p = *prediction;
                for (dp, ink) in (-1..=1).zip(trio) {
                    p += self.weight(dl, dp, transposed) * ink;
                }
                sum += (value - p) * (value - p);
            }
            sum
        };
        // States: (colour at k-1, colour at k) as 2·a + b; before the line is light.
        let mut cost = [f32::INFINITY; 4];
        for b in [false, true] {
            if allowed(0, b) {
                cost[usize::from(b)] = 0.0;
            }
        }
        let mut back = vec![[0u8; 4]; dim];
        for (k, from) in back.iter_mut().enumerate() {
            let mut next = [f32::INFINITY; 4];
            for (state, so_far) in cost.iter().enumerate() {
                if !so_far.is_finite() {
                    continue;
                }
                let (a, b) = (state >> 1, state & 1);
                for c in 0..2 {
                    let fits = if k + 1 < dim {
                        allowed(k + 1, c == 1)
                    } else {
                        c == 0
                    };
                    if !fits {
                        continue;
                    }
                    let total = so_far + term(k, [a as f32, b as f32, c as f32]);
                    let to = (b << 1) | c;
                    if total < next[to] {
                        next[to] = total;
                        from[to] = state as u8;
                    }
                }
            }
            cost = next;
        }
        // The state after the last module holds (last colour, light beyond).
        let Some(mut state) = (0..4)
            .filter(|s| s & 1 == 0)
            .min_by(|a, b| cost[*a].total_cmp(&cost[*b]))
        else {
            return false;
        };
        if !cost[state].is_finite() {
            return false;
        }
        let mut changed = false;
        for k in (0..dim).rev() {
            let bit = state >> 1 == 1;
            let at = index(line, k);
            changed |= bits[at] != bit;
            bits[at] = bit;
            state = usize::from(back[k][state]);
        }
        changed
    }
}

/// Solves the normal equations by Gaussian elimination with partial pivoting.
fn solve(mut a: [[f64; 10]; 10], mut b: [f64; 10]) -> Option<[f64; 10]> {
    const N: usize = 10;
    for col in 0..N {
        let pivot = (col..N).max_by(|x, y| a[*x][col].abs().total_cmp(&a[*y][col].abs()))?;
        if a[pivot][col].abs() < 1e-9 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (done, rest) = a.split_at_mut(col + 1);
        let pivot_row = &done[col];
        for (offset, row) in rest.iter_mut().enumerate() {
            let factor = row[col] / pivot_row[col];
            for (x, p) in row.iter_mut().zip(pivot_row).skip(col) {
                *x -= factor * p;
            }
            b[col + 1 + offset] -= factor * b[col];
        }
    }
    let mut x = [0.0f64; N];
    for row in (0..N).rev() {
        let tail: f64 = (row + 1..N).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - tail) / a[row][row];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version 1 grid: the function modules, pseudo-random data elsewhere.
    fn grid(dim: usize) -> Vec<bool> {
        let mut state = 0x2545_f491_u32;
        function_modules(dim)
            .iter()
            .map(|known| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                known.unwrap_or(state >> 31 == 1)
            })
            .collect()
    }

    /// Module values under a horizontal blur that gives each module 40 % of its own ink and
    /// 30 % of each neighbour's (beyond the code: light quiet zone).
    fn blurred(bits: &[bool], dim: usize) -> Vec<f32> {
        let ink = |r: usize, c: i32| -> f32 {
            if c < 0 || c >= dim as i32 {
                0.0
            } else {
                f32::from(u8::from(bits[r * dim + c as usize]))
            }
        };
        (0..dim * dim)
            .map(|i| {
                let (r, c) = (i / dim, (i % dim) as i32);
                200.0 - 150.0 * (0.3 * ink(r, c - 1) + 0.4 * ink(r, c) + 0.3 * ink(r, c + 1))
            })
            .collect()
    }

    #[test]
    fn blur_between_modules_is_undone_where_a_threshold_fails() {
        let dim = 21;
        let bits = grid(dim);
        let values = blurred(&bits, dim);
        let threshold = 125.0;
        let thresholded: Vec<bool> = values.iter().map(|v| *v < threshold).collect();
        let wrong = |got: &[bool]| got.iter().zip(&bits).filter(|(a, b)| a != b).count();
        // A light module between dark ones comes out darker than a dark one between light.
        assert!(wrong(&thresholded) > 10, "{}", wrong(&thresholded));
        let deblurred = deblurred_bits(&values, dim, threshold).unwrap();
        assert_eq!(wrong(&deblurred), 0);
    }

    #[test]
    fn function_modules_hold_finders_timing_and_the_dark_module() {
        let dim = 25;
        let known = function_modules(dim);
        let at = |r: usize, c: usize| known[r * dim + c];
        assert_eq!(at(3, 3), Some(true));
        assert_eq!(at(1, 1), Some(false));
        assert_eq!(at(7, 7), Some(false));
        assert_eq!(at(6, 8), Some(true));
        assert_eq!(at(6, 9), Some(false));
        assert_eq!(at(dim - 8, 8), Some(true));
        // Version 2's alignment pattern: dark centre, light ring.
        assert_eq!(at(18, 18), Some(true));
        assert_eq!(at(17, 18), Some(false));
        assert_eq!(at(12, 12), None);
    }
}
