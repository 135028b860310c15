/* The packer's pure parts: path normalisation, the plan's order, the ELF reader, the cpio writer. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "pack/emit.h"
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

/* Inode numbers are unique in the image even where the path hash collides (these two paths
 * share CRC-32 | 1), and an entry keeps its number whatever else the image holds. */
static void plan_inodes_unique(void)
{
	struct plan p = { 0 }, q = { 0 };
	uint32_t alone;
	size_t i, j;

	plan_add_data(&q, "/c/f8022000", "1", 1, 0644, "t");
	CHECK_INT(plan_finish(&q), 0);
	alone = q.v[1].ino;
	plan_add_data(&p, "/c/f2289854", "1", 1, 0644, "t");
	plan_add_data(&p, "/c/f8022000", "2", 1, 0644, "t");
	plan_add_data(&p, "/d", "3", 1, 0644, "t");
	CHECK_INT(plan_finish(&p), 0);
	for (i = 0; i < p.n; i++) {
		CHECK(p.v[i].ino & 1);
		for (j = i + 1; j < p.n; j++)
			CHECK(p.v[i].ino != p.v[j].ino);
	}
	CHECK_STR(p.v[1].dst, "/c/f2289854");
	CHECK_INT(p.v[1].ino, alone); /* the first of the two keeps the plain hash */
	plan_free(&p);
	plan_free(&q);
}

