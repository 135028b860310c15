/* The freedesktop ELF dlopen metadata (https://systemd.io/ELF_DLOPEN_METADATA/): a .note.dlopen
 * note whose descriptor is a JSON array of objects
 *   [{"feature":"zstd","description":"...","priority":"recommended","soname":["libzstd.so.1"]}]
 * "priority" is "required", "recommended" (the default) or "suggested".  A small JSON reader:
 * pure, bounds-checked, nesting limited; a malformed note yields the entries read before it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pack/pack.h"

struct json {
	const char *s, *end;
	int depth;
};

static void ws(struct json *j)
{
	while (j->s < j->end && (*j->s == ' ' || *j->s == '\t' || *j->s == '\n' || *j->s == '\r'))
		j->s++;
}

static int eat(struct json *j, char c)
{
	ws(j);
	if (j->s < j->end && *j->s == c) {
		j->s++;
		return 1;
	}
	return 0;
}

/* A string; *out gets a copy when out is given (\u escapes above ASCII become '?': a soname is
 * ASCII, and the rest is only shown). */
static int str(struct json *j, char **out)
{
	char *o = NULL;
	size_t n = 0;

	ws(j);
	if (j->s >= j->end || *j->s != '"')
		return -EINVAL;
	if (out && !(o = malloc(j->end - j->s)))
		abort();
	for (j->s++; j->s < j->end && *j->s != '"'; j->s++) {
		char c = *j->s;
		if ((unsigned char)c < 0x20)
			goto bad;
		if (c == '\\') {
			if (++j->s >= j->end)
				goto bad;
			c = *j->s;
			if (c == 'u') {
				if (j->end - j->s < 5)
					goto bad;
				c = '?';
				j->s += 4;
			} else if (c == 'n' || c == 't' || c == 'r' || c == 'b' || c == 'f') {
				c = ' ';
			} else if (c != '"' && c != '\\' && c != '/') {
				goto bad;
			}
		}
		if (o)
			o[n++] = c;
	}
	if (j->s >= j->end)
		goto bad;
	j->s++;
	if (o) {
		o[n] = '\0';
		*out = o;
	}
	return 0;
bad:
	free(o);
	return -EINVAL;
}

static int value(struct json *j);

static int skip_list(struct json *j, char close, int keyed)
{
	int r;

	if (++j->depth > 32)
		return -EINVAL;
	if (eat(j, close))
		goto out;
	do {
		if (keyed && (str(j, NULL) < 0 || !eat(j, ':')))
			return -EINVAL;
		if ((r = value(j)) < 0)
			return r;
	} while (eat(j, ','));
	if (!eat(j, close))
		return -EINVAL;
out:
	j->depth--;
	return 0;
}

static int value(struct json *j)
{
	static const char *const words[] = { "true", "false", "null" };
	unsigned i;

	ws(j);
	if (j->s >= j->end)
		return -EINVAL;
	if (*j->s == '"')
		return str(j, NULL);
	if (eat(j, '['))
		return skip_list(j, ']', 0);
	if (eat(j, '{'))
		return skip_list(j, '}', 1);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t l = strlen(words[i]);
		if ((size_t)(j->end - j->s) >= l && !memcmp(j->s, words[i], l)) {
			j->s += l;
			return 0;
		}
	}
	if (*j->s != '-' && (*j->s < '0' || *j->s > '9'))
		return -EINVAL;
	while (j->s < j->end && strchr("+-0123456789.eE", *j->s))
		j->s++;
	return 0;
}

static int sonames(struct json *j, struct elf_dlopen *d)
{
	char *s;

	if (!eat(j, '['))
		return -EINVAL;
	if (eat(j, ']'))
		return 0;
	do {
		char **nv;
		if (str(j, &s) < 0)
			return -EINVAL;
		if (!(nv = realloc(d->sonames, (d->nsonames + 1) * sizeof(*nv))))
			abort();
		d->sonames = nv;
		d->sonames[d->nsonames++] = s;
	} while (eat(j, ','));
	return eat(j, ']') ? 0 : -EINVAL;
}

static int entry(struct json *j, struct elf_dlopen *d)
{
	char *key, *val;
	int r;

	d->priority = DLOPEN_RECOMMENDED;
	if (!eat(j, '{'))
		return -EINVAL;
	if (eat(j, '}'))
		return 0;
	do {
		if (str(j, &key) < 0)
			return -EINVAL;
		r = eat(j, ':') ? 0 : -EINVAL;
		if (!r && !strcmp(key, "soname"))
			r = sonames(j, d);
		else if (!r && (!strcmp(key, "priority") || !strcmp(key, "feature"))) {
			r = str(j, &val);
			if (!r && key[0] == 'f') {
				free(d->feature);
				d->feature = val;
			} else if (!r) {
				d->priority = !strcmp(val, "required") ? DLOPEN_REQUIRED :
					      !strcmp(val, "recommended") ? DLOPEN_RECOMMENDED : DLOPEN_SUGGESTED;
				free(val);
			}
		} else if (!r)
			r = value(j);
		free(key);
		if (r)
			return r;
	} while (eat(j, ','));
	return eat(j, '}') ? 0 : -EINVAL;
}

static void entry_free(struct elf_dlopen *d)
{
	int i;

	for (i = 0; i < d->nsonames; i++)
		free(d->sonames[i]);
	free(d->sonames);
	free(d->feature);
}

int dlopen_note_parse(const char *json, size_t len, struct elf_dlopen **v, int *n)
{
	struct json j = { json, json + len, 1 };
	struct elf_dlopen d;
	size_t l = 0;

	while (l < len && json[l]) /* the descriptor is NUL-terminated, padded to 4 */
		l++;
	j.end = json + l;
	if (!eat(&j, '['))
		return -EINVAL;
	if (eat(&j, ']'))
		return 0;
	do {
		struct elf_dlopen *nv;
		memset(&d, 0, sizeof(d));
		if (entry(&j, &d) < 0) {
			entry_free(&d);
			return -EINVAL;
		}
		if (!(nv = realloc(*v, (*n + 1) * sizeof(*nv))))
			abort();
		*v = nv;
		(*v)[(*n)++] = d;
	} while (eat(&j, ','));
	return eat(&j, ']') ? 0 : -EINVAL;
}

void dlopen_notes_free(struct elf_dlopen *v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		entry_free(&v[i]);
	free(v);
}
