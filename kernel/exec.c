/*
 * kernel/exec.c - exec: an ELF file becomes the current process's program.
 *
 * The headers are checked by lib/elf's pure function (host-tested and
 * fuzzed) before anything is mapped. The new address space is built to the
 * side and replaces the old one only when everything is in place, so a
 * failed exec leaves the caller exactly as it was.
 *
 * The stack: argv's strings at USER_STACK_TOP, the argv pointer array below
 * them, sp 16-byte aligned (RISC-V psABI); the pages they need are mapped
 * now, the rest of the stack page by page on first touch, above a guard
 * page that is never mapped.
 *
 * With vmprint=NAME[,NAME...] (or vmprint=all) in the bootargs, exec
 * prints the page table a program of that name starts on (uvm_print).
 */
#include "exec.h"

#include "../include/user_layout.h"
#include "../lib/elf.h"
#include "../lib/string.h"
#include "console.h"
#include "fsys.h"
#include "kalloc.h"
#include "log.h"
#include "mmap.h"
#include "param.h"
#include "proc.h"
#include "riscv.h"
#include "selftest.h"
#include "shm.h"
#include "stat.h"
#include "syscall.h"
#include "trap.h"
#include "uaccess.h"
#include "uvm.h"
#include "vm.h"

static uint64_t pte_perm(uint32_t flags)
{
	uint64_t perm = PTE_R; /* RISC-V has no execute-only user pages worth having here */
	if (flags & ELF_SEG_W)
		perm |= PTE_W;
	if (flags & ELF_SEG_X)
		perm |= PTE_X;
	return perm;
}

/* Maps one segment's pages and reads its file bytes into them; pages mapped, or -1. */
static long load_segment(uint64_t *pagetable, struct inode *ip, const struct elf_segment *seg)
{
	uint64_t first = seg->vaddr & ~(PAGE_SIZE - 1);
	uint64_t end = seg->vaddr + seg->memsz;
	long pages = 0;
	for (uint64_t va = first; va < end; va += PAGE_SIZE, pages++) {
		char *page = uvm_map_fresh(pagetable, va, pte_perm(seg->flags));
		if (!page)
			return -1;
		/* The part of [vaddr, vaddr + filesz) that falls in this page. */
		uint64_t lo = va > seg->vaddr ? va : seg->vaddr;
		uint64_t hi = va + PAGE_SIZE < seg->vaddr + seg->filesz ? va + PAGE_SIZE
									: seg->vaddr + seg->filesz;
		if (lo >= hi)
			continue;
		uint32_t n = (uint32_t)(hi - lo);
		if (inode_read(ip, 0, (uint64_t)(page + (lo - va)), seg->offset + (lo - seg->vaddr),
			       n) != (int)n)
			return -1;
	}
	return pages;
}

/* Reads, checks and loads the program; 0 with *image filled, or -1 after saying why. */
static int load_program(const char *path, uint64_t *pagetable, struct elf_image *image,
			uint64_t *resident)
{
	struct inode *ip = namei(path);
	if (!ip)
		return -1;
	inode_lock(ip);
	int result = -1;
	char *head = page_alloc_dirty();
	if (!head) {
		kprintf("magma: exec %s: no memory for its headers\n", path);
		goto out;
	}
	if (ip->type != T_FILE) {
		kprintf("magma: exec %s: not a file\n", path);
		goto out;
	}
	uint32_t want = ip->size < PAGE_SIZE ? (uint32_t)ip->size : PAGE_SIZE;
	int got = inode_read(ip, 0, (uint64_t)head, 0, want);
	if (got < 0)
		got = 0;
	int err = elf_check(head, (size_t)got, ip->size, USER_TEXT_BASE, USER_STACK_GUARD, image);
	if (err) {
		kprintf("magma: exec %s: refused: %s\n", path, elf_strerror(err));
		goto out;
	}
	*resident = 0;
	for (uint32_t i = 0; i < image->nsegments; i++) {
		long pages = load_segment(pagetable, ip, &image->segment[i]);
		if (pages < 0) {
			kprintf("magma: exec %s: out of memory or a short read loading segment %u\n",
				path, i);
			goto out;
		}
		*resident += (uint64_t)pages;
	}
	result = 0;
out:
	if (head)
		page_free(head);
	inode_unlock_put(ip);
	return result;
}

/* Copies len bytes to user address va of pagetable, whose pages exec has just mapped. */
static void stack_write(uint64_t *pagetable, uint64_t va, const void *src, uint64_t len)
{
	const char *from = src;
	while (len) {
		pte_t *pte = vm_walk(pagetable, va & ~(PAGE_SIZE - 1), 0);
		uint64_t room = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		uint64_t n = len < room ? len : room;
		memcpy((char *)PTE2PA(*pte) + (va & (PAGE_SIZE - 1)), from, n);
		from += n;
		va += n;
		len -= n;
	}
}

