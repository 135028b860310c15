/* --oci PATH: the image's root and its payload from an OCI image.
 *
 * The image is an image-layout directory (image-spec image-layout.md: oci-layout, index.json,
 * blobs/ALG/HEX), a tar of one (plain, gzip or zstd), or a docker save archive (manifest.json
 * with Config and Layers; since Docker 25 the layout's blobs as well).  The index's manifest for
 * linux/amd64 is taken, or a single manifest without platform information; nested indexes (as
 * multi-platform builds write) are followed.  Every blob is checked against its descriptor's
 * size and SHA-256 digest before it is read, and every layer's uncompressed bytes against the
 * config's rootfs.diff_ids.  Unknown media types, platforms and digest algorithms are refused,
 * naming them.
 *
 * The config's Entrypoint + Cmd become minboot.payload (each word quoted so the init's
 * cmd_split gives the same argv), Env minboot.env.NAME, WorkingDir minboot.workdir (made in the
 * image when it is missing, as runc does), User minboot.user (checked against the image's own
 * /etc/passwd and /etc/group; a uid without a passwd entry and without a group runs with gid 0,
 * as Docker does).  ExposedPorts are listed in a comment of /etc/minboot.conf and in a message.
 * --payload and --set given to the packer take precedence over the image's. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/cmdline.h"
#include "common/config.h"
#include "common/log.h"
#include "pack/digest.h"
#include "pack/json.h"
#include "pack/oci.h"
#include "pack/opts.h"
#include "pack/pack.h"

#define JSON_MAX    (8 << 20)    /* image-spec: manifests SHOULD stay under 4 MiB */
#define IMAGE_PATH  "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" /* the init's */
#define WHY         "--oci"

static const char *const index_types[] = {
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json", NULL,
};
static const char *const manifest_types[] = {
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json", NULL,
};
static const char *const config_types[] = {
	"application/vnd.oci.image.config.v1+json",
	"application/vnd.docker.container.image.v1+json", NULL,
};
/* The compression is read from the bytes themselves (gzip, zstd or a plain tar), so the
 * types only say which layers are images' filesystems. */
static const char *const layer_types[] = {
	"application/vnd.oci.image.layer.v1.tar",
	"application/vnd.oci.image.layer.v1.tar+gzip",
	"application/vnd.oci.image.layer.v1.tar+zstd",
	"application/vnd.oci.image.layer.nondistributable.v1.tar",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	"application/vnd.docker.image.rootfs.diff.tar",
	"application/vnd.docker.image.rootfs.diff.tar.gzip",
	"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", NULL,
};

