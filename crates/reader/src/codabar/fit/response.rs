//! How a blurred camera sees one edge of a bar: the share of a sample that lies past an edge at
//! distance `d`, for a lens blur (Gaussian, `sigma`) followed by a motion blur along the code
//! (a box `motion` samples long). A bar from `l` to `r` then covers `step(x − l) − step(x − r)`
//! of the sample at `x`.

use std::sync::OnceLock;

/// The standard normal distribution function, tabulated (the fit evaluates it millions of times).
pub(super) struct Normal {
    table: Vec<f32>,
}

const NORMAL_RANGE: f32 = 5.0;
const NORMAL_STEPS_PER_UNIT: f32 = 64.0;

impl Normal {
    pub(super) fn get() -> &'static Normal {
        static TABLE: OnceLock<Normal> = OnceLock::new();
        TABLE.get_or_init(|| {
            let n = (2.0 * NORMAL_RANGE * NORMAL_STEPS_PER_UNIT) as usize + 2;
            let table = (0..n)
                .map(|i| {
                    let z = f64::from(i as u32) / f64::from(NORMAL_STEPS_PER_UNIT)
                        - f64::from(NORMAL_RANGE);
                    (0.5 * (1.0 + erf(z / std::f64::consts::SQRT_2))) as f32
                })
                .collect();
            Normal { table }
        })
    }

    pub(super) fn cdf(&self, z: f32) -> f32 {
        let x = (z.clamp(-NORMAL_RANGE, NORMAL_RANGE) + NORMAL_RANGE) * NORMAL_STEPS_PER_UNIT;
        let i = x as usize;
        let f = x - i as f32;
        let (a, b) = (self.table[i], self.table[(i + 1).min(self.table.len() - 1)]);
        a + (b - a) * f
    }
}

/// Abramowitz–Stegun 7.1.26 (error below 1.5e-7).
fn erf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let y = 1.0 - poly * (-x * x).exp();
    if x < 0.0 {
        -y
    } else {
        y
    }
}

/// A motion blur shorter than this share of `sigma` changes the edge too little to model.
const MIN_MOTION_OVER_SIGMA: f32 = 0.1;
/// Table entries per `sigma` of a motion-blurred edge (linear interpolation between them is
/// far finer than the noise of a camera profile).
const STEPS_PER_SIGMA: f32 = 32.0;

/// The edge response for one blur, tabulated when it includes motion.
pub(super) enum EdgeResponse {
    /// Lens blur only: the normal distribution function at `d / sigma`.
    Lens { normal: &'static Normal, sigma: f32 },
    /// Lens and motion blur: `table[i]` is the response at `first + i / per_sample`.
    Moving {
        table: Vec<f32>,
        first: f32,
        per_sample: f32,
    },
}

impl EdgeResponse {
    pub(super) fn new(sigma: f32, motion: f32) -> EdgeResponse {
        if motion < MIN_MOTION_OVER_SIGMA * sigma {
            return EdgeResponse::Lens {
                normal: Normal::get(),
                sigma,
            };
        }
        // The box average of Φ((d − t)/σ) over t in ±motion/2 is, with Ψ(z) = zΦ(z) + φ(z)
        // (an antiderivative of Φ), σ/motion · (Ψ((d + m/2)/σ) − Ψ((d − m/2)/σ)).
        let normal = Normal::get();
        let psi = |z: f32| {
            let density = (-0.5 * z * z).exp() / (2.0 * std::f32::consts::PI).sqrt();
            z * normal.cdf(z) + density
        };
        let half = motion / 2.0;
        let reach = NORMAL_RANGE * sigma + half;
        let per_sample = STEPS_PER_SIGMA / sigma;
        let n = (2.0 * reach * per_sample).ceil() as usize + 2;
        let first = -reach;
        let table = (0..n)
            .map(|i| {
                let d = first + i as f32 / per_sample;
                let value = sigma / motion * (psi((d + half) / sigma) - psi((d - half) / sigma));
                value.clamp(0.0, 1.0)
            })
            .collect();
        EdgeResponse::Moving {
            table,
            first,
            per_sample,
        }
    }

    /// The share of a sample at distance `d` (samples) past an edge that is covered.
    pub(super) fn step(&self, d: f32) -> f32 {
        match self {
            EdgeResponse::Lens { normal, sigma } => normal.cdf(d / sigma),
            EdgeResponse::Moving {
                table,
                first,
                per_sample,
            } => {
                let x = (d - first) * per_sample;
                if x <= 0.0 {
                    return 0.0;
                }
                let i = x as usize;
                if i + 1 >= table.len() {
                    return 1.0;
                }
                let f = x - i as f32;
                table[i] + (table[i + 1] - table[i]) * f
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The box average of the lens response, summed numerically.
    fn numeric(sigma: f32, motion: f32, d: f32) -> f32 {
        let normal = Normal::get();
        let n = 4000;
        (0..n)
            .map(|i| {
                let t = -motion / 2.0 + motion * (i as f32 + 0.5) / n as f32;
                normal.cdf((d - t) / sigma)
            })
            .sum::<f32>()
            / n as f32
    }

    #[test]
    fn a_moving_edge_matches_the_box_average_of_a_still_one() {
        for (sigma, motion) in [(1.0, 3.0), (0.6, 8.0), (2.5, 1.0)] {
            let response = EdgeResponse::new(sigma, motion);
            assert!(matches!(response, EdgeResponse::Moving { .. }));
            for k in -40..=40 {
                let d = k as f32 * 0.25;
                let (got, want) = (response.step(d), numeric(sigma, motion, d));
                assert!(
                    (got - want).abs() < 2e-3,
                    "σ {sigma} m {motion} d {d}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn motion_blur_spreads_an_edge_over_its_length() {
        let (still, moving) = (EdgeResponse::new(0.5, 0.0), EdgeResponse::new(0.5, 6.0));
        assert!(matches!(still, EdgeResponse::Lens { .. }));
        // Half-way at the edge either way; a third of the way through the box, a third covered.
        assert!((moving.step(0.0) - 0.5).abs() < 1e-3);
        assert!((moving.step(-1.0) - 1.0 / 3.0).abs() < 0.01);
        assert!(still.step(-1.0) < 0.05);
        assert!(moving.step(-4.5) < 1e-3 && moving.step(4.5) > 0.999);
    }
}
