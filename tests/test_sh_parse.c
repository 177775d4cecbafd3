/*
 * tests/test_sh_parse.c - host tests for the shell's parser (user/sh_parse.c).
 *
 * Each tree is printed back in a fully bracketed form and compared with
 * what the grammar says it must be; errors are checked by code and by
 * message. Random lines from the shell's alphabet run under ASan/UBSan
 * check that no input reads or writes out of bounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../user/sh_parse.h"
#include "check.h"

static struct sh_tree tree;
static char line[1024];

static char shown[4096];

static void put(const char *fmt, const char *s)
{
	size_t used = strlen(shown);
	snprintf(shown + used, sizeof(shown) - used, fmt, s);
}

/* Appends the tree as text: [a b] a command, {<f >g >>h} redirections, (l|r), (l;r), (l&), (=l). */
static void show(const struct sh_node *n)
{
	switch (n->kind) {
	case SH_EXEC:
		put("%s", "[");
		for (int i = 0; i < n->argc; i++)
			put(i ? " %s" : "%s", n->argv[i]);
		put("%s", "]");
		CHECK(n->argv[n->argc] == NULL);
		break;
	case SH_PIPE:
	case SH_SEQUENCE:
		put("%s", "(");
		show(n->left);
		put("%s", n->kind == SH_PIPE ? "|" : ";");
		show(n->right);
		put("%s", ")");
		break;
	case SH_BACKGROUND:
		put("%s", "(");
		show(n->left);
		put("%s", "&)");
		break;
	case SH_GROUP:
		put("%s", "(=");
		show(n->left);
		put("%s", ")");
		break;
	}
	static const char *const ops[] = {
		[SH_REDIRECT_IN] = "<", [SH_REDIRECT_OUT] = ">", [SH_REDIRECT_APPEND] = ">>"
	};
	for (int i = 0; i < n->nredirects; i++) {
		put(i ? " %s" : "{%s", ops[n->redirects[i].kind]);
		put("%s", n->redirects[i].path);
	}
	if (n->nredirects)
		put("%s", "}");
}

/* Parses text and returns its tree as text ("" for no command, "!" + message for an error). */
static const char *parse(const char *text)
{
	snprintf(line, sizeof(line), "%s", text);
	shown[0] = 0;
	int err = sh_parse(line, &tree);
	if (err) {
		CHECK(tree.root == NULL);
		CHECK(tree.error[0] != 0);
		put("!%s", tree.error);
	} else if (tree.root) {
		show(tree.root);
	}
	return shown;
}

#define CHECK_TREE(text, expected)                                                        \
	do {                                                                              \
		const char *got_ = parse(text);                                           \
		if (strcmp(got_, expected) != 0) {                                        \
			check_current_failed = 1;                                         \
			fprintf(stderr, "  %s:%d: \"%s\" gave \"%s\", expected \"%s\"\n", \
				__FILE__, __LINE__, text, got_, expected);                \
		}                                                                         \
	} while (0)

/* An error whose message contains part. */
#define CHECK_ERROR(text, code, part)                                                     \
	do {                                                                              \
		snprintf(line, sizeof(line), "%s", text);                                 \
		int err_ = sh_parse(line, &tree);                                         \
		CHECK_EQ(err_, code);                                                     \
		if (!strstr(tree.error, part)) {                                          \
			check_current_failed = 1;                                         \
			fprintf(stderr, "  %s:%d: \"%s\": message \"%s\" lacks \"%s\"\n", \
				__FILE__, __LINE__, text, tree.error, part);              \
		}                                                                         \
	} while (0)

TEST(simple_commands)
{
	CHECK_TREE("ls", "[ls]");
	CHECK_TREE("  echo   a  b\tc \n", "[echo a b c]");
	CHECK_TREE("", "");
	CHECK_TREE("   \n", "");
	CHECK_TREE("# only a comment", "");
	CHECK_TREE("echo hi # a comment", "[echo hi]");
	CHECK_TREE("echo a#b", "[echo a#b]");
}

TEST(pipes)
{
	CHECK_TREE("cat README | wc", "([cat README]|[wc])");
	CHECK_TREE("a|b|c", "(([a]|[b])|[c])");
	CHECK_TREE("a|b", "([a]|[b])");
}

TEST(redirections)
{
	CHECK_TREE("echo hi > f", "[echo hi]{>f}");
	CHECK_TREE("echo hi>f", "[echo hi]{>f}");
	CHECK_TREE("echo hi >> f", "[echo hi]{>>f}");
	CHECK_TREE("echo hi>>f", "[echo hi]{>>f}");
	CHECK_TREE("<in cat >out", "[cat]{<in >out}");
	CHECK_TREE("cat < a > b", "[cat]{<a >b}");
	CHECK_TREE("wc<f|cat>g", "([wc]{<f}|[cat]{>g})");
}

TEST(lists_and_background)
{
	CHECK_TREE("echo hi > f; cat f", "([echo hi]{>f};[cat f])");
	CHECK_TREE("a;b;c", "(([a];[b]);[c])");
	CHECK_TREE("a;", "[a]");
	CHECK_TREE("a &", "([a]&)");
	CHECK_TREE("a & b", "(([a]&);[b])");
	CHECK_TREE("a; b &", "([a];([b]&))");
	CHECK_TREE("a & b & c", "((([a]&);([b]&));[c])");
	CHECK_TREE("a | b &", "(([a]|[b])&)");
	CHECK_TREE("sleep 10&", "([sleep 10]&)");
}

