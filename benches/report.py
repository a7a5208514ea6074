#!/usr/bin/env python3
"""Turns the criterion medians of `cargo bench --bench speed` into the tables
of BENCHMARKS.md: generated vs hand-written vs dynamic, and each figure as a
fraction of the FMA roofline measured in the same run.

    python3 benches/report.py [CRITERION_DIR] [--native NATIVE_CRITERION_DIR]

CRITERION_DIR defaults to $CARGO_TARGET_DIR/criterion or target/criterion.
FLOPs follow issue 4: forward F = 2·Σ in·out per sample, backward 2F, the SGD
update 2 per parameter (once per step, so once per batch).
"""
import json
import os
import sys

NETS = {"homework": [784, 16, 16, 10], "wide": [784, 256, 256, 10]}
BATCH = 64
WORKLOADS = [
    ("forward1", "per-sample forward", 1),
    ("train1", "per-sample training step", 1),
    ("train64", "batch-64 training step", BATCH),
    ("infer64", "batch-64 inference", BATCH),
]
IMPLS = ["generated", "hand", "dynamic"]


def median_ns(root, group, function):
    path = os.path.join(root, group, function, "new", "estimates.json")
    try:
        with open(path) as f:
            return json.load(f)["median"]["point_estimate"]
    except FileNotFoundError:
        return None


def throughput(root, group, function):
    """The throughput criterion recorded for a bench (FLOPs or bytes per call)."""
    path = os.path.join(root, group, function, "new", "benchmark.json")
    with open(path) as f:
        (value,) = json.load(f)["throughput"].values()
    return value


def params(sizes):
    return sum(i * o + o for i, o in zip(sizes, sizes[1:]))


def bounds(root):
    """(net, type) -> (bytes, read ns, update ns): the weight-streaming bounds."""
    out = {}
    for net in NETS:
        for ty in ("f32", "f64"):
            read = median_ns(root, "stream", f"read-{net}-{ty}")
            update = median_ns(root, "stream", f"update-{net}-{ty}")
            if read and update:
                out[(net, ty)] = (throughput(root, "stream", f"read-{net}-{ty}"), read, update)
    return out


def bound_ns(b, workload):
    """The streaming bound of a per-sample workload: forward1 reads the
    weights once; train1 reads them (forward) and reads and writes them again
    (the update, which yields Wᵀδ in the same pass)."""
    _, read, update = b
    return {"forward1": read, "train1": read + update}.get(workload)


def paired(root):
    """(group, impl) -> ratio impl/generated, from the alternating blocks."""
    out = {}
    try:
        with open(os.path.join(root, "paired.tsv")) as f:
            for line in f:
                group, impl, _ns, ratio, _rounds = line.split("\t")
                out[(group, impl)] = float(ratio)
    except FileNotFoundError:
        pass
    return out


def flops(sizes, workload):
    """Nominal FLOPs of one call (issue 4's convention)."""
    fwd = 2 * sum(i * o for i, o in zip(sizes, sizes[1:]))
    params = sum(i * o + o for i, o in zip(sizes, sizes[1:]))
    return {
        "forward1": fwd,
        "train1": 3 * fwd + 2 * params,
        "train64": BATCH * 3 * fwd + 2 * params,
        "infer64": BATCH * fwd,
    }[workload]


def fmt_time(ns):
    if ns is None:
        return "–"
    if ns >= 1e6:
        return f"{ns / 1e6:.3f} ms"
    return f"{ns / 1e3:.2f} µs" if ns >= 1e3 else f"{ns:.0f} ns"


