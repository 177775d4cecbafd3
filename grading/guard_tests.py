"""Guard system tests: the root comes up protected, and flipped bits are repaired.

Fault injection comes from outside the OS: gdb-multiarch attaches to QEMU's
gdb stub, switches it to physical addresses (maintenance packet
Qqemu.PhyMemMode:1) and flips a byte of the root, or of the guard's stored
CRC in guard private, while the guests are stopped. The kernel must then log
the guard's repair.
"""

import random
import re
import tempfile
import time

from harness import Qemu, check, elf_symbol, free_port, gdb_physical, qemu_command, scaled, test

BOOT_TIMEOUT = 30
ROOT = 0x80100000
SCAN_US = 100000  # a slow scan, so "within 3 periods" is measurable from outside
ROOT_SIZE = 0x10000  # all of it is under the lock
PROTECT_STATE = 0x005  # changes to "repaired" after the first incident
# Root bytes that stay put while the guard runs: everything but the guard's
# counters, ticks and times (0x100-0x1bf) and the protect state. That is the
# protected bits, the kernel note, the vector clock, the board tables and
# the zeroed rest of the 64 KiB.
STATIC_OFFSETS = ([o for o in range(0x000, 0x100) if o != PROTECT_STATE] +
                  list(range(0x1c0, ROOT_SIZE)))


def read_root(port, length=ROOT_SIZE):
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        gdb_physical(port, [f"dump binary memory {f.name} {ROOT:#x} {ROOT + length:#x}"])
        return open(f.name, "rb").read()


def flip_byte(port, address, mask):
    gdb_physical(port, [f"set {{unsigned char}}{address:#x} = "
                        f"{{unsigned char}}{address:#x} ^ {mask:#x}"])


def guard_symbol(name):
    return elf_symbol("build/guard/guard.elf", name)


def boot_with_gdb(aia, tests="", scan_us=SCAN_US):
    port = free_port()
    bootargs = f"guard.scan_us={scan_us}" + (f" test={tests}" if tests else "")
    cmd = qemu_command(aia=aia, bootargs=bootargs)
    q = Qemu(cmd + ["-gdb", f"tcp:127.0.0.1:{port}"])
    q.expect(r"magma: guard: root ON state 2 \(protected\)", BOOT_TIMEOUT)
    q.expect(r"magma: boot complete", BOOT_TIMEOUT)
    return q, port


@test("guard_on_state_2_within_1s")
def guard_on_state_2_within_1s():
    with Qemu(qemu_command()) as q:
        m = q.expect(r"magma: guard: root ON state 2 \(protected\) after (\d+) us, layout 1\.0\.0, "
                     r"guard hart 3\n", BOOT_TIMEOUT)
        check(int(m.group(1)) < 1000000, f"ON state 2 took {m.group(1)} us")
        # The guard's line may wait in its queue while the kernel prints.
        q.expect_seen(r"guard: hart 3: root installed, all 65536 bytes under CRC-32C", BOOT_TIMEOUT)


def inject_root_flips(aia):
    rng = random.Random(20261201 + aia)
    offsets = rng.sample(STATIC_OFFSETS, 16) + [ROOT_SIZE - 1, 0x1000 + 4808]
    offsets += rng.sample(range(0x8000, ROOT_SIZE), 2)  # far past the board tables
    q, port = boot_with_gdb(aia)
    with q:
        before = read_root(port)
        latencies = []
        for off in offsets:
            flip_byte(port, ROOT + off, 0xa5)
            injected = time.monotonic()
            m = q.expect(rf"magma: guard: repaired 1 byte\(s\) at root\+{off:#x} "
                         rf"\(0x([0-9a-f]{{2}}) -> 0x([0-9a-f]{{2}})\)\n", 10)
            latencies.append(time.monotonic() - injected)
            bad, good = int(m.group(1), 16), int(m.group(2), 16)
            check(good == before[off] and bad == before[off] ^ 0xa5,
                  f"root+{off:#x}: repaired {bad:#x} -> {good:#x}, expected "
                  f"{before[off] ^ 0xa5:#x} -> {before[off]:#x}")
        after = read_root(port)
        changed = [o for o in STATIC_OFFSETS if before[o] != after[o]]
        check(not changed, f"root bytes differ after the repairs: {changed[:8]}")
        worst = max(latencies)
        print(f"    {len(offsets)} flips over the whole 64 KiB repaired, none missed; slowest seen from outside {worst * 1000:.0f} ms "
              f"(scan period {SCAN_US // 1000} ms)", flush=True)
        check(worst < scaled(3 * SCAN_US / 1e6 + 2),
              f"a repair took {worst:.2f} s to show, over 3 scan periods plus slack")


