/*
 * user/sh_parse.h - the shell's command language, parsed into a tree.
 *
 *   line      := list?
 *   list      := pipeline ( (';' | '&') pipeline? )*
 *   pipeline  := command ( '|' command )*
 *   command   := '(' list ')' redirect*  |  ( word | redirect )+
 *   redirect  := ( '<' | '>' | '>>' ) word
 *
 * A word is a run of characters other than blanks and | ; & < > ( ) #.
 * Quotes make any of those part of a word: '...' takes everything up to the
 * next ', "..." too except that \" and \\ stand for " and \. Quoted and
 * unquoted parts join into one word (a"b c"d is one word). '#' starts a
 * comment to the end of the line.
 *
 * sh_parse() cuts the line in place (words become NUL-terminated strings
 * inside it) and builds the tree in the caller's struct sh_tree: no heap, so
 * the parser is pure and host-tested (tests/test_sh_parse.c). Any input
 * gives a tree or an error with a message; none makes it read or write out
 * of bounds. The shell (user/sh.c) runs the tree.
 */
#ifndef USER_SH_PARSE_H
#define USER_SH_PARSE_H

#define SH_MAX_ARGS      32 /* words in one command (kernel/param.h MAXARG) */
#define SH_MAX_REDIRECTS 8  /* per command */
#define SH_MAX_NODES     64 /* commands, pipes, lists and groups in one line */
#define SH_MAX_TOKENS    256
#define SH_MAX_DEPTH     16 /* nested parentheses */
#define SH_ERROR_BYTES   80

enum sh_error {
	SH_ERR_SYNTAX = -1,   /* a token where it cannot be (the message names it) */
	SH_ERR_QUOTE = -2,    /* a quote never closed */
	SH_ERR_TOO_MANY = -3, /* words, redirections, nodes or tokens over the limits above */
	SH_ERR_TOO_DEEP = -4, /* parentheses nested deeper than SH_MAX_DEPTH */
};

enum sh_kind {
	SH_EXEC,       /* argv, with redirections */
	SH_PIPE,       /* left | right */
	SH_SEQUENCE,   /* left, then right (';', or '&' with left an SH_BACKGROUND) */
	SH_BACKGROUND, /* left, not waited for */
	SH_GROUP,      /* ( left ), with redirections, in a child shell */
};

enum sh_redirect_kind {
	SH_REDIRECT_IN,     /* < path: fd 0 */
	SH_REDIRECT_OUT,    /* > path: fd 1, created or truncated */
	SH_REDIRECT_APPEND, /* >> path: fd 1, created, written at the end */
};

struct sh_redirect {
	enum sh_redirect_kind kind;
	char *path;
};

struct sh_node {
	enum sh_kind kind;
	struct sh_node *left, *right; /* PIPE, SEQUENCE: both; BACKGROUND, GROUP: left */
	int argc;                     /* EXEC */
	char *argv[SH_MAX_ARGS + 1];  /* EXEC: NULL-terminated */
	int nredirects;               /* EXEC, GROUP: applied in order */
	struct sh_redirect redirects[SH_MAX_REDIRECTS];
};

struct sh_tree {
	struct sh_node *root; /* NULL for a line with no command (blank or a comment) */
	struct sh_node nodes[SH_MAX_NODES];
	int nnodes;
	char error[SH_ERROR_BYTES]; /* what sh_parse() refused, for the user */
};

/* Parses line (changed in place; the tree points into it). 0, or an SH_ERR_* with t->error set. */
int sh_parse(char *line, struct sh_tree *t);

#endif
