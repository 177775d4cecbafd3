"""Boot-foundation system tests: each boots magma under QEMU and reads its console.

Selectors in BOOTARGS (test=...) make a normal kernel run a self-test after
boot (kernel/selftest.c); `poweroff` makes QEMU exit when it is done.
"""

import re
import subprocess
import tempfile

from harness import (Qemu, check, free_port, qemu_command, run_in_pty, scaled, split_lines,
                     test, REPO_ROOT)

BOOT_TIMEOUT = 30
BOOTED = r"magma: boot complete"


def boot(cpus=4, mem="128M", aia=True, bootargs="", extra_make_vars=None):
    """Starts QEMU for one machine configuration (the caller waits for output)."""
    return Qemu(qemu_command(cpus=cpus, mem=mem, aia=aia, bootargs=bootargs,
                             extra_make_vars=extra_make_vars))


def expect_hart_layout(q, kernel_harts, guard_hart):
    ids = " ".join(str(h) for h in kernel_harts)
    q.expect(rf"magma: kernel harts: {ids} \(boot hart \d+\); guard hart: {guard_hart}\n",
             BOOT_TIMEOUT)


def expect_all_online(q, kernel_harts):
    q.expect(BOOTED, BOOT_TIMEOUT)
    for hart in kernel_harts:
        check(re.search(rf"magma: hart {hart} online", q.output),
              f"hart {hart} never said it was online")
    n = len(kernel_harts)
    check(f"magma: {n} of {n} kernel harts online" in q.output,
          f"not all {n} kernel harts came online")


@test("boot_cpus4")
def boot_cpus4():
    with boot(cpus=4) as q:
        q.expect(r"magma: SBI: OpenSBI \(implementation id 1\) version \d+\.\d+", BOOT_TIMEOUT)
        q.expect(r"PMP lock OK", BOOT_TIMEOUT)
        q.expect(r"magma: memory: 128 MiB in 1 range", BOOT_TIMEOUT)
        expect_hart_layout(q, [0, 1, 2], 3)
        expect_all_online(q, [0, 1, 2])
        q.expect_seen(r"guard: hart 3: root installed", BOOT_TIMEOUT)  # the guard's own log
        check(re.search(r"magma: guard: root ON state 2 \(protected\)", q.output),
              "the kernel never saw the guard's ON state")
        check(not split_lines(q.output), f"lines interleaved: {split_lines(q.output)}")


@test("boot_cpus2")
def boot_cpus2():
    with boot(cpus=2) as q:
        expect_hart_layout(q, [0], 1)
        expect_all_online(q, [0])


@test("boot_mem256")
def boot_mem256():
    with boot(mem="256M") as q:
        q.expect(r"magma: memory: 0x80000000-0x8fffffff \(256 MiB\) from the device tree",
                 BOOT_TIMEOUT)
        q.expect(r"magma: memory: 256 MiB in 1 range", BOOT_TIMEOUT)
        q.expect(BOOTED, BOOT_TIMEOUT)


@test("boot_cpus3_mem256_plic")
def boot_cpus3_mem256_plic():
    with boot(cpus=3, mem="256M", aia=False) as q:
        q.expect(r"magma: memory: 256 MiB in 1 range", BOOT_TIMEOUT)
        q.expect(r"magma: interrupts: plic", BOOT_TIMEOUT)
        expect_hart_layout(q, [0, 1], 2)
        expect_all_online(q, [0, 1])


@test("boot_plic")
def boot_plic():
    with boot(aia=False) as q:
        q.expect(r"magma: interrupts: plic \(0xc000000", BOOT_TIMEOUT)
        expect_all_online(q, [0, 1, 2])


@test("boot_aia")
def boot_aia():
    with boot(aia=True) as q:
        q.expect(r"magma: interrupts: aia \(S-level APLIC 0xd000000 in MSI mode", BOOT_TIMEOUT)
        expect_all_online(q, [0, 1, 2])


def banner_domains(banner):
    """{domain name: its banner lines} from OpenSBI's boot banner."""
    domains = {}
    for match in re.finditer(r"Domain(\d) Name\s+: (\S+)\n(.*?)\n\n", banner, re.S):
        domains[match.group(2)] = match.group(3)
    return domains


