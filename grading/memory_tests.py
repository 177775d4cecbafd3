"""Memory-map system tests: the kernel builds its map with mm/memmap from the tree."""

import re
import subprocess
import tempfile
from pathlib import Path

from harness import REPO_ROOT, Qemu, check, qemu_command, test

BOOT_TIMEOUT = 30
GUARDED = {  # ranges no usable region may touch (include/layout.h)
    "OpenSBI": (0x80000000, 0x80080000),
    "guard private": (0x80080000, 0x80100000),
    "root": (0x80100000, 0x80110000),
    "mailbox": (0x80110000, 0x80120000),
}


def memory_report(mem):
    with Qemu(qemu_command(mem=mem, bootargs="test=poweroff")) as q:
        summary = q.expect(r"magma: memory: (\d+) regions, (\d+) MiB usable \((\d+) frames\)\n",
                           BOOT_TIMEOUT)
        usable = [(int(a, 16), int(b, 16) + 1) for a, b in
                  re.findall(r"magma: memory: usable 0x([0-9a-f]+)-0x([0-9a-f]+)", q.output)]
        q.expect(r"magma: boot complete", BOOT_TIMEOUT)
    check(len(usable) == int(summary.group(1)), "region count does not match the lines")
    frames = int(summary.group(3))
    check(sum(end - base for base, end in usable) == frames * 4096,
          "frames do not add up to the usable regions")
    for base, end in usable:
        check(base % 4096 == 0 and end % 4096 == 0, f"region {base:#x}-{end:#x} not page aligned")
        for name, (lo, hi) in GUARDED.items():
            check(end <= lo or base >= hi, f"usable {base:#x}-{end:#x} overlaps {name}")
    return usable, frames


@test("memory_map_guard_ranges_never_usable")
def memory_map_guard_ranges_never_usable():
    usable, _ = memory_report("128M")
    check(usable[0][0] == 0x80120000, "the gap between mailbox and kernel should be usable")
    check(usable[-1][1] == 0x88000000, "usable memory should reach the end of RAM")


@test("memory_map_follows_mem")
def memory_map_follows_mem():
    """Doubling MEM adds exactly 128 MiB of frames: nothing about RAM is compiled in."""
    _, frames_128 = memory_report("128M")
    _, frames_256 = memory_report("256M")
    check(frames_256 - frames_128 == (128 << 20) // 4096,
          f"128M gave {frames_128} frames, 256M gave {frames_256}")


@test("frames_all_handed_out_none_reserved")
def frames_all_handed_out_none_reserved():
    """The kernel takes every frame mm/frame has; none is reserved memory; all come back."""
    with Qemu(qemu_command(bootargs="test=frames,poweroff")) as q:
        m = q.expect(r"magma: test frames: took (\d+) frames \(\d+ MiB\), (\d+) in reserved "
                     r"memory, (\d+) free before, (\d+) after: (OK|FAIL)\n", BOOT_TIMEOUT * 2)
        check(m.group(5) == "OK", m.group(0))
        check(int(m.group(1)) > 30000, "fewer frames than 128 MiB should give")


@test("double_free_panics")
def double_free_panics():
    with Qemu(qemu_command(bootargs="test=double_free")) as q:
        m = q.expect(r"magma: test double_free: freeing (0x[0-9a-f]+) a second time", BOOT_TIMEOUT)
        q.expect(rf"panic: hart \d+: kalloc: page_free\({m.group(1)}\) refused: double free",
                 BOOT_TIMEOUT)
        check("FAIL" not in q.output, "the second free was accepted")


@test("kmalloc_mixed_and_remote_frees")
def kmalloc_mixed_and_remote_frees():
    """kmalloc over frames: payloads survive, remote frees are reclaimed, heap_check clean."""
    with Qemu(qemu_command(bootargs="test=kmalloc,poweroff")) as q:
        m = q.expect(r"magma: test kmalloc: (\d+) ops, (\d+) corrupted payloads, heap_check "
                     r"(\w+), .*: (OK|FAIL)\n", BOOT_TIMEOUT * 2)
        check(m.group(4) == "OK" and m.group(3) == "clean" and m.group(2) == "0", m.group(0))


