/*
 * user/echo.c - prints its arguments, separated by blanks, and a newline.
 *
 * One write for the whole line when it fits the buffer, so the line reaches
 * a pipe or the console in one piece.
 */
#include "kernel/types.h"
#include "user/user.h"

int main(int argc, char *argv[])
{
	char buf[512];
	int used = 0;
	for (int i = 1; i <= argc; i++) {
		const char *s = i < argc ? argv[i] : "\n";
		int n = strlen(s) + (i + 1 < argc);
		for (int j = 0; j < n; j++) {
			if (used == sizeof(buf)) {
				if (write(1, buf, used) != used)
					exit(1);
				used = 0;
			}
			buf[used++] = s[j] ? s[j] : ' ';
		}
	}
	if (write(1, buf, used) != used)
		exit(1);
	exit(0);
}
