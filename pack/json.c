/* A recursive-descent JSON reader: RFC 8259's grammar, strings decoded to UTF-8 (surrogate pairs
 * joined, a lone surrogate refused), numbers kept as their text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pack/json.h"

struct jp {
	const char *s;
	size_t n, i;
	char *err;
	size_t errlen;
	int failed;
};

static int fail(struct jp *p, const char *why)
{
	if (!p->failed)
		snprintf(p->err, p->errlen, "byte %zu: %s", p->i, why);
	p->failed = 1;
	return -EINVAL;
}

static void skip_ws(struct jp *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
			       p->s[p->i] == '\r'))
		p->i++;
}

static int hex4(struct jp *p, unsigned *v)
{
	unsigned i, c;

	*v = 0;
	if (p->n - p->i < 4)
		return fail(p, "short \\u escape");
	for (i = 0; i < 4; i++) {
		c = (unsigned char)p->s[p->i++];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			c = (c | 0x20) - 'a' + 10;
		else
			return fail(p, "bad \\u escape");
		*v = *v << 4 | c;
	}
	return 0;
}

static size_t utf8_put(char *o, unsigned cp)
{
	if (cp < 0x80)
		return o[0] = (char)cp, 1;
	if (cp < 0x800)
		return o[0] = (char)(0xc0 | cp >> 6), o[1] = (char)(0x80 | (cp & 0x3f)), 2;
	if (cp < 0x10000)
		return o[0] = (char)(0xe0 | cp >> 12), o[1] = (char)(0x80 | (cp >> 6 & 0x3f)),
		       o[2] = (char)(0x80 | (cp & 0x3f)), 3;
	o[0] = (char)(0xf0 | cp >> 18), o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f)), o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int escape(struct jp *p, char *o, size_t *w)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	unsigned cp, lo;
	const char *k;

	if (p->i >= p->n)
		return fail(p, "unterminated string");
	if (p->s[p->i] != 'u') {
		if (!(k = memchr(from, p->s[p->i], sizeof(from) - 1)))
			return fail(p, "bad escape");
		p->i++;
		o[(*w)++] = to[k - from];
		return 0;
	}
	p->i++;
	if (hex4(p, &cp) < 0)
		return -EINVAL;
	if (cp >= 0xdc00 && cp < 0xe000)
		return fail(p, "lone low surrogate");
	if (cp >= 0xd800 && cp < 0xdc00) {
		if (p->n - p->i < 6 || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u')
			return fail(p, "lone high surrogate");
		p->i += 2;
		if (hex4(p, &lo) < 0)
			return -EINVAL;
		if (lo < 0xdc00 || lo >= 0xe000)
			return fail(p, "bad surrogate pair");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp == 0)
		return fail(p, "NUL in a string");
	*w += utf8_put(o + *w, cp);
	return 0;
}

/* The decoded string is never longer than its source: escapes shrink, "\uXXXX" (6) gives at most
 * 3 bytes and a pair (12) 4. */
static int string(struct jp *p, char **out)
{
	size_t start = ++p->i, w = 0;
	char *o;

	while (p->i < p->n && p->s[p->i] != '"')
		p->i += p->s[p->i] == '\\' ? 2 : 1;
	if (p->i >= p->n)
		return fail(p, "unterminated string");
	if (!(o = malloc(p->i - start + 1)))
		return -ENOMEM;
	for (p->i = start; p->s[p->i] != '"';) {
		unsigned char c = (unsigned char)p->s[p->i];
		if (c < 0x20) {
			free(o);
			return fail(p, c ? "control character in a string" : "NUL in a string");
		}
		p->i++;
		if (c != '\\')
			o[w++] = (char)c;
		else if (escape(p, o, &w) < 0) {
			free(o);
			return -EINVAL;
		}
	}
	p->i++;
	o[w] = '\0';
	*out = o;
	return 0;
}

static int digits(struct jp *p)
{
	size_t s = p->i;

	while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
		p->i++;
	return p->i > s ? 0 : fail(p, "bad number");
}

