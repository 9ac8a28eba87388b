//! 3×3 homographies in f64, for the camera model and exact label transforms.

use imageproc::geometric_transformations::Projection;

/// A row-major 3×3 matrix acting on homogeneous 2-D points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mat3(pub [[f64; 3]; 3]);

impl Mat3 {
    pub fn translate(tx: f64, ty: f64) -> Mat3 {
        Mat3([[1.0, 0.0, tx], [0.0, 1.0, ty], [0.0, 0.0, 1.0]])
    }

    pub fn scale(s: f64) -> Mat3 {
        Mat3([[s, 0.0, 0.0], [0.0, s, 0.0], [0.0, 0.0, 1.0]])
    }

    pub fn rotate(theta: f64) -> Mat3 {
        let (s, c) = theta.sin_cos();
        Mat3([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    }

    /// `self` after `other`: maps p to self(other(p)).
    pub fn mul(&self, other: &Mat3) -> Mat3 {
        let mut out = [[0.0; 3]; 3];
        for (i, row) in out.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().enumerate() {
                *cell = (0..3).map(|k| self.0[i][k] * other.0[k][j]).sum();
            }
        }
        Mat3(out)
    }

    pub fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        let m = &self.0;
        let w = m[2][0] * x + m[2][1] * y + m[2][2];
        (
            (m[0][0] * x + m[0][1] * y + m[0][2]) / w,
            (m[1][0] * x + m[1][1] * y + m[1][2]) / w,
        )
    }

    pub fn inverse(&self) -> Option<Mat3> {
        let m = &self.0;
        let cof = |r0: usize, r1: usize, c0: usize, c1: usize| {
            m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]
        };
        let det = m[0][0] * cof(1, 2, 1, 2) - m[0][1] * cof(1, 2, 0, 2) + m[0][2] * cof(1, 2, 0, 1);
        if det.abs() < 1e-12 || !det.is_finite() {
            return None;
        }
        let inv = [
            [cof(1, 2, 1, 2), -cof(0, 2, 1, 2), cof(0, 1, 1, 2)],
            [-cof(1, 2, 0, 2), cof(0, 2, 0, 2), -cof(0, 1, 0, 2)],
            [cof(1, 2, 0, 1), -cof(0, 2, 0, 1), cof(0, 1, 0, 1)],
        ];
        Some(Mat3(inv.map(|row| row.map(|v| v / det))))
    }

    /// Local magnification at a point: the longer image of a unit step in x or y.
    pub fn local_scale(&self, x: f64, y: f64) -> f64 {
        let (px, py) = self.apply(x, y);
        let (ax, ay) = self.apply(x + 1e-3, y);
        let (bx, by) = self.apply(x, y + 1e-3);
        let dx = ((ax - px).powi(2) + (ay - py).powi(2)).sqrt();
        let dy = ((bx - px).powi(2) + (by - py).powi(2)).sqrt();
        dx.max(dy) / 1e-3
    }

    /// As an imageproc projection between pixel-index coordinates (centres at integers),
    /// when `self` maps continuous coordinates (pixel edges at integers).
    pub fn to_index_projection(self) -> Option<Projection> {
        let m = Mat3::translate(-0.5, -0.5)
            .mul(&self)
            .mul(&Mat3::translate(0.5, 0.5));
        let flat: Vec<f32> = m.0.iter().flatten().map(|&v| v as f32).collect();
        let array: [f32; 9] = flat.try_into().ok()?;
        Projection::from_matrix(array)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_undoes_a_homography() {
        let h = Mat3([[1.2, 0.1, 30.0], [-0.05, 0.9, 12.0], [0.0004, -0.0002, 1.0]]);
        let inv = h.inverse().unwrap();
        let (x, y) = h.apply(17.0, -4.0);
        let (bx, by) = inv.apply(x, y);
        assert!((bx - 17.0).abs() < 1e-9 && (by + 4.0).abs() < 1e-9);
    }

    #[test]
    fn local_scale_of_a_similarity_is_its_scale() {
        let m = Mat3::rotate(0.3).mul(&Mat3::scale(7.5));
        assert!((m.local_scale(3.0, 4.0) - 7.5).abs() < 1e-6);
    }
}
