#!/usr/bin/env python3
"""sbi/mkdts.py - builds magma's device tree source for one CPUS/MEM/machine.

Input: the tree QEMU itself generates for the machine (dumped with
-machine virt,dumpdtb= and decompiled with dtc), include/layout.h, the domain
fragment template sbi/magma-domains.dtsi.in, and the OpenSBI version read
from the firmware's boot banner. Output: QEMU's tree with magma's fragment
appended, ready for dtc.

Each domain is an allow-list. The kernel's: its RAM and the devices it
drives (UART, virtio-mmio, its interrupt controller), with guard private
denied and the root read-only inside RAM, and fw_cfg listed as denied. The
guard's: guard private (holding its own copy of the tree), root, mailbox,
UART and the kernel harts' IMSIC pages; not the kernel's tree.

Facts this relies on (checked against QEMU 7.2 and OpenSBI 1.1):
  * QEMU loads a -dtb file with 10000 bytes of padding and places it at
    min(RAM end, 3 GiB) - size, aligned down to 2 MiB. Both domains get that
    address as next-arg1: OpenSBI only passes its own a1 to the domain that
    won the cold-boot lottery, and the winning hart then fixes up the tree
    at its own domain's next-arg1, so the fix-ups must always land in the
    kernel's tree. The guard ignores its a1 and reads its own copy.
  * OpenSBI sorts a domain's regions smallest first and programs one PMP
    entry each (first match wins), after adding its own M-mode-only regions
    (firmware_regions); entries past the hart's last are silently dropped,
    so the build refuses a domain that needs more than PMP_ENTRIES.
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
IRQ_M_EXT = 11
# PMP entries per hart on QEMU virt (its banner: "PMP Count: 16"). OpenSBI 1.1
# turns each region of a domain into one entry and silently drops those past
# the last; it also caps a domain at 16 regions (FDT_DOMAIN_REGION_MAX_COUNT).
PMP_ENTRIES = 16


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


def compatible(node, name):
    """Whether name is one of the node's compatible strings (dtc writes a list as "a\\0b")."""
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', node.props.get("compatible", ""))
    return any(name in s.split("\\0") for s in strings)


def ranges(node):
    """The node's reg as (base, size) pairs; QEMU virt uses 2 address and 2 size cells."""
    reg = node.cells("reg")
    if not reg or len(reg) % 4:
        raise TreeError(f"node {node.name} has no reg of 2+2 cells")
    return [((reg[i] << 32) | reg[i + 1], (reg[i + 2] << 32) | reg[i + 3])
            for i in range(0, len(reg), 4)]


def nodes_compatible(root, *names):
    return [node for node in root.walk() if any(compatible(node, n) for n in names)]


def find_uart(root):
    uarts = nodes_compatible(root, "ns16550a")
    if not uarts:
        raise TreeError("no ns16550a UART in the QEMU tree")
    return ranges(uarts[0])[0]


def cpu_phandles(root):
    """Maps each cpu's interrupt-controller phandle to its hart id."""
    phandle_to_hart = {}
    for cpu in root.walk():
        if cpu.props.get("device_type") == '"cpu"':
            hartid = cpu.cells("reg")[0]
            for child in cpu.children:
                if "phandle" in child.props:
                    phandle_to_hart[child.cells("phandle")[0]] = hartid
    return phandle_to_hart


def imsic_level(node):
    """IRQ_S_EXT or IRQ_M_EXT when every context of the IMSIC node is that level, else None."""
    pairs = node.cells("interrupts-extended")
    levels = set(pairs[1::2])
    return levels.pop() if len(levels) == 1 else None


def find_imsic(root, level):
    """The IMSIC node whose interrupt files deliver `level` external interrupts, or None."""
    for node in nodes_compatible(root, "riscv,imsics"):
        if imsic_level(node) == level:
            return node
    return None


def imsic_harts(root, node):
    """Hart ids of the IMSIC's interrupt files, in file (page) order."""
    phandle_to_hart = cpu_phandles(root)
    return [phandle_to_hart[p] for p in node.cells("interrupts-extended")[0::2]]


def s_interrupt_controller(root):
    """Where the kernel's interrupt controller is: the S-level APLIC or the PLIC."""
    s_imsic = find_imsic(root, IRQ_S_EXT)
    if s_imsic:
        phandle = s_imsic.cells("phandle")
        for aplic in nodes_compatible(root, "riscv,aplic"):
            if phandle and aplic.cells("msi-parent") == phandle:
                return ranges(aplic)
        raise TreeError("the QEMU tree has an S-level IMSIC but no APLIC in MSI mode for it")
    plics = nodes_compatible(root, "riscv,plic0", "sifive,plic-1.0.0")
    if not plics:
        raise TreeError("the QEMU tree has neither an S-level APLIC+IMSIC nor a PLIC")
    return ranges(plics[0])


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


