"""Modules: init's bootstrap (user/modboot.c), the module library and modstat, in QEMU.

Each test boots an image whose /etc/modules it chose: the default image for
what `make qemu` shows, or a small one made by mkfs with the module files and
a configuration of the test's own. Verdicts come from modstat, which reads
the Toast blocks' bytes at include/toast.h's offsets, from ps, memstat and
the console lines of the kernel (a module's fault) and of the bootstrap;
waiting is done in guest time, with `sleep` at the prompt.

- modules_default_image_starts_and_restarts: the default /etc/modules. Before
  the first prompt: the bootstrap's count, the counter and the crasher loaded
  (0x7C), the kernel killing the crasher, its restart. modstat: both 0x7C,
  counter active, crasher restarted once; the counter's ticks grow while the
  shell sleeps.
- modules_verification_codes: one module per code: 0x8A (a truncated ELF and
  a text file), 0x8B, 0x8C (never started: absent from ps), 0x80 (it started,
  loaded, checked in again and stopped), and a good module next to them,
  0x7C. None of the failed ones is restarted though each says restartable.
- modules_restart_backoff_and_once: a module that crashes on every run is
  restarted with waits of 100, 200, 400, ... ms (the bootstrap's lines), and
  a crashing module configured `once` stays crashed.
- modules_die_with_the_bootstrap: killing the bootstrap stops every module,
  init unlinks the blocks, and memstat gets their frames back.
- modules_refuse_to_run_by_hand: a module typed at the prompt, and a second
  bootstrap, refuse and change nothing.
- modules_a_lying_module_cannot_turn_init: a module writes init's and the
  shell's pids over the module table; when the bootstrap dies, init kills
  neither, and modstat still prints.
- modules_bad_config_lines_are_skipped: bad lines of /etc/modules are named
  by number at boot and the good ones still load.
"""

import contextlib
import os
import re
import subprocess
import tempfile

from harness import (REPO_ROOT, Qemu, TestFailure, check, host_tool, qemu_command,
                     run_at_prompt, test)

BOOT_TIMEOUT = 90
COMMAND_TIMEOUT = 60
PROMPT = r"\$ "
IMAGE_BLOCKS = 8192
IMAGE_INODES = 256
TOOLS = ["init", "sh", "modboot", "modstat", "ps", "memstat", "kill", "sleep", "cat", "echo"]
MODULES = ["mod_counter", "mod_crasher", "mod_crashloop", "mod_noinfo", "mod_noinstance",
           "mod_twice", "mod_hostile"]
SHARED_BLOCK_FRAMES = 256  # 1 MiB


def user_file(name):
    return os.path.join(REPO_ROOT, "build", "user", name)


def module_image(directory, config, extra_files=()):
    """An image made by mkfs with the tools, the modules, extra (name, bytes) files and /etc/modules."""
    mkfs = host_tool("build/mkfs/mkfs")
    conf = os.path.join(directory, "modules")
    with open(conf, "w") as f:
        f.write(config)
    files = [user_file(p) for p in TOOLS + MODULES]
    for name, data in extra_files:
        path = os.path.join(directory, name)
        with open(path, "wb") as f:
            f.write(data)
        files.append(path)
    image = os.path.join(directory, "fs.img")
    done = subprocess.run([mkfs, image, "--size-blocks", str(IMAGE_BLOCKS), "--inodes",
                           str(IMAGE_INODES)] + files + [f"etc/modules={conf}"],
                          capture_output=True, text=True)
    check(done.returncode == 0, f"mkfs failed: {done.stderr}")
    return image


def boot(image=None):
    """QEMU on image (the default image when None), booted to its first prompt; and the boot's output."""
    extra = {"FS_IMG": image} if image else {}
    q = Qemu(qemu_command(extra_make_vars=extra, fresh_disk=image is None))
    q.__enter__()
    q.expect(r"magma: boot complete\n", BOOT_TIMEOUT)
    q.expect(PROMPT, BOOT_TIMEOUT)
    return q, q.output


@contextlib.contextmanager
def booted_with(config, extra_files=()):
    """QEMU booted on a module_image of config: (q, what the boot printed)."""
    with tempfile.TemporaryDirectory() as tmp:
        q, boot_out = boot(module_image(tmp, config, extra_files))
        with q:
            yield q, boot_out.replace("\r", "")