@test("guard_repairs_root_flips_aia")
def guard_repairs_root_flips_aia():
    inject_root_flips(aia=True)


@test("guard_repairs_root_flips_plic")
def guard_repairs_root_flips_plic():
    inject_root_flips(aia=False)


def boot_under_pings(aia):
    """Scans 1 s apart, pings 10 ms apart: after a flip, many requests come before the scan."""
    q, port = boot_with_gdb(aia, tests="ping_loop", scan_us=1000000)
    q.expect(r"magma: test ping_loop: a ping every tick", BOOT_TIMEOUT)
    return q, port


def inject_crc_store_flip(aia):
    """A flipped CRC store is caught by its MD5, however many requests come before the scan."""
    q, port = boot_under_pings(aia)
    with q:
        flip_byte(port, guard_symbol("stored_crc"), 0x10)
        q.expect(r"magma: guard: stored CRC failed its MD5; rebuilt from the shadow", 10)
        check("repaired 1 byte" not in q.output, "a CRC-store flip must not look like a root flip")
        check("changed alike" not in q.output, "the flipped CRC was sealed in before the scan")
        check("test ping_loop: ping" not in q.output, "a ping failed around the flip")


@test("guard_md5_catches_crc_store_flip_aia")
def guard_md5_catches_crc_store_flip_aia():
    inject_crc_store_flip(aia=True)


@test("guard_md5_catches_crc_store_flip_plic")
def guard_md5_catches_crc_store_flip_plic():
    inject_crc_store_flip(aia=False)


def inject_shadow_flip(aia):
    """A flipped shadow byte, then requests at once: the root stays, the shadow is rebuilt."""
    q, port = boot_under_pings(aia)
    with q:
        before = read_root(port)
        off = 0x1c3  # a byte of the kernel note: static, and inside a field
        flip_byte(port, guard_symbol("shadow") + off, 0x5a)
        q.expect(rf"magma: guard: shadow copy failed the CRC \(first difference at "
                 rf"root\+{off:#x}\); rebuilt from the root\n", 10)
        after = read_root(port)
        changed = [o for o in STATIC_OFFSETS if before[o] != after[o]]
        check(not changed, f"root bytes changed: {[hex(o) for o in changed[:8]]}")
        check("repaired 1 byte" not in q.output, "the guard 'repaired' the root into the flip")
        check("test ping_loop: ping" not in q.output, "a ping failed around the flip")


@test("guard_shadow_flip_never_sealed_in_aia")
def guard_shadow_flip_never_sealed_in_aia():
    inject_shadow_flip(aia=True)


@test("guard_shadow_flip_never_sealed_in_plic")
def guard_shadow_flip_never_sealed_in_plic():
    inject_shadow_flip(aia=False)


