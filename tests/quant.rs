//! The int8 kernels against the formulas of `nn::quant`'s docs, written out
//! here as plain integer loops (no call into the kernels).

use nn::quant::QuantizedDense;

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
