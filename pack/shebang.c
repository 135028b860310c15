/* A script's #! line, read as Linux reads it (fs/binfmt_script.c since 5.1): of the first
 * BINPRM_BUF_SIZE bytes, up to the newline; the interpreter is the first word, the one optional
 * argument is the rest of the line with its outer blanks trimmed.  Without a newline in those
 * bytes, an interpreter name that runs to their end is taken as cut off (ENOEXEC).  Pure. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pack/closure.h"

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

/* env's program name in its one argument: "NAME", or after -S / --split-string the first word
 * that is neither an option nor VAR=VALUE. */
static void env_name(struct shebang *sb)
{
	const char *a = sb->arg;
	char word[SHEBANG_MAX];
	int split = 0, n;

	if (!strncmp(a, "-S", 2)) {
		split = 1;
		a += 2;
	} else if (!strncmp(a, "--split-string", 14)) {
		split = 1;
		a += 14 + (a[14] == '=');
	}
	if (!split) {
		snprintf(sb->env_name, sizeof(sb->env_name), "%s", a);
		sb->env_bad = strpbrk(a, " \t") != NULL || a[0] == '-';
		return;
	}
	while (*a) {
		while (blank(*a))
			a++;
		for (n = 0; *a && !blank(*a); a++)
			word[n++] = *a;
		word[n] = '\0';
		if (!n)
			break;
		if (word[0] == '-' || strchr(word, '='))
			continue; /* an option (-i, -v, -u's NAME is not looked for) or an assignment */
		snprintf(sb->env_name, sizeof(sb->env_name), "%s", word);
		return;
	}
}

int shebang_parse(const char *buf, size_t len, struct shebang *sb)
{
	char b[SHEBANG_MAX];
	const char *end, *name, *sep, *arg;

	memset(sb, 0, sizeof(*sb));
	if (len < 2 || buf[0] != '#' || buf[1] != '!')
		return 0;
	if (len > SHEBANG_MAX - 1)
		len = SHEBANG_MAX - 1; /* the kernel's buffer ends with a NUL */
	memcpy(b, buf, len);
	b[len] = '\0';
	end = memchr(b, '\n', len);
	if (!end) {
		for (name = b + 2; blank(*name); name++)
			;
		if (!*name)
			return 0;
		for (sep = name; *sep && !blank(*sep); sep++)
			;
		if (!*sep && len == SHEBANG_MAX - 1)
			return -ENAMETOOLONG;
		end = b + len;
	}
	while (end > b + 2 && blank(end[-1]))
		end--;
	for (name = b + 2; name < end && blank(*name); name++)
		;
	if (name >= end)
		return 0;
	for (sep = name; sep < end && !blank(*sep) && *sep; sep++)
		;
	snprintf(sb->interp, sizeof(sb->interp), "%.*s", (int)(sep - name), name);
	if (sep < end && *sep) {
		for (arg = sep; arg < end && blank(*arg); arg++)
			;
		snprintf(sb->arg, sizeof(sb->arg), "%.*s", (int)(end - arg), arg);
	}
	sep = strrchr(sb->interp, '/');
	if (!strcmp(sep ? sep + 1 : sb->interp, "env") && sb->arg[0])
		env_name(sb);
	return 1;
}