def mailbox(aia):
    with Qemu(qemu_command(aia=aia, bootargs="test=mailbox,poweroff")) as q:
        q.expect(r"magma: guard: session open", BOOT_TIMEOUT)
        q.expect(r"magma: test mailbox: ping 0x6d61676d61 -> 0x6d61676d61 \(ok\)", BOOT_TIMEOUT)
        q.expect(r"magma: test mailbox: status: ON state 2, ", BOOT_TIMEOUT)
        q.expect(r"magma: test mailbox: write of the kernel note ok, root reads back the same",
                 BOOT_TIMEOUT)
        for what, code in [("a bad tag", -3), ("a replayed sequence number", -4),
                           (r"a write to the ON state \(protected bits\)", -5),
                           ("a write to the incident counter", -5),
                           ("a write past the root", -6), ("operation 99", -2),
                           ("an unsigned OPEN over the live session", -10)]:
            q.expect(rf"magma: test mailbox: {what} refused with .* \({code}\), counter "
                     rf"(\d+) -> (\d+): OK\n", BOOT_TIMEOUT)
        q.expect(r"magma: test mailbox: the session still answers after the attempt \(ok\)",
                 BOOT_TIMEOUT)
        q.expect(r"magma: test mailbox: forced scan: 0 byte\(s\) repaired \(ok\)", BOOT_TIMEOUT)
        q.expect(r"magma: test mailbox: incidents: \d+ posted, \d+ returned \(ok\)", BOOT_TIMEOUT)
        q.expect(r"magma: test mailbox: a second session named magma-kernel refused with .* "
                 r"\(-8\), counter (\d+) -> (\d+): OK\n", BOOT_TIMEOUT)
        q.expect(r"magma: test mailbox: the session key is nowhere in the slot after KEY_READ: OK",
                 BOOT_TIMEOUT)
        q.expect(r"magma: test mailbox: 100 refused requests and a ping cost \d+ seal\(s\) "
                 r"\(\d+ scans meanwhile\): OK", BOOT_TIMEOUT)
        q.expect(r"magma: test mailbox: a request in the slot of hart 3 \(no kernel there\) was "
                 r"never served: OK", BOOT_TIMEOUT)
        q.expect(r"magma: test mailbox: a stale reply in the slot was dropped, the next ping "
                 r"answered ok: OK", BOOT_TIMEOUT)
        q.expect(r"magma: test mailbox: a signed OPEN re-keyed the session .*: OK", BOOT_TIMEOUT)
        q.expect(r"magma: test mailbox: close ok, then a ping: no open session \(-7\), open "
                 r"again ok: OK", BOOT_TIMEOUT)
        q.expect(r"magma: test mailbox: OK \(21 of 21 checks; ON state still 2\)", BOOT_TIMEOUT)


@test("mailbox_round_trips_and_refusals_aia")
def mailbox_round_trips_and_refusals_aia():
    mailbox(aia=True)


@test("mailbox_round_trips_and_refusals_plic")
def mailbox_round_trips_and_refusals_plic():
    mailbox(aia=False)


@test("session_keys_differ_every_boot")
def session_keys_differ_every_boot():
    """Keys come from a fresh boot seed and jitter, never from the image: two boots, two keys."""
    prints = []
    for extra in ([], ["-icount", "shift=0"]):  # -icount: no host timing jitter at all
        for _ in range(2):
            with Qemu(qemu_command(bootargs="test=mailbox,poweroff") + extra) as q:
                m = q.expect(r"session key fingerprint ([0-9a-f]{8})\n", BOOT_TIMEOUT * 2)
                prints.append(m.group(1))
    check(len(set(prints)) == len(prints), f"session keys repeat across boots: {prints}")


@test("board_tables_in_the_root")
def board_tables_in_the_root():
    """The guard publishes block zero from the tree; the kernel reads it back through mm/blockzero."""
    with Qemu(qemu_command(mem="256M", bootargs="test=board,poweroff")) as q:
        q.expect(r"magma: test board: OK\n", BOOT_TIMEOUT)
        check(re.search(r"magma: board: device \d+ ram at 0x80000000-0x8fffffff \(RAM entry 1\)",
                        q.output), "RAM 0x80000000-0x8fffffff (256M) missing from the tables")
        check(re.search(r"magma: board: device \d+ uart at 0x10000000-0x100000ff \(I/O entry \d+\)",
                        q.output), "the UART is missing from the device table")
        check(len(re.findall(r"magma: board: device \d+ virtio-mmio", q.output)) == 8,
              "expected the 8 virtio-mmio slots of QEMU virt")


KERNEL_TREE = 0x87e00000  # where QEMU loads the kernel's tree on the 128M machine
TREE_SCAN_US = 20000


def scan_sample(port):
    root = read_root(port, 0x140)
    return (int.from_bytes(root[0x128:0x130], "little"),  # ROOT_SCAN_COUNT
            int.from_bytes(root[0x138:0x140], "little"))  # ROOT_LAST_SCAN_TIME (10 MHz)


