/* A small JSON reader (RFC 8259) for OCI image manifests, indexes and configs.  Pure: bytes in,
 * a tree out; strict (no comments, no trailing commas, no NUL in strings), depth bounded. */
#ifndef MINBOOT_PACK_JSON_H
#define MINBOOT_PACK_JSON_H
#include <stddef.h>
#include <stdint.h>

enum json_type { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

#define JSON_MAX_DEPTH 64

struct json {
	enum json_type type;
	char *key;               /* the member name, inside an object */
	char *str;               /* J_STR: the decoded string (UTF-8, no NUL); J_NUM: its text */
	struct json *kids, *next;
};

/* 0 and *out, or -EINVAL (err says where and why) / -ENOMEM. */
int json_parse(const char *s, size_t n, struct json **out, char *err, size_t errlen);
void json_free(struct json *j);

/* Lookups that take NULL and give NULL: a missing member and a member of another type look the
 * same to the caller, who says what was expected. */
const struct json *json_get(const struct json *obj, const char *key); /* the last such member */
const char *json_str(const struct json *j);                           /* J_STR only */
int json_u64(const struct json *j, uint64_t *v);                      /* a whole number, 0 / -EINVAL */

#endif
