"""The kernel heap (mm/heap.h: chunks cut into blocks), walked from gdb.

The heap's own heap_check() cannot run while the machine is stopped, and a
heap it would panic over is just the one to look at. So this walk reads
the same layout itself, from struct heap `kheap` (kernel/kmalloc.c): each
chunk of heap.chunks[] is tiled by blocks, each block a header (magic,
size, next), a payload and a trailer. It stops at the first block that is
wrong and says what is wrong with it:

  magic     the safety nibbles are not magma's (overwritten or no block)
  flags     the flag nibbles differ, or name no flag
  size      misaligned, below the smallest block, or past the chunk's end
  next      not the block that size says follows
  trailer   a used block's trailer changed (its payload was overrun), or a
            free block's does not hold its own address
  coalesce  a free block right after a free block
  links     a free block whose free-list neighbours disagree: the prev or
            next in its payload is not a free block linking back to it,
            or it has no prev but is not the head of its bin
  quick list  an entry of an arena's quick lists that is not a Quick
            block of that arena and of the list's size, or is listed twice

Otherwise it adds up what heap_stats() adds up, so its totals can be set
beside memstat's. The constants come from mm/heap.h and
mm/heap_internal.h; the layouts from the kernel's debug information.
"""

import struct

from . import headers, target
from .target import MagmaError

_H = headers.define_map("mm/heap.h")
_HI = headers.define_map("mm/heap_internal.h")
HEADER = _H["HEAP_HEADER_BYTES"]
TRAILER = _H["HEAP_TRAILER_BYTES"]
ALIGN = _H["HEAP_ALIGN_BYTES"]
MIN_BLOCK = _H["HEAP_MIN_BLOCK_BYTES"]
TRAILER_USED = _H["HEAP_TRAILER_USED"]
SAFETY = _H["HEAP_MAGIC_SAFETY"]
SAFETY_MASK = _H["HEAP_MAGIC_SAFETY_MASK"]
FLAG_SPREAD = _H["HEAP_MAGIC_FLAG_SPREAD"]
BINS = _H["HEAP_BINS"]
FLAG_NAMES = ["free", "used", "gc", "quick"]  # enum heap_flag's order (mm/heap.h)
FREE, USED, GC, QUICK = range(4)


def magic_of(flag):
    return SAFETY | flag * FLAG_SPREAD


def bin_of(size):
    """The bin of a free block of size bytes (mm/heap_internal.h's bin_of)."""
    exact, log2_min, sub_log2 = _HI["EXACT_BINS"], _HI["RANGE_LOG2_MIN"], _HI["SUB_BINS_LOG2"]
    if size < exact * ALIGN:
        return size // ALIGN
    log2 = size.bit_length() - 1
    sub = (size >> (log2 - sub_log2)) & ((1 << sub_log2) - 1)
    return min(exact + ((log2 - log2_min) << sub_log2) + sub, BINS - 1)


class BadBlock(Exception):
    """The first bad block: where, which check, what was found."""

    def __init__(self, block, chunk, check, detail):
        where = f"block {block:#x}" + ("" if chunk is None else f" (chunk {chunk})")
        super().__init__(f"{where}: {check}: {detail}")
        self.block, self.check = block, check


class Totals:
    """What heap_stats() adds up."""

    def __init__(self):
        self.total = self.chunks = 0
        self.used = self.used_payload = self.used_blocks = 0
        self.free = self.free_blocks = self.largest_free = 0
        self.gc = self.gc_blocks = self.quick = self.quick_blocks = 0


