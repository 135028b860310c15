#ifndef MINBOOT_GLOB_H
#define MINBOOT_GLOB_H
/* fnmatch(pattern, s, 0) for the patterns modules.alias and modules.softdep use: '*', '?',
 * bracket expressions ("[!a-z]", "[]x]", "[[:digit:]]", ASCII classes) and backslash escapes.
 * musl's fnmatch pulls in the wide-character class tables (about 10 KiB) for the same result on
 * ASCII.  Returns 1 on a match.  Backslashes inside brackets, reversed ranges and odd [: :] nestings differ
 * between C libraries (kmod is built on glibc); no module alias uses them. */
int glob_match(const char *pattern, const char *s);
#endif
