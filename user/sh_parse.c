/*
 * user/sh_parse.c - the shell's lexer and parser (see sh_parse.h).
 *
 * Two passes: the lexer cuts the line into tokens, turning each word into a
 * NUL-terminated string in place (a word, quotes removed, is never longer
 * than its source text, so it fits where it was); then a recursive-descent
 * parser, one function per rule of the grammar, builds the tree. Every
 * array has its bound checked before it grows.
 */
#include "sh_parse.h"

#include <stdarg.h>

#include "../lib/fmt.h"

enum token_kind { T_WORD, T_PIPE, T_SEMI, T_AMP, T_IN, T_OUT, T_APPEND, T_OPEN, T_CLOSE, T_END };

struct token {
	enum token_kind kind;
	char *word; /* T_WORD */
};

struct parser {
	struct token tokens[SH_MAX_TOKENS];
	int ntokens, next;
	struct sh_tree *tree;
	int err; /* the first error; once set, every rule returns NULL */
};

static int __attribute__((format(printf, 3, 4)))
fail(struct parser *p, int err, const char *fmt, ...)
{
	if (!p->err) {
		p->err = err;
		va_list args;
		va_start(args, fmt);
		fmt_vsnprintf(p->tree->error, sizeof(p->tree->error), fmt, args);
		va_end(args);
	}
	return err;
}

/* How a token reads in a message. */
static const char *token_text(const struct token *t)
{
	static const char *const names[] = {
		[T_PIPE] = "'|'", [T_SEMI] = "';'",  [T_AMP] = "'&'",
		[T_IN] = "'<'",   [T_OUT] = "'>'",   [T_APPEND] = "'>>'",
		[T_OPEN] = "'('", [T_CLOSE] = "')'", [T_END] = "the end of the line",
	};
	return t->kind == T_WORD ? t->word : names[t->kind];
}

/* --- the lexer --- */

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int ends_word(char c)
{
	return c == 0 || is_blank(c) || c == '|' || c == ';' || c == '&' || c == '<' || c == '>' ||
	       c == '(' || c == ')';
}

static int push(struct parser *p, enum token_kind kind, char *word)
{
	if (p->ntokens == SH_MAX_TOKENS)
		return fail(p, SH_ERR_TOO_MANY, "too many tokens in one line (at most %d)",
			    SH_MAX_TOKENS);
	p->tokens[p->ntokens++] = (struct token){ kind, word };
	return 0;
}

/*
 * Copies one word from *src to dst, removing its quotes; returns the byte
 * after it (not yet consumed: the caller may overwrite the word's end with
 * its NUL only after looking at that byte), or NULL for an open quote.
 */
static char *lex_word(char *src, char **dst)
{
	char *r = src, *w = *dst;
	while (!ends_word(*r)) {
		char quote = *r;
		if (quote != '\'' && quote != '"') {
			*w++ = *r++;
			continue;
		}
		for (r++; *r != quote; r++) {
			if (!*r)
				return 0;
			if (quote == '"' && r[0] == '\\' && (r[1] == '"' || r[1] == '\\'))
				r++;
			*w++ = *r;
		}
		r++;
	}
	*dst = w;
	return r;
}

static int lex(struct parser *p, char *line)
{
	char *r = line;
	char c = *r; /* the byte at r, even where a word's NUL has just replaced it */
	for (;;) {
		while (is_blank(c))
			c = *++r;
		enum token_kind kind;
		switch (c) {
		case 0:
		case '#': return push(p, T_END, 0);
		case '|': kind = T_PIPE; break;
		case ';': kind = T_SEMI; break;
		case '&': kind = T_AMP; break;
		case '<': kind = T_IN; break;
		case '(': kind = T_OPEN; break;
		case ')': kind = T_CLOSE; break;
		case '>':
			kind = T_OUT;
			if (r[1] == '>') {
				kind = T_APPEND;
				r++;
			}
			break;
		default: {
			char *start = r, *end = r;
			r = lex_word(r, &end);
			if (!r)
				return fail(p, SH_ERR_QUOTE, "a quote is never closed");
			c = *r;
			*end = 0; /* lands on r itself when the word had no quotes: c keeps that byte */
			if (push(p, T_WORD, start))
				return p->err;
			continue;
		}
		}
		if (push(p, kind, 0))
			return p->err;
		c = *++r;
	}
}

/* --- the parser --- */

static struct token *peek(struct parser *p)
{
	return &p->tokens[p->next];
}

static struct sh_node *new_node(struct parser *p, enum sh_kind kind, struct sh_node *left,
				struct sh_node *right)
{
	if (p->err)
		return 0;
	if (p->tree->nnodes == SH_MAX_NODES) {
		fail(p, SH_ERR_TOO_MANY, "too many commands in one line (at most %d)",
		     SH_MAX_NODES);
		return 0;
	}
	struct sh_node *n = &p->tree->nodes[p->tree->nnodes++];
	*n = (struct sh_node){ .kind = kind, .left = left, .right = right };
	return n;
}

static int starts_command(enum token_kind k)
{
	return k == T_WORD || k == T_IN || k == T_OUT || k == T_APPEND || k == T_OPEN;
}

