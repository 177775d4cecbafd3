/*
 * tests/shim/mount.c - mounting and dropping the file system on the shim's disk (see mount.h).
 */
#include "mount.h"

#include <stddef.h>

#include "../../kernel/file.h"
#include "../../kernel/fsys.h"
#include "../../kernel/log.h"
#include "../../kernel/param.h"
#include "../../kernel/proc.h"
#include "shim.h"

void shim_unmount(void)
{
	for (int fd = 0; fd < NOFILE; fd++) {
		if (shim_proc.ofile[fd]) {
			file_close(shim_proc.ofile[fd]);
			shim_proc.ofile[fd] = NULL;
		}
	}
	if (shim_proc.cwd) {
		log_begin_op();
		inode_put(shim_proc.cwd);
		log_end_op();
		shim_proc.cwd = NULL;
	}
}

int shim_mount(void)
{
	shim_unmount();
	shim_log_clear();
	int err = fs_init();
	if (err == 0)
		shim_proc.cwd = namei("/");
	return err;
}
