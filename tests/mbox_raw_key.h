/*
 * tests/mbox_raw_key.h - the raw-key forms of mbox_request_tag and
 * mbox_verify, for host tests and fuzz targets that hold a plain key.
 */
#ifndef TESTS_MBOX_RAW_KEY_H
#define TESTS_MBOX_RAW_KEY_H

#include "../lib/mbox.h"

static inline void tag_with(const uint8_t *key, const struct mbox_request *r, uint8_t *tag)
{
	struct mbox_key k;
	mbox_key_init(&k, key);
	mbox_request_tag(&k, r, tag);
	mbox_key_wipe(&k);
}

static inline int verify_with(const uint8_t *key, uint64_t last_seq, const struct mbox_request *r)
{
	struct mbox_key k;
	mbox_key_init(&k, key);
	int err = mbox_verify(&k, last_seq, r);
	mbox_key_wipe(&k);
	return err;
}

#endif
