//! The generated network's API as a user reaches for it: the scalar the
//! constructors pick, loading PyTorch-ordered tensors, the summary of a value
//! and the predicted class.

use nn::nalgebra::{SVector, Vector2, Vector3};
use nn::{ClassCountError, Network, Params, TensorError};

nn::network! {
    /// A small classifier: 2 features, 3 classes.
    pub struct Iris {
        input: 2,
        hidden: dense(4, tanh),
        output: dense(3),
        loss: softmax_cross_entropy,
    }
}

nn::network! {
    /// One square layer, where a transposed weight still has the right shape.
    pub struct Square {
        input: 2,
        out: dense(2),
    }
}

#[test]
fn init_without_a_scalar_is_f32_and_f64_is_named_in_the_type() {
    let net = Iris::init(3);
    assert_eq!(net.summary().scalar, "f32");
    let wide = Iris::<f64>::init(3);
    assert_eq!(wide.summary().scalar, "f64");
    // The same seed draws the same weights in both scalars.
    assert_eq!(wide.hidden.weight.map(|w| w as f32), net.hidden.weight);
    assert_eq!(Iris::zeros().summary().scalar, "f32");
    assert_eq!(*Iris::<f64>::init_boxed(3), wide);
    assert_eq!(*Iris::<f64>::zeros_boxed(), Iris::<f64>::zeros());
    assert_eq!(*Iris::init_boxed(3), net);
}

#[test]
fn from_tensors_reads_pytorch_row_major_weights() {
    // torch.nn.Linear(2, 2) with weight [[1, 2], [3, 4]], bias [10, 20]:
    // y = x @ W.T + b, so x = (1, -1) gives (1 - 2 + 10, 3 - 4 + 20).
    let weight = [1.0, 2.0, 3.0, 4.0];
    let bias = [10.0, 20.0];
    let net = Square::<f64>::from_tensors(&[&weight, &bias]).unwrap();
    let x = Vector2::new(1.0, -1.0);
    assert_eq!(net.forward(&x), Vector2::new(9.0, 19.0));
    assert_eq!(net.out.weight[(1, 0)], 3.0);

    // The same numbers as one flat slice are read column by column: the
    // transposed layer, which is why the flat form says so in its name.
    let flat: Vec<f64> = weight.iter().chain(&bias).copied().collect();
    let transposed = Square::<f64>::from_flat_column_major(&flat).unwrap();
    assert_eq!(transposed.out.weight, net.out.weight.transpose());
    assert_eq!(transposed.forward(&x), Vector2::new(8.0, 18.0));
}

#[test]
fn from_tensors_names_what_is_wrong() {
    let hidden_weight = [0.0; 8];
    let err = Iris::<f32>::from_tensors(&[&hidden_weight, &[0.0; 4]]).unwrap_err();
    assert_eq!(
        err,
        TensorError::Count {
            expected: 4,
            found: 2
        }
    );

    let tensors: [&[f32]; 4] = [&hidden_weight, &[0.0; 4], &[0.0; 11], &[0.0; 3]];
    let err = Iris::<f32>::from_tensors(&tensors).unwrap_err();
    assert_eq!(
        err.to_string(),
        "tensor `output.weight` of shape [3, 4]: expected 12 values, found 11"
    );

    // A rejected load leaves the network as it was.
    let mut net = Iris::init(1);
    let before = net.clone();
    assert!(net.set_tensors(&tensors).is_err());
    assert_eq!(net, before);
}

#[test]
fn summary_and_display_of_a_value() {
    let net = Iris::init(0);
    let table = net.to_string();
    assert_eq!(table, net.summary().to_string());
    assert!(table.starts_with("Iris<f32>: 2 -> 3"), "{table}");
    assert!(
        table.contains("total: 27 parameters (108 bytes)"),
        "{table}"
    );
    assert_eq!(
        format!("{}", Iris::<f64>::zeros()).lines().next(),
        Some("Iris<f64>: 2 -> 3")
    );
}

/// The identity on two values: the class is the larger input.
fn picker() -> Square<f64> {
    Square::from_tensors(&[&[1.0, 0.0, 0.0, 1.0], &[0.0, 0.0]]).unwrap()
}

nn::network! {
    /// Three outputs for `classify`'s ties.
    pub struct Three {
        input: 2,
        out: dense(3),
    }
}

#[test]
fn classify_is_the_index_of_the_largest_output() {
    let net = picker();
    assert_eq!(net.predict(&Vector2::new(0.3, 0.7)), Vector2::new(0.3, 0.7));
    assert_eq!(net.classify(&Vector2::new(2.0, 1.0)), 0);
    assert_eq!(net.classify(&Vector2::new(-2.0, 1.0)), 1);

    let three =
        Three::<f64>::from_tensors(&[&[1.0, 0.0, 0.0, 1.0, 1.0, 1.0], &[0.0, 0.0, -1.0]]).unwrap();
    assert_eq!(
        three.forward(&Vector2::new(3.0, 3.0)),
        Vector3::new(3.0, 3.0, 5.0)
    );
    assert_eq!(three.classify(&Vector2::new(3.0, 3.0)), 2);
    // A tie goes to the first of the largest outputs.
    assert_eq!(three.classify(&Vector2::new(1.0, 1.0)), 0);
}

#[test]
fn classify_a_batch() {
    let net = picker();
    let xs = [
        Vector2::new(2.0, 1.0),
        Vector2::new(-2.0, 1.0),
        Vector2::new(0.0, 5.0),
    ];
    assert_eq!(net.classify_batch(&xs), [0, 1, 1]);
    assert!(net.classify_batch(&[]).is_empty());

    let mut classes = [9; 3];
    net.classify_into(&xs, &mut classes).unwrap();
    assert_eq!(classes, [0, 1, 1]);
    let mut short = [9; 2];
    assert_eq!(
        net.classify_into(&xs, &mut short),
        Err(ClassCountError {
            inputs: 3,
            found: 2
        })
    );
    assert_eq!(short, [9; 2]);
}

/// Generic code sees all of it through the traits.
fn accuracy<N: Network<f32, 2, 3>>(net: &N, xs: &[SVector<f32, 2>], ys: &[usize]) -> f32 {
    let hits = net
        .classify_batch(xs)
        .iter()
        .zip(ys)
        .filter(|(c, y)| c == y)
        .count();
    hits as f32 / ys.len() as f32
}

#[test]
fn classify_through_the_trait() {
    let net = Iris::init(5);
    let xs = [Vector2::new(0.1, 0.2), Vector2::new(-0.4, 0.9)];
    let ys = [net.classify(&xs[0]), net.classify(&xs[1])];
    assert_eq!(accuracy(&net, &xs, &ys), 1.0);
    assert!(net.summary().layers.len() == 2);
}