def page_blocks(spans):
    """Merges (base, size) spans, widened to whole 4 KiB pages, into NAPOT blocks."""
    pages = sorted((base & ~0xfff, (base + size + 0xfff) & ~0xfff) for base, size in spans)
    merged = []
    for start, end in pages:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [block for start, end in merged for block in napot_blocks(start, end - start)]


def firmware_regions(root, layout):
    """The regions OpenSBI 1.1 adds to every domain on this tree, as (what, base, order).

    It copies the root domain's regions without S-mode permissions into each
    domain: its own image, and the M-mode devices its drivers registered (the
    CLINT's timer and IPIs, the M-level IMSIC, the APLIC that targets M-mode).
    Each of these is one NAPOT block on QEMU virt (checked against the banner
    by grading/boot_tests.py opensbi_domains).
    """
    found = [("OpenSBI firmware", layout["MAGMA_FIRMWARE_BASE"],
              order_of(layout["MAGMA_FIRMWARE_SIZE"]))]
    devices = [("CLINT", n) for n in nodes_compatible(
        root, "sifive,clint0", "riscv,clint0", "riscv,aclint-mswi", "riscv,aclint-mtimer")]
    m_imsic = find_imsic(root, IRQ_M_EXT)
    if m_imsic:
        devices.append(("M-level IMSIC", m_imsic))
        m_phandle = m_imsic.cells("phandle")
        devices += [("M-level APLIC", n) for n in nodes_compatible(root, "riscv,aplic")
                    if m_phandle and n.cells("msi-parent") == m_phandle]
    for what, node in devices:
        for base, size in ranges(node):
            order = max((size - 1).bit_length(), 12)
            found.append((what, base & ~((1 << order) - 1), order))
    return found


class Domain:
    """One domain's regions: (region label, permission number) in the tree's order."""

    def __init__(self, name):
        self.name = name
        self.regions = []

    def add(self, label, perm):
        self.regions.append((label, perm))


