#!/usr/bin/env python3
"""Writes the seed and regression inputs of the data-loader fuzz targets
(fuzz/corpus/<target>/seed-* and regression-*), reproducibly.

Seeds are small valid files of each format, plain and gzip'd, so the fuzzer
starts from inputs that reach deep into each loader. Regression inputs are
ones that broke a loader once; tests/fuzz_corpus.rs replays them all.

    python3 scripts/fuzz_seeds.py
"""
import gzip
import os
import glob
import json
import random
import shutil
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def gz(data):
    return gzip.compress(data, mtime=0)


def write(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def idx(ndim_code, dims, payload):
    return bytes([0, 0, 8, ndim_code]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def main():
    rng = random.Random(9)
    mnist = os.path.join(ROOT, "data", "mnist")
    with gzip.open(os.path.join(mnist, "t10k-images-idx3-ubyte.gz")) as f:
        f.read(16)
        two = f.read(2 * 28 * 28)
    with gzip.open(os.path.join(mnist, "t10k-labels-idx1-ubyte.gz")) as f:
        f.read(8)
        labels = f.read(16)

    images = idx(3, [2, 3, 2], bytes(range(12)))
    write("idx_images", "seed-2x3x2", images)
    write("idx_images", "seed-2x3x2.gz", gz(images))
    write("idx_images", "seed-mnist-2.gz", gz(idx(3, [2, 28, 28], two)))
    # A gzip file whose header claims 4,000,000,000 images of 1 pixel, then
    # 4 KiB of incompressible bytes: the loader once reserved 1032 times the
    # file size before any data arrived.
    noise = bytes(rng.randrange(256) for _ in range(4096))
    write("idx_images", "regression-gzip-claims-4e9.gz", gz(idx(3, [4_000_000_000, 1, 1], noise)))

    write("idx_labels", "seed-16", idx(1, [16], labels))
    write("idx_labels", "seed-16.gz", gz(idx(1, [16], labels)))
    write("idx_labels", "regression-gzip-claims-4e9.gz", gz(idx(1, [4_000_000_000], noise)))

    with gzip.open(os.path.join(ROOT, "data", "sklearn-digits", "digits.csv.gz")) as f:
        lines = f.read().split(b"\n")[:4]
    csv = b"\n".join(lines) + b"\n"
    write("digits_csv", "seed-3-rows.csv", csv)
    write("digits_csv", "seed-3-rows.csv.gz", gz(csv))
    write("digits_csv", "seed-crlf.csv", csv.replace(b"\n", b"\r\n"))

    # The weight-file targets load `Small { input: 3, hidden: dense(4, relu),
    # out: dense(2) }` (fuzz/src/lib.rs).
    shapes = [("hidden.weight", [4, 3]), ("hidden.bias", [4]), ("out.weight", [2, 4]), ("out.bias", [2])]
    for dtype, fmt in [("F32", "<f"), ("F64", "<d")]:
        for names, tag in [(None, ""), (["0.weight", "0.bias", "2.weight", "2.bias"], "-sequential")]:
            tensors = []
            for k, (name, shape) in enumerate(shapes):
                count = shape[0] * (shape[1] if len(shape) > 1 else 1)
                values = [rng.uniform(-1, 1) for _ in range(count)]
                tensors.append((names[k] if names else name, dtype, shape, values))
            data = safetensors(tensors, fmt)
            write("safetensors", f"seed-small-{dtype.lower()}{tag}.safetensors", data)
            write("weights_check", f"seed-small-{dtype.lower()}{tag}.safetensors", data)
    # The #[weights] fixtures: every kind of file the compile-time check
    # rejects, and the two that once broke both readers (offsets that add up
    # past 2^64; a tensor named twice).
    fixtures = os.path.join(ROOT, "tests", "ui", "network", "weights", "fixtures")
    for path in sorted(glob.glob(os.path.join(fixtures, "*.safetensors"))):
        name = os.path.basename(path)
        kind = "regression" if name in ("overflowing-offsets.safetensors", "duplicate-tensor.safetensors") else "seed"
        for target in ("safetensors", "weights_check"):
            shutil.copyfile(path, os.path.join(CORPUS, target, f"{kind}-{name}"))


def safetensors(tensors, fmt):
    """An 8-byte header length, the JSON header, the little-endian values."""
    header, data = {}, b""
    for name, dtype, shape, values in tensors:
        raw = b"".join(struct.pack(fmt, v) for v in values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


if __name__ == "__main__":
    main()
