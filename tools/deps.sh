#!/usr/bin/env bash
# tools/deps.sh [--check] -- make sure the tools magma needs are installed.
#
# Run before every `make qemu` / `make test`, so the common case (everything
# present) must be silent and fast: it only uses shell builtins, no apt calls.
#
# If something is missing:
#   * on Debian/Ubuntu it says which packages it will install and why, then
#     runs apt-get (directly as root, via sudo otherwise) and re-checks;
#   * elsewhere, or with --check, it lists what is missing and the Debian
#     packages that provide it, and exits 1.
# It never waits for input: apt-get -y, and `sudo -n` when there is no terminal.
#
# Test hooks (used by tests/test_tools.sh):
#   DEPS_OS_RELEASE=FILE  read FILE instead of /etc/os-release
#   DEPS_DRY_RUN=1        print the install commands instead of running them
#                         (then exit 1, since nothing was installed)
#   DEPS_QEMU_TIMEOUT=S   wait at most S seconds (default 10) for qemu --version
#
# Only bash builtins are used before installing, so it also works with a
# deliberately tiny PATH.
set -euo pipefail

FIRMWARE=/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin

check_only=0
case "${1:-}" in
    "") ;;
    --check) check_only=1 ;;
    -h|--help)
        echo "usage: $0 [--check]"
        echo "  installs missing build/run tools (Debian/Ubuntu); --check only reports"
        exit 0 ;;
    *) echo "deps.sh: unknown argument '$1' (usage: $0 [--check])" >&2; exit 2 ;;
esac

# Parallel arrays describing what is missing: what, package, why.
missing_what=()
missing_pkg=()
missing_why=()

have() { command -v "$1" >/dev/null 2>&1; }

need() { # need WHAT PACKAGE WHY
    missing_what+=("$1")
    missing_pkg+=("$2")
    missing_why+=("$3")
}

find_missing() {
    missing_what=(); missing_pkg=(); missing_why=()
    hash -r
    if ! have riscv64-unknown-elf-gcc && ! have riscv64-linux-gnu-gcc; then
        need "riscv64-unknown-elf-gcc (or riscv64-linux-gnu-gcc)" \
             gcc-riscv64-unknown-elf "RISC-V cross compiler for the kernel"
    fi
    have qemu-system-riscv64 ||
        need qemu-system-riscv64 qemu-system-misc "runs the kernel on the virt machine"
    [[ -r $FIRMWARE ]] ||
        need "$FIRMWARE" qemu-system-data "OpenSBI firmware used by 'qemu -bios default' (normally pulled in by qemu-system-misc)"
    have dtc           || need dtc device-tree-compiler "decompiles/inspects the virt device tree"
    have gdb-multiarch || need gdb-multiarch gdb-multiarch "debugging the kernel through QEMU's gdbstub"
    have python3       || need python3 python3 "helper scripts (tools/*.py)"
    have cc            || need "cc (host C compiler)" gcc "host unit tests with -fsanitize=address,undefined"
    have make          || need make make "the build itself"
    have clang-format  || need clang-format clang-format "make format / format-check (part of make test)"
}

