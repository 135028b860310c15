#include <errno.h>
#include <string.h>

#include "common/cmdline.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* One word starting at *sp: quotes removed (the kernel removes a pair around the whole word or
 * around the value; we remove every double quote, which yields the same word for those forms). */
static char *next_word(char **sp, int quotes_single, int *open_quote)
{
	char *s = *sp, *out, *word;
	char q = 0;

	while (*s && is_space(*s))
		s++;
	if (!*s) {
		*sp = s;
		return NULL;
	}
	word = out = s;
	for (; *s; s++) {
		if (q) {
			if (*s == q) {
				q = 0;
				continue;
			}
		} else if (*s == '"' || (quotes_single && *s == '\'')) {
			q = *s;
			continue;
		} else if (is_space(*s)) {
			s++;
			break;
		}
		*out++ = *s;
	}
	*sp = s;
	/* Terminate after advancing: out never passes s, so this write is inside the word. */
	*out = '\0';
	*open_quote = q != 0;
	return word;
}

int cmdline_parse(char *s, struct cmdline *cl)
{
	char *w, *eq;
	int open_quote;

	memset(cl, 0, sizeof(*cl));
	while (1) {
		/* An unterminated quote runs to the end of the line, as in the kernel. */
		w = next_word(&s, 0, &open_quote);
		if (!w)
			break;
		if (!cl->has_dashdash && !strcmp(w, "--")) {
			cl->has_dashdash = 1;
			continue;
		}
		if (cl->has_dashdash) {
			if (cl->argc >= CMDLINE_MAX_ARGS) {
				cl->truncated = 1;
				continue;
			}
			cl->argv[cl->argc++] = w;
			continue;
		}
		if (cl->nparams >= CMDLINE_MAX_PARAMS) {
			cl->truncated = 1;
			continue;
		}
		eq = strchr(w, '=');
		if (eq)
			*eq++ = '\0';
		cl->params[cl->nparams].key = w;
		cl->params[cl->nparams].val = eq;
		cl->nparams++;
	}
	cl->argv[cl->argc] = NULL;
	return cl->truncated ? -E2BIG : 0;
}

int cmd_split(char *s, char **argv, int max)
{
	int argc = 0, open_quote;
	char *w;

	while (1) {
		w = next_word(&s, 1, &open_quote);
		if (!w)
			break;
		if (open_quote)
			return -EINVAL;
		if (argc >= max)
			return -E2BIG;
		argv[argc++] = w;
	}
	if (argc < max)
		argv[argc] = NULL;
	return argc;
}

const char *cmdline_get(const struct cmdline *cl, const char *key, int *found)
{
	const char *val = NULL;
	int i, f = 0;

	for (i = 0; i < cl->nparams; i++) {
		if (!strcmp(cl->params[i].key, key)) {
			f = 1;
			val = cl->params[i].val;
		}
	}
	if (found)
		*found = f;
	return val;
}

/* Split one line in place at ':' into at most max fields (passwd, group, shadow); how many. */
int colon_fields(char *line, char **f, int max)
{
	int n = 0;

	f[n++] = line;
	for (; *line && n < max; line++)
		if (*line == ':') {
			*line = '\0';
			f[n++] = line + 1;
		}
	return n;
}
