/*
 * lib/fmt.c - printf-style formatting onto a character sink.
 *
 * One pass over the format string; numbers are converted into a small stack
 * buffer, then padded. Unknown conversions are printed literally so a typo in
 * a format string shows up in the output instead of eating arguments.
 * Freestanding: no kernel headers, no libc.
 */
#include "fmt.h"

#include <stdint.h>

struct spec {
	int left; /* '-' flag: pad on the right */
	int zero; /* '0' flag: pad numbers with zeros */
	int width;
	int precision; /* -1 when absent */
	int size;      /* 0 int, 1 long, 2 long long, 3 size_t */
};

struct out {
	fmt_sink sink;
	void *ctx;
	int count;
};

static void emit(struct out *o, char c)
{
	o->sink(o->ctx, c);
	o->count++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		emit(o, c);
}

static void emit_field(struct out *o, const struct spec *sp, const char *prefix, const char *body,
		       int body_len)
{
	int prefix_len = 0;
	while (prefix[prefix_len])
		prefix_len++;
	int fill = sp->width - prefix_len - body_len;
	if (!sp->left && !sp->zero)
		pad(o, ' ', fill);
	for (int i = 0; i < prefix_len; i++)
		emit(o, prefix[i]);
	if (!sp->left && sp->zero)
		pad(o, '0', fill);
	for (int i = 0; i < body_len; i++)
		emit(o, body[i]);
	if (sp->left)
		pad(o, ' ', fill);
}

static void emit_number(struct out *o, const struct spec *sp, uint64_t value, unsigned base,
			int negative, int upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int n = sizeof(buf);
	do {
		buf[--n] = digits[value % base];
		value /= base;
	} while (value);
	emit_field(o, sp, negative ? "-" : prefix, buf + n, (int)sizeof(buf) - n);
}

static int64_t signed_arg(const struct spec *sp, va_list *args)
{
	switch (sp->size) {
	case 1: return va_arg(*args, long);
	case 2: return va_arg(*args, long long);
	case 3: return (int64_t)va_arg(*args, size_t);
	default: return va_arg(*args, int);
	}
}

static uint64_t unsigned_arg(const struct spec *sp, va_list *args)
{
	switch (sp->size) {
	case 1: return va_arg(*args, unsigned long);
	case 2: return va_arg(*args, unsigned long long);
	case 3: return va_arg(*args, size_t);
	default: return va_arg(*args, unsigned int);
	}
}

/* Parses flags, width, precision and length after a '%'; returns the conversion. */
static const char *parse_spec(const char *p, struct spec *sp, va_list *args)
{
	*sp = (struct spec){ .precision = -1 };
	for (;; p++) {
		if (*p == '-')
			sp->left = 1;
		else if (*p == '0')
			sp->zero = 1;
		else
			break;
	}
	if (*p == '*') {
		sp->width = va_arg(*args, int);
		if (sp->width < 0) {
			sp->left = 1;
			sp->width = -sp->width;
		}
		p++;
	}
	for (; *p >= '0' && *p <= '9'; p++)
		sp->width = sp->width * 10 + (*p - '0');
	if (*p == '.') {
		sp->precision = 0;
		for (p++; *p >= '0' && *p <= '9'; p++)
			sp->precision = sp->precision * 10 + (*p - '0');
	}
	if (*p == 'l') {
		sp->size = 1;
		if (*++p == 'l') {
			sp->size = 2;
			p++;
		}
	} else if (*p == 'z') {
		sp->size = 3;
		p++;
	}
	return p;
}

int fmt_format(fmt_sink sink, void *ctx, const char *fmt, va_list args_in)
{
	struct out o = { sink, ctx, 0 };
	va_list args;
	va_copy(args, args_in);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			emit(&o, *p);
			continue;
		}
		const char *start = p;
		struct spec sp;
		p = parse_spec(p + 1, &sp, &args);
		switch (*p) {
		case 'd':
		case 'i': {
			int64_t v = signed_arg(&sp, &args);
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			emit_number(&o, &sp, mag, 10, v < 0, 0, "");
			break;
		}
		case 'u': emit_number(&o, &sp, unsigned_arg(&sp, &args), 10, 0, 0, ""); break;
		case 'x': emit_number(&o, &sp, unsigned_arg(&sp, &args), 16, 0, 0, ""); break;
		case 'X': emit_number(&o, &sp, unsigned_arg(&sp, &args), 16, 0, 1, ""); break;
		case 'o': emit_number(&o, &sp, unsigned_arg(&sp, &args), 8, 0, 0, ""); break;
		case 'p':
			emit_number(&o, &sp, (uintptr_t)va_arg(args, void *), 16, 0, 0, "0x");
			break;
		case 'c': {
			char c = (char)va_arg(args, int);
			sp.zero = 0;
			emit_field(&o, &sp, "", &c, 1);
			break;
		}
		case 's': {
			const char *s = va_arg(args, const char *);
			if (!s)
				s = "(null)";
			int len = 0;
			while (s[len] && (sp.precision < 0 || len < sp.precision))
				len++;
			sp.zero = 0;
			emit_field(&o, &sp, "", s, len);
			break;
		}
		case '%': emit(&o, '%'); break;
		default:
			if (sp.size == 1 && p[-1] == 'l') {
				/* xv6's bare %l: a 64-bit decimal; what follows prints as text. */
				int64_t v = va_arg(args, long);
				uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
				emit_number(&o, &sp, mag, 10, v < 0, 0, "");
				p--;
				break;
			}
			/* Unknown or truncated conversion: show it as written. */
			for (const char *q = start; q <= p && *q; q++)
				emit(&o, *q);
			if (!*p)
				p--;
			break;
		}
	}
	va_end(args);
	return o.count;
}

struct buffer {
	char *buf;
	size_t size;
	size_t used;
};

static void buffer_sink(void *ctx, char c)
{
	struct buffer *b = ctx;
	if (b->used + 1 < b->size)
		b->buf[b->used] = c;
	b->used++;
}

int fmt_vsnprintf(char *buf, size_t buf_size, const char *fmt, va_list args)
{
	struct buffer b = { buf, buf_size, 0 };
	int n = fmt_format(buffer_sink, &b, fmt, args);
	if (buf_size)
		buf[b.used < buf_size ? b.used : buf_size - 1] = '\0';
	return n;
}

int fmt_snprintf(char *buf, size_t buf_size, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	int n = fmt_vsnprintf(buf, buf_size, fmt, args);
	va_end(args);
	return n;
}