static int one_of(const char *s, const char *const *list)
{
	for (; s && *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

/* ---- the staging directory: the layers' file contents, removed when the packer exits ---- */

static char *stage_dir;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(path) < 0 ? 0 : 0;
}

static void stage_remove(void)
{
	if (stage_dir)
		nftw(stage_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int stage_make(void)
{
	const char *tmp = getenv("TMPDIR");
	char *d;

	if (asprintf(&d, "%s/minboot-oci.XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
		abort();
	if (!mkdtemp(d)) {
		int r = -errno;
		err("--oci: unable to make a staging directory %s: %s", d, strerror(-r));
		free(d);
		return r;
	}
	stage_dir = d;
	atexit(stage_remove);
	return 0;
}

/* ---- the image's files: a directory, or the members of a tar ---- */

struct member {
	char *name;              /* normalised, absolute */
	char type;
	uint64_t off, size;
	char *link;
};

struct src {
	const char *arg;
	int dirfd, fd;           /* a layout directory, or the archive (a plain tar) */
	struct member *m;
	size_t nm;
};

struct blob {
	int fd, own;
	uint64_t off, size;
	char name[TAR_PATH_MAX]; /* for messages */
};

struct fdread {
	int fd;
	uint64_t off, left;
};

static ssize_t fd_read(void *ctx, void *buf, size_t n)
{
	struct fdread *f = ctx;
	ssize_t k;

	if (n > f->left)
		n = (size_t)f->left;
	if (!n)
		return 0;
	do
		k = pread(f->fd, buf, n, (off_t)f->off);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return -errno;
	f->off += (uint64_t)k;
	f->left -= (uint64_t)k;
	return k;
}

static int magic(int fd, uint64_t off, const char *m, size_t len)
{
	char b[8];

	return pread(fd, b, len, (off_t)off) == (ssize_t)len && !memcmp(b, m, len);
}

/* Decompress fd (from off, size bytes) into a staged file; its descriptor, or -errno. */
static int inflate_to_stage(int fd, uint64_t off, uint64_t size, const char *what)
{
	static unsigned long long n;
	unsigned char in[65536], out[65536];
	char path[PATH_MAX];
	z_stream z = { 0 };
	int o, r = 0, zr = Z_OK;
	struct fdread f = { fd, off, size };
	ssize_t k;

	snprintf(path, sizeof(path), "%s/gunzip.%llu", stage_dir, n++);
	if ((o = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return -errno;
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		abort();
	while (!r && (k = fd_read(&f, in, sizeof(in))) > 0) {
		z.next_in = in;
		z.avail_in = (unsigned)k;
		while (!r && z.avail_in) {
			if (zr == Z_STREAM_END && inflateReset(&z) != Z_OK) /* another gzip member */
				r = -EINVAL;
			z.next_out = out;
			z.avail_out = sizeof(out);
			zr = inflate(&z, Z_NO_FLUSH);
			if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
				r = -EINVAL;
			else if (write(o, out, sizeof(out) - z.avail_out) != (ssize_t)(sizeof(out) - z.avail_out))
				r = -EIO;
		}
	}
	inflateEnd(&z);
	if (!r && zr != Z_STREAM_END)
		r = -EINVAL;
	if (r) {
		err("--oci: %s: %s", what, r == -EIO ? "unable to write the staging directory" :
		    "bad or truncated gzip data");
		close(o);
		return r;
	}
	return o;
}

static int unzstd_to_stage(int fd, uint64_t off, uint64_t size, const char *what)
{
	static unsigned long long n;
	char in[PATH_MAX], out[PATH_MAX], buf[65536];
	struct fdread f = { fd, off, size };
	int i, o, r = 0;
	ssize_t k;

	snprintf(in, sizeof(in), "%s/zst.%llu", stage_dir, n);
	snprintf(out, sizeof(out), "%s/unzstd.%llu", stage_dir, n++);
	if ((i = open(in, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return -errno;
	while (!r && (k = fd_read(&f, buf, sizeof(buf))) > 0)
		if (write(i, buf, (size_t)k) != k)
			r = -EIO;
	close(i);
	if (!r) {
		char *const argv[] = { "zstd", "-q", "-d", "-f", "-o", out, in, NULL };
		r = tool_run(argv, NULL, 0);
	}
	unlink(in);
	if (r) {
		err("--oci: %s: %s", what, r == -ENOENT ? "zstd data needs the zstd tool (package zstd)" :
		    "bad or truncated zstd data");
		return r;
	}
	o = open(out, O_RDONLY | O_CLOEXEC);
	return o < 0 ? -errno : o;
}

static ssize_t raw_read(void *ctx, void *buf, size_t n)
{
	ssize_t k;

	do
		k = read(*(int *)ctx, buf, n);
	while (k < 0 && errno == EINTR);
	return k < 0 ? -errno : k;
}

static int members_read(struct src *s)
{
	static struct tar t;
	static struct tar_entry e;
	char name[TAR_PATH_MAX];
	size_t cap = 0;
	int r;

	tar_init(&t, raw_read, &s->fd);
	while ((r = tar_next(&t, &e)) > 0) {
		if (layer_path(e.path, name, sizeof(name)) < 0 || !strchr("012", e.type))
			continue; /* never extracted: a name that could not be looked up is simply ignored */
		if (s->nm == cap && !(s->m = realloc(s->m, (cap = cap ? cap * 2 : 64) * sizeof(*s->m))))
			abort();
		s->m[s->nm] = (struct member){ xstrdup(name), e.type, e.offset, e.size,
					       e.type == '0' ? NULL : xstrdup(e.link) };
		s->nm++;
	}
	if (r < 0)
		err("--oci %s: not a tar archive or a damaged one: %s", s->arg, t.err);
	return r;
}

static int src_open(struct src *s, const char *arg)
{
	struct stat st;
	int fd;

	memset(s, 0, sizeof(*s));
	s->arg = arg;
	s->dirfd = s->fd = -1;
	if (stat(arg, &st) < 0) {
		err("--oci %s: %s", arg, strerror(errno));
		return -errno;
	}
	if (S_ISDIR(st.st_mode)) {
		if ((s->dirfd = open(arg, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
			err("--oci %s: %s", arg, strerror(errno));
			return -errno;
		}
		return 0;
	}
	if ((fd = open(arg, O_RDONLY | O_CLOEXEC)) < 0) {
		err("--oci %s: %s", arg, strerror(errno));
		return -errno;
	}
	if (magic(fd, 0, "\x1f\x8b", 2))
		s->fd = inflate_to_stage(fd, 0, (uint64_t)st.st_size, arg);
	else if (magic(fd, 0, "\x28\xb5\x2f\xfd", 4))
		s->fd = unzstd_to_stage(fd, 0, (uint64_t)st.st_size, arg);
	else
		s->fd = fd, fd = -1;
	if (fd >= 0)
		close(fd);
	if (s->fd < 0)
		return s->fd;
	lseek(s->fd, 0, SEEK_SET);
	return members_read(s);
}

static struct member *member_find(struct src *s, const char *name, int hops)
{
	char buf[2 * TAR_PATH_MAX], norm[TAR_PATH_MAX];
	size_t i;

	for (i = s->nm; i-- > 0;) { /* the last of the same name wins, as for tar -x */
		struct member *m = &s->m[i];
		if (strcmp(m->name, name))
			continue;
		if (m->type == '0')
			return m;
		if (hops > 8)
			return NULL;
		if (m->type == '1')
			snprintf(buf, sizeof(buf), "%s", m->link);
		else if (m->link[0] == '/')
			return NULL;
		else
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)(strrchr(name, '/') - name), name, m->link);
		/* ".." inside an archive: resolved by hand, never above its root */
		char *c, *o = norm;
		*o = '\0';
		for (c = strtok(buf, "/"); c; c = strtok(NULL, "/")) {
			if (!strcmp(c, "."))
				continue;
			if (!strcmp(c, "..")) {
				if ((o = strrchr(norm, '/')))
					*o = '\0';
				else
					return NULL;
				continue;
			}
			o = norm + strlen(norm);
			snprintf(o, sizeof(norm) - (size_t)(o - norm), "/%s", c);
		}
		return member_find(s, norm, hops + 1);
	}
	return NULL;
}

/* A file of the image by its path inside it ("index.json", "blobs/sha256/HEX"). */
static int blob_open(struct src *s, const char *name, struct blob *b)
{
	char norm[TAR_PATH_MAX];
	struct member *m;
	struct stat st;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	snprintf(b->name, sizeof(b->name), "%s", name);
	if (layer_path(name, norm, sizeof(norm)) < 0)
		return -EINVAL;
	if (s->dirfd >= 0) {
		if ((b->fd = openat(s->dirfd, norm + 1, O_RDONLY | O_CLOEXEC)) < 0)
			return -errno;
		if (fstat(b->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(b->fd);
			return -EINVAL;
		}
		b->own = 1;
		b->size = (uint64_t)st.st_size;
		return 0;
	}
	if (!(m = member_find(s, norm, 0)))
		return -ENOENT;
	b->fd = s->fd;
	b->off = m->off;
	b->size = m->size;
	return 0;
}

static void blob_close(struct blob *b)
{
	if (b->own && b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}

/* "sha256:HEX" -> "blobs/sha256/HEX"; other algorithms (sha512 is registered too) are refused. */
static int digest_name(const char *digest, char *name, size_t len, const char *what)
{
	size_t i;

	if (!digest || strncmp(digest, "sha256:", 7)) {
		err("--oci: %s: digest '%s': only sha256 digests are supported", what, digest ? digest : "(none)");
		return -ENOTSUP;
	}
	for (i = 7; digest[i]; i++)
		if (!((digest[i] >= '0' && digest[i] <= '9') || (digest[i] >= 'a' && digest[i] <= 'f')))
			break;
	if (i != 7 + 64 || digest[i]) {
		err("--oci: %s: digest '%s' is not 64 lower-case hex digits", what, digest);
		return -EINVAL;
	}
	snprintf(name, len, "blobs/sha256/%s", digest + 7);
	return 0;
}

static int blob_digest(const struct blob *b, char hex[65])
{
	struct fdread f = { b->fd, b->off, b->size };
	struct digest d;
	char buf[65536];
	ssize_t k;
	int r;

	if ((r = digest_begin(&d)) < 0)
		return r;
	while ((k = fd_read(&f, buf, sizeof(buf))) > 0)
		if (digest_update(&d, buf, (size_t)k) < 0)
			break;
	if (k < 0) {
		digest_abort(&d);
		return (int)k;
	}
	return digest_end(&d, hex);
}

static int digest_failed(int r, const char *what)
{
	err("--oci: %s: unable to compute its SHA-256: %s", what, strerror(-r));
	return r;
}

/* The blob a descriptor names, checked against its size and digest. */
static int desc_open(struct src *s, const struct json *desc, const char *what, struct blob *b)
{
	const char *digest = json_str(json_get(desc, "digest"));
	char name[128], hex[65];
	uint64_t size;
	int r;

	if ((r = digest_name(digest, name, sizeof(name), what)) < 0)
		return r;
	if (json_u64(json_get(desc, "size"), &size) < 0) {
		err("--oci: %s: the descriptor has no size", what);
		return -EINVAL;
	}
	if ((r = blob_open(s, name, b)) < 0) {
		err("--oci %s: %s: the blob %s is missing", s->arg, what, name);
		return r;
	}
	if (b->size != size) {
		err("--oci: %s: the blob %s is %llu bytes, its descriptor says %llu", what, name,
		    (unsigned long long)b->size, (unsigned long long)size);
		blob_close(b);
		return -EINVAL;
	}
	if ((r = blob_digest(b, hex)) < 0) {
		blob_close(b);
		return digest_failed(r, what);
	}
	if (strcmp(hex, digest + 7)) {
		err("--oci: %s: the blob %s has the digest sha256:%s, not %s (damaged or altered)", what,
		    name, hex, digest);
		blob_close(b);
		return -EINVAL;
	}
	return 0;
}

static int json_read(const struct blob *b, struct json **out, const char *what)
{
	struct fdread f = { b->fd, b->off, b->size };
	char *buf, why[128];
	size_t got = 0;
	ssize_t k;
	int r;

	if (b->size > JSON_MAX) {
		err("--oci: %s is %llu bytes: more than the %d a manifest or config may be", what,
		    (unsigned long long)b->size, JSON_MAX);
		return -EFBIG;
	}
	if (!(buf = malloc((size_t)b->size + 1)))
		abort();
	while (got < b->size && (k = fd_read(&f, buf + got, (size_t)b->size - got)) > 0)
		got += (size_t)k;
	r = got == b->size ? json_parse(buf, got, out, why, sizeof(why)) : -EIO;
	free(buf);
	if (r < 0)
		err("--oci: %s: %s", what, r == -EIO ? "unable to read it" : why);
	return r;
}

/* ---- choosing the manifest ---- */

struct image {
	struct json *manifest, *config;
	const struct json *layers;   /* the manifest's descriptors, or docker save's paths */
	int docker_save;
};

static void platform_name(const struct json *pf, char *out, size_t len)
{
	const char *os = json_str(json_get(pf, "os")), *arch = json_str(json_get(pf, "architecture"));
	const char *var = json_str(json_get(pf, "variant"));

	snprintf(out, len, "%s/%s%s%s", os ? os : "?", arch ? arch : "?", var ? "/" : "", var ? var : "");
}

static int platform_ours(const struct json *pf)
{
	const char *os = json_str(json_get(pf, "os")), *arch = json_str(json_get(pf, "architecture"));

	return os && arch && !strcmp(os, "linux") && !strcmp(arch, "amd64");
}

/* Docker's build attestations sit in the index as manifests for "unknown/unknown". */
static int is_attestation(const struct json *d)
{
	const char *t = json_str(json_get(json_get(d, "annotations"), "vnd.docker.reference.type"));
	const char *os = json_str(json_get(json_get(d, "platform"), "os"));

	return (t && !strcmp(t, "attestation-manifest")) || (os && !strcmp(os, "unknown"));
}

static int manifest_load(struct src *s, const struct json *desc, struct image *im, const char *what)
{
	const char *mt;
	struct blob b;
	int r;

	if ((r = desc_open(s, desc, what, &b)) < 0)
		return r;
	r = json_read(&b, &im->manifest, what);
	blob_close(&b);
	if (r < 0)
		return r;
	mt = json_str(json_get(im->manifest, "mediaType"));
	if (mt && !one_of(mt, manifest_types)) {
		err("--oci: %s: unsupported media type %s", what, mt);
		return -ENOTSUP;
	}
	im->layers = json_get(im->manifest, "layers");
	return 0;
}

/* An index: its linux/amd64 manifest, or its only one without a platform; nested indexes
 * followed.  What was found instead is named when nothing fits. */
static int index_choose(struct src *s, const struct json *index, struct image *im, int depth)
{
	const struct json *m = json_get(index, "manifests"), *d, *bare = NULL, *pick = NULL;
	char found[512] = "", pf[64], types[512] = "";
	int nbare = 0, r;

	if (!m || m->type != J_ARR || depth > 4) {
		err("--oci %s: the index has no list of manifests", s->arg);
		return -EINVAL;
	}
	for (d = m->kids; d && !pick; d = d->next) {
		const char *mt = json_str(json_get(d, "mediaType"));
		const struct json *p = json_get(d, "platform");
		if (is_attestation(d))
			continue;
		if (!one_of(mt, manifest_types) && !one_of(mt, index_types)) {
			snprintf(types + strlen(types), sizeof(types) - strlen(types), "%s%s", *types ? ", " : "",
				 mt ? mt : "(none)");
			continue;
		}
		if (p && platform_ours(p))
			pick = d;
		else if (p) {
			platform_name(p, pf, sizeof(pf));
			snprintf(found + strlen(found), sizeof(found) - strlen(found), "%s%s", *found ? ", " : "", pf);
		} else
			bare = d, nbare++;
	}
	if (!pick && nbare == 1 && !*found)
		pick = bare;
	if (!pick) {
		if (nbare > 1)
			err("--oci %s: the index holds %d images without a platform; --oci takes one", s->arg, nbare);
		else if (*found)
			err("--oci %s: no image for linux/amd64 (the image is for %s)", s->arg, found);
		else
			err("--oci %s: no image manifest in the index%s%s", s->arg,
			    *types ? "; unsupported media types: " : "", types);
		return -ENOTSUP;
	}
	if (one_of(json_str(json_get(pick, "mediaType")), index_types)) {
		struct json *sub;
		struct blob b;
		if ((r = desc_open(s, pick, "nested index", &b)) < 0)
			return r;
		r = json_read(&b, &sub, "nested index");
		blob_close(&b);
		if (r == 0)
			r = index_choose(s, sub, im, depth + 1);
		json_free(sub);
		return r;
	}
	return manifest_load(s, pick, im, "manifest");
}

static int config_load(struct src *s, struct image *im)
{
	const struct json *c = json_get(im->manifest, "config");
	const char *mt = json_str(json_get(c, "mediaType")), *os, *arch;
	char pf[64];
	struct blob b;
	int r;

	if (!c || (!one_of(mt, config_types))) {
		err("--oci %s: not a container image: its config has the media type %s", s->arg,
		    mt ? mt : "(none)");
		return -ENOTSUP;
	}
	if ((r = desc_open(s, c, "config", &b)) < 0)
		return r;
	r = json_read(&b, &im->config, "config");
	blob_close(&b);
	if (r < 0)
		return r;
	os = json_str(json_get(im->config, "os"));
	arch = json_str(json_get(im->config, "architecture"));
	if ((os || arch) && !platform_ours(im->config)) {
		platform_name(im->config, pf, sizeof(pf));
		err("--oci %s: the image is for %s, not linux/amd64", s->arg, pf);
		return -ENOTSUP;
	}
	return 0;
}

/* docker save before Docker 25: manifest.json lists one entry per image, with paths. */
static int docker_load(struct src *s, struct image *im)
{
	struct blob b;
	const struct json *e, *cfg;
	char hex[65];
	const char *name, *slash;
	int r;

	if ((r = blob_open(s, "manifest.json", &b)) < 0) {
		err("--oci %s: neither an OCI image layout (index.json) nor a docker save archive (manifest.json)", s->arg);
		return -EINVAL;
	}
	r = json_read(&b, &im->manifest, "manifest.json");
	blob_close(&b);
	if (r < 0)
		return r;
	e = im->manifest->type == J_ARR ? im->manifest->kids : NULL;
	if (!e || e->next) {
		err("--oci %s: manifest.json holds %s images; --oci takes one", s->arg, e ? "several" : "no");
		return -EINVAL;
	}
	im->docker_save = 1;
	im->layers = json_get(e, "Layers");
	if (!(name = json_str(json_get(e, "Config"))) || (r = blob_open(s, name, &b)) < 0) {
		err("--oci %s: manifest.json: the image's Config file is missing", s->arg);
		return -EINVAL;
	}
	/* The config's name is its digest: "HEX.json", or "blobs/sha256/HEX". */
	slash = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	if ((r = blob_digest(&b, hex)) < 0) {
		blob_close(&b);
		return digest_failed(r, name);
	}
	if (strncmp(slash, hex, 64) || (slash[64] && strcmp(slash + 64, ".json"))) {
		err("--oci: the config %s has the digest sha256:%s, not the one its name says (damaged or altered)", name, hex);
		blob_close(&b);
		return -EINVAL;
	}
	r = json_read(&b, &im->config, name);
	blob_close(&b);
	if (r < 0)
		return r;
	cfg = im->config;
	if ((json_str(json_get(cfg, "os")) || json_str(json_get(cfg, "architecture"))) && !platform_ours(cfg)) {
		char pf[64];
		platform_name(cfg, pf, sizeof(pf));
		err("--oci %s: the image is for %s, not linux/amd64", s->arg, pf);
		return -ENOTSUP;
	}
	return 0;
}

static int image_load(struct src *s, struct image *im)
{
	struct json *lay = NULL, *index = NULL;
	const char *v, *mt;
	struct blob b;
	int r;

	memset(im, 0, sizeof(*im));
	if (blob_open(s, "oci-layout", &b) == 0) {
		r = json_read(&b, &lay, "oci-layout");
		blob_close(&b);
		if (r < 0)
			return r;
		v = json_str(json_get(lay, "imageLayoutVersion"));
		if (!v || strncmp(v, "1.", 2)) {
			err("--oci %s: unsupported image layout version %s", s->arg, v ? v : "(none)");
			json_free(lay);
			return -ENOTSUP;
		}
		json_free(lay);
	}
	if (blob_open(s, "index.json", &b) < 0)
		return docker_load(s, im);
	r = json_read(&b, &index, "index.json");
	blob_close(&b);
	if (r < 0)
		return r;
	mt = json_str(json_get(index, "mediaType"));
	if (mt && !one_of(mt, index_types)) {
		err("--oci %s: index.json: unsupported media type %s", s->arg, mt);
		r = -ENOTSUP;
	} else {
		r = index_choose(s, index, im, 0);
	}
	json_free(index);
	return r < 0 ? r : config_load(s, im);
}

/* ---- the layers ---- */

struct layer_read {
	int fd;
	uint64_t off, left;
	struct digest *d;        /* the uncompressed bytes' digest, for rootfs.diff_ids */
};

static ssize_t layer_read(void *ctx, void *buf, size_t n)
{
	struct layer_read *l = ctx;
	struct fdread f = { l->fd, l->off, l->left };
	ssize_t k = fd_read(&f, buf, n);

	if (k > 0) {
		l->off = f.off, l->left = f.left;
		if (l->d && digest_update(l->d, buf, (size_t)k) < 0)
			return -EIO;
	}
	return k;
}

static struct tree tree;
static struct tar layer_tar;

/* One layer: decompressed (by its bytes) into the staging directory when compressed, its tar
 * applied to the tree, its uncompressed digest compared with diff_id (NULL: already checked). */
static int layer_one(struct blob *b, int i, const char *diff_id, const char *what)
{
	struct layer_read l = { b->fd, b->off, b->size, NULL };
	struct digest d;
	char hex[65], buf[65536];
	int fd = -1, r;

	if (magic(b->fd, b->off, "\x1f\x8b", 2))
		fd = inflate_to_stage(b->fd, b->off, b->size, what);
	else if (magic(b->fd, b->off, "\x28\xb5\x2f\xfd", 4))
		fd = unzstd_to_stage(b->fd, b->off, b->size, what);
	if (fd < -1)
		return fd;
	if (fd >= 0) {
		struct stat st;
		fstat(fd, &st);
		l.fd = fd, l.off = 0, l.left = (uint64_t)st.st_size;
	}
	if (diff_id && (r = digest_begin(&d)) < 0) {
		if (fd >= 0)
			close(fd);
		return digest_failed(r, what);
	}
	l.d = diff_id ? &d : NULL;
	tar_init(&layer_tar, layer_read, &l);
	r = layer_apply(&tree, &layer_tar, i, what);
	while (!r && diff_id && layer_read(&l, buf, sizeof(buf)) > 0) /* the end blocks, padding */
		;
	if (fd >= 0)
		close(fd);
	if (!diff_id)
		return r;
	if (r < 0) {
		digest_abort(&d);
		return r;
	}
	if ((r = digest_end(&d, hex)) < 0)
		return digest_failed(r, what);
	if (strncmp(diff_id, "sha256:", 7) || strcmp(diff_id + 7, hex)) {
		err("--oci: %s: its uncompressed content has the digest sha256:%s, not the config's diff_id %s",
		    what, hex, diff_id);
		return -EINVAL;
	}
	return 0;
}

static int layers_apply(struct src *s, struct image *im)
{
	const struct json *ids = json_get(json_get(im->config, "rootfs"), "diff_ids"), *d, *id;
	char what[160];
	int i = 0, n = 0, r = 0;
	struct blob b;

	for (d = im->layers && im->layers->type == J_ARR ? im->layers->kids : NULL; d; d = d->next)
		n++;
	for (id = ids && ids->type == J_ARR ? ids->kids : NULL, i = 0; id; id = id->next)
		i++;
	if (!im->layers || im->layers->type != J_ARR || i != n) {
		err("--oci %s: the manifest lists %d layers and the config's rootfs.diff_ids %d", s->arg, n, i);
		return -EINVAL;
	}
	tree.stage = stage_dir;
	for (d = im->layers->kids, id = ids->kids, i = 0; d; d = d->next, id = id->next, i++) {
		const char *diff = json_str(id), *mt = json_str(json_get(d, "mediaType"));
		snprintf(what, sizeof(what), "layer %d of %d", i + 1, n);
		if (im->docker_save) {
			const char *name = json_str(d);
			if (!name || blob_open(s, name, &b) < 0) {
				err("--oci %s: %s (%s) is missing", s->arg, what, name ? name : "no name");
				return -EINVAL;
			}
		} else if (!one_of(mt, layer_types)) {
			err("--oci %s: %s: unsupported media type %s", s->arg, what, mt ? mt : "(none)");
			return -ENOTSUP;
		} else if ((r = desc_open(s, d, what, &b)) < 0) {
			return r;
		}
		/* an uncompressed OCI layer's blob digest is its diff_id, already checked */
		r = layer_one(&b, i, diff && !im->docker_save && !strcmp(diff, json_str(json_get(d, "digest")))
			      ? NULL : diff ? diff : "", what);
		blob_close(&b);
		if (r < 0)
			return r;
	}
	if (tree.skipped)
		warn("--oci: left out %llu block devices and FIFOs (devtmpfs provides /dev at boot)",
		     (unsigned long long)tree.skipped);
	return 0;
}

/* The tree into the plan.  The image's /init and /etc/minboot.conf give way to minboot's. */
static int tree_to_plan(struct plan *p)
{
	size_t i;
	int r = 0;

	for (i = 0; !r && i < tree.n; i++) {
		struct node *n = &tree.v[i];
		if (n->dead)
			continue;
		if (!strcmp(n->path, "/init") || !strcmp(n->path, "/etc/minboot.conf")) {
			warn("--oci: the image's %s is replaced by minboot's", n->path);
			continue;
		}
		switch (n->type) {
		case '0': r = plan_add_file(p, n->path, n->src, n->mode, WHY); break;
		case '2': r = plan_add_symlink(p, n->path, n->link, WHY); break;
		case '3': r = plan_add_chr(p, n->path, n->major, n->minor, n->mode, WHY); break;
		default: r = plan_add_dir(p, n->path, n->mode, WHY); break;
		}
		if (r == 0)
			p->v[p->n - 1].uid = n->uid, p->v[p->n - 1].gid = n->gid;
		else
			err("--oci: %s: %s", n->path, strerror(-r));
	}
	return r;
}

/* ---- the settings ---- */

static struct json *config_json; /* kept for oci_finish */
static const char **img_set;     /* settings from the image, before the packer's own --set */
static int img_nset, payload_from_image;
static char *img_payload, *img_user, *img_path;

static int payload_make(const struct json *cfg, struct pack_opts *o)
{
	const struct json *part[2] = { json_get(cfg, "Entrypoint"), json_get(cfg, "Cmd") }, *w;
	const char *words[CMDLINE_MAX_ARGS + 1];
	char *text = NULL, *copy, *argv[CMDLINE_MAX_ARGS + 1];
	size_t len = 0;
	int i, n = 0, argc;
	FILE *f;

	for (i = 0; i < 2; i++)
		for (w = part[i] && part[i]->type == J_ARR ? part[i]->kids : NULL; w; w = w->next) {
			if (!json_str(w) || strchr(json_str(w), '\n')) {
				err("--oci: the image's %s has a word that is %s", i ? "Cmd" : "Entrypoint",
				    json_str(w) ? "on several lines (the init's settings take one line)" : "not a string");
				return -EINVAL;
			}
			if (n == CMDLINE_MAX_ARGS) {
				err("--oci: the image's Entrypoint and Cmd have more than the %d words the init takes",
				    CMDLINE_MAX_ARGS);
				return -E2BIG;
			}
			words[n++] = json_str(w);
		}
	if (!n)
		return 0; /* no command: --payload, or the kernel command line's "--", gives one */
	if (!(f = open_memstream(&text, &len)))
		abort();
	for (i = 0; i < n; i++) {
		if (i)
			fputc(' ', f);
		word_quote(f, words[i]);
	}
	fclose(f);
	if (len >= CONFIG_STR) {
		err("--oci: the image's Entrypoint and Cmd are %zu bytes as a command: the init takes %d",
		    len, CONFIG_STR - 1);
		free(text);
		return -E2BIG;
	}
	/* the words come back the same, or the image's command is not one the init can run */
	copy = xstrdup(text);
	argc = cmd_split(copy, argv, CMDLINE_MAX_ARGS);
	for (i = 0; argc == n && i < n; i++)
		if (strcmp(words[i], argv[i]))
			argc = -1;
	free(copy);
	if (argc != n) {
		err("--oci: the image's Entrypoint and Cmd cannot be written as one minboot.payload");
		free(text);
		return -EINVAL;
	}
	img_payload = text;
	if (!o->payload)
		o->payload = img_payload, payload_from_image = 1, o->payload_checked = 1;
	return 0;
}

/* A setting from the image, validated with the init's key table now so a refusal names it. */
static int set_add(struct config *scratch, const char *what, const char *key, const char *val)
{
	char why[256], *line;
	int r;

	if (strchr(val, '\n') || strchr(key, '\n')) {
		err("--oci: the image's %s is on several lines (the init's settings take one line)", what);
		return -EINVAL;
	}
	if ((r = config_apply(scratch, key, val, why, sizeof(why))) < 0) {
		err("--oci: the image's %s: the init would refuse it: %s", what, why);
		return r;
	}
	if (asprintf(&line, "%s=%s", key, val) < 0)
		abort();
	return opts_push(&img_set, &img_nset, line);
}

static int env_make(struct config *scratch, const struct json *cfg)
{
	const struct json *env = json_get(cfg, "Env"), *v;
	char key[300], what[300];
	const char *s, *eq;
	int r;

	for (v = env && env->type == J_ARR ? env->kids : NULL; v; v = v->next) {
		if (!(s = json_str(v)) || !(eq = strchr(s, '=')) || eq == s || (size_t)(eq - s) > 200 ||
		    strcspn(s, " \t\r\"#") < (size_t)(eq - s)) {
			err("--oci: the image's Env has '%s': expected NAME=VALUE", s ? s : "(not a string)");
			return -EINVAL;
		}
		snprintf(key, sizeof(key), "minboot.env.%.*s", (int)(eq - s), s);
		snprintf(what, sizeof(what), "Env %.*s", (int)(eq - s), s);
		if ((r = set_add(scratch, what, key, eq + 1)) < 0)
			return r;
		if (!strncmp(s, "PATH=", 5))
			img_path = xstrdup(eq + 1);
	}
	return 0;
}

static void ports_note(const struct json *cfg, struct pack_opts *o)
{
	const struct json *ports = json_get(cfg, "ExposedPorts"), *k;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!ports || ports->type != J_OBJ || !ports->kids)
		return;
	if (!(f = open_memstream(&text, &len)))
		abort();
	for (k = ports->kids; k; k = k->next)
		if (!strchr(k->key, '\n'))
			fprintf(f, " %s", k->key);
	fclose(f);
	info("--oci: the image exposes%s (qemu-scripts/run -p HOST:PORT forwards a TCP port)", text);
	if (asprintf((char **)&o->conf_note, "# --oci ExposedPorts:%s\n", text) < 0)
		abort();
	free(text);
}

static int settings_make(struct pack_opts *o)
{
	static struct config scratch;
	const struct json *cfg = json_get(config_json, "config");
	const char *wd = json_str(json_get(cfg, "WorkingDir")), *user = json_str(json_get(cfg, "User"));
	const char *sig = json_str(json_get(cfg, "StopSignal"));
	int r;

	config_defaults(&scratch);
	if ((r = payload_make(cfg, o)) < 0 || (r = env_make(&scratch, cfg)) < 0)
		return r;
	if (wd && *wd && (r = set_add(&scratch, "WorkingDir", "minboot.workdir", wd)) < 0)
		return r;
	if (user && *user)
		img_user = xstrdup(user); /* checked against the image's accounts in oci_finish */
	if (sig && *sig && strcmp(sig, "SIGTERM") && strcmp(sig, "15"))
		warn("--oci: the image's StopSignal %s is not used: the init stops the payload with SIGTERM", sig);
	ports_note(cfg, o);
	return 0;
}

int oci_add(struct plan *p, struct pack_opts *o)
{
	struct image im;
	struct src s;
	int r;

	if (!o->oci)
		return 0;
	if ((r = stage_make()) < 0)
		return r;
	if ((r = src_open(&s, o->oci)) < 0 || (r = image_load(&s, &im)) < 0 ||
	    (r = layers_apply(&s, &im)) < 0 || (r = tree_to_plan(p)) < 0)
		return r;
	config_json = im.config;
	if ((r = settings_make(o)) < 0)
		return r;
	size_t i, live = 0;
	for (i = 0; i < tree.n; i++)
		live += !tree.v[i].dead;
	info("--oci %s: %zu paths from the layers%s%s", o->oci, live,
	     payload_from_image ? ", payload " : "", payload_from_image ? o->payload : "");
	json_free(im.manifest);
	return 0;
}

/* ---- after every input: paths below the image's symlinks, the user, the payload's program ---- */

/* The entry for path that the plan will keep: the last one added. */
static struct entry *plan_last(struct plan *p, const char *path)
{
	size_t i;

	for (i = p->n; i-- > 0;)
		if (!strcmp(p->v[i].dst, path))
			return &p->v[i];
	return NULL;
}

/* Entries the packer adds below a directory the image makes a symlink (merged /usr: /lib ->
 * usr/lib, so /lib/modules/KVER) go where the symlink points, as a copy into the booted image
 * would. */
static int redirect(struct plan *p)
{
	char parent[TAR_PATH_MAX], out[TAR_PATH_MAX], *base;
	size_t i;

	for (i = 0; i < p->n; i++) {
		struct entry *e = &p->v[i];
		if (!strcmp(e->why, WHY) || strlen(e->dst) >= sizeof(parent))
			continue;
		strcpy(parent, e->dst);
		base = strrchr(parent, '/');
		if (base == parent)
			continue;
		*base++ = '\0';
		if (tree_resolve(&tree, parent, 1, out, sizeof(out)) < 0 || !strcmp(out, parent))
			continue;
		if (strlen(out) + strlen(base) + 2 > sizeof(out))
			continue;
		strcat(out, strcmp(out, "/") ? "/" : "");
		strcat(out, base);
		dbg("%s (%s) goes to %s: the image's symlinks", e->dst, e->why, out);
		free(e->dst);
		e->dst = xstrdup(out);
	}
	return 0;
}

static char *entry_text(const struct entry *e)
{
	char *buf;
	size_t len;

	if (!e || e->type != E_FILE)
		return NULL;
	if (!e->src)
		return xstrdup(e->data);
	return file_read_all(e->src, &buf, &len, 1 << 24) == 0 ? buf : NULL;
}

/* The line of an /etc/passwd or /etc/group whose field `field` (0 name, 2 id) is `want`; its
 * fields in f (modified text). */
static int account_find(char *text, int field, const char *want, char **f)
{
	char *line, *save = NULL, *c;
	int i;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		for (i = 0, c = line; i < 7; i++) {
			f[i] = c;
			c = strchrnul(c, ':');
			if (*c)
				*c++ = '\0';
		}
		if (!strcmp(f[field], want))
			return 1;
	}
	return 0;
}

static int is_number(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s) && strlen(s) < 10;
}

/* OCI's User: user, uid, user:group, uid:gid, uid:group, user:gid. */
static int user_make(struct plan *p, struct config *scratch)
{
	char spec[256], *group, *f[7], *pw = entry_text(plan_last(p, "/etc/passwd"));
	char *gr = entry_text(plan_last(p, "/etc/group")), val[300];
	int found = 0, r = 0;

	snprintf(spec, sizeof(spec), "%s", img_user);
	if ((group = strchr(spec, ':')))
		*group++ = '\0';
	if (!*spec || (group && !*group))
		r = -EINVAL, err("--oci: the image's User '%s': expected USER[:GROUP] or UID[:GID]", img_user);
	else if (!(found = pw && account_find(pw, is_number(spec) ? 2 : 0, spec, f)) && !is_number(spec))
		r = -ENOENT, err("--oci: the image's User '%s': no user %s in the image's /etc/passwd", img_user, spec);
	else if (group && !is_number(group) && !(gr && account_find(gr, 0, group, f)))
		r = -ENOENT, err("--oci: the image's User '%s': no group %s in the image's /etc/group", img_user, group);
	/* Docker: a uid with no passwd entry and no group runs as gid 0 (the init would take the uid) */
	snprintf(val, sizeof(val), "%s%s", img_user, !found && !group ? ":0" : "");
	free(pw);
	free(gr);
	return r < 0 ? r : set_add(scratch, "User", "minboot.user", val);
}

static int in_image_exec(struct plan *p, const char *path, int *isfile)
{
	char out[TAR_PATH_MAX];
	struct entry *e;

	if (tree_resolve(&tree, path, 1, out, sizeof(out)) < 0)
		return 0;
	e = plan_last(p, out);
	*isfile = e && e->type == E_FILE;
	return e && e->type == E_FILE && (e->perm & 0111);
}

/* The image's program is looked up in the image alone: with its PATH (Env), as a container
 * runtime does; when the init's PATH would find another file, the path found is written. */
static int program_check(struct plan *p, struct pack_opts *o)
{
	char buf[CONFIG_STR], *argv[CMDLINE_MAX_ARGS + 1], cand[PATH_MAX], first[PATH_MAX] = "";
	char dirs[4096], *d, *save = NULL, *text = NULL;
	const char *wd = json_str(json_get(json_get(config_json, "config"), "WorkingDir"));
	int isfile = 0, i;
	size_t len;
	FILE *f;

	snprintf(buf, sizeof(buf), "%s", o->payload);
	if (cmd_split(buf, argv, CMDLINE_MAX_ARGS) <= 0)
		return -EINVAL;
	if (argv[0][0] == '/' || strchr(argv[0], '/')) {
		snprintf(cand, sizeof(cand), "%s%s%s", argv[0][0] == '/' ? "" : wd && *wd ? wd : "/",
			 argv[0][0] == '/' ? "" : "/", argv[0]);
		if (in_image_exec(p, cand, &isfile))
			snprintf(first, sizeof(first), "%s", cand);
	} else {
		snprintf(dirs, sizeof(dirs), "%s", img_path ? img_path : IMAGE_PATH);
		for (d = strtok_r(dirs, ":", &save); d && !first[0]; d = strtok_r(NULL, ":", &save)) {
			snprintf(cand, sizeof(cand), "%s/%s", d, argv[0]);
			if (d[0] == '/' && in_image_exec(p, cand, &isfile))
				snprintf(first, sizeof(first), "%s", cand);
		}
	}
	if (!first[0]) {
		err("--oci: the image's program '%s' is %s (PATH=%s)", argv[0],
		    isfile ? "not executable" : "not in the image", img_path ? img_path : IMAGE_PATH);
		return -ENOENT;
	}
	if (!strcmp(first, argv[0]))
		return 0;
	if (!strchr(argv[0], '/')) { /* the init's own lookup finds the same file: keep the name */
		snprintf(dirs, sizeof(dirs), "%s", IMAGE_PATH);
		for (save = NULL, d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
			snprintf(cand, sizeof(cand), "%s/%s", d, argv[0]);
			if (in_image_exec(p, cand, &isfile))
				break;
		}
		if (d && !strcmp(cand, first))
			return 0;
	}
	if (!(f = open_memstream(&text, &len)))
		abort();
	word_quote(f, first);
	for (i = 1; argv[i]; i++)
		fputc(' ', f), word_quote(f, argv[i]);
	fclose(f);
	if (len >= CONFIG_STR) {
		err("--oci: the image's command with its program's path is %zu bytes: the init takes %d", len, CONFIG_STR - 1);
		return -E2BIG;
	}
	info("--oci: the payload's program is %s in the image", first);
	o->payload = text;
	return 0;
}

static int workdir_make(struct plan *p)
{
	const char *wd = json_str(json_get(json_get(config_json, "config"), "WorkingDir"));
	char out[TAR_PATH_MAX];

	if (!wd || !*wd || tree_resolve(&tree, wd, 1, out, sizeof(out)) < 0 || plan_last(p, out))
		return 0;
	return plan_add_dir(p, out, 0755, "--oci WorkingDir");
}

int oci_finish(struct plan *p, struct pack_opts *o)
{
	static struct config scratch;
	const char **all = NULL;
	int n = 0, i, r;

	if (!o->oci)
		return 0;
	config_defaults(&scratch);
	if ((r = redirect(p)) < 0 || (r = workdir_make(p)) < 0)
		return r;
	if (img_user && (r = user_make(p, &scratch)) < 0)
		return r;
	if (payload_from_image && (r = program_check(p, o)) < 0)
		return r;
	/* the image's settings first: the packer's --set come later and win */
	for (i = 0; i < img_nset; i++)
		opts_push(&all, &n, img_set[i]);
	for (i = 0; i < o->nset; i++)
		opts_push(&all, &n, o->set[i]);
	o->set = all;
	o->nset = n;
	return 0;
}
