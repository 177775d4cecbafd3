/*
 * tests/crash/test_wlog.c - the dm-log-writes parser (tests/crash/wlog.c) on built logs.
 */
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "wlog.h"

#define SS 512

/* A log being built: sectors of SS bytes, the superblock in sector 0. */
struct built {
	uint8_t buf[64 * SS];
	size_t len; /* bytes used */
	uint64_t entries;
};

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void super(struct built *b, uint64_t magic, uint64_t version, uint64_t count, uint32_t ss)
{
	put64(b->buf, magic);
	put64(b->buf + 8, version);
	put64(b->buf + 16, count);
	for (int i = 0; i < 4; i++)
		b->buf[24 + i] = (uint8_t)(ss >> (8 * i));
}

static void start(struct built *b)
{
	memset(b, 0, sizeof(*b));
	b->len = SS;
}

/* Appends an entry and nr data sectors filled with fill (none for a discard). */
static void entry(struct built *b, uint64_t sector, uint64_t nr, uint64_t flags, uint8_t fill)
{
	uint8_t *p = b->buf + b->len;
	put64(p, sector);
	put64(p + 8, nr);
	put64(p + 16, flags);
	put64(p + 24, 0);
	b->len += SS;
	if (!(flags & WLOG_DISCARD)) {
		memset(b->buf + b->len, fill, nr * SS);
		b->len += nr * SS;
	}
	b->entries++;
}

static void mark(struct built *b, const char *text)
{
	uint8_t *p = b->buf + b->len;
	entry(b, 0, 0, WLOG_MARK, 0);
	put64(p + 24, strlen(text));
	memcpy(p + 32, text, strlen(text));
}

/* write 8 sectors at 16, flush, discard, mark, write 1 at 3; the superblock counts them all. */
static void sample(struct built *b)
{
	start(b);
	entry(b, 16, 8, 0, 0xaa);
	entry(b, 0, 0, WLOG_FLUSH, 0);
	entry(b, 40, 4, WLOG_DISCARD, 0);
	mark(b, "mkfs");
	entry(b, 3, 1, WLOG_FUA, 0x55);
	super(b, WLOG_MAGIC, 1, b->entries, SS);
}

static int parses(const uint8_t *buf, size_t len, struct wlog *log, const char *want_why)
{
	char why[200] = "";
	int r = wlog_parse(buf, len, log, why, sizeof(why));
	if (want_why && (r == 0 || !strstr(why, want_why))) {
		fprintf(stderr, "  wanted a refusal with \"%s\", got %d \"%s\"\n", want_why, r,
			why);
		return 0;
	}
	if (!want_why && r != 0)
		fprintf(stderr, "  refused: %s\n", why);
	return want_why ? 1 : r == 0;
}

TEST(reads_writes_flushes_discards_and_marks)
{
	struct built b;
	sample(&b);
	struct wlog log;
	CHECK(parses(b.buf, b.len, &log, NULL));
	CHECK_EQ(log.sector_size, SS);
	CHECK_EQ(log.n, 5);
	CHECK_EQ(log.counted, 5);
	CHECK_EQ(log.entries[0].offset, 16 * SS);
	CHECK_EQ(log.entries[0].bytes, 8 * SS);
	CHECK_EQ(log.entries[0].flags, 0);
	CHECK(log.entries[0].data == b.buf + 2 * SS && log.entries[0].data[8 * SS - 1] == 0xaa);
	CHECK_EQ(log.entries[1].flags, WLOG_FLUSH);
	CHECK_EQ(log.entries[1].bytes, 0);
	CHECK(log.entries[1].data == NULL);
	CHECK_EQ(log.entries[2].flags, WLOG_DISCARD);
	CHECK_EQ(log.entries[2].bytes, 4 * SS);
	CHECK(log.entries[2].data == NULL);
	CHECK(log.entries[3].mark_len == 4 && memcmp(log.entries[3].mark, "mkfs", 4) == 0);
	CHECK_EQ(log.entries[4].offset, 3 * SS);
	CHECK(log.entries[4].data && log.entries[4].data[0] == 0x55);
	CHECK_EQ(log.entries[4].flags, WLOG_FUA);
	wlog_free(&log);
}