TEST(groups)
{
	CHECK_TREE("(a; b) > f", "(=([a];[b])){>f}");
	CHECK_TREE("(a)", "(=[a])");
	CHECK_TREE("(a | b) | c", "((=([a]|[b]))|[c])");
	CHECK_TREE("((a))", "(=(=[a]))");
	CHECK_TREE("(a; b) &", "((=([a];[b]))&)");
	CHECK_TREE("(a &)", "(=([a]&))");
	CHECK_TREE("x; (y)", "([x];(=[y]))");
}

TEST(quotes)
{
	CHECK_TREE("echo 'a b'", "[echo a b]");
	CHECK_TREE("echo \"a | b\"", "[echo a | b]");
	CHECK_TREE("echo a\"b c\"d", "[echo ab cd]");
	CHECK_TREE("echo \"q\\\"q\" '\\'", "[echo q\"q \\]");
	CHECK_TREE("grep 'a*' f", "[grep a* f]");
	CHECK_TREE("echo ''", "[echo ]");
	CHECK_TREE("echo '#'", "[echo #]");
	CHECK_TREE("echo 'x'|wc", "([echo x]|[wc])");
}

TEST(syntax_errors)
{
	CHECK_ERROR("|", SH_ERR_SYNTAX, "'|'");
	CHECK_ERROR("a |", SH_ERR_SYNTAX, "end of the line");
	CHECK_ERROR("a | | b", SH_ERR_SYNTAX, "'|'");
	CHECK_ERROR(";", SH_ERR_SYNTAX, "';'");
	CHECK_ERROR("a ;; b", SH_ERR_SYNTAX, "unexpected ';'");
	CHECK_ERROR("&", SH_ERR_SYNTAX, "'&'");
	CHECK_ERROR("echo >", SH_ERR_SYNTAX, "file name");
	CHECK_ERROR("echo > | wc", SH_ERR_SYNTAX, "file name");
	CHECK_ERROR("> f", SH_ERR_SYNTAX, "without a command");
	CHECK_ERROR("(a", SH_ERR_SYNTAX, "')' expected");
	CHECK_ERROR("a)", SH_ERR_SYNTAX, "unexpected ')'");
	CHECK_ERROR("()", SH_ERR_SYNTAX, "')'");
	CHECK_ERROR("(a) b", SH_ERR_SYNTAX, "b after ')'");
	CHECK_ERROR("echo 'open", SH_ERR_QUOTE, "quote");
	CHECK_ERROR("echo \"open", SH_ERR_QUOTE, "quote");
}

TEST(limits)
{
	char text[1024] = "echo";
	for (int i = 0; i < SH_MAX_ARGS - 1; i++)
		strcat(text, " w");
	CHECK_EQ(sh_parse(strcpy(line, text), &tree), 0);
	CHECK_EQ(tree.root->argc, SH_MAX_ARGS);
	strcat(text, " one-too-many");
	CHECK_ERROR(text, SH_ERR_TOO_MANY, "too many words");

	strcpy(text, "cat");
	for (int i = 0; i < SH_MAX_REDIRECTS + 1; i++)
		strcat(text, " <f");
	CHECK_ERROR(text, SH_ERR_TOO_MANY, "too many redirections");

	text[0] = 0;
	for (int i = 0; i < SH_MAX_DEPTH + 1; i++)
		strcat(text, "(");
	strcat(text, "a");
	for (int i = 0; i < SH_MAX_DEPTH + 1; i++)
		strcat(text, ")");
	CHECK_ERROR(text, SH_ERR_TOO_DEEP, "nested");

	text[0] = 0;
	for (int i = 0; i < SH_MAX_NODES; i++)
		strcat(text, "a;");
	CHECK_ERROR(text, SH_ERR_TOO_MANY, "too many commands");

	text[0] = 0;
	for (int i = 0; i < SH_MAX_TOKENS; i++)
		strcat(text, ";");
	CHECK_ERROR(text, SH_ERR_TOO_MANY, "too many tokens");
}

/* Random lines over the shell's alphabet: a tree or an error, never a crash (ASan watches). */
TEST(random_lines_never_crash)
{
	static const char alphabet[] = "ab |;&<>()'\"\\# \t\n";
	srand(8);
	int trees = 0, errors = 0;
	for (int round = 0; round < 200000; round++) {
		int len = rand() % 40;
		char *buf = malloc(len + 1); /* exactly sized: ASan sees any read past the end */
		for (int i = 0; i < len; i++)
			buf[i] = alphabet[rand() % (sizeof(alphabet) - 1)];
		buf[len] = 0;
		int err = sh_parse(buf, &tree);
		if (err) {
			errors++;
			CHECK(tree.root == NULL && tree.error[0]);
		} else if (tree.root) {
			trees++;
			shown[0] = 0;
			show(tree.root);
		}
		free(buf);
	}
	CHECK(trees > 1000);
	CHECK(errors > 1000);
}

int main(void)
{
	RUN(simple_commands);
	RUN(pipes);
	RUN(redirections);
	RUN(lists_and_background);
	RUN(groups);
	RUN(quotes);
	RUN(syntax_errors);
	RUN(limits);
	RUN(random_lines_never_crash);
	return check_summary();
}
