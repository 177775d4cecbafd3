"""labs/memmap/memmap_model.py - the grader's own memory map, computed from a tree's bytes.

Independent of mm/: a flattened device tree is read here (header, structure
block, strings, reservation block), and the usable pages are worked out with
Python's unbounded integers, so nothing here can wrap at 2^64. The rules are
those of mm/memmap.h: RAM is every reg pair of an enabled root child with
device_type "memory"; reservations are the reg pairs of every child of a
/reserved-memory node and the header's reservation block, plus any the caller
adds; a size of 0 is nothing, RAM past 2^64 is dropped, a reservation past
2^64 is clamped to end there; what is left of RAM after the reservations is
rounded inward to whole pages.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

PAGE = 4096
TOP = 1 << 64
FDT_MAGIC = 0xD00DFEED
BEGIN_NODE, END_NODE, PROP, NOP, END = 1, 2, 3, 4, 9


@dataclass
class Node:
    name: str
    props: dict[str, bytes] = field(default_factory=dict)
    children: list["Node"] = field(default_factory=list)

    def cells(self, name: str, default: int) -> int:
        value = self.props.get(name)
        return struct.unpack(">I", value)[0] if value is not None and len(value) == 4 else default

    def string(self, name: str) -> str | None:
        value = self.props.get(name)
        return value.split(b"\0")[0].decode() if value is not None else None


def parse_fdt(blob: bytes) -> tuple[Node, list[tuple[int, int]]]:
    """The tree's root node and its header's reservation entries (base, size)."""
    magic, _total, off_struct, off_strings, off_rsv = struct.unpack_from(">5I", blob, 0)
    if magic != FDT_MAGIC:
        raise ValueError("not a flattened device tree (bad magic)")
    rsvmap = []
    pos = off_rsv
    while True:
        base, size = struct.unpack_from(">QQ", blob, pos)
        pos += 16
        if base == 0 and size == 0:
            break
        rsvmap.append((base, size))

    def string_at(offset: int) -> str:
        end = blob.index(b"\0", off_strings + offset)
        return blob[off_strings + offset:end].decode()

    stack: list[Node] = []
    root = None
    pos = off_struct
    while True:
        (token,) = struct.unpack_from(">I", blob, pos)
        pos += 4
        if token == BEGIN_NODE:
            end = blob.index(b"\0", pos)
            node = Node(blob[pos:end].decode())
            pos = (end + 4) & ~3
            if stack:
                stack[-1].children.append(node)
            else:
                root = node
            stack.append(node)
        elif token == END_NODE:
            stack.pop()
        elif token == PROP:
            length, name_offset = struct.unpack_from(">II", blob, pos)
            pos += 8
            stack[-1].props[string_at(name_offset)] = blob[pos:pos + length]
            pos = (pos + length + 3) & ~3
        elif token == NOP:
            continue
        elif token == END:
            break
        else:
            raise ValueError(f"bad structure token {token}")
    return root, rsvmap


def reg_pairs(parent: Node, node: Node) -> list[tuple[int, int]]:
    """node's reg as (base, size) pairs, in the cells its parent declares."""
    acells, scells = parent.cells("#address-cells", 2), parent.cells("#size-cells", 1)
    raw = node.props.get("reg", b"")
    words = [struct.unpack_from(">I", raw, i)[0] for i in range(0, len(raw) - len(raw) % 4, 4)]
    step = acells + scells
    pairs = []
    for i in range(0, len(words) - len(words) % step if step else 0, step):
        base = size = 0
        for w in words[i:i + acells]:
            base = base << 32 | w
        for w in words[i + acells:i + step]:
            size = size << 32 | w
        pairs.append((base, size))
    return pairs


def base_name(name: str) -> str:
    return name.split("@")[0]


def ram_and_reservations(blob: bytes) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """RAM and reservations as the tree gives them (base, size), before any rule."""
    root, rsvmap = parse_fdt(blob)
    ram, reserved = [], list(rsvmap)
    for node in root.children:
        if base_name(node.name) == "reserved-memory":
            for child in node.children:
                reserved += reg_pairs(node, child)
        elif node.string("device_type") == "memory" and node.string("status") in (None, "okay",
                                                                                 "ok"):
            ram += reg_pairs(root, node)
    return ram, reserved


def usable(ram: list[tuple[int, int]], reserved: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The usable ranges (base, size), sorted: RAM minus reservations, in whole pages."""
    ram_spans = [(b, b + s) for b, s in ram if s and b + s <= TOP]
    resv_spans = [(b, min(b + s, TOP)) for b, s in reserved if s]
    points = sorted({p for span in ram_spans + resv_spans for p in span})
    pieces = []  # maximal [start, end) covered by RAM and by no reservation
    for lo, hi in zip(points, points[1:]):
        inside = any(b <= lo and hi <= e for b, e in ram_spans)
        blocked = any(b <= lo and hi <= e for b, e in resv_spans)
        if inside and not blocked:
            if pieces and pieces[-1][1] == lo:
                pieces[-1] = (pieces[-1][0], hi)
            else:
                pieces.append((lo, hi))
    result = []
    for start, end in pieces:
        start = -(-start // PAGE) * PAGE
        end = end // PAGE * PAGE
        if end > start:
            result.append((start, end - start))
    return result


def elf_symbol(path: str, name: str) -> int:
    """The value of symbol `name` in a little-endian ELF64 file's .symtab."""
    data = open(path, "rb").read()
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
                for i in range(shnum)]
    for sh_name, sh_type, _f, _a, offset, size, link, _i, _al, entsize in sections:
        if sh_type != 2:  # SHT_SYMTAB
            continue
        strtab_offset = sections[link][4]
        for pos in range(offset, offset + size, entsize):
            st_name, _info, _other, _shndx, value, _size = struct.unpack_from("<IBBHQQ", data,
                                                                              pos)
            end = data.index(b"\0", strtab_offset + st_name)
            if data[strtab_offset + st_name:end].decode() == name:
                return value
    raise KeyError(f"no symbol {name} in {path}")
