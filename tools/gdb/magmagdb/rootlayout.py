"""The root range's fields, named and typed by include/root.h itself.

Each field of the protected and shared bits is a #define of its offset
whose comment starts with its type: "u8", "u32", "u64", or an array such
as "u64[ROOT_VECTOR_SLOTS]". A field whose comment says "ROOT_X_* below"
takes its values from the ROOT_X_* defines. The refusal counters are
indexed by mailbox error (-1 is index 0, lib/mbox.c's mbox_error_index),
named by lib/mbox.h's enum.
"""

import re
import struct

from . import headers

_TYPE = re.compile(r"^(u8|u16|u32|u64)(?:\[(\w+)\])?:?\s*(.*)$")
_VALUES_FROM = re.compile(r"\b(ROOT_\w+?)_\* below")
_WIDTH = {"u8": 1, "u16": 2, "u32": 4, "u64": 8}


class Field:
    def __init__(self, define, kind, count, about):
        self.name = define.name[len("ROOT_"):].lower()
        self.offset = define.value
        self.kind, self.count, self.about = kind, count, about
        self.width = _WIDTH[kind]
        self.values = {}  # value -> (define name, comment), for a field of named values

    def decode(self, raw):
        """The field's values out of the whole root's bytes (a list if an array)."""
        fmt = {1: "B", 2: "H", 4: "I", 8: "Q"}[self.width]
        n = self.count or 1
        values = list(struct.unpack_from(f"<{n}{fmt}", raw, self.offset))
        return values if self.count else values[0]


def _mbox_errors():
    """lib/mbox.h's refusal names by counter index: index i counts MBOX_ERR == -(i+1)."""
    with open(f"{headers.REPO_ROOT}/lib/mbox.h") as f:
        text = f.read()
    return {-int(v) - 1: n for n, v in re.findall(r"\b(MBOX_ERR_\w+)\s*=\s*(-\d+)", text)}


def fields():
    """(protected fields, shared fields, all defines by name)."""
    defs = headers.defines("include/root.h")
    by_name = {d.name: d for d in defs}
    mbox = headers.define_map("lib/mbox.h")
    prot_base = by_name["ROOT_PROTECTED_BASE"].value
    prot_end = prot_base + by_name["ROOT_PROTECTED_SIZE"].value
    shared_base = by_name["ROOT_SHARED_BASE"].value
    shared_end = shared_base + by_name["ROOT_SHARED_SIZE"].value
    prot, shared = [], []
    for d in defs:
        m = _TYPE.match(d.comment)
        if not m:
            continue
        kind, count_name, about = m.groups()
        count = 0
        if count_name:
            count = (int(count_name) if count_name.isdigit() else
                     by_name[count_name].value if count_name in by_name else mbox[count_name])
        f = Field(d, kind, count, about)
        values = _VALUES_FROM.search(about)
        if values:
            prefix = values.group(1) + "_"
            f.values = {v.value: (v.name, v.comment) for v in defs
                        if v.name.startswith(prefix) and not _TYPE.match(v.comment)}
        if prot_base <= d.value < prot_end:
            prot.append(f)
        elif shared_base <= d.value < shared_end:
            shared.append(f)
    return prot, shared, by_name


MBOX_ERRORS = _mbox_errors()
