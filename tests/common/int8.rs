//! int8 quantization written out from the formulas of `nn::quant`'s docs,
//! in plain `f64` and `i64` loops that call nothing of `nn`: the reference
//! the quantized networks of `network!` are checked against.

/// One layer quantized by the formulas of `nn::quant`'s docs: weights,
/// biases, and `M = s_in · s_w / s_out` as `m / 2^n`, `m` in `[2^30, 2^31)`.
pub struct RefLayer {
    pub w: Vec<Vec<i64>>,
    pub b: Vec<i64>,
    pub m: Vec<i64>,
    pub n: Vec<u32>,
    pub floor: i64,
}

pub fn ref_layer(w: &[Vec<f64>], b: &[f64], s_in: f64, s_out: f64, relu: bool) -> RefLayer {
    let mut layer = RefLayer {
        w: vec![],
        b: vec![],
        m: vec![],
        n: vec![],
        floor: if relu { 0 } else { -127 },
    };
    for (row, &bias) in w.iter().zip(b) {
        let s_w = row.iter().fold(0.0f64, |m, v| m.max(v.abs())) / 127.0;
        layer
            .w
            .push(row.iter().map(|v| (v / s_w).round() as i64).collect());
        layer.b.push((bias / (s_in * s_w)).round() as i64);
        let real = s_in * s_w / s_out;
        // 2^30 <= real · 2^n < 2^31
        let n = (30.0 - real.log2().floor()) as u32;
        layer.m.push((real * 2f64.powi(n as i32)).round() as i64);
        layer.n.push(n);
    }
    layer
}

pub fn ref_forward(layer: &RefLayer, x: &[i64]) -> Vec<i64> {
    (0..layer.w.len())
        .map(|o| {
            let acc = layer.b[o] + layer.w[o].iter().zip(x).map(|(w, v)| w * v).sum::<i64>();
            let y = (acc * layer.m[o] + (1 << (layer.n[o] - 1))).div_euclid(1 << layer.n[o]);
            y.clamp(layer.floor, 127)
        })
        .collect()
}

/// The f64 layer `W x + b`, with ReLU if `relu`.
pub fn f64_layer(w: &[Vec<f64>], b: &[f64], x: &[f64], relu: bool) -> Vec<f64> {
    w.iter()
        .zip(b)
        .map(|(row, bias)| {
            let z = bias + row.iter().zip(x).map(|(w, v)| w * v).sum::<f64>();
            if relu { z.max(0.0) } else { z }
        })
        .collect()
}

/// `clamp(round(x / s), -127, 127)`, half away from zero.
pub fn ref_quantize(x: f64, s: f64) -> i64 {
    ((x / s).round() as i64).clamp(-127, 127)
}

/// The largest `|v|` of all rows.
pub fn max_abs(rows: &[Vec<f64>]) -> f64 {
    rows.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()))
}
