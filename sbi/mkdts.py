#!/usr/bin/env python3
"""sbi/mkdts.py - builds magma's device tree source for one CPUS/MEM/machine.

Input: the tree QEMU itself generates for the machine (dumped with
-machine virt,dumpdtb= and decompiled with dtc), include/layout.h, the domain
fragment template sbi/magma-domains.dtsi.in, and the OpenSBI version read
from the firmware's boot banner. Output: QEMU's tree with magma's fragment
appended, ready for dtc.

Facts this relies on (checked against QEMU 7.2 and OpenSBI 1.1):
  * QEMU loads a -dtb file with 10000 bytes of padding and places it at
    min(RAM end, 3 GiB) - size, aligned down to 2 MiB. Both domains get that
    address as next-arg1, because OpenSBI only passes its own a1 to the domain
    that won the cold-boot lottery.
  * OpenSBI before 1.3 encodes region permissions as bit0 R, bit1 W, bit2 X
    (bit3 M-mode); 1.3 and later as M-mode RWX in bits 0-2 and S/U-mode RWX
    in bits 3-5. The same number means different things, so we pick by version.
"""
import argparse
import re
import sys

QEMU_DTB_PADDING = 10000
QEMU_FDT_ALIGN = 2 << 20
QEMU_FDT_CEILING = 3 << 30
IMSIC_PAGE = 0x1000
IRQ_S_EXT = 9


class TreeError(Exception):
    """The QEMU tree lacks something the fragment needs."""


def parse_size(text):
    """'128M' -> bytes, as QEMU's -m understands it (default unit MiB)."""
    match = re.fullmatch(r"(\d+)([KMGT]?)i?B?", text.strip(), re.IGNORECASE)
    if not match:
        raise ValueError(f"bad memory size {text!r}")
    number, unit = int(match.group(1)), match.group(2).upper() or "M"
    return number << {"K": 10, "M": 20, "G": 30, "T": 40}[unit]


def read_layout(path):
    """The MAGMA_* constants of include/layout.h as a dict of ints."""
    layout = {}
    with open(path) as f:
        for line in f:
            match = re.match(r"#define\s+(MAGMA_\w+)\s+(0x[0-9a-fA-F]+|\d+)", line)
            if match:
                layout[match.group(1)] = int(match.group(2), 0)
    return layout


def permission_bits(fw_version):
    """Region permission numbers for the firmware version 'major.minor'."""
    major, minor = (int(x) for x in fw_version.split(".")[:2])
    if (major, minor) >= (1, 3):
        # S/U-mode permissions live in bits 3..5 from OpenSBI 1.3 on.
        r, w, x = 0x08, 0x10, 0x20
        encoding = "OpenSBI >= 1.3: S/U RWX in bits 3-5"
    else:
        r, w, x = 0x1, 0x2, 0x4
        encoding = "OpenSBI < 1.3: R bit0, W bit1, X bit2"
    return {"NONE": 0, "R": r, "RW": r | w, "RWX": r | w | x}, encoding


def fdt_address(mem_bytes, dtb_size, ram_base=0x80000000):
    """Where QEMU 7.2 puts a -dtb tree of dtb_size bytes (see module doc)."""
    top = min(ram_base + mem_bytes, QEMU_FDT_CEILING)
    return (top - (dtb_size + QEMU_DTB_PADDING)) & ~(QEMU_FDT_ALIGN - 1)


def napot_blocks(base, size):
    """Splits [base, base+size) into naturally aligned power-of-two blocks."""
    blocks = []
    while size:
        order = (base & -base).bit_length() - 1 if base else 63
        while (1 << order) > size:
            order -= 1
        blocks.append((base, order))
        base += 1 << order
        size -= 1 << order
    return blocks


def order_of(size):
    if size & (size - 1):
        raise ValueError(f"region size {size:#x} is not a power of two")
    return size.bit_length() - 1


def cells2(value):
    return f"0x{value >> 32:x} 0x{value & 0xffffffff:x}"


# --- just enough of a parser for the dts that dtc decompiles from QEMU's dump ---