# Unique package list, in order of first appearance.
packages() {
    local p out=" "
    for p in "${missing_pkg[@]}"; do
        [[ $out == *" $p "* ]] || out+="$p "
    done
    out=${out# }
    printf '%s' "${out% }"
}

report_missing() {
    local i
    echo "deps.sh: missing tools:"
    for i in "${!missing_what[@]}"; do
        printf '  %-45s -> Debian package %s\n' "${missing_what[$i]}" "${missing_pkg[$i]}"
    done
}

is_debian_like() {
    local file=${DEPS_OS_RELEASE:-/etc/os-release} key value words=""
    [[ -r $file ]] || return 1
    while IFS='=' read -r key value; do
        value=${value//\"/}
        value=${value//\'/}
        case $key in ID|ID_LIKE) words+=" $value" ;; esac
    done < "$file"
    [[ " $words " == *" debian "* || " $words " == *" ubuntu "* ]]
}

# A QEMU that is there but too old (no aia=aplic-imsic, another OpenSBI) fails in ways that
# look like magma's bugs: say so here, before anything boots. Never waits more than
# QEMU_VERSION_TIMEOUT seconds for a QEMU that does not answer.
QEMU_MIN=7.2
QEMU_VERSION_TIMEOUT=${DEPS_QEMU_TIMEOUT:-10}
qemu_version_problem() {
    local line major minor want_major=${QEMU_MIN%.*} want_minor=${QEMU_MIN#*.} bound=()
    have timeout && bound=(timeout "$QEMU_VERSION_TIMEOUT")
    if ! line=$("${bound[@]}" qemu-system-riscv64 --version 2>/dev/null </dev/null); then
        echo "deps.sh: 'qemu-system-riscv64 --version' failed or did not answer in ${QEMU_VERSION_TIMEOUT} s: reinstall qemu-system-misc" >&2
        return 0
    fi
    if ! [[ $line =~ version\ ([0-9]+)\.([0-9]+) ]]; then
        echo "deps.sh: cannot read a version from qemu-system-riscv64 --version ('${line%%$'\n'*}')" >&2
        return 0
    fi
    major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
    if (( major < want_major || (major == want_major && minor < want_minor) )); then
        echo "deps.sh: qemu-system-riscv64 is version $major.$minor; magma needs QEMU $QEMU_MIN or newer" >&2
        echo "  (the virt machine's AIA interrupts and the OpenSBI it bundles): install qemu-system-misc" >&2
        echo "  from Debian 12 (bookworm) or Ubuntu 23.04 or later, or build QEMU $QEMU_MIN+ from source" >&2
        echo "  and put its qemu-system-riscv64 first on PATH." >&2
        return 0
    fi
    return 1
}

find_missing
if (( ${#missing_what[@]} == 0 )); then
    qemu_version_problem && exit 1
    exit 0
fi

pkgs=$(packages)

if (( check_only )) || ! is_debian_like; then
    report_missing >&2
    if (( check_only )); then
        echo "Install with: apt-get install --no-install-recommends $pkgs   (or run tools/deps.sh without --check)" >&2
    else
        echo "This is not Debian/Ubuntu: install the equivalents of these Debian packages by hand: $pkgs" >&2
    fi
    exit 1
fi

# --- Debian/Ubuntu: install --------------------------------------------------
echo "deps.sh: installing missing packages:"
for i in "${!missing_what[@]}"; do
    printf '  %-24s for %s: %s\n' "${missing_pkg[$i]}" "${missing_what[$i]}" "${missing_why[$i]}"
done

# shellcheck disable=SC2206  # word splitting of the package list is intended
pkg_array=($pkgs)
update_cmd=(apt-get update)
install_cmd=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120
             install -y --no-install-recommends "${pkg_array[@]}")

if (( EUID == 0 )); then
    prefix=()
elif have sudo; then
    if [[ -t 0 ]]; then prefix=(sudo); else prefix=(sudo -n); fi
else
    echo "deps.sh: not root and sudo is not available. Run as root:" >&2
    echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs" >&2
    exit 1
fi

run() {
    echo "+ $*"
    [[ ${DEPS_DRY_RUN:-0} == 1 ]] && return 0
    "$@"
}

if ! run "${prefix[@]}" "${update_cmd[@]}" || ! run "${prefix[@]}" "${install_cmd[@]}"; then
    echo "deps.sh: ERROR: installing packages failed. Run by hand:" >&2
    s=""; (( EUID == 0 )) || s="sudo "
    echo "  ${s}apt-get update && ${s}env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs" >&2
    exit 1
fi

if [[ ${DEPS_DRY_RUN:-0} == 1 ]]; then
    echo "deps.sh: dry run, nothing was installed" >&2
    exit 1
fi

find_missing
if (( ${#missing_what[@]} )); then
    echo "deps.sh: ERROR: still missing after installing packages:" >&2
    report_missing >&2
    exit 1
fi
qemu_version_problem && exit 1
echo "deps.sh: all dependencies installed"