/*
 * Maps the stack pages argv needs at the top of the stack and puts argv
 * there; the user sp, or 0 when out of memory. *pages is set to the pages
 * mapped. The strings are at most MAXARG pages (sys_exec bounds each), so
 * they always fit in the stack.
 */
static uint64_t push_args(uint64_t *pagetable, char *const argv[], int argc, uint64_t *pages)
{
	uint64_t ptrs[MAXARG + 1];
	uint64_t sp = USER_STACK_TOP, bytes = 0;
	for (int i = 0; i < argc; i++)
		bytes += strlen(argv[i]) + 1;
	bytes += (uint64_t)(argc + 1) * sizeof(uint64_t) + 32; /* the array and alignment */
	*pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	for (uint64_t i = 1; i <= *pages; i++)
		if (!uvm_map_fresh(pagetable, USER_STACK_TOP - i * PAGE_SIZE, PTE_R | PTE_W))
			return 0;
	for (int i = 0; i < argc; i++) {
		uint64_t len = strlen(argv[i]) + 1;
		sp -= len;
		stack_write(pagetable, sp, argv[i], len);
		ptrs[i] = sp;
	}
	ptrs[argc] = 0;
	sp = (sp - (uint64_t)(argc + 1) * sizeof(uint64_t)) & ~15ul;
	stack_write(pagetable, sp, ptrs, (uint64_t)(argc + 1) * sizeof(uint64_t));
	return sp;
}

static const char *last_element(const char *path)
{
	const char *name = path;
	for (const char *s = path; *s; s++)
		if (*s == '/')
			name = s + 1;
	return name;
}

int exec_kernel(const char *path, char *const argv[])
{
	struct proc *p = myproc();
	int argc = 0;
	while (argv[argc]) {
		if (++argc > MAXARG)
			return -1;
	}
	uint64_t *pagetable = uvm_create();
	if (!pagetable)
		return -1;
	struct elf_image image;
	uint64_t resident;
	log_begin_op();
	int err = load_program(path, pagetable, &image, &resident);
	log_end_op();
	uint64_t stack_pages = 0;
	uint64_t sp = err ? 0 : push_args(pagetable, argv, argc, &stack_pages);
	if (sp && uvm_set_info(pagetable, p->pid, last_element(path)))
		sp = 0;
	if (!sp) {
		if (!err)
			kprintf("magma: exec %s: no memory for the stack or the info page\n", path);
		uvm_free(pagetable);
		return -1;
	}

	/* The point of no return: the new program replaces the old. */
	mmap_release(p); /* the old program's mappings end with it (written back first) */
	shm_release(p);
	uint64_t *old = p->pagetable;
	p->pagetable = pagetable;
	p->image_end = image.hi;
	p->heap_end = image.hi;
	p->resident = resident + stack_pages;
	p->heap_resident = 0;
	strlcpy(p->name, last_element(path), sizeof p->name);
	struct trap_frame *frame = p->uframe;
	uint64_t sstatus = csr_read(sstatus);
	memset(frame, 0, sizeof *frame);
	frame->sstatus = sstatus;
	frame->sepc = image.entry;
	frame->sp = sp;
	frame->a1 = sp; /* argv; a0 = argc is exec's return value */
	frame->a0 = (uint64_t)argc;
	csr_write(satp, SATP_SV39(pagetable));
	sfence_vma_all();
	uvm_free(old);
	if (bootarg_selected("vmprint", p->name)) /* lab pgtbl: the table the program starts on */
		uvm_print(pagetable, p->pid, p->name);
	return argc;
}

/* exec(path, argv): the user's strings are copied in first, then exec_kernel. */
long sys_exec(void)
{
	char path[MAXPATH];
	if (arg_str(0, path, sizeof path) < 0)
		return -1;
	uint64_t uargv = arg_u64(1);
	char *argv[MAXARG + 1];
	char *pages[MAXARG];
	int argc = 0;
	long result = -1;
	for (;; argc++) {
		if (argc > MAXARG)
			goto out;
		uint64_t uarg;
		if (copyin(&uarg, uargv + (uint64_t)argc * sizeof uarg, sizeof uarg) < 0)
			goto out;
		if (!uarg) {
			argv[argc] = 0;
			break;
		}
		if (argc == MAXARG)
			goto out;
		pages[argc] = page_alloc_dirty();
		if (!pages[argc])
			goto out;
		argv[argc] = pages[argc];
		if (copyinstr(argv[argc], uarg, PAGE_SIZE) < 0) {
			argc++;
			goto out;
		}
	}
	result = exec_kernel(path, argv);
out:
	for (int i = 0; i < argc && i < MAXARG; i++)
		page_free(pages[i]);
	return result;
}
