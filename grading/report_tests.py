"""Tagged grade reports: user/grade_report.c and grading/gradelib.py agree, and fakes fail.

One boot. reporttest (user/reporttest.c) prints a report of the words it is
given; gradelib.verify_report checks it with the key it derives from this
build's secret and the nonce it typed. A report checked with another nonce's
key, a pass line printed by echo, and a FAIL report are each refused.
"""

import secrets
from pathlib import Path

import gradelib
from harness import Qemu, REPO_ROOT, TestFailure, check, qemu_command, run_at_prompt, test

BOOT_TIMEOUT = 60
COMMAND_TIMEOUT = 30


def refused(output: str, key: bytes, name: str) -> str:
    """verify_report's reason for refusing `output`; a TestFailure if it accepted it."""
    try:
        gradelib.verify_report(output, key, name)
    except TestFailure as error:
        return str(error)
    raise TestFailure(f"verify_report accepted a report it must refuse:\n{output}")


@test("grade_reports_are_tagged_and_fakes_refused")
def grade_reports():
    secret = bytes.fromhex((Path(REPO_ROOT) / "build/grade/secret").read_text().strip())
    with Qemu(qemu_command()) as q:
        q.expect(r"\$ ", BOOT_TIMEOUT)
        nonce = secrets.token_hex(16)
        key = gradelib.derive_key(secret, nonce)
        out = run_at_prompt(q, f"reporttest alpha {nonce} one two", COMMAND_TIMEOUT)
        lines = gradelib.verify_report(out, key, "alpha")
        check(lines == ["one", "two"], f"the report's lines came back as {lines}")

        other = gradelib.derive_key(secret, secrets.token_hex(16))
        reason = refused(out, other, "alpha")
        check("does not match" in reason, f"a replayed report: {reason}")

        forged = run_at_prompt(q, "echo grade-end alpha: PASS tag=" + "0" * 64, COMMAND_TIMEOUT)
        check("does not match" in refused(forged, key, "alpha"), "echo's pass line")

        failed = run_at_prompt(q, f"reporttest beta {nonce} fail", COMMAND_TIMEOUT)
        reason = refused(failed, key, "beta")
        check("says FAIL" in reason, f"a FAIL report: {reason}")