class Node:
    def __init__(self, name):
        self.name = name
        self.props = {}
        self.children = []

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def cells(self, prop):
        return [int(v, 0) for v in re.findall(r"0x[0-9a-fA-F]+|\d+", self.props.get(prop, ""))]


def parse_dts(text):
    root, stack = None, []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("/dts-v1/"):
            continue
        opening = re.fullmatch(r"(?:[\w-]+:\s*)?([^\s{}=]+)\s*\{", line)
        if opening:
            node = Node(opening.group(1))
            if stack:
                stack[-1].children.append(node)
            else:
                root = node
            stack.append(node)
        elif line == "};":
            stack.pop()
        elif stack:
            prop = re.fullmatch(r"([^\s=;]+)\s*(?:=\s*(.*))?;", line)
            if prop:
                stack[-1].props[prop.group(1)] = prop.group(2) or ""
    if root is None:
        raise TreeError("no root node in the QEMU tree")
    return root


def find_uart(root):
    for node in root.walk():
        if '"ns16550a"' in node.props.get("compatible", ""):
            reg = node.cells("reg")
            return (reg[0] << 32) | reg[1], (reg[2] << 32) | reg[3]
    raise TreeError("no ns16550a UART in the QEMU tree")


def find_s_imsic(root):
    """(base, [hart index order]) of the IMSIC that delivers S external interrupts."""
    phandle_to_hart = {}
    for cpu in root.walk():
        if cpu.props.get("device_type") == '"cpu"':
            hartid = cpu.cells("reg")[0]
            for child in cpu.children:
                if "phandle" in child.props:
                    phandle_to_hart[child.cells("phandle")[0]] = hartid
    for node in root.walk():
        if '"riscv,imsics"' not in node.props.get("compatible", ""):
            continue
        pairs = node.cells("interrupts-extended")
        pairs = list(zip(pairs[0::2], pairs[1::2]))
        if pairs and all(irq == IRQ_S_EXT for _, irq in pairs):
            reg = node.cells("reg")
            return (reg[0] << 32) | reg[1], [phandle_to_hart[p] for p, _ in pairs]
    return None


def cpu_paths(root, cpus):
    """Paths of the cpu nodes for hart ids 0..cpus-1."""
    found = {}
    for node in root.children:
        if node.name == "cpus":
            for cpu in node.children:
                if cpu.props.get("device_type") == '"cpu"':
                    found[cpu.cells("reg")[0]] = f"/cpus/{cpu.name}"
    missing = [h for h in range(cpus) if h not in found]
    if missing:
        raise TreeError(f"the QEMU tree has no cpu node for hart(s) {missing}")
    return [found[h] for h in range(cpus)]