def banner_regions(text):
    """[(base, end, permissions)] of one domain's banner lines."""
    return [(int(b, 16), int(e, 16), perms) for b, e, perms in
            re.findall(r"Region\d+\s+: (0x[0-9a-f]+)-(0x[0-9a-f]+) \(([A-Z,]*)\)", text)]


def predicted_pmp_entries(dts):
    """{domain: PMP entries} as sbi/mkdts.py counted them for a generated tree."""
    text = (REPO_ROOT / "build" / "dt" / dts).read_text()
    found = re.search(r"PMP entries: kernel-domain (\d+) of 16, guard-domain (\d+) of 16", text)
    check(found, f"build/dt/{dts} does not say how many PMP entries its domains need")
    return {"kernel-domain": int(found.group(1)), "guard-domain": int(found.group(2))}


def booted_banner(**machine):
    with boot(**machine) as q:
        q.expect(BOOTED, BOOT_TIMEOUT)
        return q.output


def domain(banner, name):
    text = banner_domains(banner).get(name)
    check(text, f"OpenSBI's banner has no domain {name}")
    return text


def region(text, base, end, perms):
    pattern = rf"Region\d+\s+: 0x0*{base:x}-0x0*{end:x} \({re.escape(perms)}\)"
    check(re.search(pattern, text), f"no region {base:#x}-{end:#x} ({perms}) in:\n{text}")


# The regions OpenSBI 1.1 adds to every domain on the AIA machine: M-mode only.
FIRMWARE_REGIONS = {(0x80000000, 0x8007ffff, ""), (0x2000000, 0x200ffff, "I"),
                    (0xc000000, 0xc007fff, "I"), (0x24000000, 0x24003fff, "I")}


@test("opensbi_domains")
def opensbi_domains():
    """OpenSBI's banner lists both domains as allow-lists of DESIGN's layout."""
    banner = booted_banner()
    kernel = domain(banner, "kernel-domain")
    check(re.search(r"HARTs\s+: 0\*,1\*,2\*\n", kernel), "kernel domain harts are not 0,1,2")
    allowed = {(base, end, perms) for base, end, perms in banner_regions(kernel) if perms != "I"
               and perms}
    want = {(0x80000000, 0x87ffffff, "R,W,X"),  # RAM, from /memory
            (0x80100000, 0x8010ffff, "R"),  # the root range
            (0x10000000, 0x10007fff, "I,R,W"),  # the UART and virtio-mmio slots 1-7
            (0x10008000, 0x10008fff, "I,R,W"),  # virtio-mmio slot 8
            (0xd000000, 0xd007fff, "I,R,W"),  # the S-level APLIC
            (0x28000000, 0x28003fff, "I,R,W")}  # every hart's IMSIC S-file
    check(allowed == want, f"kernel domain allows {sorted(allowed)}, want {sorted(want)}")
    region(kernel, 0x80080000, 0x800fffff, "")  # guard private
    check(not re.search(r"0xffffffffffffffff", kernel), "the kernel must not see all memory")
    check(re.search(r"Next Address\s+: 0x0*80200000", kernel), "kernel next-addr")
    check(re.search(r"Next Arg1\s+: 0x0*87e00000", kernel), "kernel next-arg1: its tree")

    guard = domain(banner, "guard-domain")
    check(re.search(r"HARTs\s+: 3\*\n", guard), "guard domain hart is not 3")
    regions = set(banner_regions(guard)) - FIRMWARE_REGIONS
    want = {(0x80080000, 0x800fffff, "R,W,X"), (0x80100000, 0x8010ffff, "R,W"),
            (0x80110000, 0x8011ffff, "R,W"), (0x10000000, 0x10000fff, "I,R,W"),
            (0x28000000, 0x28001fff, "I,R,W"), (0x28002000, 0x28002fff, "I,R,W")}
    check(regions == want, f"guard domain has {sorted(regions)}, want {sorted(want)}")
    # The cold-boot winner fixes up the tree at its own domain's next-arg1: both must name
    # the kernel's tree, or a guard win leaves it unfixed (the guard ignores its a1).
    check(re.search(r"Next Arg1\s+: 0x0*87e00000", guard), "guard next-arg1: the kernel's tree")

    # mkdts.py's count of PMP entries (its budget check) is what OpenSBI really programs.
    predicted = predicted_pmp_entries("magma-4cpu-128M-aia.dts")
    for name, text in (("kernel-domain", kernel), ("guard-domain", guard)):
        check(len(banner_regions(text)) == predicted[name],
              f"{name}: {len(banner_regions(text))} regions in the banner, mkdts.py "
              f"counted {predicted[name]}")


