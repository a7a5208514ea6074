//! The bodies of the fuzz targets: each takes the fuzzer's bytes, hands them
//! to one loader, and checks what the loader promises (docs/reliability.md).
//!
//! A loader may reject any input, but only with its typed error: a panic, an
//! abort or an allocation beyond the fuzzer's limit is a finding. When it
//! accepts an input, what it returns must satisfy its documented invariants,
//! which these functions assert.
//!
//! `fuzz_targets/*.rs` wrap each function for `cargo fuzz run`; the project's
//! own `tests/fuzz_corpus.rs` includes this file and replays the committed
//! corpus (`corpus/<target>/`) through the same functions on stable Rust.

use std::io::Write;
use std::path::PathBuf;

/// The loaders read files, so each input is written to a file first: one per
/// process and thread, reused across inputs.
fn as_file(target: &str, data: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "nn-fuzz-{target}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let mut file = std::fs::File::create(&path).expect("cannot create the input file");
    file.write_all(data).expect("cannot write the input file");
    path
}

/// `nn::data::load_idx_images`: IDX image files, gzip'd or not.
pub fn idx_images(data: &[u8]) {
    let path = as_file("idx_images", data);
    if let Ok(images) = nn::data::load_idx_images(&path) {
        assert!(images.rows > 0 && images.cols > 0);
        assert_eq!(
            images.pixels.len(),
            images.count * images.rows * images.cols
        );
    }
    let _ = std::fs::remove_file(path);
}

/// `nn::data::load_idx_labels`: IDX label files, gzip'd or not, with ten classes.
pub fn idx_labels(data: &[u8]) {
    let path = as_file("idx_labels", data);
    if let Ok(labels) = nn::data::load_idx_labels(&path, 10) {
        assert!(labels.iter().all(|&l| l < 10));
    }
    let _ = std::fs::remove_file(path);
}

/// `nn::data::load_digits_csv`: scikit-learn's digits as CSV, gzip'd or not.
pub fn digits_csv(data: &[u8]) {
    let path = as_file("digits_csv", data);
    if let Ok(digits) = nn::data::load_digits_csv(&path) {
        assert_eq!((digits.features(), digits.classes()), (64, 10));
        assert_eq!(digits.inputs().len(), digits.len() * 64);
        assert!(digits.inputs().iter().all(|x| (0.0..=1.0).contains(x)));
        assert!(digits.labels().iter().all(|&l| l < 10));
    }
    let _ = std::fs::remove_file(path);
}

nn::network! {
    /// The network the weight-file targets load: small enough that every
    /// input is cheap, with two layers so that mapping and order matter.
    pub struct Small { input: 3, hidden: dense(4, relu), out: dense(2) }
}

/// `nn::io`'s safetensors loader: the same bytes into an `f32` and an `f64`
/// network, with the network's own names, with a layer mapping, and into an
/// existing network. What loads must save and load back unchanged, and a
/// rejected file must leave the existing network as it was.
pub fn safetensors(data: &[u8]) {
    use nn::io::{from_safetensors_bytes, from_safetensors_bytes_into, to_safetensors_bytes};
    if let Ok(net) = from_safetensors_bytes::<Small<f32>, f32>(data) {
        let again = to_safetensors_bytes(&*net).expect("a loaded network saves");
        let back = from_safetensors_bytes::<Small<f32>, f32>(&again).expect("and loads back");
        assert!(*back == *net);
    }
    if let Ok(net) = from_safetensors_bytes::<Small<f64>, f64>(data) {
        assert!(net.hidden.weight.iter().all(|w| w.is_finite()));
    }
    let _ = nn::io::from_safetensors_bytes_mapped::<Small<f32>, f32>(
        data,
        &[
            nn::io::LayerName {
                layer: "hidden",
                file: "0",
            },
            nn::io::LayerName {
                layer: "out",
                file: "2",
            },
        ],
    );
    let before = Small::<f32>::init(1);
    let mut net = before.clone();
    if from_safetensors_bytes_into(&mut net, data, &[]).is_err() {
        assert!(net == before, "a rejected file changed the network");
    }
}

/// `nn_format::read_tensors`, what `#[weights("...")]` reads at compile
/// time: every tensor it returns has as many values as its shape says.
pub fn weights_check(data: &[u8]) {
    let Ok(tensors) = nn_format::read_tensors(data) else {
        return;
    };
    let mut names: Vec<&str> = tensors.iter().map(|t| t.name.as_str()).collect();
    names.dedup();
    assert_eq!(names.len(), tensors.len(), "a name twice");
    for t in &tensors {
        if let Some(values) = &t.values {
            assert_eq!(
                Some(values.len()),
                t.shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d))
            );
        }
    }
}
