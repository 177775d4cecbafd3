"""Disk system tests: the virtio-blk driver (kernel/virtio_blk.c) under QEMU.

`test=disk` (kernel/disk_selftest.c) reads the superblock, writes a scratch
block at the end of the disk, reads it back, restores it, flushes, has a
block past the end refused and reads from every kernel hart at once. Each
test here gets its own disk image in a temporary directory, so a test never
writes the build's image and two runs never share one.

QEMU's blklogwrites driver records every write and flush the device
receives, which shows from outside that disk_flush really reaches the device.
"""

import re
import struct
import tempfile
from pathlib import Path

from harness import Qemu, check, qemu_command, split_lines, test

BOOT_TIMEOUT = 30
BLOCK = 4096
SECTOR = 512
DISK_BYTES = 16 << 20  # 4096 blocks: small, the driver reads no more than it needs
BOOTED = r"magma: boot complete\n"

# dm-log-writes' format (QEMU block/blklogwrites.c writes it): a superblock, then entries
# of (sector, nr_sectors, flags, data_len), each followed by its data sectors.
LOG_MAGIC = 0x6A736677736872
LOG_FLUSH = 1


def drive_option(cmd):
    """The index of the value of `-drive file=...,id=disk0` in cmd."""
    for i, arg in enumerate(cmd):
        if arg.startswith("file=") and "id=disk0" in arg:
            check(cmd[i - 1] == "-drive", f"unexpected disk option {cmd[i - 1]} {arg}")
            return i
    raise AssertionError(f"no -drive ...,id=disk0 in {cmd}")


def with_image(cmd, image):
    """cmd with its disk image replaced by image."""
    i = drive_option(cmd)
    return cmd[:i] + [f"file={image},if=none,format=raw,id=disk0"] + cmd[i + 1:]


def without_disk(cmd):
    """cmd with no disk at all: neither the -drive nor its -device."""
    i = drive_option(cmd)
    j = cmd.index("virtio-blk-device,drive=disk0,bus=virtio-mmio-bus.0")
    return [a for k, a in enumerate(cmd) if k not in (i - 1, i, j - 1, j)]


def image(directory, size):
    path = Path(directory) / f"disk-{size}.img"
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def disk_ok(aia):
    with tempfile.TemporaryDirectory() as tmp:
        cmd = with_image(qemu_command(aia=aia, bootargs="test=disk,poweroff"),
                         image(tmp, DISK_BYTES))
        with Qemu(cmd) as q:
            q.expect(r"magma: disk: virtio-blk at 0x10001000, irq 1: 4096 blocks of 4096 bytes "
                     r"\(16 MiB\), VERSION_1 FLUSH, (\d+) requests in flight at most\n",
                     BOOT_TIMEOUT)
            q.expect(r"magma: disk: read of block 4096 refused: block past the end of the disk",
                     BOOT_TIMEOUT)
            ok = q.expect(r"magma: disk: ok: superblock magic 0x0 \(no file system\); block 4095 "
                          r"of 4096 written, read back and restored; flushed; block 4096 refused; "
                          r"48 reads on 3 harts at once, (\d+) requests in flight at most\n",
                          BOOT_TIMEOUT)
            check(int(ok.group(1)) >= 2,
                  f"never more than {ok.group(1)} request in flight while 3 harts read at once")
            q.expect(r"magma: powering off", BOOT_TIMEOUT)
            check("FAIL" not in q.output, "the disk test reported a failure")
            check(not split_lines(q.output), f"lines interleaved: {split_lines(q.output)}")


@test("disk_aia")
def disk_aia():
    """The self-test's requests complete through the AIA (APLIC MSIs)."""
    disk_ok(aia=True)


@test("disk_plic")
def disk_plic():
    """The same through the PLIC."""
    disk_ok(aia=False)


