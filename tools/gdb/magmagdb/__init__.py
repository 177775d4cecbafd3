"""magma's gdb helpers (tools/gdb/README.md); tools/gdb/magma.py loads them.

  target    reading the stopped machine: physical memory, kernel virtual
            addresses through the kernel's own page table, kernel symbols
  headers   #define constants read from magma's headers, so nothing here
            copies a number the C code defines
  sv39      decoding and walking Sv39 page tables
  procs     the kernel's list of processes
  heapwalk  the kernel heap's chunks and blocks, and the first bad one
  commands  the magma-* commands themselves
"""