/* The packer's own files cannot be replaced by an input, in either order. */
static void plan_refuses_owned_paths(void)
{
	struct plan p = { 0 }, q = { 0 };

	plan_add_data(&p, "/init", "i", 1, 0755, "the init");
	plan_add_data(&p, "/init", "x", 1, 0755, "--file x:/init");
	CHECK_INT(plan_finish(&p), -EEXIST);
	plan_add_data(&q, "/etc/minboot.conf", "x", 1, 0644, "--overlay o");
	plan_add_data(&q, "/etc/minboot.conf", "s", 1, 0644, "settings");
	CHECK_INT(plan_finish(&q), -EEXIST);
	plan_free(&p);
	plan_free(&q);
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
	elf_info_free(&e);
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
	for (l = 0; l < len; l += (l < 4096 ? 1 : 509)) {
		elf_parse((unsigned char *)buf, l, &e);
		elf_info_free(&e);
	}
	buf[5] = 9; /* bad byte order byte is tolerated, bad class is not */
	buf[4] = 7;
	CHECK_INT(elf_parse((unsigned char *)buf, len, &e), -EINVAL);
	elf_info_free(&e);
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

/* The packer's hashes, stat cache and segment cache. */
static void write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

static void sha256_vectors(void)
{
	unsigned char d[DIGEST_LEN];
	char hex[2 * DIGEST_LEN + 1];
	struct hash h;

	hash_init(&h);
	hash_update(&h, "abc", 3);
	hash_final(&h, d);
	digest_hex(d, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"); /* FIPS 180-2 */
	hash_init(&h);
	hash_final(&h, d);
	digest_hex(d, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* A file rewritten after it was hashed (same size, within the same second): hash_check says so. */
static void hash_check_sees_changes(void)
{
	char path[] = "/tmp/minboot-hash-XXXXXX";
	unsigned char d[DIGEST_LEN], d2[DIGEST_LEN];
	int cached, fd = mkstemp(path);

	CHECK(fd >= 0);
	close(fd);
	write_text(path, "first");
	CHECK_INT(hash_file(path, d, &cached), 0);
	CHECK_INT(cached, 0);
	CHECK_INT(hash_file(path, d2, &cached), 0);
	CHECK_INT(cached, 1);
	CHECK_INT(hash_check(path), 0);
	write_text(path, "other");
	CHECK_INT(hash_check(path), -ESTALE);
	CHECK_INT(hash_file(path, d2, &cached), 0);
	CHECK(memcmp(d, d2, DIGEST_LEN) != 0);
	unlink(path);
}

/* The saved stat cache holds no racy entry (a file changed within the last two seconds) and is
 * used only whole: an edited line makes it ignored. */
static void stat_cache_integrity(void)
{
	char dir[] = "/tmp/minboot-sc-XXXXXX", file[64], cache[64], *text;
	unsigned char d[DIGEST_LEN];
	size_t len;
	int cached;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(file, sizeof(file), "%s/fresh", dir);
	snprintf(cache, sizeof(cache), "%s/stat-cache", dir);
	write_text(file, "content");
	CHECK_INT(hash_file(file, d, &cached), 0);
	CHECK_INT(hash_file("/bin/sh", d, &cached), 0); /* installed long ago */
	CHECK_INT(hash_cache_save(cache, dir), 0);
	CHECK_INT(hash_cache_load(cache), 0);
	CHECK_INT(file_read_all(cache, &text, &len, 1 << 20), 0);
	CHECK(strstr(text, " /bin/sh\n") != NULL);
	CHECK(strstr(text, "/fresh\n") == NULL);
	text[strlen("minboot stat cache 2\n")] ^= 1; /* one hex digit of a digest */
	write_text(cache, text);
	free(text);
	CHECK_INT(hash_cache_load(cache), -EINVAL);
	unlink(file);
	unlink(cache);
	rmdir(dir);
}

static void sizes(void)
{
	unsigned long long v;

	CHECK_INT(size_parse("2G", &v), 0);
	CHECK(v == 2ULL << 30);
	CHECK_INT(size_parse("500M", &v), 0);
	CHECK(v == 500ULL << 20);
	CHECK_INT(size_parse("64KiB", &v), -EINVAL);
	CHECK_INT(size_parse("64KB", &v), 0);
	CHECK(v == 64 << 10);
	CHECK_INT(size_parse("4096", &v), 0);
	CHECK(v == 4096);
	CHECK_INT(size_parse("0", &v), 0);
	CHECK(v == 0);
	CHECK_INT(size_parse("1.5G", &v), -EINVAL);
	CHECK_INT(size_parse("12Q", &v), -EINVAL);
	CHECK_INT(size_parse("-1", &v), -EINVAL);
	CHECK_INT(size_parse("99999999999T", &v), -ERANGE);
}

static void emitters_table(void)
{
	CHECK(emitter_find("initramfs") == &emitter_initramfs);
	CHECK(emitter_find("ext2") == &emitter_ext2 && emitter_ext2.outputs[1] && !strcmp(emitter_ext2.outputs[1], ".initrd"));
	CHECK(emitter_find("chroot")->dir == 1);
	CHECK(emitter_find("uki") == &emitter_uki && emitter_find("disk") == &emitter_disk);
	CHECK(emitter_find("vhd") == NULL);
	CHECK(emitter_find("erofs") == &emitter_erofs && !strcmp(emitter_erofs.outputs[1], ".initrd"));
	CHECK(emitter_find("squashfs") == &emitter_squashfs && !strcmp(emitter_squashfs.outputs[1], ".initrd"));
	CHECK_STR(emitter_names(), "initramfs, chroot, ext2, erofs, squashfs, iso, uki or disk");
}

/* An entry is used only when length, key and SHA-256 match; a damaged one is removed. */
static void cache_entries_verified(void)
{
	char dir[] = "/tmp/minboot-cache-XXXXXX", out[64], name[200], hex[2 * DIGEST_LEN + 1];
	unsigned char key[DIGEST_LEN] = { 1, 2, 3 }, other[DIGEST_LEN] = { 9 }, buf[64];
	struct pack_opts o;
	struct cache c;
	uint64_t len;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	memset(&o, 0, sizeof(o));
	o.cache = dir;
	CHECK_INT(cache_open(&c, &o), 0);
	snprintf(out, sizeof(out), "%s/out", dir);
	fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, "headSEGMENT", 11) == 11);
	cache_put(&c, key, fd, 4, 7);
	CHECK_INT(c.stored, 1);
	CHECK(ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0);
	CHECK_INT(cache_get(&c, other, fd, &len), 0);
	CHECK_INT(cache_get(&c, key, fd, &len), 1);
	CHECK(len == 7 && pread(fd, buf, 7, 0) == 7 && !memcmp(buf, "SEGMENT", 7));
	digest_hex(key, hex);
	snprintf(name, sizeof(name), "%s/seg-%s", dir, hex);
	{ /* same length, one byte changed */
		int e = open(name, O_WRONLY);
		CHECK(e >= 0 && pwrite(e, "X", 1, 2) == 1);
		close(e);
	}
	CHECK(ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0);
	CHECK_INT(cache_get(&c, key, fd, &len), 0);
	CHECK(lseek(fd, 0, SEEK_END) == 0);          /* nothing of it left in the output */
	CHECK(access(name, F_OK) < 0);               /* and removed */
	close(fd);
	unlink(out);
	cache_close(&c);
	rm_tree(dir);
}

int main(void)
{
	RUN("pack", normalise_paths);
	RUN("pack", plan_sorted_with_parents);
	RUN("pack", plan_refuses_file_over_nonempty_dir);
	RUN("pack", plan_inodes_unique);
	RUN("pack", plan_refuses_owned_paths);
	RUN("elf", elf_reads_dynamic_binary);
	RUN("elf", elf_static_and_non_elf);
	RUN("elf", elf_truncations_are_safe);
	RUN("cpio", cpio_header_layout);
	RUN("hash", sha256_vectors);
	RUN("hash", hash_check_sees_changes);
	RUN("hash", stat_cache_integrity);
	RUN("cache", sizes);
	RUN("cache", emitters_table);
	RUN("cache", cache_entries_verified);
	TEST_EXIT();
}
