/*
 * user/args.h - checking the command-line arguments of the tools.
 */
#ifndef USER_ARGS_H
#define USER_ARGS_H

/*
 * Parses s as a whole decimal number, an optional '-' then digits, that
 * fits an int. 0 and *out set, or -1 (s empty, other characters, too big).
 */
int args_number(const char *s, int *out);

#endif