def build(qemu_dts, template, layout, cpus, mem_bytes, fw_version, dtb_size_guess,
          weaken_lock=False):
    if cpus < 2:
        raise TreeError("magma needs CPUS >= 2: one kernel hart and the guard hart")
    root = parse_dts(qemu_dts)
    perms, encoding = permission_bits(fw_version)
    paths = cpu_paths(root, cpus)
    kernel_paths, guard_path = paths[:-1], paths[-1]

    nodes = []  # (label, node name, base, order, mmio) for every region node

    def region(label, name, base, order, mmio=False):
        if base % (1 << order):
            raise TreeError(f"region {name} {base:#x} is not aligned to its size 2^{order}")
        nodes.append((label, name, base, order, mmio))
        return label

    def blocks(name, spans, mmio):
        return [region(f"magma_{name.replace('-', '_')}{n}", f"{name}-{n}", base, order, mmio)
                for n, (base, order) in enumerate(page_blocks(spans))]

    fixed = {}
    for name in ("GUARD_PRIVATE", "ROOT", "MAILBOX"):
        base, size = layout[f"MAGMA_{name}_BASE"], layout[f"MAGMA_{name}_SIZE"]
        fixed[name] = region(f"magma_{name.lower()}", name.lower().replace("_", "-"), base,
                             order_of(size))

    kernel, guard = Domain("kernel-domain"), Domain("guard-domain")

    # The kernel domain is an allow-list: its RAM, and the devices it drives.
    kernel.add(fixed["GUARD_PRIVATE"], perms["NONE"])
    # Test-only weak lock: the kernel may write the root (RW, as RWX inside RAM's own RWX
    # region is a conflict to OpenSBI).
    kernel.add(fixed["ROOT"], perms["RW"] if weaken_lock else perms["R"])
    # fw_cfg's DMA writes any address. The allow-list already leaves it out; listing it
    # without permissions makes the banner say so.
    fw_cfg = [span for node in nodes_compatible(root, "qemu,fw-cfg-mmio") for span in ranges(node)]
    for label in blocks("fw-cfg", fw_cfg, mmio=True):
        kernel.add(label, perms["NONE"])
    ram = [span for node in root.walk() if node.props.get("device_type") == '"memory"'
           for span in ranges(node)]
    if not ram:
        raise TreeError("the QEMU tree has no /memory node")
    for label in blocks("kernel-ram", ram, mmio=False):
        kernel.add(label, perms["RWX"])
    uart = find_uart(root)
    devices = [uart] + [span for node in nodes_compatible(root, "virtio,mmio")
                        for span in ranges(node)]
    devices += s_interrupt_controller(root)
    s_imsic = find_imsic(root, IRQ_S_EXT)
    if s_imsic:
        devices += ranges(s_imsic)  # every hart's S-file: the guard's is its doorbell
    for label in blocks("kernel-mmio", devices, mmio=True):
        kernel.add(label, perms["RW"])

    # The guard domain: its own memory, the UART for its log, and the kernel harts' doorbells.
    guard.add(fixed["GUARD_PRIVATE"], perms["RWX"])
    guard.add(fixed["ROOT"], perms["RW"])
    guard.add(fixed["MAILBOX"], perms["RW"])
    for label in blocks("uart", [uart], mmio=True):
        guard.add(label, perms["RW"])
    if s_imsic:
        base = ranges(s_imsic)[0][0]
        kernel_harts = set(range(cpus - 1))
        indices = [i for i, h in enumerate(imsic_harts(root, s_imsic)) if h in kernel_harts]
        if not indices or indices != list(range(indices[0], indices[0] + len(indices))):
            raise TreeError("kernel harts' IMSIC pages are missing or not contiguous")
        for label in blocks("imsic-s-pages",
                            [(base + indices[0] * IMSIC_PAGE, len(indices) * IMSIC_PAGE)],
                            mmio=True):
            guard.add(label, perms["RW"])

    firmware = firmware_regions(root, layout)
    budget = []
    for domain in (kernel, guard):
        need = len(domain.regions) + len(firmware)
        if need > PMP_ENTRIES:
            raise TreeError(
                f"{domain.name} needs {need} PMP entries ({len(domain.regions)} regions of its "
                f"own and {len(firmware)} OpenSBI adds: "
                f"{', '.join(what for what, _, _ in firmware)}) but QEMU virt has "
                f"{PMP_ENTRIES}; OpenSBI 1.1 would silently leave the rest unprogrammed")
        budget.append(f"{domain.name} {need} of {PMP_ENTRIES}")

    def region_node(label, name, base, order, mmio):
        return (f"\t\t\t{label}: {name} {{\n"
                f'\t\t\t\tcompatible = "opensbi,domain,memregion";\n'
                f"\t\t\t\tbase = <{cells2(base)}>;\n"
                f"\t\t\t\torder = <{order}>;\n"
                + ("\t\t\t\tmmio;\n" if mmio else "") + "\t\t\t};")

    def region_list(domain):
        return ",\n\t\t\t\t\t  ".join(f"<&{label} {perm:#x}>" for label, perm in domain.regions)

    values = {
        "PERM_ENCODING": encoding,
        "PMP_BUDGET": (", ".join(budget) + f" (each counts the {len(firmware)} regions "
                       f"OpenSBI adds: {', '.join(what for what, _, _ in firmware)})"),
        "REGION_NODES": "\n".join(region_node(*n) for n in nodes),
        "KERNEL_REGIONS": region_list(kernel),
        "GUARD_REGIONS": region_list(guard),
        "KERNEL_HARTS": " ".join(f"&{{{p}}}" for p in kernel_paths),
        "KERNEL_BOOT_HART": f"&{{{kernel_paths[0]}}}",
        "GUARD_HART": f"&{{{guard_path}}}",
        "KERNEL_ENTRY": cells2(layout["MAGMA_KERNEL_BASE"]),
        "GUARD_ENTRY": cells2(layout["MAGMA_GUARD_PRIVATE_BASE"]),
        "FDT_ADDR": cells2(fdt_address(mem_bytes, dtb_size_guess)),
        "CPU_DOMAINS": "\n".join(
            f"&{{{p}}} {{\n\topensbi-domain = <&magma_kernel_domain>;\n}};" for p in kernel_paths)
        + f"\n&{{{guard_path}}} {{\n\topensbi-domain = <&magma_guard_domain>;\n}};",
    }
    for name in ("GUARD_PRIVATE", "ROOT", "MAILBOX"):
        base, size = layout[f"MAGMA_{name}_BASE"], layout[f"MAGMA_{name}_SIZE"]
        values[f"{name}_HEX"] = f"{base:x}"
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
