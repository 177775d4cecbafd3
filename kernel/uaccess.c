/*
 * kernel/uaccess.c - copying to and from user memory (uaccess.h).
 *
 * Each user page is resolved through the process's own page table with
 * uvm_resolve (which gives lazy pages and breaks copy-on-write sharing, as
 * a fault would) and reached through the kernel's identity map of RAM. No
 * user address is ever dereferenced directly, so a bad one is an error
 * code here, never a kernel fault.
 */
#include "uaccess.h"

#include "../lib/string.h"
#include "kalloc.h"
#include "proc.h"
#include "uvm.h"

/* The kernel address of user va for access, or 0; *room = bytes left in its page. */
static char *user_bytes(uint64_t va, int access, uint64_t *room)
{
	uint64_t pa;
	if (uvm_resolve(myproc(), va, access, &pa))
		return 0;
	*room = PAGE_SIZE - (va & (PAGE_SIZE - 1));
	return (char *)pa;
}

/* Moves len bytes between kernel buf and user va, in the direction access says. */
static int copy_user(uint64_t va, char *buf, uint64_t len, int access)
{
	while (len) {
		uint64_t room;
		char *user = user_bytes(va, access, &room);
		if (!user)
			return -1;
		uint64_t n = len < room ? len : room;
		if (access == UVM_WRITE)
			memmove(user, buf, n);
		else
			memmove(buf, user, n);
		buf += n;
		va += n;
		len -= n;
	}
	return 0;
}

int copyout(uint64_t dst_va, const void *src, uint64_t len)
{
	return copy_user(dst_va, (char *)src, len, UVM_WRITE);
}

int copyin(void *dst, uint64_t src_va, uint64_t len)
{
	return copy_user(src_va, dst, len, UVM_READ);
}

int copyinstr(char *dst, uint64_t src_va, uint64_t max)
{
	uint64_t copied = 0;
	while (copied < max) {
		uint64_t room;
		const char *from = user_bytes(src_va + copied, UVM_READ, &room);
		if (!from)
			return -1;
		for (uint64_t i = 0; i < room && copied < max; i++, copied++) {
			dst[copied] = from[i];
			if (!from[i])
				return (int)copied;
		}
	}
	return -1; /* no NUL within max bytes */
}

int either_copyout(int user_dst, uint64_t dst, const void *src, uint64_t len)
{
	if (user_dst)
		return copyout(dst, src, len);
	memmove((void *)dst, src, len);
	return 0;
}

int either_copyin(void *dst, int user_src, uint64_t src, uint64_t len)
{
	if (user_src)
		return copyin(dst, src, len);
	memmove(dst, (const void *)src, len);
	return 0;
}