class Heap:
    """A walk of kheap through a Machine."""

    def __init__(self, m):
        self.m = m
        self.va, self.type = target.symbol("kheap", "kmalloc.c")
        self.nchunks = int(self._member("nchunks"))
        chunks = self._member("chunks")
        limit = chunks.type.range()[1] + 1
        if not 0 <= self.nchunks <= limit:
            raise MagmaError(f"kheap.nchunks is {self.nchunks}, above {limit}: "
                             "the struct heap itself is overwritten")
        self.narenas = int(self._member("narenas"))
        self.chunks = [(int(c["base"]), int(c["end"]), int(c["arena"]))
                       for c in (chunks[i] for i in range(self.nchunks))]
        self.blocks = {}  # walked so far: address -> (flag, size, arena)

    def _member(self, path):
        return self.m.member(self.va, self.type, path)

    def _words(self, addr, n):
        return struct.unpack(f"<{n}Q", self.m.kread(addr, 8 * n))

    def chunk_of(self, addr):
        for i, (base, end, arena) in enumerate(self.chunks):
            if base <= addr < end:
                return i
        return None

    def _fits(self, chunk, b):
        base, end, _ = self.chunks[chunk]
        return b % ALIGN == 8 and base <= b < end and end - b >= MIN_BLOCK

    def _is_free_linking(self, arena, p, b, p_is_prev):
        """Whether p is a free block of arena whose link back to b is right."""
        c = self.chunk_of(p)
        if c is None or self.chunks[c][2] != arena or not self._fits(c, p):
            return False
        magic, _, _, prev, nxt = self._words(p, 5)
        return magic == magic_of(FREE) and (nxt if p_is_prev else prev) == b

    def walk(self):
        """Totals of a sound heap; BadBlock at the first bad block."""
        t = Totals()
        for i, (base, end, arena) in enumerate(self.chunks):
            if base % ALIGN != 8 or end <= base or arena >= self.narenas:
                raise BadBlock(base, i, "chunk", f"[{base:#x}, {end:#x}) of arena {arena} "
                               f"is not a chunk (base 8 mod 16, end above it, arena "
                               f"below {self.narenas})")
            self._walk_chunk(i, base, end, arena, t)
            t.chunks += 1
            t.total += end - base
        for arena in range(self.narenas):
            self._check_quick_lists(arena)
        return t

    def _check_quick_lists(self, arena):
        """Every entry of the arena's quick lists is a Quick block of the arena, of
        its class's size, listed once (what heap_check's check_quick asks)."""
        counts = self._member(f"arenas[{arena}].quick_count")
        depth = self._member(f"arenas[{arena}].quick[0]").type.range()[1] + 1
        listed = set()
        for cls in range(counts.type.range()[1] + 1):
            n = int(counts[cls])
            where = f"arena {arena}'s quick list of class {cls}"
            if n > depth:
                raise BadBlock(0, None, "quick list", f"{where} counts {n}, above {depth}")
            want = int(self._member(f"quick_block_bytes[{cls}]"))
            for j in range(n):
                p = int(self._member(f"arenas[{arena}].quick[{cls}][{j}]"))
                flag, size, chunk_arena = self.blocks.get(p, (None, None, None))
                if flag != QUICK or size != want or chunk_arena != arena or p in listed:
                    what = ("listed twice" if p in listed else
                            "no block" if flag is None else
                            f"a {FLAG_NAMES[flag]} block of {size:#x} bytes in arena "
                            f"{chunk_arena}")
                    raise BadBlock(p, self.chunk_of(p), "quick list",
                                   f"entry {j} of {where} (quick blocks of {want:#x} bytes) "
                                   f"is {what}")
                listed.add(p)

    def _walk_chunk(self, i, base, end, arena, t):
        b, prev_free = base, False
        while True:
            magic, size, nxt = self._words(b, 3)
            if magic & SAFETY_MASK != SAFETY:
                raise BadBlock(b, i, "magic", f"{magic:#018x}: the safety nibbles are "
                               f"{magic & SAFETY_MASK:#018x}, not {SAFETY:#018x}")
            flag = magic & 0xf
            if magic != magic_of(flag) or flag > QUICK:
                raise BadBlock(b, i, "flags", f"{magic:#018x}: flag nibbles differ or name "
                               "no flag")
            room = end - b
            if size % ALIGN or size < MIN_BLOCK or (
                    size != room and (size > room or room - size < MIN_BLOCK)):
                raise BadBlock(b, i, "size", f"{size:#x} ({FLAG_NAMES[flag]} block): not a "
                               f"multiple of {ALIGN} from {MIN_BLOCK} up that ends at a "
                               f"block or at the chunk's end ({room:#x} bytes left)")
            want_next = 0 if b + size == end else b + size
            if nxt != want_next:
                raise BadBlock(b, i, "next", f"{nxt:#x}, but size {size:#x} says "
                               f"{want_next:#x}")
            tr = self._words(b + size - TRAILER, 1)[0]
            if flag == FREE:
                self._check_free(i, b, size, tr, arena, prev_free)
                t.free += size
                t.free_blocks += 1
                t.largest_free = max(t.largest_free, size)
            else:
                if tr != TRAILER_USED:
                    raise BadBlock(b, i, "trailer", f"{tr:#x} in a {FLAG_NAMES[flag]} "
                                   f"block, not {TRAILER_USED:#x}: its payload was overrun")
                if flag == USED:
                    t.used += size
                    t.used_blocks += 1
                    t.used_payload += size - HEADER - TRAILER
                elif flag == GC:
                    t.gc += size
                    t.gc_blocks += 1
                else:
                    t.quick += size
                    t.quick_blocks += 1
            self.blocks[b] = (flag, size, arena)
            prev_free = flag == FREE
            if not nxt:
                return
            b = nxt

    def _check_free(self, i, b, size, tr, arena, prev_free):
        if prev_free:
            raise BadBlock(b, i, "coalesce", "a free block right after a free block "
                           "(coalescing missed it)")
        if tr != b:
            raise BadBlock(b, i, "trailer", f"{tr:#x} in a free block, not its own address")
        prev, nxt = self._words(b + HEADER, 2)
        head = int(self._member(f"arenas[{arena}].bin_head[{bin_of(size)}]"))
        if (prev == 0) != (head == b):
            raise BadBlock(b, i, "links", f"prev is {prev:#x} but the head of its bin "
                           f"({bin_of(size)}, arena {arena}) is {head:#x}")
        if prev and not self._is_free_linking(arena, prev, b, True):
            raise BadBlock(b, i, "links", f"free-list prev {prev:#x} is not a free block "
                           "whose next is this one")
        if nxt and not self._is_free_linking(arena, nxt, b, False):
            raise BadBlock(b, i, "links", f"free-list next {nxt:#x} is not a free block "
                           "whose prev is this one")
