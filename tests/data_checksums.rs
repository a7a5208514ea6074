//! The vendored data sets under `data/` are byte-identical to their published
//! originals: a corrupted, truncated or re-compressed copy fails here.
//!
//! The expected digests are the published ones (see `data/README.md`), written
//! out here rather than read from `data/SHA256SUMS`, so that editing the data and
//! the sums file together still fails; a second test checks that the sums file
//! lists the same digests.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// (path under `data/`, size in bytes, SHA-256) as published.
const FILES: [(&str, u64, &str); 6] = [
    (
        "mnist/train-images-idx3-ubyte.gz",
        9_912_422,
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    ),
    (
        "mnist/train-labels-idx1-ubyte.gz",
        28_881,
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    ),
    (
        "mnist/t10k-images-idx3-ubyte.gz",
        1_648_877,
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    ),
    (
        "mnist/t10k-labels-idx1-ubyte.gz",
        4_542,
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    ),
    (
        "sklearn-digits/digits.csv.gz",
        57_523,
        "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22",
    ),
    (
        "sklearn-digits/digits.rst",
        2_007,
        "8e7e58d612958f7d9b0de1931ed68b211703eeb239e808f3d82c5f0837cc0222",
    ),
];

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn sha256_of_known_input() {
    // FIPS 180-2 test vector, so the hex formatting above is checked too.
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn vendored_files_match_published_sha256() {
    let mut bad = Vec::new();
    for (name, size, expected) in FILES {
        let path = data_dir().join(name);
        let bytes =
            std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let actual = sha256_hex(&bytes);
        if bytes.len() as u64 != size || actual != expected {
            bad.push(format!(
                "{name}: {} bytes, sha256 {actual}; expected {size} bytes, sha256 {expected}",
                bytes.len()
            ));
        }
    }
    assert!(bad.is_empty(), "corrupted data files:\n{}", bad.join("\n"));
}

#[test]
fn sha256sums_file_lists_the_same_digests() {
    let path = data_dir().join("SHA256SUMS");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut listed: Vec<(String, String)> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (digest, name) = l
                .split_once("  ")
                .unwrap_or_else(|| panic!("malformed SHA256SUMS line: {l:?}"));
            (name.to_owned(), digest.to_owned())
        })
        .collect();
    listed.sort();
    let mut expected: Vec<(String, String)> = FILES
        .iter()
        .map(|(name, _, digest)| ((*name).to_owned(), (*digest).to_owned()))
        .collect();
    expected.sort();
    assert_eq!(listed, expected);
}
