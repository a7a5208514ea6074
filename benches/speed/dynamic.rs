//! Baseline (b): a straightforward dynamic implementation with `DMatrix` /
//! `DVector`, written the way the math reads: operators that return new
//! matrices, `transpose()` copies, a separate gradient and update.

use nn::Scalar;
use nn::nalgebra::{DMatrix, DVector};

/// A 3-layer ReLU MLP with softmax cross-entropy, sizes chosen at run time.
pub struct Mlp<T: Scalar> {
    pub w: [DMatrix<T>; 3],
    pub b: [DVector<T>; 3],
}

fn relu<T: Scalar>(z: &DMatrix<T>) -> DMatrix<T> {
    z.map(|v| if v > T::zero() { v } else { T::zero() })
}

fn relu_vec<T: Scalar>(z: &DVector<T>) -> DVector<T> {
    z.map(|v| if v > T::zero() { v } else { T::zero() })
}

fn relu_grad<T: Scalar>(z: &DMatrix<T>) -> DMatrix<T> {
    z.map(|v| if v > T::zero() { T::one() } else { T::zero() })
}

/// `softmax(z)`, column by column.
fn softmax<T: Scalar>(z: &DMatrix<T>) -> DMatrix<T> {
    let mut p = z.clone();
    for mut col in p.column_iter_mut() {
        let m = col.max();
        col.apply(|v| *v = (*v - m).exp());
        let s = col.sum();
        col /= s;
    }
    p
}

impl<T: Scalar> Mlp<T> {
    /// Copies the parameters from flat per-tensor slices (`W` column-major, then `b`).
    pub fn from_tensors(t: &[&[T]], sizes: [usize; 4]) -> Self {
        let w = |l: usize| DMatrix::from_column_slice(sizes[l + 1], sizes[l], t[2 * l]);
        let b = |l: usize| DVector::from_column_slice(t[2 * l + 1]);
        Self {
            w: [w(0), w(1), w(2)],
            b: [b(0), b(1), b(2)],
        }
    }

    /// The logits for one sample.
    pub fn forward(&self, x: &DVector<T>) -> DVector<T> {
        let a1 = relu_vec(&(&self.w[0] * x + &self.b[0]));
        let a2 = relu_vec(&(&self.w[1] * a1 + &self.b[1]));
        &self.w[2] * a2 + &self.b[2]
    }

    /// Forward, softmax cross-entropy and backward for a batch (`x`: one
    /// sample per column), then `θ ← θ − η g`. A single sample is a batch of one.
    pub fn sgd_step(&mut self, x: &DMatrix<T>, labels: &[usize], lr: T) -> T {
        let batch = x.ncols();
        let scale = T::one() / T::cast_f64(batch as f64);
        let bias = |b: &DVector<T>| DMatrix::from_fn(b.len(), batch, |i, _| b[i]);
        let z1 = &self.w[0] * x + bias(&self.b[0]);
        let a1 = relu(&z1);
        let z2 = &self.w[1] * &a1 + bias(&self.b[1]);
        let a2 = relu(&z2);
        let z3 = &self.w[2] * &a2 + bias(&self.b[2]);
        let mut d3 = softmax(&z3);
        let mut loss = T::zero();
        for (j, &label) in labels.iter().enumerate() {
            loss -= d3[(label, j)].ln();
            d3[(label, j)] -= T::one();
        }
        let d3 = d3 * scale;
        let gw3 = &d3 * a2.transpose();
        let gb3 = d3.column_sum();
        let d2 = (self.w[2].transpose() * &d3).component_mul(&relu_grad(&z2));
        let gw2 = &d2 * a1.transpose();
        let gb2 = d2.column_sum();
        let d1 = (self.w[1].transpose() * &d2).component_mul(&relu_grad(&z1));
        let gw1 = &d1 * x.transpose();
        let gb1 = d1.column_sum();
        self.w[2] -= gw3 * lr;
        self.b[2] -= gb3 * lr;
        self.w[1] -= gw2 * lr;
        self.b[1] -= gb2 * lr;
        self.w[0] -= gw1 * lr;
        self.b[0] -= gb1 * lr;
        loss * scale
    }

    /// The logits for a batch.
    pub fn forward_batch(&self, x: &DMatrix<T>) -> DMatrix<T> {
        let batch = x.ncols();
        let bias = |b: &DVector<T>| DMatrix::from_fn(b.len(), batch, |i, _| b[i]);
        let a1 = relu(&(&self.w[0] * x + bias(&self.b[0])));
        let a2 = relu(&(&self.w[1] * a1 + bias(&self.b[1])));
        &self.w[2] * a2 + bias(&self.b[2])
    }
}
