//! The int8 kernels against the formulas of `nn::quant`'s docs, written out
//! here as plain integer loops (no call into the kernels).

use nn::quant::QuantizedDense;

mod common;
use common::int8::{f64_layer, ref_forward, ref_layer};

/// A seeded xorshift: the same pseudo-random layers on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn i8(&mut self) -> i8 {
        ((self.next() % 255) as i32 - 127) as i8
    }
}

fn random_layer<const IN: usize, const OUT: usize>(
    rng: &mut Rng,
    floor: i8,
) -> QuantizedDense<IN, OUT> {
    let mut layer = QuantizedDense {
        weight: [[0; IN]; OUT],
        bias: [0; OUT],
        multiplier: [0; OUT],
        shift: [0; OUT],
        floor,
    };
    for o in 0..OUT {
        for i in 0..IN {
            layer.weight[o][i] = rng.i8();
        }
        layer.bias[o] = (rng.next() % 20_001) as i32 - 10_000;
        layer.multiplier[o] = (1 << 30) + (rng.next() % (1 << 30)) as i32;
        layer.shift[o] = 36 + (rng.next() % 8) as u8;
    }
    layer
}

/// `y[o] = clamp((acc · m + 2^(n−1)) >> n, floor, 127)`, `acc = b + Σ w·x`,
/// with `>>` rounding toward −∞ as `div_euclid` by a power of two does.
#[allow(
    clippy::needless_range_loop,
    reason = "the indices of the formula, as the docs write it"
)]
fn reference<const IN: usize, const OUT: usize>(
    l: &QuantizedDense<IN, OUT>,
    x: &[i8; IN],
) -> [i8; OUT] {
    let mut y = [0; OUT];
    for o in 0..OUT {
        let mut acc: i64 = l.bias[o].into();
        for i in 0..IN {
            acc += i64::from(l.weight[o][i]) * i64::from(x[i]);
        }
        let n = u32::from(l.shift[o]);
        let scaled = (acc * i64::from(l.multiplier[o]) + 2i64.pow(n - 1)).div_euclid(2i64.pow(n));
        y[o] = scaled.clamp(l.floor.into(), 127) as i8;
    }
    y
}

#[test]
fn dense_matches_the_documented_formula_bit_for_bit() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut saturated = 0;
    let mut floored = 0;
    for trial in 0..200 {
        let floor = if trial % 2 == 0 { 0 } else { -127 };
        let layer = random_layer::<37, 11>(&mut rng, floor);
        let x: [i8; 37] = core::array::from_fn(|_| rng.i8());
        let got = layer.forward(&x);
        assert_eq!(got, reference(&layer, &x), "trial {trial}");
        saturated += got.iter().filter(|&&v| v == 127).count();
        floored += got.iter().filter(|&&v| v == floor).count();
    }
    // The random layers reach both clamps and the values between.
    assert!(saturated > 0 && floored > 0);
}

nn::network! {
    #[weights(
        "ui/network/weights/fixtures/tiny.safetensors",
        quantize = int8,
        calibration = "ui/network/weights/fixtures/calibration.safetensors",
    )]
    struct Tiny {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

// The values `make_fixtures.py` writes, as F32.
const HIDDEN_W: [[f32; 2]; 3] = [[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]];
const HIDDEN_B: [f32; 3] = [0.1, -0.2, 0.3];
const OUTPUT_W: [[f32; 3]; 2] = [[1.0, -1.0, 0.5], [-2.0, 0.5, 1.0]];
const OUTPUT_B: [f32; 2] = [0.01, -0.02];
const CALIBRATION: [[f32; 2]; 4] = [[1.0, -0.5], [0.25, 2.0], [-1.5, 0.75], [0.5, 0.5]];

fn widen<const N: usize>(rows: &[[f32; N]]) -> Vec<Vec<f64>> {
    rows.iter()
        .map(|r| r.iter().map(|&v| f64::from(v)).collect())
        .collect()
}

#[test]
fn baked_int8_network_matches_an_independent_reference_bit_for_bit() {
    let (hw, ow) = (widen(&HIDDEN_W), widen(&OUTPUT_W));
    let hb: Vec<f64> = HIDDEN_B.iter().map(|&v| f64::from(v)).collect();
    let ob: Vec<f64> = OUTPUT_B.iter().map(|&v| f64::from(v)).collect();
    let calibration = widen(&CALIBRATION);
    let max_abs = |rows: &[Vec<f64>]| rows.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
    let hidden: Vec<Vec<f64>> = calibration
        .iter()
        .map(|x| f64_layer(&hw, &hb, x, true))
        .collect();
    let output: Vec<Vec<f64>> = hidden
        .iter()
        .map(|a| f64_layer(&ow, &ob, a, false))
        .collect();
    let (s_x, s_h, s_y) = (
        max_abs(&calibration) / 127.0,
        max_abs(&hidden) / 127.0,
        max_abs(&output) / 127.0,
    );
    let layers = [
        ref_layer(&hw, &hb, s_x, s_h, true),
        ref_layer(&ow, &ob, s_h, s_y, false),
    ];

    assert_eq!(TinyInt8::INPUT_SCALE, s_x as f32);
    assert_eq!(TinyInt8::OUTPUT_SCALE, s_y as f32);
    let net = TinyInt8::TRAINED;
    let mut classes = [0; 2];
    for x0 in (-127..=127).step_by(3) {
        for x1 in (-127..=127).step_by(5) {
            let x = [x0 as i8, x1 as i8];
            let expected = ref_forward(&layers[1], &ref_forward(&layers[0], &[x0, x1]));
            let got = net.forward(&x);
            assert_eq!(got.map(i64::from).to_vec(), expected, "input {x:?}");
            classes[net.classify(&x)] += 1;
        }
    }
    // Both classes occur, so the grid is not all one saturated corner.
    assert!(classes.iter().all(|&c| c > 0), "{classes:?}");
}

#[test]
fn int8_network_approximates_the_f32_one_on_its_calibration() {
    let net = Tiny::TRAINED;
    for x in CALIBRATION {
        let real = net.forward(&nn::nalgebra::SVector::from(x));
        let int8 =
            TinyInt8::dequantize_output(&TinyInt8::TRAINED.forward(&TinyInt8::quantize_input(&x)));
        for (r, q) in real.iter().zip(int8) {
            // A few steps of the output scale.
            assert!(
                (r - q).abs() <= 3.0 * TinyInt8::OUTPUT_SCALE,
                "{x:?}: {real} vs {int8:?}"
            );
        }
    }
    // Per layer: OUT·IN weights, 9 bytes per row (bias, multiplier, shift),
    // the floor, padded to 4: 6 + 27 + 1 -> 36 and 6 + 18 + 1 -> 28.
    assert_eq!(TinyInt8::WEIGHT_BYTES, 36 + 28);
}
