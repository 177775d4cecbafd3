/*
 * user/args.c - argument checks for the tools (see args.h).
 */
#include "user/args.h"

int args_number(const char *s, int *out)
{
	int negative = *s == '-';
	s += negative;
	if (!*s)
		return -1;
	long n = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
		if (n > 0x7fffffffL + negative)
			return -1;
	}
	*out = (int)(negative ? -n : n);
	return 0;
}
