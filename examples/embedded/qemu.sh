#!/usr/bin/env bash
# Builds the `classify` firmware for TARGET and runs it under QEMU, with the
# f32 homework network or, given `int8` after the target, the int8 one, or,
# given `cnn`, the CNN:
#   thumbv7em-none-eabihf  Cortex-M4F, -machine mps2-an386 (the default)
#   thumbv7m-none-eabi     Cortex-M3 without FPU, -machine lm3s6965evb
# The exit status is the firmware's: 0 only if every digit is classified right.
# -icount shift=0 advances virtual time by exactly 1 ns per instruction, so the
# firmware's timer counts instructions (docs/embedded.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:-thumbv7em-none-eabihf}
features=qemu
case ${2:-f32} in
f32) ;;
int8) features=qemu,int8 ;;
cnn) features=qemu,cnn ;;
*) echo "error: unknown network \`$2\`; expected f32, int8 or cnn" >&2; exit 2 ;;
esac
case $target in
thumbv7em-none-eabihf) board=(-machine mps2-an386 -cpu cortex-m4) ;;
thumbv7m-none-eabi) board=(-machine lm3s6965evb -cpu cortex-m3) ;;
*) echo "error: unknown target \`$target\`; expected thumbv7em-none-eabihf or thumbv7m-none-eabi" >&2; exit 2 ;;
esac
cargo build -p nn-embedded --release --target "$target" --features "$features" --bin classify
elf=target/$target/release/classify
# A hung firmware must not hang CI.
timeout 120 qemu-system-arm "${board[@]}" -nographic -monitor none \
    -semihosting-config enable=on,target=native \
    -icount shift=0,align=off,sleep=off -kernel "$elf"