@test("guard_ignores_a_rewritten_kernel_tree")
def guard_ignores_a_rewritten_kernel_tree():
    """The kernel's tree says twice the timebase and 90 ms scans; the guard keeps its own."""
    port = free_port()
    cmd = qemu_command(bootargs=f"guard.scan_us={TREE_SCAN_US}")
    with Qemu(cmd + ["-S", "-gdb", f"tcp:127.0.0.1:{port}"]) as q:
        # Stopped at reset: the kernel's tree is loaded and nothing has run yet, the
        # harshest case (the guard used to read this tree when it started). One gdb
        # session finds and patches both, since detaching lets the machine run.
        out = gdb_physical(port, [
            f"find /b {KERNEL_TREE:#x}, +0x4000, 0x00, 0x98, 0x96, 0x80",  # 10 MHz, big-endian
            "set {unsigned int}$_ = 0x002d3101",  # 20 MHz, big-endian
            f"find {KERNEL_TREE:#x}, +0x4000, \"guard.scan_us=20000\"",
            "set {unsigned char}($_ + 14) = 0x39"])  # "20000" -> "90000"
        check(out.count("1 pattern found.") == 2, f"each value must occur once in the tree:\n{out}")
        q.expect(r"magma: device tree at 0x87e00000 \(\d+ bytes\), bootargs "
                 r"\"guard\.scan_us=90000\"", BOOT_TIMEOUT)  # the kernel sees the rewrite
        q.expect(r"magma: timer: \S+, 100 Hz tick, timebase 20000000 Hz", BOOT_TIMEOUT)
        q.expect(r"magma: boot complete", BOOT_TIMEOUT)
        check(re.search(rf"guard: hart 3: root installed, .* scan every {TREE_SCAN_US} us",
                        q.output), "the guard did not keep its own scan period")
        first = scan_sample(port)
        time.sleep(1.5)
        last = scan_sample(port)
        scans = last[0] - first[0]
        check(scans > 0, f"no scans in 1.5 s (ROOT_SCAN_COUNT stayed {first[0]})")
        period_ms = (last[1] - first[1]) / scans / 10000
        print(f"    {scans} scans, one every {period_ms:.1f} ms of guest time "
              f"(the guard's period {TREE_SCAN_US // 1000} ms)", flush=True)
        check(TREE_SCAN_US / 1000 * 0.9 <= period_ms <= TREE_SCAN_US / 1000 * 3,
              f"scans came every {period_ms:.1f} ms, not every {TREE_SCAN_US // 1000} ms")


@test("kernel_stops_when_the_guard_never_comes")
def kernel_stops_when_the_guard_never_comes():
    """Without the guard image the root never reaches ON state 2: the kernel says so and stops."""
    cmd = qemu_command()
    i = cmd.index("loader,file=build/guard/guard.elf")
    with Qemu(cmd[:i - 1] + cmd[i + 1:]) as q:
        # A slow guard is waited for, and the wait says so once a second ...
        for seconds in (1, 2):
            q.expect(rf"magma: still waiting for the guard after {seconds}\d{{3}} ms: root ON "
                     r"state 0, protected flag 0, mailbox never set up\n", BOOT_TIMEOUT)
        # ... but one that shows no sign of life at all for 10 s never started.
        q.expect(r"magma: guard did not come up within 10000 ms \(.*\): root ON state 0, "
                 r"protected flag 0, mailbox never set up\n", BOOT_TIMEOUT)
        q.expect(r"magma: stopping: nothing protects the root without the guard\n", BOOT_TIMEOUT)
        check("boot complete" not in q.output, "the kernel booted on without its guard")


def selftest(bootargs, pattern, aia=True, also_seen=()):
    """Runs a self-test to its OK line; also_seen: lines that may come before or after it."""
    with Qemu(qemu_command(aia=aia, bootargs=bootargs)) as q:
        m = q.expect(pattern + r".*: (OK|FAIL)\n", BOOT_TIMEOUT * 2)
        print("    " + m.group(0).strip(), flush=True)
        check(m.group(m.lastindex) == "OK", "the self-test failed")
        for line in also_seen:
            q.expect_seen(line, BOOT_TIMEOUT)
        return q


@test("guard_scans_through_a_flood_aia")
def guard_scans_through_a_flood_aia():
    """A flood of valid and junk requests from every kernel hart never holds the scans back."""
    selftest("test=flood,poweroff", r"magma: test flood: ")


@test("guard_scans_through_a_flood_plic")
def guard_scans_through_a_flood_plic():
    selftest("test=flood,poweroff", r"magma: test flood: ", aia=False)