def run(q, command, timeout=COMMAND_TIMEOUT):
    return run_at_prompt(q, command, timeout).replace("\r", "")


def modstat(q):
    """modstat's bootstrap line, and its module lines as dicts by file."""
    out = run(q, "modstat")
    lines = out.strip().split("\n")
    check(lines and lines[0].startswith("bootstrap: "), f"modstat printed:\n{out}")
    modules = {}
    for line in lines[2:]:
        m = re.match(r"(\d+)\s+(\S+)\s+(\S+)\s+0x([0-9a-f]+) (.+?)\s+(unknown|discovered|active|"
                     r"crashed|restarted|invalid)\s+(\d+)\s+(\S+)\s+(\d+)$", line)
        check(m, f"a modstat line does not parse: {line!r}\n{out}")
        modules[m.group(3)] = {
            "index": int(m.group(1)), "name": m.group(2), "verification": int(m.group(4), 16),
            "words": m.group(5).strip(), "activity": m.group(6), "restarts": int(m.group(7)),
            "pid": m.group(8), "ticks": int(m.group(9)), "line": line,
        }
    return lines[0], modules


def module_processes(q):
    out = run(q, "ps")
    return {int(m.group(1)): m.group(2)
            for m in re.finditer(r"^\s*(\d+)\s+\d+\s+\S+\s+\d+\s+\d+\s+(\S+)\s*$", out, re.M)}


def memstat_spare(q):
    out = run(q, "memstat")
    m = re.search(r"^spare frames: (\d+)", out, re.M)
    check(m, f"memstat has no spare frames line:\n{out}")
    return int(m.group(1)), out


@test("modules_default_image_starts_and_restarts")
def modules_default_image_starts_and_restarts():
    q, boot_out = boot()
    with q:
        boot_out = boot_out.replace("\r", "")
        prompt_at = boot_out.rfind("$ ")
        before = boot_out[:prompt_at]
        for pattern, what in [
            (r"modboot: 2 modules in /etc/modules\n", "the bootstrap's module count"),
            (r"modboot: counter: loaded \(/mod_counter, pid \d+\)\n", "the counter's load"),
            (r"modboot: crasher: loaded \(/mod_crasher, pid \d+, restartable\)\n",
             "the crasher's load"),
            (r"magma: pid \d+ \(mod_crasher\) killed: ", "the kernel killing the crasher"),
            (r"modboot: crasher: crashed \(status -?\d+\); restarting in 100 ms\n",
             "the crasher's restart with the first back-off"),
            (r"modboot: crasher: restarted \(/mod_crasher, pid \d+, restart 1\)\n",
             "the crasher restarted"),
        ]:
            check(re.search(pattern, before), f"before the first prompt, no {what}:\n{before}")
        header, mods = modstat(q)
        check(re.match(r"bootstrap: pid \d+ \(running\), state running, tick 100 ms, "
                       r"debug off, 2 modules$", header), f"modstat's first line: {header!r}")
        counter, crasher = mods.get("/mod_counter"), mods.get("/mod_crasher")
        check(counter and crasher, f"modstat lacks a module: {mods}")
        check(counter["verification"] == 0x7C and counter["activity"] == "active"
              and counter["name"] == "counter" and counter["restarts"] == 0,
              f"the counter: {counter['line']}")
        check(crasher["verification"] == 0x7C and crasher["activity"] == "restarted"
              and crasher["restarts"] == 1, f"the crasher: {crasher['line']}")
        procs = module_processes(q)
        for m in (counter, crasher):
            check(m["pid"].isdigit() and procs.get(int(m["pid"])) == "mod_" + m["name"],
                  f"{m['name']}'s pid {m['pid']} is not a running mod_{m['name']}: {procs}")
        run(q, "sleep 50")  # half a second of guest time: about five state ticks
        _, later = modstat(q)
        check(later["/mod_counter"]["ticks"] >= counter["ticks"] + 3,
              f"the counter did not count: {counter['ticks']} then "
              f"{later['/mod_counter']['ticks']} ticks across sleep 50")


