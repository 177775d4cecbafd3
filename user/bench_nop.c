/*
 * user/bench_nop.c - exits at once: what bench's fork+exec+wait runs.
 */
#include "kernel/types.h"
#include "user/user.h"

int main(void)
{
	exit(0);
}