@test("guard_domain_cannot_read_the_kernels_tree")
def guard_domain_cannot_read_the_kernels_tree():
    """No guard region covers the kernel's tree: the guard parses its own copy only."""
    for machine, dts in (({}, "magma-4cpu-128M-aia.dts"),
                         ({"cpus": 3, "mem": "256M", "aia": False}, "magma-3cpu-256M-plic.dts")):
        banner = booted_banner(**machine)
        tree = int(re.search(r"magma: device tree at (0x[0-9a-f]+)", banner).group(1), 16)
        guard = domain(banner, "guard-domain")
        for base, end, perms in banner_regions(guard):
            check(not (base <= tree <= end and perms.strip("I,")),
                  f"guard region {base:#x}-{end:#x} ({perms}) reaches the kernel's tree {tree:#x}")
        check(len(banner_regions(guard)) == predicted_pmp_entries(dts)["guard-domain"],
              f"{dts}: the guard's banner regions differ from mkdts.py's count")
        check("magma: guard: root ON state 2 (protected)" in banner, "the guard did not come up")


@test("fw_cfg_denied_in_banner")
def fw_cfg_denied_in_banner():
    """fw_cfg (its DMA writes any address) is a region without R/W/X for the kernel domain."""
    for aia in (True, False):
        banner = booted_banner(aia=aia)
        kernel = domain(banner, "kernel-domain")
        region(kernel, 0x10100000, 0x10100fff, "I")
        reaching = [r for r in banner_regions(kernel)
                    if r[0] <= 0x10100000 <= r[1] and r[2].strip("I,")]
        check(not reaching, f"kernel regions reach fw_cfg: {reaching}")
        guard = domain(banner, "guard-domain")
        check(not [r for r in banner_regions(guard) if r[0] <= 0x10100000 <= r[1]],
              "the guard domain lists fw_cfg")


def uart_irq(aia):
    """A typed line reaches a reader of the console device: UART interrupt, line discipline."""
    with boot(aia=aia, bootargs="test=console") as q:
        q.expect(r"magma: test console: console_write returned", BOOT_TIMEOUT)
        q.send("hello\r")
        q.expect(r'magma: test console: read "hello\\n" \(6 bytes\)\n', BOOT_TIMEOUT)


@test("uart_irq_aia")
def uart_irq_aia():
    uart_irq(aia=True)


@test("uart_irq_plic")
def uart_irq_plic():
    uart_irq(aia=False)


def ipi(aia):
    with boot(aia=aia, bootargs="test=ipi,poweroff") as q:
        q.expect(r"magma: test ipi: OK \(2 of 2 harts reached\)", BOOT_TIMEOUT)
        driver = "aia" if aia else "plic"
        # Each receiver reports after it counted the IPI, so its line may follow the OK line.
        q.expect_seen(rf"received an IPI from hart \d+ \({driver}\)\n", BOOT_TIMEOUT, count=2)
        check(q.wait_exit(BOOT_TIMEOUT) == 0, "QEMU did not power off cleanly")


@test("ipi_aia")
def ipi_aia():
    ipi(aia=True)


@test("ipi_plic")
def ipi_plic():
    ipi(aia=False)


@test("timer_every_hart")
def timer_every_hart():
    with boot(bootargs="test=timer,poweroff") as q:
        q.expect(r"magma: test timer: OK \(3 of 3 harts ticking, (sstc|sbi)\)", BOOT_TIMEOUT)
        ticks = [int(t) for t in re.findall(r"took (\d+) ticks in 200 ms", q.output)]
        check(len(ticks) == 3 and all(10 <= t <= 40 for t in ticks),
              f"expected about 20 ticks (100 Hz) per hart in 200 ms, got {ticks}")