TEST(entries_after_the_counted_ones_are_read_while_whole)
{
	struct built b;
	sample(&b);
	super(&b, WLOG_MAGIC, 1, 2, SS); /* as QEMU leaves it: counted up to the last flush */
	struct wlog log;
	CHECK(parses(b.buf, b.len, &log, NULL));
	CHECK_EQ(log.counted, 2);
	CHECK_EQ(log.n, 5);
	wlog_free(&log);
	/* the last entry cut short, or the tail zeroed: read up to there, no error */
	CHECK(parses(b.buf, b.len - 1, &log, NULL));
	CHECK_EQ(log.n, 4);
	wlog_free(&log);
	memset(b.buf + 6 * SS, 0, b.len - 6 * SS); /* from the discard on */
	CHECK(parses(b.buf, b.len, &log, NULL));
	CHECK_EQ(log.n, 2);
	wlog_free(&log);
}

TEST(bad_superblocks_are_refused_by_name)
{
	struct built b;
	struct wlog log;
	sample(&b);
	CHECK(parses(b.buf, 27, &log, "too short"));
	CHECK(parses(b.buf, 100, &log, "shorter than the superblock's sector"));
	super(&b, 0, 1, 5, SS);
	CHECK(parses(b.buf, b.len, &log, "no superblock"));
	super(&b, WLOG_MAGIC + 1, 1, 5, SS);
	CHECK(parses(b.buf, b.len, &log, "magic"));
	super(&b, WLOG_MAGIC, 2, 5, SS);
	CHECK(parses(b.buf, b.len, &log, "version 2"));
	super(&b, WLOG_MAGIC, 1, 5, 768);
	CHECK(parses(b.buf, b.len, &log, "sector size 768"));
	super(&b, WLOG_MAGIC, 1, 5, 256);
	CHECK(parses(b.buf, b.len, &log, "sector size 256"));
	super(&b, WLOG_MAGIC, 1, UINT64_MAX, SS);
	CHECK(parses(b.buf, b.len, &log, "counts"));
	super(&b, WLOG_MAGIC, 1, 6, SS); /* one more than there is */
	CHECK(parses(b.buf, b.len, &log, "entry 5"));
}

TEST(bad_entries_are_refused_by_name)
{
	struct built b;
	struct wlog log;
	start(&b);
	entry(&b, 0, 0, 0x10, 0);
	super(&b, WLOG_MAGIC, 1, 1, SS);
	CHECK(parses(b.buf, b.len, &log, "unknown flags 0x10"));
	start(&b);
	entry(&b, 8, 30, 0, 1); /* fits the buffer */
	super(&b, WLOG_MAGIC, 1, 1, SS);
	CHECK(parses(b.buf, b.len - SS, &log, "30 data sectors"));
	start(&b);
	entry(&b, UINT64_MAX / 256, 1, WLOG_DISCARD, 0);
	super(&b, WLOG_MAGIC, 1, 1, SS);
	CHECK(parses(b.buf, b.len, &log, "pass 2^64"));
	start(&b);
	mark(&b, "x");
	put64(b.buf + SS + 24, SS);
	super(&b, WLOG_MAGIC, 1, 1, SS);
	CHECK(parses(b.buf, b.len, &log, "mark of 512 bytes"));
}

TEST(every_cut_and_random_damage_is_read_or_refused)
{
	struct built b;
	struct wlog log;
	sample(&b);
	char why[200];
	for (size_t len = 0; len <= b.len; len++) {
		if (wlog_parse(b.buf, len, &log, why, sizeof(why)) == 0)
			wlog_free(&log);
	}
	srand(5);
	for (int t = 0; t < 20000; t++) {
		sample(&b);
		for (int k = 0; k < 1 + t % 4; k++)
			b.buf[rand() % (int)b.len] ^= (uint8_t)(1u << (rand() % 8));
		if (t % 3 == 0) /* sizes and counts are where it matters */
			b.buf[(rand() % 6) * SS + 8 + rand() % 8] = (uint8_t)rand();
		if (wlog_parse(b.buf, b.len, &log, why, sizeof(why)) == 0) {
			for (uint64_t i = 0; i < log.n; i++) /* what it says is inside the buffer */
				CHECK(!log.entries[i].data ||
				      (log.entries[i].data >= b.buf &&
				       log.entries[i].data + log.entries[i].bytes <=
					       b.buf + b.len));
			wlog_free(&log);
		}
	}
}

int main(void)
{
	RUN(reads_writes_flushes_discards_and_marks);
	RUN(entries_after_the_counted_ones_are_read_while_whole);
	RUN(bad_superblocks_are_refused_by_name);
	RUN(bad_entries_are_refused_by_name);
	RUN(every_cut_and_random_damage_is_read_or_refused);
	return check_summary();
}