static int is_redirect(enum token_kind k)
{
	return k == T_IN || k == T_OUT || k == T_APPEND;
}

/* redirect := ( '<' | '>' | '>>' ) word, added to n. */
static void parse_redirect(struct parser *p, struct sh_node *n)
{
	enum token_kind k = p->tokens[p->next++].kind;
	struct token *path = peek(p);
	if (path->kind != T_WORD) {
		fail(p, SH_ERR_SYNTAX, "a file name must follow the redirection, not %s",
		     token_text(path));
		return;
	}
	if (n->nredirects == SH_MAX_REDIRECTS) {
		fail(p, SH_ERR_TOO_MANY, "too many redirections in one command (at most %d)",
		     SH_MAX_REDIRECTS);
		return;
	}
	p->next++;
	enum sh_redirect_kind kind = k == T_IN    ? SH_REDIRECT_IN
				     : k == T_OUT ? SH_REDIRECT_OUT
						  : SH_REDIRECT_APPEND;
	n->redirects[n->nredirects++] = (struct sh_redirect){ kind, path->word };
}

static struct sh_node *parse_list(struct parser *p, int depth);

/* command := '(' list ')' redirect* | ( word | redirect )+ */
static struct sh_node *parse_command(struct parser *p, int depth)
{
	if (p->err)
		return 0;
	struct token *t = peek(p);
	if (!starts_command(t->kind)) {
		fail(p, SH_ERR_SYNTAX, "syntax error: a command is missing before %s",
		     token_text(t));
		return 0;
	}
	if (t->kind == T_OPEN) {
		if (depth == SH_MAX_DEPTH) {
			fail(p, SH_ERR_TOO_DEEP, "parentheses nested deeper than %d", SH_MAX_DEPTH);
			return 0;
		}
		p->next++;
		struct sh_node *inner = parse_list(p, depth + 1);
		if (inner && peek(p)->kind != T_CLOSE)
			fail(p, SH_ERR_SYNTAX, "syntax error: ')' expected, not %s",
			     token_text(peek(p)));
		struct sh_node *group = new_node(p, SH_GROUP, inner, 0);
		if (!group)
			return 0;
		p->next++;
		while (!p->err && is_redirect(peek(p)->kind))
			parse_redirect(p, group);
		if (!p->err && peek(p)->kind == T_WORD)
			fail(p, SH_ERR_SYNTAX, "syntax error: %s after ')'", token_text(peek(p)));
		return p->err ? 0 : group;
	}
	struct sh_node *n = new_node(p, SH_EXEC, 0, 0);
	while (n && !p->err) {
		t = peek(p);
		if (is_redirect(t->kind)) {
			parse_redirect(p, n);
		} else if (t->kind == T_WORD) {
			if (n->argc == SH_MAX_ARGS)
				fail(p, SH_ERR_TOO_MANY,
				     "too many words in one command (at most %d)", SH_MAX_ARGS);
			else
				n->argv[n->argc++] = t->word;
			p->next++;
		} else {
			break;
		}
	}
	if (n && !p->err && n->argc == 0)
		fail(p, SH_ERR_SYNTAX, "syntax error: a redirection without a command");
	return p->err ? 0 : n;
}

/* pipeline := command ( '|' command )* */
static struct sh_node *parse_pipeline(struct parser *p, int depth)
{
	struct sh_node *left = parse_command(p, depth);
	while (left && peek(p)->kind == T_PIPE) {
		p->next++;
		struct sh_node *right = parse_command(p, depth);
		left = right ? new_node(p, SH_PIPE, left, right) : 0;
	}
	return left;
}

/* list := pipeline ( (';' | '&') pipeline? )*, as a left-leaning chain of SEQUENCE nodes. */
static struct sh_node *parse_list(struct parser *p, int depth)
{
	struct sh_node *list = parse_pipeline(p, depth);
	while (list) {
		enum token_kind sep = peek(p)->kind;
		if (sep != T_SEMI && sep != T_AMP)
			break;
		p->next++;
		if (sep == T_AMP && list->kind == SH_SEQUENCE)
			list->right = new_node(p, SH_BACKGROUND, list->right, 0);
		else if (sep == T_AMP)
			list = new_node(p, SH_BACKGROUND, list, 0);
		if (p->err)
			return 0;
		if (!starts_command(peek(p)->kind))
			break;
		struct sh_node *next = parse_pipeline(p, depth);
		list = next ? new_node(p, SH_SEQUENCE, list, next) : 0;
	}
	return p->err ? 0 : list;
}

int sh_parse(char *line, struct sh_tree *t)
{
	static struct parser p; /* 4 KiB of tokens: kept off the user stack */
	p = (struct parser){ .tree = t };
	t->root = 0;
	t->nnodes = 0;
	t->error[0] = 0;
	if (lex(&p, line))
		return p.err;
	if (peek(&p)->kind == T_END)
		return 0;
	t->root = parse_list(&p, 0);
	if (!p.err && peek(&p)->kind != T_END)
		fail(&p, SH_ERR_SYNTAX, "syntax error: unexpected %s", token_text(peek(&p)));
	if (p.err)
		t->root = 0;
	return p.err;
}