def log_entries(path):
    """[(sector, nr_sectors, flags)] of a blklogwrites log, in the order they happened."""
    data = path.read_bytes()
    check(len(data) >= SECTOR, f"the write log {path} is empty")
    magic, _version, _count, sector_size = struct.unpack_from("<QQQI", data, 0)
    check(magic in (0, LOG_MAGIC), f"the write log has magic {magic:#x}")
    sector_size = sector_size or SECTOR  # the superblock is written at the first flush
    entries, offset = [], sector_size
    while offset + 32 <= len(data):
        sector, count, flags, _data_len = struct.unpack_from("<QQQQ", data, offset)
        if (sector, count, flags) == (0, 0, 0):
            break
        entries.append((sector, count, flags))
        offset += sector_size * (1 + count)
    return entries


@test("disk_flush_reaches_the_device")
def disk_flush_reaches_the_device():
    """The device gets the scratch block's two writes, then a flush, in that order."""
    with tempfile.TemporaryDirectory() as tmp:
        disk, log = image(tmp, DISK_BYTES), Path(tmp) / "writes.log"
        log.touch()
        cmd = qemu_command(bootargs="test=disk")
        i = drive_option(cmd)
        blockdevs = ["-blockdev", f"driver=file,filename={disk},node-name=image",
                     "-blockdev", f"driver=file,filename={log},node-name=log",
                     "-blockdev", "driver=blklogwrites,file=image,log=log,node-name=disk0"]
        with Qemu(cmd[:i - 1] + blockdevs + cmd[i + 1:]) as q:
            q.expect(r"magma: disk: ok: ", BOOT_TIMEOUT)
            entries = log_entries(log)  # QEMU writes the log before it completes a request
    scratch = (DISK_BYTES // BLOCK - 1) * (BLOCK // SECTOR)
    want = [(scratch, BLOCK // SECTOR, 0), (scratch, BLOCK // SECTOR, 0), (0, 0, LOG_FLUSH)]
    check(entries == want, f"the device saw {entries}, expected the scratch block written twice "
          f"(pattern, restore) and then a flush: {want}")


@test("disk_absent_or_too_small_boots_on")
def disk_absent_or_too_small_boots_on():
    """No disk, or one too small, is said plainly; the kernel boots on and the test says why."""
    base = qemu_command(bootargs="test=disk,poweroff")
    with tempfile.TemporaryDirectory() as tmp:
        cases = [
            ("no disk", without_disk(base),
             [r"magma: disk: no virtio-blk device among 8 virtio-mmio slots; running without a "
              r"disk\n"],
             r"magma: disk: FAIL: no disk to test \(block 0\): no disk \(-1\)\n"),
            ("2 KiB", with_image(base, image(tmp, 2048)),
             [r"magma: disk: the disk has 4 sectors of 512 bytes, less than one 4096-byte block\n",
              r"magma: disk: virtio-blk at 0x10001000 refused: disk smaller than one block; "
              r"running without a disk\n"],
             r"magma: disk: FAIL: no disk to test \(block 0\): no disk \(-1\)\n"),
            ("6 KiB", with_image(base, image(tmp, 6144)),
             [r"magma: disk: ignoring the last 4 sectors \(not a whole block\)\n",
              r"magma: disk: virtio-blk at 0x10001000, irq 1: 1 blocks of 4096 bytes"],
             r"magma: disk: FAIL: reading the superblock \(block 1\): block past the end of the "
             r"disk \(-7\)\n"),
        ]
        for label, cmd, init_lines, verdict in cases:
            with Qemu(cmd) as q:
                for line in init_lines:
                    q.expect(line, BOOT_TIMEOUT)
                q.expect(BOOTED, BOOT_TIMEOUT)
                q.expect(verdict, BOOT_TIMEOUT)
                q.expect(r"magma: powering off", BOOT_TIMEOUT)
                check("panic" not in q.output, f"{label}: the kernel panicked")


@test("disk_legacy_interface_refused")
def disk_legacy_interface_refused():
    """Without force-legacy=false QEMU offers version 1, which the driver refuses by name."""
    cmd = qemu_command(bootargs="test=disk,poweroff")
    i = cmd.index("virtio-mmio.force-legacy=false")
    with Qemu(cmd[:i - 1] + cmd[i + 1:]) as q:
        q.expect(r"magma: disk: virtio-blk at 0x10001000 speaks virtio-mmio version 1; magma "
                 r"drives only the modern version 2 \(QEMU: -global "
                 r"virtio-mmio.force-legacy=false\); running without a disk\n", BOOT_TIMEOUT)
        q.expect(BOOTED, BOOT_TIMEOUT)
        q.expect(r"magma: disk: FAIL: no disk to test", BOOT_TIMEOUT)
        q.expect(r"magma: powering off", BOOT_TIMEOUT)


@test("disk_mmio_allowed_fw_cfg_denied")
def disk_mmio_allowed_fw_cfg_denied():
    """The kernel domain's PMP allow-list covers the disk's slot; fw_cfg stays denied."""
    with Qemu(qemu_command(bootargs="test=poweroff")) as q:
        q.expect(BOOTED, BOOT_TIMEOUT)
        banner = q.output
    kernel = re.search(r"Domain\d Name\s+: kernel-domain\n(.*?)\n\n", banner, re.S)
    check(kernel, "OpenSBI's banner has no kernel-domain")
    regions = [(int(b, 16), int(e, 16), p) for b, e, p in re.findall(
        r"Region\d+\s+: (0x[0-9a-f]+)-(0x[0-9a-f]+) \(([A-Z,]*)\)", kernel.group(1))]

    def covering(address):
        # OpenSBI sorts regions smallest first and the first match wins, as in the PMP.
        return next((p for b, e, p in sorted(regions, key=lambda r: r[1] - r[0])
                     if b <= address <= e), "")

    for address in (0x10001000, 0x10001fff):
        check("R" in covering(address) and "W" in covering(address),
              f"the kernel domain does not allow {address:#x} (the disk's registers)")
    check(not covering(0x10100000).strip("I,"), "the kernel domain reaches fw_cfg")


# --- hostile images: the kernel's file system on a hand-damaged disk ---

SUPER = struct.Struct("<11I")  # include/fs_format.h's struct fs_super
DINODE = struct.Struct("<4HQ12I")  # struct fs_dinode: type major minor nlink size addrs[12]
DIRENT = struct.Struct("<I60s")  # struct fs_dirent
T_DIR = 1


class Image:
    """A magma disk image in memory, with the few edits the hostile test makes."""

    def __init__(self, data):
        self.data = bytearray(data)
        (_magic, _version, self.size, _nblocks, self.ninodes, _nlog, _logstart,
         self.inodestart, self.bmapstart, self.datastart, _crc) = SUPER.unpack_from(
            self.data, BLOCK)

    def _inode_offset(self, inum):
        return (self.inodestart + inum // (BLOCK // DINODE.size)) * BLOCK + \
            inum % (BLOCK // DINODE.size) * DINODE.size

    def inode(self, inum):
        fields = DINODE.unpack_from(self.data, self._inode_offset(inum))
        return list(fields[:5]), list(fields[5:])

    def set_inode(self, inum, head, addrs):
        DINODE.pack_into(self.data, self._inode_offset(inum), *head, *addrs)

    def entries(self, inum):
        """[(offset in the image, inum, name)] of a directory's first block."""
        (_type, _major, _minor, _nlink, size), addrs = self.inode(inum)
        out = []
        for off in range(0, min(size, BLOCK), DIRENT.size):
            at = addrs[0] * BLOCK + off
            entry, name = DIRENT.unpack_from(self.data, at)
            out.append((at, entry, name.rstrip(b"\0").decode()))
        return out

    def lookup(self, name):
        return next(e for _at, e, n in self.entries(1) if e and n == name)

    def add_entry(self, dir_inum, name, inum):
        head, addrs = self.inode(dir_inum)
        check(head[4] + DIRENT.size <= BLOCK, f"directory {dir_inum} has no room in its block")
        DIRENT.pack_into(self.data, addrs[0] * BLOCK + head[4], inum, name.encode())
        head[4] += DIRENT.size
        self.set_inode(dir_inum, head, addrs)

    def free_inode(self):
        return next(i for i in range(2, self.ninodes) if self.inode(i)[0][0] == 0)

    def take_block(self):
        """A free data block, marked used in the free map."""
        for b in range(self.datastart, self.size):
            at = (self.bmapstart + b // (BLOCK * 8)) * BLOCK + b % (BLOCK * 8) // 8
            if not self.data[at] & (1 << b % 8):
                self.data[at] |= 1 << b % 8
                return b
        raise AssertionError("no free block in the image")


def hostile_image(path, source):
    """source's image with damage planted: the names and inodes of what was damaged."""
    img = Image(source.read_bytes())
    readme, usertests = img.lookup("README"), img.lookup("usertests")
    head, addrs = img.inode(readme)
    check(addrs[3] != 0, f"/README has no fourth block ({head[4]} bytes)")
    addrs[3] = 99999  # past the end of the disk
    img.set_inode(readme, head, addrs)
    head, addrs = img.inode(usertests)
    head[0] = 9  # no inode type
    img.set_inode(usertests, head, addrs)
    # a directory d holding "up", the root (a loop of the tree), and "self", d itself
    d, block = img.free_inode(), img.take_block()
    img.set_inode(d, [T_DIR, 0, 0, 1, 0], [block] + [0] * 11)
    img.add_entry(d, ".", d)
    img.add_entry(d, "..", 1)
    img.add_entry(d, "up", 1)
    img.add_entry(d, "self", d)
    img.add_entry(1, "d", d)
    head, addrs = img.inode(1)
    head[3] += 1  # d's ".."
    img.set_inode(1, head, addrs)
    path.write_bytes(bytes(img.data))
    return {"README": readme, "usertests": usertests, "d": d,
            "datastart": img.datastart, "size": img.size}


@test("disk_hostile_image_reported_not_fatal")
def disk_hostile_image_reported_not_fatal():
    """On a hand-damaged disk the shell lives: each bad object is refused and named once."""
    from shell_tests import booted, run
    base = qemu_command()
    source = Path(base[drive_option(base)].split(",")[0][len("file="):])
    with tempfile.TemporaryDirectory() as tmp:
        disk = Path(tmp) / "hostile.img"
        bad = hostile_image(disk, source)
        with Qemu(with_image(base, disk)) as q:
            booted(q)
            for _ in range(3):  # a loop on the bad file
                out = run(q, "cat README")
                check("cat: cannot open README" in out, f"cat README printed ...{out[-200:]!r}")
            out = run(q, "wc < usertests")
            check("sh: cannot open usertests" in out, f"wc < usertests printed {out!r}")
            out = run(q, "ls d/up/d/up/d/up")
            check(re.search(r"^sh\s+file", out, re.M), f"ls d/up/d/up/d/up printed {out!r}")
            out = run(q, "ls d/self")
            check("README" not in out, f"ls d/self listed something: {out!r}")
            run(q, "rm d/self")  # d locked twice would hang here
            out = run(q, "echo hi > f; cat f")
            check(out.strip() == "hi", f"after the damage, echo hi > f; cat f printed {out!r}")
            output = q.output
        addr = (f"fs: inode {bad['README']}: addrs[3] = 99999 is outside the data blocks "
                f"[{bad['datastart']}, {bad['size']})")
        check(output.count(addr) == 1, f"expected '{addr}' once, got {output.count(addr)}")
        check(f"fs: inode {bad['usertests']}: type 9 is no inode type" in output,
              "the bad type was not reported")
        check(f"fs: directory {bad['d']}: entry \"self\" names the directory itself" in output,
              "the self-naming entry was not reported")
        check("panic" not in output, "the kernel panicked")
