/*
 * sbi/root.h - byte offsets inside the root range that guard and kernel share.
 *
 * The root range (MAGMA_ROOT_BASE, sbi/layout.h) is written only by the guard;
 * PMP makes it read-only to the kernel. This header grows into the full root
 * layout with the guard issue; for now it holds the protected bits the boot
 * handshake uses. Plain constants: no code, no kernel headers.
 */
#ifndef MAGMA_ROOT_H
#define MAGMA_ROOT_H

/* Protected bits, root+0x000..0x0FF (the seed's Bits(Major, Minor, Inc, Protected)). */
#define ROOT_VERSION_MAJOR 0x000
#define ROOT_VERSION_MINOR 0x001
#define ROOT_VERSION_INC   0x002
#define ROOT_PROTECTED     0x003
#define ROOT_ON_STATE      0x004

/* ON state: how far the guard has brought the root. */
#define ROOT_ON_INITIALISED  0
#define ROOT_ON_SECONDARY_UP 1
#define ROOT_ON_PROTECTED    2

#endif
