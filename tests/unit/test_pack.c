/* The packer's pure parts: path normalisation, the plan's order, the ELF reader, the cpio writer. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "pack/pack.h"
#include "test.h"

static void normalise_paths(void)
{
	char out[64];

	CHECK_INT(path_normalise("/a//b/./c/", out, sizeof(out)), 0);
	CHECK_STR(out, "/a/b/c");
	CHECK_INT(path_normalise("/", out, sizeof(out)), 0);
	CHECK_STR(out, "/");
	CHECK_INT(path_normalise("/a/../../etc/passwd", out, sizeof(out)), -EINVAL);
	CHECK_INT(path_normalise("relative", out, sizeof(out)), -EINVAL);
	CHECK_INT(path_normalise("/..", out, sizeof(out)), -EINVAL);
	CHECK_INT(path_normalise("/a/..b", out, sizeof(out)), 0); /* a name, not a parent */
	CHECK_INT(path_normalise("/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", out, sizeof(out)), -ENAMETOOLONG);
}

static void plan_sorted_with_parents(void)
{
	struct plan p = { 0 };

	plan_add_data(&p, "/usr/bin/x", "1", 1, 0755, "t");
	plan_add_data(&p, "/usr-x", "2", 1, 0644, "t");
	plan_add_dir(&p, "/etc", 0755, "t");
	plan_add_data(&p, "/etc/a", "old", 3, 0644, "first");
	plan_add_data(&p, "/etc/a", "new", 3, 0644, "second");
	CHECK_INT(plan_finish(&p), 0);
	CHECK_INT(p.n, 6);
	CHECK_STR(p.v[0].dst, "/etc");
	CHECK_STR(p.v[1].dst, "/etc/a");
	CHECK_STR(p.v[1].data, "new"); /* a later input overrides an earlier one */
	CHECK_STR(p.v[2].dst, "/usr");
	CHECK_STR(p.v[3].dst, "/usr/bin");
	CHECK_STR(p.v[4].dst, "/usr/bin/x");
	CHECK_STR(p.v[5].dst, "/usr-x");
	CHECK_INT(p.v[2].type, E_DIR);
	plan_free(&p);
}

static void plan_refuses_file_over_nonempty_dir(void)
{
	struct plan p = { 0 };

	plan_add_data(&p, "/a/b", "1", 1, 0644, "t");
	plan_add_data(&p, "/a", "2", 1, 0644, "t");
	CHECK_INT(plan_finish(&p), -ENOTDIR);
	plan_free(&p);
}

static void elf_reads_dynamic_binary(void)
{
	struct elf_info e;
	int i, libc = 0;

	/* /bin/sh on Debian is dash: dynamic, needs libc.so.6, interpreter in /lib64. */
	CHECK_INT(elf_read("/bin/sh", &e), 0);
	CHECK_INT(e.is_elf, 1);
	CHECK_STR(e.interp, "/lib64/ld-linux-x86-64.so.2");
	for (i = 0; i < e.nneeded; i++)
		libc |= !strcmp(e.needed[i], "libc.so.6");
	CHECK(libc);
}

static void elf_static_and_non_elf(void)
{
	struct elf_info e;
	unsigned char junk[64] = "#!/bin/sh\necho hi\n";

	char init[256];

	/* the init is static musl (this test may not be: the sanitizer build uses glibc) */
	snprintf(init, sizeof(init), "%s/minboot-init", getenv("BUILD") ? getenv("BUILD") : "build");
	CHECK_INT(elf_read(init, &e), 0);
	CHECK_INT(e.is_elf, 1);
	CHECK_STR(e.interp, "");
	CHECK_INT(e.nneeded, 0);
	CHECK_INT(elf_parse(junk, sizeof(junk), &e), 0);
	CHECK_INT(e.is_elf, 0);
}

/* Every truncation of a real ELF file must parse or fail cleanly, never read out of bounds. */
static void elf_truncations_are_safe(void)
{
	char *buf;
	size_t len, l;
	struct elf_info e;

	CHECK_INT(file_read_all("/bin/sh", &buf, &len, 1 << 24), 0);
	for (l = 0; l < len; l += (l < 4096 ? 1 : 509))
		elf_parse((unsigned char *)buf, l, &e);
	buf[5] = 9; /* bad byte order byte is tolerated, bad class is not */
	buf[4] = 7;
	CHECK_INT(elf_parse((unsigned char *)buf, len, &e), -EINVAL);
	free(buf);
}

static void cpio_header_layout(void)
{
	char path[] = "/tmp/minboot-cpio-XXXXXX", buf[512];
	struct sink s;
	int fd = mkstemp(path);
	ssize_t n;

	CHECK(fd >= 0);
	sink_open(&s, fd, -1, 1);
	CHECK_INT(cpio_put(&s, "init", 7, 0100755, 1, 0, "abc", 3, 0, 0), 0);
	CHECK_INT(cpio_trailer(&s), 0);
	CHECK_INT(sink_close(&s), 0);
	n = pread(fd, buf, sizeof(buf), 0);
	close(fd);
	unlink(path);
	CHECK_INT(n, 116 + 4 + 124); /* header+name padded to 4, data padded to 4, trailer */
	CHECK(!memcmp(buf, "070701" "00000007" "000081ED", 22));
	CHECK(!memcmp(buf + 110, "init\0\0", 6));
	CHECK(!memcmp(buf + 116, "abc\0", 4));
	CHECK(!memcmp(buf + 120, "070701", 6));
	CHECK(!memcmp(buf + 120 + 110, "TRAILER!!!", 10));
}

int main(void)
{
	RUN("pack", normalise_paths);
	RUN("pack", plan_sorted_with_parents);
	RUN("pack", plan_refuses_file_over_nonempty_dir);
	RUN("elf", elf_reads_dynamic_binary);
	RUN("elf", elf_static_and_non_elf);
	RUN("elf", elf_truncations_are_safe);
	RUN("cpio", cpio_header_layout);
	TEST_EXIT();
}
