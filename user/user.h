/*
 * user/user.h - the system calls and library of magma user programs.
 *
 * The first two parts are xv6-riscv's user API, with the same names and
 * signatures, so a program written for an MIT 6.1810 lab compiles against
 * magma unchanged (it includes "kernel/types.h" first, as in xv6). magma's
 * own calls and helpers come after them.
 */
#ifndef USER_USER_H
#define USER_USER_H

struct stat;
struct memstat;
struct procinfo;

/* system calls */
int fork(void);
int exit(int) __attribute__((noreturn));
int wait(int *);
int pipe(int *);
int write(int, const void *, int);
int read(int, void *, int);
int close(int);
int kill(int);
int exec(const char *, char **);
int open(const char *, int);
int mknod(const char *, short, short);
int unlink(const char *);
int fstat(int fd, struct stat *);
int link(const char *, const char *);
int mkdir(const char *);
int chdir(const char *);
int dup(int);
int getpid(void);
char *sbrk(int);
int sleep(int);
int pause(int);
int uptime(void);

/* ulib.c */
int stat(const char *, struct stat *);
char *strcpy(char *, const char *);
void *memmove(void *, const void *, int);
char *strchr(const char *, char c);
int strcmp(const char *, const char *);
void fprintf(int, const char *, ...);
void printf(const char *, ...);
char *gets(char *, int max);
unsigned int strlen(const char *);
void *memset(void *, int, unsigned int);
void *malloc(unsigned int);
void free(void *);
int atoi(const char *);
int memcmp(const void *, const void *, unsigned int);
void *memcpy(void *, const void *, unsigned int);

/* The newer xv6 names (6.1810 from 2024): sbrk's error value and its lazy form. */
#define SBRK_ERROR ((char *)-1)
char *sbrklazy(int); /* magma's sbrk is always lazy: the same call */

/* magma's own system calls (kernel/syscall.h) */
int getppid(void);
int setpgid(int pid);          /* pid (0: the caller) leads a new process group; its pgid */
int fgset(int pgid);           /* the console's foreground group, which Ctrl-C kills (0: none) */
int memstat(struct memstat *); /* include/sysinfo.h */
int procinfo(struct procinfo *, int max); /* fills up to max entries; how many */
// LAB(syscall) begin
int trace(int mask); /* prints each later call n of this process and its children if bit n is set */
struct sysinfo;
int sysinfo(struct sysinfo *); /* include/sysinfo.h */
// LAB(syscall) stub
// // TODO(lab syscall): declare trace() and sysinfo() (labs/syscall/README.md).
// LAB(syscall) end
/* xv6's mmap lab: addr 0, prot PROT_*, flags MAP_SHARED or MAP_PRIVATE (kernel/fcntl.h). */
void *mmap(void *addr, unsigned long len, int prot, int flags, int fd, long offset);
int munmap(void *addr, unsigned long len); /* 0, or -1 */
/* Named shared memory (include/shm.h says what each does): 0 or -1, shmattach SHM_FAILED. */
struct shminfo;
int shmcreate(const char *name, unsigned long size);
void *shmattach(const char *name, void *addr, int flags); /* flags: 0 or SHM_RDONLY */
int shmdetach(void *addr);
int shmunlink(const char *name);
int shmstat(struct shminfo *, int max); /* fills up to max; how many blocks there are */

/* magma's own library */
int snprintf(char *, int, const char *, ...) __attribute__((format(printf, 3, 4)));
char *strncpy(char *, const char *, int);
int strncmp(const char *, const char *, int);
void *realloc(void *, unsigned int);
void *calloc(unsigned int, unsigned int);
/* Guard ticks and time from the root range mapped at USER_ROOT_VA: no system call. */
unsigned long root_ticks(void);
unsigned long time_us(void); /* from the time CSR (scounteren lets user code read it) */

#endif