def main():
    args = sys.argv[1:]
    native = None
    if "--native" in args:
        k = args.index("--native")
        native = args[k + 1]
        del args[k : k + 2]
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    root = args[0] if args else os.path.join(target, "criterion")

    peak = {}
    print("### Roofline (one core, this run)\n")
    print("| kernel | median per call | FLOPs per call | GFLOP/s |")
    print("|---|---:|---:|---:|")
    for ty in ("f32", "f64"):
        ns = median_ns(root, "peak", f"fma_{ty}")
        fl = throughput(root, "peak", f"fma_{ty}")
        peak[ty] = fl / ns
        print(f"| fma_{ty} | {fmt_time(ns)} | {fl:,} | {peak[ty]:.1f} |")

    stream = bounds(root)
    print("\n### Weight-streaming bounds (one core, this run)\n")
    print("| net | type | parameter bytes | read once | GB/s | read and write back | GB/s | forward1 bound | train1 bound |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for (net, ty), b in stream.items():
        size, read, update = b
        print(f"| {net} | {ty} | {size:,} | {fmt_time(read)} | {size / read:.1f} | {fmt_time(update)} | "
              f"{2 * size / update:.1f} | {fmt_time(bound_ns(b, 'forward1'))} | {fmt_time(bound_ns(b, 'train1'))} |")

    print("\n### Workloads (batch workloads: generated on one thread)\n")
    pairs = paired(root)
    head = "| net | type | workload | FLOPs/call | generated | hand | dynamic | gen/hand | gen/dyn | gen/hand paired | gen/dyn paired | gen % roofline | hand % roofline | gen ÷ streaming bound | gen ÷ bound paired |"
    if native:
        head += " generated, native | native ÷ default | gen native % roofline |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for net, sizes in NETS.items():
        for ty in ("f32", "f64"):
            for wl, _, _ in WORKLOADS:
                group = f"{net}-{ty}-{wl}"
                t = {i: median_ns(root, group, i) for i in IMPLS}
                # Batch workloads: the generated code on one thread, like
                # hand and dynamic (and one core's roofline); the speed-up
                # on every core is the table after this one.
                one = median_ns(root, group, "generated-1-thread")
                if one:
                    t["generated"] = one
                    g1 = pairs.get((group, "generated-1-thread"))
                    if g1:
                        pairs = dict(pairs)
                        for other in ("hand", "dynamic"):
                            if (group, other) in pairs:
                                pairs[(group, other)] = pairs[(group, other)] / g1
                fl = flops(sizes, wl)
                g, h, d = t["generated"], t["hand"], t["dynamic"]
                row = [net, ty, wl, f"{fl:,}", fmt_time(g), fmt_time(h), fmt_time(d),
                       f"{g / h:.2f}" if g and h else "–",
                       f"{g / d:.2f}" if g and d else "–",
                       f"{1 / pairs[(group, 'hand')]:.2f}" if (group, "hand") in pairs else "–",
                       f"{1 / pairs[(group, 'dynamic')]:.2f}" if (group, "dynamic") in pairs else "–",
                       f"{100 * fl / g / peak[ty]:.1f}%" if g else "–",
                       f"{100 * fl / h / peak[ty]:.1f}%" if h else "–"]
                b = stream.get((net, ty))
                bn = bound_ns(b, wl) if b else None
                row.append(f"{g / bn:.2f}" if g and bn else "–")
                pb = pairs.get((group, "streaming-bound"))
                row.append(f"{1 / pb:.2f}" if pb else "–")
                if native:
                    gn = median_ns(native, group, "generated-1-thread") or median_ns(native, group, "generated")
                    pn = throughput(native, "peak", f"fma_{ty}") / median_ns(native, "peak", f"fma_{ty}")
                    row += [fmt_time(gn), f"{gn / g:.2f}" if gn and g else "–",
                            f"{100 * fl / gn / pn:.1f}%" if gn else "–"]
                print("| " + " | ".join(row) + " |")

    print("\n### Batch workloads on one thread and on every core\n")
    print("| net | type | workload | 1 thread | default threads | speedup | speedup paired |")
    print("|---|---|---|---:|---:|---:|---:|")
    for net in NETS:
        for ty in ("f32", "f64"):
            for wl in ("train64", "infer64"):
                group = f"{net}-{ty}-{wl}"
                one = median_ns(root, group, "generated-1-thread")
                many = median_ns(root, group, "generated")
                p = pairs.get((group, "generated-1-thread"))
                print(f"| {net} | {ty} | {wl} | {fmt_time(one)} | {fmt_time(many)} | "
                      f"{one / many:.2f} | {p:.2f} |" if one and many and p else f"| {net} | {ty} | {wl} | – | – | – | – |")


if __name__ == "__main__":
    main()
