#!/usr/bin/env bash
# tools/doctor.sh [GDBPORT] -- diagnose the magma development environment.
#
# One line per check:
#   ok   <what> (<version>)
#   FAIL <what>: <how to fix>
#   warn <what>: <note>          (informational, does not fail)
# then a summary line. Exit status 1 if any check FAILed, else 0.
#
# GDBPORT defaults to the port the Makefile uses: $(( $(id -u) % 5000 + 25000 )).
# Every external command runs under `timeout`, so a broken tool cannot hang it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FIRMWARE=/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin
QEMU_MIN=7.2
T="timeout -k 2 10"          # prefix for every external command

if [[ $# -gt 1 || ${1:-} == -h || ${1:-} == --help ]]; then
    echo "usage: $0 [GDBPORT]"
    exit 2
fi
gdbport=${1:-$(( $(id -u) % 5000 + 25000 ))}
if ! [[ $gdbport =~ ^[0-9]+$ ]] || (( gdbport < 1 || gdbport > 65535 )); then
    echo "doctor.sh: invalid port '$gdbport'" >&2
    exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n_ok=0 n_fail=0 n_warn=0
ok()   { printf 'ok   %s (%s)\n' "$1" "$2"; n_ok=$((n_ok + 1)); }
fail() { printf 'FAIL %s: %s\n' "$1" "$2"; n_fail=$((n_fail + 1)); }
warn() { printf 'warn %s: %s\n' "$1" "$2"; n_warn=$((n_warn + 1)); }
have() { command -v "$1" >/dev/null 2>&1; }
fix_deps="run tools/deps.sh (installs Debian package"

# version_ge A B: true if dotted version A >= B (numeric, component-wise).
version_ge() {
    local i a b
    IFS=. read -ra a <<< "$1"
    IFS=. read -ra b <<< "$2"
    for ((i = 0; i < ${#a[@]} || i < ${#b[@]}; i++)); do
        (( 10#${a[i]:-0} > 10#${b[i]:-0} )) && return 0
        (( 10#${a[i]:-0} < 10#${b[i]:-0} )) && return 1
    done
    return 0
}

# first_line CMD...: first line of CMD's output (stdout+stderr), under timeout.
first_line() {
    local out
    out=$($T "$@" 2>&1) || return 1
    printf '%s\n' "${out%%$'\n'*}"
}

# --- QEMU -------------------------------------------------------------------
if ! have qemu-system-riscv64; then
    fail "qemu-system-riscv64" "not found; $fix_deps qemu-system-misc)"
elif ! line=$(first_line qemu-system-riscv64 --version); then
    fail "qemu-system-riscv64" "'qemu-system-riscv64 --version' failed or timed out; reinstall qemu-system-misc"
elif ! [[ $line =~ version\ ([0-9]+\.[0-9]+(\.[0-9]+)?) ]]; then
    fail "qemu-system-riscv64" "cannot parse version from '$line'"
elif ! version_ge "${BASH_REMATCH[1]}" "$QEMU_MIN"; then
    fail "qemu-system-riscv64 ${BASH_REMATCH[1]}" "need >= $QEMU_MIN; install a newer qemu-system-misc (Debian 12+ / Ubuntu 23.04+ ship one)"
else
    ok "qemu-system-riscv64 >= $QEMU_MIN" "${BASH_REMATCH[1]}"
fi

# --- cross compiler -----------------------------------------------------------
cross=""
for prefix in riscv64-unknown-elf- riscv64-linux-gnu-; do
    if have "${prefix}gcc"; then cross=${prefix}gcc; break; fi
done
if [[ -z $cross ]]; then
    fail "RISC-V cross gcc" "neither riscv64-unknown-elf-gcc nor riscv64-linux-gnu-gcc found; $fix_deps gcc-riscv64-unknown-elf)"
elif ! ver=$($T "$cross" -dumpfullversion 2>/dev/null) || [[ -z $ver ]]; then
    fail "$cross" "'$cross -dumpfullversion' failed or timed out; reinstall it"
else
    ok "$cross" "$ver"
fi

# --- simple tools: name, package, version command, regex for the version ------
check_tool() { # check_tool CMD PACKAGE REGEX -- runs `CMD --version`
    local cmd=$1 pkg=$2 re=$3 line
    if ! have "$cmd"; then
        fail "$cmd" "not found; $fix_deps $pkg)"
    elif ! line=$(first_line "$cmd" --version); then
        fail "$cmd" "'$cmd --version' failed or timed out; reinstall $pkg"
    elif [[ $line =~ $re ]]; then
        ok "$cmd" "${BASH_REMATCH[1]}"
    else
        ok "$cmd" "$line"
    fi
}
check_tool dtc           device-tree-compiler '([0-9]+\.[0-9]+(\.[0-9]+)?)'
check_tool gdb-multiarch gdb-multiarch        '([0-9]+\.[0-9]+(\.[0-9]+)?)$'
check_tool python3       python3              '([0-9]+\.[0-9]+(\.[0-9]+)?)'
check_tool make          make                 '([0-9]+\.[0-9]+(\.[0-9]+)?)'

# --- host C compiler, including the sanitizers the host unit tests use --------
if ! have cc; then
    fail "host cc" "not found; $fix_deps gcc)"
elif ! line=$(first_line cc --version); then
    fail "host cc" "'cc --version' failed or timed out; reinstall gcc"
else
    printf 'int main(void) { return 0; }\n' > "$tmp/t.c"
    if ! $T cc -fsanitize=address,undefined -o "$tmp/t" "$tmp/t.c" >"$tmp/log" 2>&1; then
        fail "host cc -fsanitize=address,undefined" "cannot build with sanitizers (libasan/libubsan missing?): $(head -c 200 "$tmp/log")"
    elif ! $T "$tmp/t" >"$tmp/log" 2>&1; then
        fail "host cc -fsanitize=address,undefined" "sanitized binary does not run here: $(head -c 200 "$tmp/log")"
    else
        ok "host cc with -fsanitize=address,undefined" "$line"
    fi
fi

# --- OpenSBI firmware ---------------------------------------------------------
if [[ ! -r $FIRMWARE ]]; then
    fail "OpenSBI firmware $FIRMWARE" "missing; $fix_deps qemu-system-data, a dependency of qemu-system-misc)"
elif ! have qemu-system-riscv64; then
    fail "OpenSBI firmware version" "cannot boot it without qemu-system-riscv64 (see above)"
elif ! have python3; then
    fail "OpenSBI firmware version" "needs python3 (see above)"
elif ! fw=$(timeout -k 2 30 python3 "$here/firmware_version.py" --timeout 20 2>"$tmp/fw.err"); then
    fail "OpenSBI firmware version" "could not read the boot banner: $(head -c 300 "$tmp/fw.err")"
else
    ok "OpenSBI firmware $FIRMWARE" "v$fw"
    if version_ge "$fw" 1.3; then
        warn "OpenSBI v$fw" "1.3+ region encoding: the banner prints domain regions as 'M: (...) S/U: (...)', not the 1.1/1.2 '(R,W,X)' form"
    else
        warn "OpenSBI v$fw" "1.1/1.2 region encoding: the banner prints domain regions as '(R,W,X)'; 1.3+ prints 'M: (...) S/U: (...)' instead"
    fi
fi

# --- gdb port -----------------------------------------------------------------
port_check='
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as QEMU gdbstub does
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError as e:
    print(e.strerror or e)
    sys.exit(1)
finally:
    s.close()
'
if ! have python3; then
    fail "gdb port $gdbport" "needs python3 to test the port"
elif err=$($T python3 -c "$port_check" "$gdbport" 2>&1); then
    ok "gdb port $gdbport free on 127.0.0.1" "tcp"
else
    fail "gdb port $gdbport on 127.0.0.1" "in use (${err:-bind failed}); stop the other QEMU/gdb (e.g. 'ss -ltnp | grep :$gdbport') or use another port (GDBPORT=N)"
fi

echo "doctor: $n_ok ok, $n_warn warnings, $n_fail failed"
(( n_fail == 0 ))
