#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2034  # eval conditions are single-quoted on purpose
# tests/test_tools.sh -- checks that the environment tools work:
#   tools/deps.sh, tools/firmware_version.py, tools/doctor.sh, tools/format.sh.
# Run by `make test` (assumes the dependencies are installed, i.e. deps.sh
# has run). Prints PASS/FAIL per check, then "N passed, N failed"; exits 1 if
# any check failed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools=$root/tools
tmp=$(mktemp -d)
listener_pid=""
cleanup() {
    if [[ -n $listener_pid ]]; then kill "$listener_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

passed=0 failed=0
# check DESCRIPTION CMD...: the check passes if CMD succeeds
# (compound conditions are written as: check DESC eval '[ A ] && [ B ]').
check() {
    local desc=$1; shift
    if "$@"; then
        echo "PASS $desc"; passed=$((passed + 1))
    else
        echo "FAIL $desc"; failed=$((failed + 1))
        if [[ -n ${out:-} ]]; then printf '     output: %s\n' "${out//$'\n'/$'\n'             }"; fi
    fi
}
# run CMD...: sets $out (stdout+stderr) and $rc, never aborts the script.
run() { rc=0; out=$("$@" 2>&1) || rc=$?; }
contains() { [[ $out == *"$1"* ]]; }
lacks()    { [[ $out != *"$1"* ]]; }
matches()  { [[ $out =~ $1 ]]; }
# fake_path DIR TOOL...: DIR gets symlinks to just these tools (from $PATH).
fake_path() {
    local dir=$1 t p; shift
    mkdir -p "$dir"
    for t in "$@"; do
        if p=$(command -v "$t"); then ln -sf "$p" "$dir/$t"; fi
    done
}

# ---- deps.sh ---------------------------------------------------------------
start=$EPOCHREALTIME
run "$tools/deps.sh"
elapsed_ms=$(( (${EPOCHREALTIME/./} - ${start/./}) / 1000 ))
check "deps.sh: everything present -> exit 0"          [ "$rc" -eq 0 ]
check "deps.sh: everything present -> prints nothing"  [ -z "$out" ]
check "deps.sh: everything present -> fast (${elapsed_ms} ms < 1000 ms)" [ "$elapsed_ms" -lt 1000 ]

run "$tools/deps.sh" --check
check "deps.sh --check: everything present -> exit 0, silent" eval '[ "$rc" -eq 0 ] && [ -z "$out" ]'

# A PATH holding every tool except the cross compiler.
nocross=$tmp/nocross
fake_path "$nocross" qemu-system-riscv64 dtc gdb-multiarch python3 cc make clang-format
run env PATH="$nocross" "$BASH" "$tools/deps.sh" --check
check "deps.sh --check without cross gcc -> exit 1"      [ "$rc" -eq 1 ]
check "deps.sh --check names gcc-riscv64-unknown-elf"    contains gcc-riscv64-unknown-elf
check "deps.sh --check lists only what is missing"       lacks qemu-system-misc
check "deps.sh --check does not run apt-get"             lacks "+ apt-get"

# riscv64-linux-gnu-gcc is an acceptable alternative.
altcross=$tmp/altcross
fake_path "$altcross" qemu-system-riscv64 dtc gdb-multiarch python3 cc make clang-format
ln -s "$(command -v cc)" "$altcross/riscv64-linux-gnu-gcc"
run env PATH="$altcross" "$BASH" "$tools/deps.sh" --check
check "deps.sh --check accepts riscv64-linux-gnu-gcc" eval '[ "$rc" -eq 0 ] && [ -z "$out" ]'

# Install path on Debian, without really installing (DEPS_DRY_RUN).
printf 'ID=debian\nVERSION_ID="12"\n' > "$tmp/os-debian"
fake_path "$nocross" sudo
run env PATH="$nocross" DEPS_OS_RELEASE="$tmp/os-debian" DEPS_DRY_RUN=1 "$BASH" "$tools/deps.sh"
check "deps.sh (Debian) explains what it installs" \
    matches "installing missing packages:"$'\n'"  gcc-riscv64-unknown-elf +for riscv64-unknown-elf-gcc"
check "deps.sh (Debian) runs apt-get update"   matches $'\n''\+ (sudo (-n )?)?apt-get update'$'\n'
check "deps.sh (Debian) runs a non-interactive install" \
    matches '\+ (sudo (-n )?)?env DEBIAN_FRONTEND=noninteractive apt-get .*install -y --no-install-recommends gcc-riscv64-unknown-elf'$'\n'
if (( EUID == 0 )); then
    check "deps.sh (Debian) as root does not use sudo" lacks sudo
fi

# Ubuntu derivatives are recognised through ID_LIKE.
printf 'ID=linuxmint\nID_LIKE="ubuntu debian"\n' > "$tmp/os-mint"
run env PATH="$nocross" DEPS_OS_RELEASE="$tmp/os-mint" DEPS_DRY_RUN=1 "$BASH" "$tools/deps.sh"
check "deps.sh recognises ID_LIKE=ubuntu" contains "apt-get update"

# Elsewhere: list, do not install, exit 1. (With an empty PATH every tool is
# missing; qemu-system-data appears too only if the firmware file is absent.)
printf 'ID=fedora\nID_LIKE="rhel centos"\n' > "$tmp/os-fedora"
run env PATH="$tmp/empty" DEPS_OS_RELEASE="$tmp/os-fedora" DEPS_DRY_RUN=1 "$BASH" "$tools/deps.sh"
check "deps.sh (non-Debian) -> exit 1 with the full package list" \
    eval '[ "$rc" -eq 1 ] && contains "by hand: gcc-riscv64-unknown-elf qemu-system-misc " &&
          contains "device-tree-compiler gdb-multiarch python3 gcc make"'
check "deps.sh (non-Debian) does not run apt-get" lacks "+ apt-get"

# A QEMU too old for magma, or one that never answers: a message naming what to install.
oldqemu=$tmp/oldqemu
fake_path "$oldqemu" dtc gdb-multiarch python3 cc make clang-format riscv64-unknown-elf-gcc timeout
printf '#!/bin/sh\necho "QEMU emulator version 6.2.0 (Debian 1:6.2+dfsg-2ubuntu6)"\n' > "$oldqemu/qemu-system-riscv64"
chmod +x "$oldqemu/qemu-system-riscv64"
run env PATH="$oldqemu" "$BASH" "$tools/deps.sh"
check "deps.sh: QEMU 6.2 -> exit 1" [ "$rc" -eq 1 ]
check "deps.sh: QEMU 6.2 -> says which version is needed and what to install" \
    eval 'contains "version 6.2; magma needs QEMU 7.2 or newer" && contains "install qemu-system-misc"'
printf '#!/bin/sh\nexec sleep 300\n' > "$oldqemu/qemu-system-riscv64"
start=$EPOCHREALTIME
run env PATH="$oldqemu" DEPS_QEMU_TIMEOUT=1 "$BASH" "$tools/deps.sh"
elapsed_ms=$(( (${EPOCHREALTIME/./} - ${start/./}) / 1000 ))
check "deps.sh: a QEMU that never answers -> exit 1 after the timeout (${elapsed_ms} ms)" \
    eval '[ "$rc" -eq 1 ] && [ "$elapsed_ms" -lt 6000 ] && contains "did not answer"'

# ---- firmware_version.py ---------------------------------------------------
run "$tools/firmware_version.py"
check "firmware_version.py -> exit 0"               [ "$rc" -eq 0 ]
check "firmware_version.py prints major.minor ($out)" matches '^[0-9]+\.[0-9]+$'

run "$tools/firmware_version.py" --qemu "$tmp/no-such-qemu"
check "firmware_version.py: missing QEMU -> exit 2 with a message" \
    eval '[ "$rc" -eq 2 ] && contains "QEMU not found"'

# A "QEMU" that prints 1.3.1-style banner.
printf '#!/bin/sh\necho "OpenSBI v1.3.1"\nexec sleep 60\n' > "$tmp/qemu-131"
chmod +x "$tmp/qemu-131"
run "$tools/firmware_version.py" --qemu "$tmp/qemu-131"
check "firmware_version.py handles 'OpenSBI v1.3.1' -> 1.3" eval '[ "$rc" -eq 0 ] && [ "$out" = 1.3 ]'

# A "QEMU" that never prints the banner: timeout, exit 2, and it is killed.
printf '#!/bin/sh\necho $$ > "%s"\necho noise\nexec sleep 300\n' "$tmp/hang.pid" > "$tmp/qemu-hang"
chmod +x "$tmp/qemu-hang"
start=$EPOCHREALTIME
run "$tools/firmware_version.py" --qemu "$tmp/qemu-hang" --timeout 1
elapsed_ms=$(( (${EPOCHREALTIME/./} - ${start/./}) / 1000 ))
check "firmware_version.py: no banner -> exit 2 after ~1 s (${elapsed_ms} ms)" \
    eval '[ "$rc" -eq 2 ] && [ "$elapsed_ms" -lt 6000 ] && contains "banner from"'
hang_pid=$(cat "$tmp/hang.pid" 2>/dev/null || echo 0)
check "firmware_version.py kills the hung QEMU" eval '[ "$hang_pid" -gt 0 ] && ! kill -0 "$hang_pid" 2>/dev/null'

# ---- format.sh -------------------------------------------------------------
# Files outside the repository still get the repository's .clang-format.
printf 'static int twice(int x)\n{\n\treturn 2 * x;\n}\n' > "$tmp/good.c"
printf 'static int twice(int x) {\n    return 2*x;\n}\n' > "$tmp/bad.c"
cp "$tmp/bad.c" "$tmp/bad-copy.c"
run "$tools/format.sh" --check "$tmp/good.c"
check "format.sh --check: formatted file -> exit 0, 1 passed" \
    eval '[ "$rc" -eq 0 ] && contains "1 passed, 0 failed"'
run "$tools/format.sh" --check "$tmp/good.c" "$tmp/bad.c"
check "format.sh --check: unformatted file -> exit 1, named, counted" \
    eval '[ "$rc" -eq 1 ] && contains "format: $tmp/bad.c differs" && lacks "good.c differs" &&
          contains "1 passed, 1 failed"'
check "format.sh --check changes nothing" cmp -s "$tmp/bad.c" "$tmp/bad-copy.c"
run "$tools/format.sh" "$tmp/bad.c"
check "format.sh rewrites in place to the house style" cmp -s "$tmp/bad.c" "$tmp/good.c"
run env CLANG_FORMAT="$tmp/no-such-clang-format" "$tools/format.sh" --check "$tmp/good.c"
check "format.sh without clang-format -> exit 1, says how to get it" \
    eval '[ "$rc" -eq 1 ] && contains "deps.sh installs"'

# ---- doctor.sh -------------------------------------------------------------
# A port that is free right now (so a concurrently running `make qemu-gdb`
# on the default port cannot make this test flaky).
free_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run "$tools/doctor.sh" "$free_port"
check "doctor.sh -> exit 0 here"      [ "$rc" -eq 0 ]
check "doctor.sh: no FAIL lines"      lacks "FAIL"
check "doctor.sh: summary line"       matches $'\n''doctor: [0-9]+ ok, [0-9]+ warnings, 0 failed$'
check "doctor.sh reports the OpenSBI version" matches $'\n''ok   OpenSBI firmware [^ ]+ \(v[0-9]+\.[0-9]+\)'

run "$tools/doctor.sh"
default_port=$(( $(id -u) % 5000 + 25000 ))
check "doctor.sh default gdb port is uid%5000+25000 ($default_port)" contains "gdb port $default_port "

# Occupy a port with a background listener.
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print(s.getsockname()[1], flush=True)
time.sleep(120)
' > "$tmp/listener.port" &
listener_pid=$!
for _ in $(seq 50); do [[ -s $tmp/listener.port ]] && break; sleep 0.1; done
busy_port=$(cat "$tmp/listener.port")
run "$tools/doctor.sh" "$busy_port"
check "doctor.sh with gdb port $busy_port occupied -> exit 1" [ "$rc" -eq 1 ]
check "doctor.sh with gdb port occupied -> FAIL line for the port" \
    matches "(^|"$'\n'")FAIL gdb port $busy_port on 127.0.0.1: in use"
check "doctor.sh with gdb port occupied -> summary counts 1 failure" contains ", 1 failed"
kill "$listener_pid"; wait "$listener_pid" 2>/dev/null || true; listener_pid=""
run "$tools/doctor.sh" "$busy_port"
check "doctor.sh after the listener is gone -> exit 0" [ "$rc" -eq 0 ]

out=""
echo "$passed passed, $failed failed"
(( failed == 0 ))
