#!/usr/bin/env bash
# tools/format.sh [--check] [FILE...] -- clang-format magma's C code.
#
# Without --check, rewrites the files in place (`make format`). With --check
# (`make format-check`, a suite of `make test`), changes nothing: names each
# file whose layout differs from .clang-format, ends with "N passed, N failed"
# (one test per file) and exits 1 if any differ.
#
# FILE... defaults to every .c and .h under kernel/ lib/ mm/ sbi/ include/ user/ mkfs/ and
# tests/ (never build/). The style is always the repository's .clang-format,
# wherever the files are.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
style="--style=file:$repo/.clang-format"
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}

check=0
if [[ ${1:-} == --check ]]; then
    check=1
    shift
fi

if ! command -v "$CLANG_FORMAT" >/dev/null 2>&1; then
    echo "format.sh: $CLANG_FORMAT not found (tools/deps.sh installs Debian's clang-format)" >&2
    exit 1
fi

files=("$@")
if (( ${#files[@]} == 0 )); then
    cd "$repo"
    mapfile -t files < <(find kernel lib mm sbi include tests user mkfs -name '*.[ch]' | LC_ALL=C sort)
fi

if (( ! check )); then
    "$CLANG_FORMAT" "$style" -i "${files[@]}"
    exit 0
fi

# One clang-format run over every file; each violation names its file.
out=$("$CLANG_FORMAT" "$style" --dry-run -Werror "${files[@]}" 2>&1) && rc=0 || rc=$?
mapfile -t bad < <(sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' \
    <<<"$out" | uniq)
if (( rc != 0 && ${#bad[@]} == 0 )); then
    echo "$out" >&2
    echo "format.sh: $CLANG_FORMAT failed (exit $rc) without naming a file" >&2
    exit 1
fi
for f in "${bad[@]}"; do
    lines=$("$CLANG_FORMAT" "$style" "$f" | diff "$f" - | grep -c '^>' || true)
    echo "format: $f differs from .clang-format ($lines lines would change; make format fixes it)"
done
echo "$(( ${#files[@]} - ${#bad[@]} )) passed, ${#bad[@]} failed"
(( ${#bad[@]} == 0 ))