@test("boot_10_times")
def boot_10_times():
    """Cold boot is a lottery: any hart, the guard's included, may win it."""
    winners = {}
    boot_harts = {}
    for attempt in range(10):
        with boot(bootargs="test=poweroff") as q:
            q.expect(BOOTED, BOOT_TIMEOUT)
            winner = re.search(r"cold boot was won by (a kernel hart|the guard hart)", q.output)
            first = re.search(r"booting on hart (\d+)", q.output)
            check(winner and first, f"boot {attempt + 1}: no cold-boot report")
            winners[winner.group(1)] = winners.get(winner.group(1), 0) + 1
            boot_harts[first.group(1)] = boot_harts.get(first.group(1), 0) + 1
            check("PMP lock OK" in q.output, f"boot {attempt + 1}: lock check did not pass")
            check("still waiting" not in q.output,
                  f"boot {attempt + 1}: OpenSBI's fix-ups never reached the kernel's tree")
            q.expect(r"magma: powering off", BOOT_TIMEOUT)
            check(q.wait_exit(BOOT_TIMEOUT) == 0, f"boot {attempt + 1}: no clean poweroff")
            split = split_lines(q.output)  # the guard boots while the kernel prints
            check(not split, f"boot {attempt + 1}: kernel and guard lines interleaved: {split}")
    print(f"    cold boot winners: {winners}; kernel boot harts: {boot_harts}", flush=True)


# Every range the kernel must not reach, and how the lock check proves it.
LOCKED_RANGES = [
    (r"guard private 0x80080000-0x800fffff \(no kernel access\)", "fault", 5),
    (r"root range 0x80100000-0x8010ffff \(read-only to the kernel\)", "work, stores fault", 7),
    (r"OpenSBI firmware 0x80000000-0x8007ffff \(M-mode only\)", "fault", 5),
    (r"fw_cfg 0x10100000-0x10100017 \(no kernel access: its DMA writes anywhere\)", "fault", 5),
]


@test("lock_check_probes_every_range")
def lock_check_probes_every_range():
    """Boot probes the first and last byte of each locked range, paging off, before anything."""
    for aia in (True, False):
        with boot(aia=aia) as q:
            for what, result, scause in LOCKED_RANGES:
                q.expect(rf"magma: lock check: {what}: loads from its first and last byte "
                         rf"{result} \(scause {scause}\)\n", BOOT_TIMEOUT)
            q.expect(r"magma: lock check: 4 ranges, first and last byte of each: PMP lock OK\n",
                     BOOT_TIMEOUT)
            q.expect(BOOTED, BOOT_TIMEOUT)


@test("lock_check_refuses_weak_lock")
def lock_check_refuses_weak_lock():
    """A tree that lets the kernel write the root must stop the boot, not be trusted."""
    with boot(extra_make_vars={"WEAK_LOCK": "1"}) as q:
        for end, pa in (("first", "0x80100000"), ("last", "0x8010ffff")):
            q.expect(rf"magma: lock check FAILED: root range 0x80100000-0x8010ffff: store to its "
                     rf"{end} byte {pa} went through \(want scause 7\)", BOOT_TIMEOUT)
        q.expect(r"magma: lock check FAILED for 1 of 4 ranges", BOOT_TIMEOUT)
        q.expect(r"magma: refusing to continue without the PMP lock", BOOT_TIMEOUT)
        check(BOOTED not in q.output, "the kernel booted without the lock")


def without_loader_of(cmd, needle):
    """cmd minus the `-device loader,file=...` pair whose file name contains needle."""
    for i, arg in enumerate(cmd):
        if arg.startswith("loader,file=") and needle in arg:
            return cmd[:i - 1] + cmd[i + 1:]
    raise AssertionError(f"no loader of {needle} in {cmd}")


