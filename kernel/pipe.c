/*
 * kernel/pipe.c - pipes.
 *
 * A ring of PIPE_SIZE bytes; nread and nwrite count bytes ever read and
 * written (they wrap as unsigned, their difference is what the ring holds).
 * Readers sleep on &nread, writers on &nwrite, and each side counts its
 * sleepers so the other calls wakeup only when someone is asleep. User
 * memory is copied under the pipe lock: copyin/copyout never sleep.
 */
#include "pipe.h"

#include "file.h"
#include "kmalloc.h"
#include "proc.h"
#include "spinlock.h"
#include "uaccess.h"

#define PIPE_SIZE 4096u

struct pipe {
	struct spinlock lock;
	uint32_t nread, nwrite;
	int read_open, write_open;
	int readers_asleep, writers_asleep;
	char data[PIPE_SIZE];
};

int pipe_alloc(struct file **read_end, struct file **write_end)
{
	struct pipe *pi = kmalloc(sizeof(*pi));
	struct file *r = file_alloc();
	struct file *w = file_alloc();
	if (!pi || !r || !w) {
		kfree(pi);
		if (r)
			file_close(r);
		if (w)
			file_close(w);
		return -1;
	}
	spin_init(&pi->lock, "pipe");
	pi->nread = pi->nwrite = 0;
	pi->read_open = pi->write_open = 1;
	pi->readers_asleep = pi->writers_asleep = 0;
	r->type = w->type = FILE_PIPE;
	r->pipe = w->pipe = pi;
	r->readable = 1;
	w->writable = 1;
	*read_end = r;
	*write_end = w;
	return 0;
}

static void wake_readers(struct pipe *pi)
{
	if (pi->readers_asleep)
		wakeup(&pi->nread);
}

static void wake_writers(struct pipe *pi)
{
	if (pi->writers_asleep)
		wakeup(&pi->nwrite);
}

void pipe_close(struct pipe *pi, int writable)
{
	spin_lock(&pi->lock);
	if (writable) {
		pi->write_open = 0;
		wake_readers(pi);
	} else {
		pi->read_open = 0;
		wake_writers(pi);
	}
	int unused = !pi->read_open && !pi->write_open;
	spin_unlock(&pi->lock);
	if (unused)
		kfree(pi);
}

int pipe_write(struct pipe *pi, uint64_t src_va, int n)
{
	struct proc *p = myproc();
	int done = 0;
	spin_lock(&pi->lock);
	while (done < n) {
		if (!pi->read_open || proc_killed(p)) {
			spin_unlock(&pi->lock);
			return done ? done : -1; /* a write cut short says what it wrote */
		}
		uint32_t space = PIPE_SIZE - (pi->nwrite - pi->nread);
		if (space == 0) {
			wake_readers(pi);
			pi->writers_asleep++;
			sleep(&pi->nwrite, &pi->lock);
			pi->writers_asleep--;
			continue;
		}
		/* As much as fits before the ring wraps. */
		uint32_t at = pi->nwrite % PIPE_SIZE;
		uint32_t m = PIPE_SIZE - at;
		if (m > space)
			m = space;
		if (m > (uint32_t)(n - done))
			m = (uint32_t)(n - done);
		if (copyin(&pi->data[at], src_va + (uint64_t)done, m) < 0) {
			wake_readers(pi);
			spin_unlock(&pi->lock);
			return done ? done : -1;
		}
		pi->nwrite += m;
		done += (int)m;
	}
	wake_readers(pi);
	spin_unlock(&pi->lock);
	return done;
}

int pipe_read(struct pipe *pi, uint64_t dst_va, int n)
{
	struct proc *p = myproc();
	spin_lock(&pi->lock);
	while (pi->nread == pi->nwrite && pi->write_open) {
		if (proc_killed(p)) {
			spin_unlock(&pi->lock);
			return -1;
		}
		pi->readers_asleep++;
		sleep(&pi->nread, &pi->lock);
		pi->readers_asleep--;
	}
	uint32_t avail = pi->nwrite - pi->nread;
	uint32_t want = (uint32_t)n < avail ? (uint32_t)n : avail;
	uint32_t done = 0;
	while (done < want) { /* at most two pieces: up to the ring's end, then from its start */
		uint32_t at = (pi->nread + done) % PIPE_SIZE;
		uint32_t m = PIPE_SIZE - at;
		if (m > want - done)
			m = want - done;
		if (copyout(dst_va + done, &pi->data[at], m) < 0) {
			spin_unlock(&pi->lock);
			return -1;
		}
		done += m;
	}
	pi->nread += done;
	wake_writers(pi);
	spin_unlock(&pi->lock);
	return (int)done;
}
