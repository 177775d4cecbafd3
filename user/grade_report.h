/*
 * user/grade_report.h - a test program's report that a grader can trust.
 *
 * A lab's grader runs `PROGRAM TEST NONCE` with a fresh random nonce. The
 * program derives this run's key as HMAC-SHA256(secret, "magma-grade-key"
 * NONCE), from the secret built into it (build/grade/secret, made once per
 * build tree), prints each line of its report as `grade-line TEST: text`,
 * and ends with `grade-end TEST: PASS tag=HEX` (or FAIL), where HEX is
 * HMAC-SHA256(key, "TEST\nVERDICT\n" and each line's text with "\n").
 * grading/gradelib.py's verify_report computes the same tag: a line printed
 * by anything else, or copied from another run, does not match.
 *
 *	struct grade_report r;
 *	if (grade_report_start(&r, argc, argv) < 0)
 *		exit(2);
 *	grade_report_line(&r, "forked %d children", n);
 *	exit(grade_report_end(&r, n == want));
 */
#ifndef MAGMA_USER_GRADE_REPORT_H
#define MAGMA_USER_GRADE_REPORT_H

#include "lib/hmac_sha256.h"

struct grade_report {
	const char *test;
	/* The tag for each verdict, kept side by side until the verdict is known. */
	struct hmac_sha256_ctx if_pass, if_fail;
};

/* Reads TEST and NONCE from argv[1] and argv[2]; -1 (with a usage line) if they are missing. */
int grade_report_start(struct grade_report *r, int argc, char **argv);

/* Prints one report line (at most 200 characters of text; more is cut) and adds it to the tag. */
void grade_report_line(struct grade_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints the verdict line with its tag; returns the exit status to use: 0 passed, 1 failed. */
int grade_report_end(struct grade_report *r, int passed);

#endif
