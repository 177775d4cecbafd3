/*
 * kernel/disk_error.c - names of the disk's error codes (kernel/disk.h).
 *
 * Apart from the driver so that the host test of every module's error names
 * (tests/test_strerror.c) can build it.
 */
#include "disk.h"

const char *disk_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case DISK_ERR_NO_DISK: return "no disk";
	case DISK_ERR_LEGACY: return "legacy virtio interface only";
	case DISK_ERR_FEATURES: return "required feature missing or refused";
	case DISK_ERR_QUEUE: return "request queue missing, in use or too small";
	case DISK_ERR_NO_MEMORY: return "no memory for the request queue";
	case DISK_ERR_TOO_SMALL: return "disk smaller than one block";
	case DISK_ERR_RANGE: return "block past the end of the disk";
	case DISK_ERR_READ_ONLY: return "disk is read-only";
	case DISK_ERR_IO: return "I/O error reported by the device";
	case DISK_ERR_UNSUPPORTED: return "request not supported by the device";
	case DISK_ERR_BAD_REPLY: return "malformed reply from the device";
	case DISK_ERR_BROKEN: return "device broke the queue protocol";
	case DISK_ERR_IRQ: return "interrupt cannot be routed";
	default: return "unknown disk error";
	}
}