def build(qemu_dts, template, layout, cpus, mem_bytes, fw_version, dtb_size_guess,
          weaken_lock=False):
    if cpus < 2:
        raise TreeError("magma needs CPUS >= 2: one kernel hart and the guard hart")
    root = parse_dts(qemu_dts)
    perms, encoding = permission_bits(fw_version)
    paths = cpu_paths(root, cpus)
    kernel_paths, guard_path = paths[:-1], paths[-1]
    uart_base, uart_size = find_uart(root)

    imsic_regions, imsic_guard = "", ""
    imsic = find_s_imsic(root)
    if imsic:
        base, order_of_harts = imsic
        kernel_harts = set(range(cpus - 1))
        # The kernel harts' pages, as PMP-sized blocks; on virt they are contiguous.
        indices = sorted(i for i, h in enumerate(order_of_harts) if h in kernel_harts)
        if indices != list(range(indices[0], indices[0] + len(indices))):
            raise TreeError("kernel harts' IMSIC pages are not contiguous")
        blocks = napot_blocks(base + indices[0] * IMSIC_PAGE, len(indices) * IMSIC_PAGE)
        for n, (block_base, order) in enumerate(blocks):
            imsic_regions += (
                f"\t\t\tmagma_imsic{n}: imsic-s-pages-{n} {{\n"
                f'\t\t\t\tcompatible = "opensbi,domain,memregion";\n'
                f"\t\t\t\tbase = <{cells2(block_base)}>;\n"
                f"\t\t\t\torder = <{order}>;\n"
                f"\t\t\t\tmmio;\n\t\t\t}};\n")
            imsic_guard += f",\n\t\t\t\t\t  <&magma_imsic{n} {perms['RW']:#x}>"

    values = {
        "PERM_ENCODING": encoding,
        "UART_BASE": cells2(uart_base),
        "UART_ORDER": str(max(order_of(1 << (uart_size - 1).bit_length()), 12)),
        "IMSIC_REGIONS": imsic_regions.rstrip("\n"),
        "IMSIC_GUARD_REGIONS": imsic_guard,
        "KERNEL_HARTS": " ".join(f"&{{{p}}}" for p in kernel_paths),
        "KERNEL_BOOT_HART": f"&{{{kernel_paths[0]}}}",
        "GUARD_HART": f"&{{{guard_path}}}",
        "KERNEL_ENTRY": cells2(layout["MAGMA_KERNEL_BASE"]),
        "GUARD_ENTRY": cells2(layout["MAGMA_GUARD_PRIVATE_BASE"]),
        "FDT_ADDR": cells2(fdt_address(mem_bytes, dtb_size_guess)),
        "FDT_SLOT_ORDER": str(order_of(QEMU_FDT_ALIGN)),
        "CPU_DOMAINS": "\n".join(
            f"&{{{p}}} {{\n\topensbi-domain = <&magma_kernel_domain>;\n}};" for p in kernel_paths)
        + f"\n&{{{guard_path}}} {{\n\topensbi-domain = <&magma_guard_domain>;\n}};",
    }
    for perm, bits in perms.items():
        values[f"PERM_{perm}"] = f"{bits:#x}"
    if weaken_lock:
        # Test-only: a tree that lets the kernel write the root, which boot must refuse.
        values["KERNEL_ROOT_PERM"] = values["PERM_RWX"]
    else:
        values["KERNEL_ROOT_PERM"] = values["PERM_R"]
    for name in ("GUARD_PRIVATE", "ROOT", "MAILBOX"):
        base, size = layout[f"MAGMA_{name}_BASE"], layout[f"MAGMA_{name}_SIZE"]
        if base % size:
            raise TreeError(f"MAGMA_{name}_BASE {base:#x} is not aligned to its size")
        values[f"{name}_HEX"] = f"{base:x}"
        values[f"{name}_BASE"] = cells2(base)
        values[f"{name}_ORDER"] = str(order_of(size))
        values[f"{name}_REG"] = f"{cells2(base)} {cells2(size)}"

    def substitute(match):
        key = match.group(1)
        if key not in values:
            raise TreeError(f"template names unknown value @{key}@")
        return values[key]

    fragment = re.sub(r"@([A-Z_]+)@", substitute, template)
    return qemu_dts.rstrip("\n") + "\n\n" + fragment


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qemu-dts", required=True, help="decompiled QEMU dump")
    parser.add_argument("--template", required=True)
    parser.add_argument("--layout", required=True)
    parser.add_argument("--cpus", type=int, required=True)
    parser.add_argument("--mem", required=True, help="QEMU -m value, e.g. 128M")
    parser.add_argument("--fw-version", required=True, help="OpenSBI major.minor")
    parser.add_argument("--dtb-size", type=lambda s: int(s, 0), default=0x4000,
                        help="an upper bound on the compiled tree's size")
    parser.add_argument("--weaken-lock", action="store_true",
                        help="test only: give the kernel write access to the root range")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args(argv)
    with open(args.qemu_dts) as f:
        qemu_dts = f.read()
    with open(args.template) as f:
        template = f.read()
    try:
        text = build(qemu_dts, template, read_layout(args.layout), args.cpus,
                     parse_size(args.mem), args.fw_version, args.dtb_size, args.weaken_lock)
    except (TreeError, ValueError) as err:
        print(f"mkdts: {err}", file=sys.stderr)
        return 1
    with open(args.output, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