@test("root_fields_never_torn")
def root_fields_never_torn():
    """A u64 counter bumped by 600 pings and the two-word clock, read meanwhile: never backwards."""
    q = selftest("guard.scan_us=2000 guard.tick_wrap=20 test=root_fields,poweroff",
                 r"magma: test root_fields: ")
    m = re.search(r"over (\d+) master ticks \(wrap 20\)", q.output)
    check(m and int(m.group(1)) >= 2, "the clock never wrapped during the test")


@test("page_walker_write_to_root_repaired")
def page_walker_write_to_root_repaired():
    """QEMU's walker sets an accessed bit in a root page used as a page table; the guard repairs it."""
    # The test reads the ring itself before it reports, so the repair line comes first.
    selftest("test=walker,poweroff", r"magma: test walker: ",
             also_seen=[r"magma: guard: repaired 1 byte\(s\) at root\+0x2[0-9a-f]{2} "])


@test("event_ring_scribbles_and_head_going_back")
def event_ring_scribbles_and_head_going_back():
    """Forged ring entries never come back from INCIDENTS; a head moved back is survived."""
    with Qemu(qemu_command(bootargs="test=ring,poweroff")) as q:
        m = q.expect(r"magma: test ring: \d+ events posted.*: (OK|FAIL)\n", BOOT_TIMEOUT * 2)
        check(m.group(1) == "OK", m.group(0))
        q.expect(r"magma: guard: event ring head went back from \d+ to 0", BOOT_TIMEOUT)
        q.expect(r"magma: test ring: the kernel carried on, the guard answers \(ok\): OK",
                 BOOT_TIMEOUT)


@test("kernel_reports_when_scans_stop")
def kernel_reports_when_scans_stop():
    """The boot hart's tick watches the guard's scans: a stall is logged, and its end."""
    with Qemu(qemu_command(bootargs="guard.stall_ms=1500")) as q:
        q.expect(r"guard: fault injection: no scans for 1500 ms", BOOT_TIMEOUT)
        q.expect(r"magma: boot complete", BOOT_TIMEOUT)
        m = q.expect(r"magma: guard: no scan for (\d+) ms \(period 10000 us", BOOT_TIMEOUT)
        check(int(m.group(1)) >= 500, f"reported a stall of only {m.group(1)} ms")
        m = q.expect(r"magma: guard: scans resumed after (\d+) ms without one\n", BOOT_TIMEOUT)
        check(int(m.group(1)) >= 1000, f"scans resumed after only {m.group(1)} ms")


@test("guard_refuses_sessions_without_a_boot_seed")
def guard_refuses_sessions_without_a_boot_seed():
    """No seed loaded (all-zero seed page): the guard says why and refuses every session."""
    cmd = qemu_command()
    i = next(n for n, arg in enumerate(cmd) if "guard-seed.bin" in arg)
    with Qemu(cmd[:i - 1] + cmd[i + 1:]) as q:
        q.expect(r"guard: no boot seed \(the seed page at 0x[0-9a-f]+ is all zero", BOOT_TIMEOUT)
        q.expect(r"magma: guard: session refused: guard has no boot seed: no session keys "
                 r"\(-11\)", BOOT_TIMEOUT)
        q.expect(r"magma: boot complete", BOOT_TIMEOUT)


@test("guard_scan_period_from_bootargs")
def guard_scan_period_from_bootargs():
    """guard.scan_us=N sets the scan period through lib/bootargs: the last word wins; garbage,
    out of range (1000..1000000) or a longer key leaves the 10 ms default."""
    cases = [("guard.scan_us=2000 guard.scan_us=250000", 250000), ("guard.scan_us=1000", 1000),
             ("guard.scan_us=5000x", 10000), ("guard.scan_us=999", 10000),
             ("xguard.scan_us=5000", 10000)]
    for bootargs, want in cases:
        with Qemu(qemu_command(bootargs=bootargs + " test=poweroff")) as q:
            m = q.expect(r"guard: hart \d+: root installed, .*, scan every (\d+) us\n",
                         BOOT_TIMEOUT)
            check(int(m.group(1)) == want,
                  f"bootargs \"{bootargs}\": scan every {m.group(1)} us, expected {want}")
