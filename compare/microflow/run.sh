#!/usr/bin/env bash
# nn and MicroFlow side by side on MicroFlow's sine benchmark: builds every
# engine's firmware for one target, runs each under QEMU's Cortex-M4F board
# and prints one table (README.md, "Side by side with MicroFlow").
#
#   compare/microflow/run.sh
#
# Needs qemu-system-arm (Debian: qemu-system-arm) and readelf. Exits with
# failure if a build fails or any firmware exits with failure.
#
# An engine is a binary of sine-firmware (firmware/src/bin/NAME.rs) behind a
# feature of the same NAME (firmware/Cargo.toml); to add one, add both and
# its NAME to ENGINES. `skeleton` is the firmware without an engine.
set -euo pipefail
cd "$(dirname "$0")"

ENGINES=(skeleton nn-f32 nn-int8 microflow)
TARGET=thumbv7em-none-eabihf

rustup target list --installed 2>/dev/null | grep -qx "$TARGET" || rustup target add "$TARGET"
cargo build --release --target "$TARGET" -p sine-firmware --all-features --bins

# The sum of the named sections' sizes in an ELF, in bytes (0 for absent ones).
sections() {
    local elf=$1 total=0 line
    shift
    while read -r line; do
        set -- ${line#*]} # name, type, address, offset, size (hex), ...
        total=$((total + 16#$5))
    done < <(readelf -SW "$elf" | grep -E " ($(IFS='|'; echo "${*//./\\.}")) ")
    echo "$total"
}

rows=()
for engine in "${ENGINES[@]}"; do
    elf="target/$TARGET/release/$engine"
    flash=$(sections "$elf" .text .rodata)
    ram=$(sections "$elf" .data .bss .uninit)
    # -icount shift=0: virtual time advances 1 ns per instruction executed,
    # which is what the firmware's SysTick readings count (firmware/src/lib.rs).
    out=$(timeout 120 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic \
        -semihosting-config enable=on,target=native \
        -icount shift=0,align=off,sleep=off -kernel "$elf") || {
        echo "$out"
        echo "error: $engine's firmware failed under QEMU" >&2
        exit 1
    }
    echo "$out"
    result=$(grep '^RESULT ' <<<"$out") || {
        echo "error: $engine's firmware printed no RESULT line" >&2
        exit 1
    }
    declare -A r=()
    for field in ${result#RESULT }; do
        r[${field%%=*}]=${field#*=}
    done
    if [[ $engine == skeleton ]]; then
        base=$flash # listed first: the others' flash is also given over it
        r[mae_sin]=- r[mae_y]=-
    fi
    rows+=("| $engine | $flash | $((flash - ${base:-0})) | $ram | ${r[stack]} | ${r[instructions]} | ${r[mae_sin]} | ${r[mae_y]} |")
    unset r
done

echo
echo "thumbv7em-none-eabihf, --release (LTO, opt-level 3), qemu-system-arm -machine mps2-an386 -icount shift=0"
echo "| engine | flash (.text + .rodata) | flash over the skeleton | static RAM (.data + .bss) | peak stack of one inference | instructions / inference | MAE vs sin(x) | MAE vs y |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
