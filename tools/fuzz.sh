#!/usr/bin/env bash
# tools/fuzz.sh SECONDS TARGET... -- run each libFuzzer target for SECONDS.
#
# Called by `make fuzz`. Each target keeps its corpus in build/fuzz/corpus-NAME;
# the device-tree targets are seeded with every tree the tests compile
# (tests/dts/*.dts and the generated magma trees), fuzz_fsck with small mkfs
# images, fuzz_fs_image with its own base image (an input of one zero byte)
# and a small mkfs image. A finding is written to build/fuzz/ and fails the
# run with its path.
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
        # Real executables with their symbol tables: the user programs.
        *elf_symbol*) cp build/user/echo build/user/ls "$corpus"/ 2>/dev/null || true ;;
        # Small images from mkfs (host-test-build makes build/host/mkfs): a file
        # past the direct blocks, and an empty file system.
        *fsck*)
            build/host/mkfs "$corpus"/seed-files.img --size-blocks 120 --inodes 48 \
                README.md tools/fuzz.sh >/dev/null
            build/host/mkfs "$corpus"/seed-empty.img --size-blocks 72 --inodes 16 >/dev/null ;;
        *fs_image*)
            printf '\0' > "$corpus"/seed-base
            build/host/mkfs "$corpus"/seed-mkfs.img --size-blocks 80 --inodes 16 README.md \
                > /dev/null ;;
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