@test("guard_refuses_a_missing_or_bad_tree")
def guard_refuses_a_missing_or_bad_tree():
    """Without a valid tree of its own the guard says why and stays down; the kernel stops."""
    cmd = qemu_command()
    tree_file = next(re.search(r"file=([^,]+)", a).group(1) for a in cmd
                     if a.startswith("loader,file=") and "-guard-" in a)
    with tempfile.NamedTemporaryFile(suffix=".dtb") as bad:
        bad.write(open(REPO_ROOT / tree_file, "rb").read()[:200])  # header, no structure
        bad.flush()
        for label, variant, reason in (
                ("missing", without_loader_of(cmd, "-guard-"), "bad magic"),
                ("truncated", [a.replace(tree_file, bad.name) for a in cmd], "")):
            with Qemu(variant) as q:
                q.expect(rf"guard: no valid device tree of its own at 0x800f0000: {reason}",
                         BOOT_TIMEOUT)
                q.expect(r"magma: guard did not come up within \d+ ms \(.*\): root ON state 0",
                         BOOT_TIMEOUT)
                q.expect(r"magma: stopping: nothing protects the root without the guard",
                         BOOT_TIMEOUT)
                check("root installed" not in q.output, f"{label} tree: the guard came up")


@test("pmp_store_panics")
def pmp_store_panics():
    with boot(bootargs="test=pmp_store") as q:
        q.expect(r"panic: hart \d+: PMP: store access fault at 0x2000000000 \(pa 0x80100000\) "
                 r"in the root range 0x80100000-0x8010ffff", BOOT_TIMEOUT)
        q.expect(r"backtrace", BOOT_TIMEOUT)
        q.expect(r"panic: stopped 2 other kernel hart\(s\)", BOOT_TIMEOUT)
        check("test pmp_store: FAIL" not in q.output, "the store went through")


@test("panic_backtrace")
def panic_backtrace():
    with boot(bootargs="test=panic") as q:
        q.expect(r"panic: hart \d+: test panic: deliberate panic from bootargs \(value 0x2a\)",
                 BOOT_TIMEOUT)
        q.expect(r"panic: stopped 2 other kernel hart\(s\)", BOOT_TIMEOUT)
        frames = re.search(r"backtrace.*\n((?:  #\d+ 0x[0-9a-f]+\n)+)", q.output)
        check(frames and len(frames.group(1).splitlines()) >= 3,
              "backtrace has fewer than 3 frames")


@test("hsm_guard_refused")
def hsm_guard_refused():
    with boot(bootargs="test=hsm_guard,poweroff") as q:
        q.expect(r"magma: test hsm_guard: OK: hart_start\(guard hart 3\) refused with "
                 r"SBI_ERR_INVALID_PARAM", BOOT_TIMEOUT)


@test("make_qemu_ctrl_a_x")
def make_qemu_ctrl_a_x():
    """`make qemu` boots to the log and gives the shell back on Ctrl-a x."""
    with run_in_pty(["make", "--no-print-directory", "qemu"], cwd=REPO_ROOT) as p:
        p.expect(BOOTED, BOOT_TIMEOUT * 3)
        p.send(b"\x01x")
        check(p.wait_exit(BOOT_TIMEOUT) == 0, "make qemu did not exit cleanly on Ctrl-a x")


@test("gdb_attach")
def gdb_attach():
    """`make qemu-gdb` waits for `make gdb`, which stops at a kernel breakpoint."""
    port = free_port()
    with run_in_pty(["make", "--no-print-directory", "qemu-gdb", f"GDBPORT={port}"],
                    cwd=REPO_ROOT) as q:
        q.expect(rf"QEMU is waiting for gdb on port {port}", BOOT_TIMEOUT * 3)
        q.expect(r"qemu-system-riscv64 .* -S -gdb tcp:127.0.0.1:" + str(port), BOOT_TIMEOUT)
        with tempfile.NamedTemporaryFile("w", suffix=".gdb") as script:
            script.write("break boot_main\ncontinue\nbt 1\nguard-symbols\n"
                         "info address guard_main\nkill\n")
            script.flush()
            gdb = subprocess.run(
                ["make", "-s", "--no-print-directory", "gdb", f"GDBPORT={port}",
                 f"GDBFLAGS=-batch -x {script.name}"],
                cwd=REPO_ROOT, capture_output=True, text=True, timeout=scaled(BOOT_TIMEOUT * 2))
        out = gdb.stdout + gdb.stderr
        check(re.search(r"Breakpoint 1, boot_main", out), f"gdb never stopped in boot_main:\n{out}")
        check(re.search(r"Symbol \"guard_main\" is a function at address 0x8008", out),
              f"guard-symbols did not load the guard's symbols:\n{out}")