static int number(struct jp *p, char **out)
{
	size_t s = p->i;

	if (p->s[p->i] == '-')
		p->i++;
	if (p->i < p->n && p->s[p->i] == '0')
		p->i++;
	else if (digits(p) < 0)
		return -EINVAL;
	if (p->i < p->n && p->s[p->i] == '.' && (p->i++, digits(p) < 0))
		return -EINVAL;
	if (p->i < p->n && (p->s[p->i] | 0x20) == 'e') {
		p->i++;
		if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (digits(p) < 0)
			return -EINVAL;
	}
	if (!(*out = strndup(p->s + s, p->i - s)))
		return -ENOMEM;
	return 0;
}

static int value(struct jp *p, struct json *v, int depth);

static int word(struct jp *p, const char *w, struct json *v, enum json_type t)
{
	size_t l = strlen(w);

	if (p->n - p->i < l || memcmp(p->s + p->i, w, l))
		return fail(p, "unexpected character");
	p->i += l;
	v->type = t;
	return 0;
}

/* Arrays and objects: elements separated by ',', closed by end; members have "key": first. */
static int container(struct jp *p, struct json *v, int depth, char end)
{
	struct json **tail = &v->kids, *k;
	int r, first = 1;

	v->type = end == ']' ? J_ARR : J_OBJ;
	p->i++;
	for (;;) {
		skip_ws(p);
		if (p->i < p->n && p->s[p->i] == end && first) {
			p->i++;
			return 0;
		}
		if (!(k = calloc(1, sizeof(*k))))
			return -ENOMEM;
		*tail = k;
		tail = &k->next;
		if (end == '}') {
			if (p->i >= p->n || p->s[p->i] != '"')
				return fail(p, "expected a member name");
			if ((r = string(p, &k->key)) < 0)
				return r;
			skip_ws(p);
			if (p->i >= p->n || p->s[p->i++] != ':')
				return fail(p, "expected ':'");
		}
		if ((r = value(p, k, depth + 1)) < 0)
			return r;
		skip_ws(p);
		if (p->i < p->n && p->s[p->i] == end) {
			p->i++;
			return 0;
		}
		if (p->i >= p->n || p->s[p->i++] != ',')
			return fail(p, p->i >= p->n ? "unexpected end" : "expected ',' or a closing bracket");
		first = 0;
	}
}

static int value(struct jp *p, struct json *v, int depth)
{
	char c;

	if (depth > JSON_MAX_DEPTH)
		return fail(p, "nested too deeply");
	skip_ws(p);
	if (p->i >= p->n)
		return fail(p, "unexpected end");
	c = p->s[p->i];
	if (c == '{' || c == '[')
		return container(p, v, depth, c == '{' ? '}' : ']');
	if (c == '"')
		return v->type = J_STR, string(p, &v->str);
	if (c == '-' || (c >= '0' && c <= '9'))
		return v->type = J_NUM, number(p, &v->str);
	if (c == 't')
		return word(p, "true", v, J_TRUE);
	if (c == 'f')
		return word(p, "false", v, J_FALSE);
	if (c == 'n')
		return word(p, "null", v, J_NULL);
	return fail(p, "unexpected character");
}

void json_free(struct json *j)
{
	while (j) {
		struct json *next = j->next;
		json_free(j->kids);
		free(j->key);
		free(j->str);
		free(j);
		j = next;
	}
}

int json_parse(const char *s, size_t n, struct json **out, char *err, size_t errlen)
{
	struct jp p = { s, n, 0, err, errlen, 0 };
	struct json *v = calloc(1, sizeof(*v));
	int r;

	*out = NULL;
	if (!v)
		return -ENOMEM;
	r = value(&p, v, 0);
	if (r == 0) {
		skip_ws(&p);
		if (p.i < p.n)
			r = fail(&p, "text after the value");
	}
	if (r < 0) {
		if (r == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		json_free(v);
		return r;
	}
	*out = v;
	return 0;
}

const struct json *json_get(const struct json *obj, const char *key)
{
	const struct json *k, *found = NULL;

	if (!obj || obj->type != J_OBJ)
		return NULL;
	for (k = obj->kids; k; k = k->next)
		if (!strcmp(k->key, key))
			found = k;
	return found;
}

const char *json_str(const struct json *j)
{
	return j && j->type == J_STR ? j->str : NULL;
}

int json_u64(const struct json *j, uint64_t *v)
{
	const char *s;
	uint64_t x = 0;

	if (!j || j->type != J_NUM || j->str[0] == '-')
		return -EINVAL;
	for (s = j->str; *s; s++) {
		if (*s < '0' || *s > '9' || x > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return 0;
}
