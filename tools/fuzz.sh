#!/usr/bin/env bash
# tools/fuzz.sh SECONDS TARGET... -- run each libFuzzer target for SECONDS.
#
# Called by `make fuzz`. Each target keeps its corpus in build/fuzz/corpus-NAME;
# the device-tree targets are seeded with every tree the tests compile
# (tests/dts/*.dts and the generated magma trees). A finding is written to
# build/fuzz/ and fails the run with its path.
set -euo pipefail
seconds=$1
shift
status=0
for target in "$@"; do
    name=$(basename "$target")
    corpus=build/fuzz/corpus-$name
    mkdir -p "$corpus"
    case $name in
        *fdt*) cp build/host/dts/*.dtb build/dt/*.dtb "$corpus"/ 2>/dev/null || true ;;
    esac
    echo "== $name: ${seconds}s"
    if "$target" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix=build/fuzz/"$name"- "$corpus" > build/fuzz/"$name".log 2>&1; then
        grep -E "^(Done|stat::number_of_executed_units)" build/fuzz/"$name".log || true
        echo "$name: no finding"
    else
        tail -30 build/fuzz/"$name".log
        echo "$name: FINDING (see build/fuzz/$name.log and build/fuzz/$name-*)"
        status=1
    fi
done
exit $status