@test("kernel_stacks_made_on_every_hart_at_once")
def kernel_stacks_made_on_every_hart_at_once():
    """kstack_alloc on three harts at once, through fresh 2 MiB ranges: every stack page mapped."""
    with Qemu(qemu_command(bootargs="test=kstack_harts,poweroff")) as q:
        m = q.expect(r"magma: test kstack_harts: (\d+) stacks made on (\d+) harts at once, "
                     r"(\d+) pages unmapped[^\n]*\n", BOOT_TIMEOUT * 2)
        verdict = q.expect(r"magma: test kstack_harts: (OK|FAIL)\n", BOOT_TIMEOUT)
        check(m.group(3) == "0", f"stack pages lost: {m.group(0)}")
        check(verdict.group(1) == "OK" and int(m.group(1)) >= 3600, m.group(0))


@test("heap_corruption_panics_naming_block")
def heap_corruption_panics_naming_block():
    with Qemu(qemu_command(bootargs="test=heap_corrupt")) as q:
        m = q.expect(r"flipping magic byte 1 of block 0x([0-9a-f]+)\n", BOOT_TIMEOUT)
        block = int(m.group(1), 16)
        p = q.expect(r"panic: hart \d+: heap: kfree: .* in block 0x([0-9a-f]+), field magic: "
                     r"found 0x([0-9a-f]+), expected 0x([0-9a-f]+) \(hart", BOOT_TIMEOUT)
        check(int(p.group(1), 16) in (block, block + 24), "the panic names another block")
        check(int(p.group(2), 16) ^ int(p.group(3), 16) == 0x40 << 8,
              "found/expected should differ in exactly the flipped bit of byte 1")


@test("vm_walk_map_unmap_translate")
def vm_walk_map_unmap_translate():
    """kernel/vm's one walk: 2 MiB and 4 KiB mappings read back, unmapped, refused inside a large page."""
    with Qemu(qemu_command(bootargs="test=vm,poweroff")) as q:
        m = q.expect(r"magma: test vm: (OK|FAIL)\n", BOOT_TIMEOUT)
        check(m.group(1) == "OK" and "test vm: FAIL" not in q.output,
              "; ".join(re.findall(r"test vm: FAIL: (.*)", q.output)) or "test vm failed")


HOSTILE_FRAGMENT = """
/ {
	reserved-memory {
		hostile@87000000 {
			reg = <0x0 0x87000000 0xffffffff 0xffffffff>;
		};
	};
	memory@88000000 {
		device_type = "memory";
		reg = <0x0 0x88000000 0x0 0x1000000>;
		status = "disabled";
	};
};
"""


@test("memory_map_reports_what_a_hostile_tree_loses")
def memory_map_reports_what_a_hostile_tree_loses():
    """A reservation that wraps past 2^64 is clamped, a disabled memory node is not RAM:
    the kernel says so for each, hands out nothing from either, and boots."""
    cmd = qemu_command(bootargs="test=poweroff")
    i = cmd.index("-dtb")
    dts = Path(cmd[i + 1]).with_suffix(".dts")
    with tempfile.TemporaryDirectory() as tmp:
        hostile_dts = Path(tmp) / "hostile.dts"
        hostile_dtb = Path(tmp) / "hostile.dtb"
        hostile_dts.write_text((REPO_ROOT / dts).read_text() + HOSTILE_FRAGMENT)
        subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(hostile_dtb),
                        str(hostile_dts)], check=True)
        with Qemu(cmd[:i + 1] + [str(hostile_dtb)] + cmd[i + 2:]) as q:
            q.expect(r"magma: memory: reservation 0x87000000\+0xffffffffffffffff from "
                     r"hostile@87000000 ends past 2\^64, clamped to end at 2\^64\n", BOOT_TIMEOUT)
            q.expect(r"magma: memory: RAM 0x88000000\+0x1000000 from memory@88000000 has status "
                     r"other than \"okay\", not RAM", BOOT_TIMEOUT)
            q.expect(r"magma: boot complete", BOOT_TIMEOUT)
            usable = [(int(a, 16), int(b, 16) + 1) for a, b in
                      re.findall(r"magma: memory: usable 0x([0-9a-f]+)-0x([0-9a-f]+)", q.output)]
    check(usable, "no usable memory reported")
    for base, end in usable:
        check(end <= 0x87000000, f"usable {base:#x}-{end:#x} lies in the clamped reservation")