@test("modules_verification_codes")
def modules_verification_codes():
    elf = open(user_file("mod_counter"), "rb").read()
    config = "".join(line + "\n" for line in [
        "/mod_noinfo restartable",
        "/mod_noinstance restartable",
        "/mod_truncated restartable",
        "/notes restartable",
        "/mod_twice restartable",
        "/mod_counter once",
        "/missing once",
    ])
    files = [("mod_truncated", elf[:3000]), ("notes", b"not an executable\n" * 10)]
    with booted_with(config, files) as (q, boot_out):
        _, mods = modstat(q)
        want = {
            "/mod_noinfo": (0x8B, "discovered"), "/mod_noinstance": (0x8C, "discovered"),
            "/mod_truncated": (0x8A, "discovered"), "/notes": (0x8A, "discovered"),
            "/missing": (0x8A, "discovered"), "/mod_twice": (0x80, "discovered"),
            "/mod_counter": (0x7C, "active"),
        }
        for file, (code, activity) in want.items():
            m = mods.get(file)
            check(m, f"modstat does not list {file}: {mods}")
            check(m["verification"] == code and m["activity"] == activity
                  and m["restarts"] == 0 and (m["pid"] == "-") == (code != 0x7C),
                  f"{file}: want 0x{code:x}, {activity}, no restart; modstat: {m['line']}")
        check(mods["/mod_twice"]["name"] == "twice",
              f"mod_twice loaded once (its name is set) before its second check-in: "
              f"{mods['/mod_twice']['line']}")
        for file in ("/mod_noinfo", "/mod_noinstance", "/mod_truncated"):
            check(re.search(rf"modboot: {file}: not started: ", boot_out),
                  f"no boot line says {file} was not started:\n{boot_out}")
        procs = module_processes(q)
        for name in ("mod_noinfo", "mod_noinstance", "mod_twice", "mod_truncated"):
            check(name not in procs.values(), f"{name} runs: {procs}")
        run(q, "sleep 100")  # one second: a restart loop would show in the counts
        _, later = modstat(q)
        for file in want:
            check(later[file]["restarts"] == 0 and
                  later[file]["verification"] == mods[file]["verification"],
                  f"{file} changed after a second: {later[file]['line']}")


@test("modules_restart_backoff_and_once")
def modules_restart_backoff_and_once():
    with booted_with("tick 20\n/mod_crashloop restartable\n/mod_crasher once\n") as (q, boot_out):
        run(q, "sleep 400")  # 4 s: waits of 0.1 + 0.2 + 0.4 + 0.8 + 1.6 s and the runs
        out = q.output.replace("\r", "")
        waits = [int(w) for w in
                 re.findall(r"modboot: crashloop: crashed \(status -?\d+\); restarting in "
                            r"(\d+) ms", out)]
        check(len(waits) >= 4, f"crashloop restarted {len(waits)} times in 4 s:\n{out}")
        check(waits[:5] == [100, 200, 400, 800, 1600][:len(waits[:5])],
              f"the back-off does not double from 100 ms: {waits}")
        check(len(waits) <= 6, f"{len(waits)} restarts in 4 s: the back-off is not "
                               f"waited: {waits}")
        check(re.search(r"modboot: crasher: crashed \(status -?\d+\); not restartable", out),
              f"the crasher configured once was not left crashed:\n{out}")
        _, mods = modstat(q)
        loop, once = mods["/mod_crashloop"], mods["/mod_crasher"]
        check(loop["restarts"] >= 4 and loop["verification"] == 0x7C,
              f"crashloop: {loop['line']}")
        check(once["activity"] == "crashed" and once["restarts"] == 0 and once["pid"] == "-",
              f"the crasher configured once: {once['line']}")


