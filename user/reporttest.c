/*
 * user/reporttest.c - a tagged grade report of the words it is given.
 *
 *	reporttest TEST NONCE [WORD...]
 *
 * Prints each WORD as a report line and ends with PASS, or FAIL if a WORD
 * is "fail". grading/report_tests.py checks the tags against gradelib's own.
 */
#include "kernel/types.h"
#include "user/user.h"
#include "user/grade_report.h"

int main(int argc, char **argv)
{
	struct grade_report r;
	if (grade_report_start(&r, argc, argv) < 0)
		exit(2);
	int passed = 1;
	for (int i = 3; i < argc; i++) {
		grade_report_line(&r, "%s", argv[i]);
		if (strcmp(argv[i], "fail") == 0)
			passed = 0;
	}
	exit(grade_report_end(&r, passed));
}