@test("modules_die_with_the_bootstrap")
def modules_die_with_the_bootstrap():
    q, _ = boot()
    with q:
        header, mods = modstat(q)
        bootstrap = int(re.match(r"bootstrap: pid (\d+)", header).group(1))
        module_pids = {int(m["pid"]) for m in mods.values() if m["pid"].isdigit()}
        check(len(module_pids) == 2, f"two modules should run: {mods}")
        spare_before, _ = memstat_spare(q)
        run(q, f"kill {bootstrap}")
        q.expect_seen(rf"init: module bootstrap \(pid {bootstrap}\) ended with status -?\d+; "
                      r"stopping its modules", COMMAND_TIMEOUT)
        for _ in range(20):  # each round is a tenth of a second of guest time
            procs = module_processes(q)
            if not module_pids & set(procs):
                break
            run(q, "sleep 10")
        check(not module_pids & set(procs), f"modules outlived the bootstrap: {procs}")
        check(bootstrap not in procs, f"the bootstrap is still there: {procs}")
        spare_after, mem = memstat_spare(q)
        check("shm toast." not in mem, f"Toast blocks are left after the bootstrap died:\n{mem}")
        check(spare_after >= spare_before + SHARED_BLOCK_FRAMES,
              f"spare frames {spare_before} before and {spare_after} after: the blocks' "
              f"{SHARED_BLOCK_FRAMES} frames did not come back")
        out = run(q, "modstat")
        check("no modules" in out, f"modstat after the bootstrap died: {out}")


@test("modules_refuse_to_run_by_hand")
def modules_refuse_to_run_by_hand():
    q, _ = boot()
    with q:
        _, before = modstat(q)
        out = run(q, "/mod_counter")
        check("not started by the bootstrap" in out, f"/mod_counter by hand printed: {out!r}")
        out = run(q, "/mod_counter /mod_counter 0")
        check("not started by the bootstrap" in out, f"/mod_counter with a module's "
                                                     f"arguments printed: {out!r}")
        out = run(q, "modboot")
        check(re.search(r"modboot: another bootstrap runs \(pid \d+\); stopping", out),
              f"a second bootstrap printed: {out!r}")
        _, after = modstat(q)
        for file, m in before.items():
            a = after[file]
            check((a["verification"], a["activity"], a["restarts"], a["pid"]) ==
                  (m["verification"], m["activity"], m["restarts"], m["pid"]),
                  f"{file} changed: {m['line']} -> {a['line']}")


@test("modules_bad_config_lines_are_skipped")
def modules_bad_config_lines_are_skipped():
    with booted_with("mod_counter once\n/mod_counter sometimes\n"
                     "/mod_counter once\ntick 300\n/mod_counter restartable\n") as (q, boot_out):
        for line, why in [(1, "must be absolute"), (2, "restartable"), (4, "tick"),
                          (5, "already listed")]:
            check(re.search(rf"modboot: /etc/modules:{line}: [^\n]*{why}[^\n]*; line "
                            rf"skipped", boot_out),
                  f"line {line} of /etc/modules is not reported:\n{boot_out}")
        header, mods = modstat(q)
        check("1 module" in header and mods.get("/mod_counter", {}).get("verification")
              == 0x7C, f"the good line did not load: {header} {mods}")


@test("modules_a_lying_module_cannot_turn_init")
def modules_a_lying_module_cannot_turn_init():
    with booted_with("/mod_counter once\n/mod_hostile once\n") as (q, _):
        q.expect_seen(r"hostile: the module table now names pids 1 and \d+", COMMAND_TIMEOUT)
        out = run(q, "modstat")  # garbled names and a huge count: it must still print
        check(out.startswith("bootstrap: ") and "256 modules" in out,
              f"modstat over a garbled table printed:\n{out}")
        procs = module_processes(q)
        bootstrap = next((pid for pid, name in procs.items() if name == "modboot"), None)
        shells = {pid for pid, name in procs.items() if name == "sh"}
        check(bootstrap and shells, f"no bootstrap or shell in ps: {procs}")
        run(q, f"kill {bootstrap}")
        q.expect_seen(r"init: module bootstrap \(pid \d+\) ended", COMMAND_TIMEOUT)
        run(q, "sleep 30")
        check("init exited" not in q.output and "starting a new one" not in q.output,
              f"init or the shell was killed:\n{q.tail()}")
        after = module_processes(q)
        check(shells <= set(after) and 1 in after, f"the shell or init is gone: {after}")
        check(not {"mod_counter", "mod_hostile"} & set(after.values()),
              f"modules outlived the bootstrap: {after}")
