/* What the network step leaves behind for the payload: /etc/hostname, /etc/hosts and
 * /etc/resolv.conf, each written whole to a temporary file and renamed into place, so a reader
 * never sees half a file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netcfg/ipspec.h"
#include "netcfg/netcfg.h"

static int path_of(char *buf, size_t size, const char *root, const char *path)
{
	if (!root)
		root = "";
	if ((size_t)snprintf(buf, size, "%s%s", root, path) >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int write_all(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_file(const char *root, const char *path, const char *text)
{
	char dst[PATH_MAX], tmp[PATH_MAX], dir[PATH_MAX];
	int fd, r;

	if ((r = path_of(dst, sizeof(dst), root, path)) < 0 || (r = path_of(dir, sizeof(dir), root, "/etc")) < 0)
		return r;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.netcfg-tmp", dst) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	r = write_all(fd, text, strlen(text));
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, dst) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

int netcfg_write_hostname(const char *root, const char *name)
{
	char text[IPSPEC_HOSTNAME + 2];

	snprintf(text, sizeof(text), "%s\n", name);
	return write_file(root, "/etc/hostname", text);
}

/* Does this hosts line name host (as a whole word after the address)? */
static bool line_names(const char *line, size_t len, const char *host)
{
	size_t hl = strlen(host), i = strcspn(line, " \t\n"), w;

	while (i < len) {
		i += strspn(line + i, " \t\n");
		if (i >= len || line[i] == '#')
			return false;
		w = strcspn(line + i, " \t\n");
		if (w == hl && !strncmp(line + i, host, hl))
			return true;
		i += w;
	}
	return false;
}

/* Keep the existing lines, except any that already name the host; then our entry. */
int netcfg_write_hosts(const char *root, const struct nc_ip *addr, const char *name, const char *domain)
{
	char path[PATH_MAX], old[8192], text[8192 + 512], a[64];
	size_t n = 0, len, t = 0;
	const char *p, *nl;
	FILE *f;

	if (path_of(path, sizeof(path), root, "/etc/hosts") < 0)
		return -ENAMETOOLONG;
	if ((f = fopen(path, "re"))) {
		n = fread(old, 1, sizeof(old) - 1, f);
		fclose(f);
	} else {
		n = (size_t)snprintf(old, sizeof(old), "127.0.0.1\tlocalhost\n::1\tlocalhost\n");
	}
	old[n] = '\0';
	for (p = old; *p; p = nl) {
		nl = strchr(p, '\n');
		nl = nl ? nl + 1 : p + strlen(p);
		len = (size_t)(nl - p);
		if (!line_names(p, len, name) && t + len < sizeof(text) - 512) {
			memcpy(text + t, p, len);
			t += len;
		}
	}
	if (t && text[t - 1] != '\n')
		text[t++] = '\n';
	nc_ip_str(addr, a, sizeof(a));
	if (domain && *domain)
		snprintf(text + t, sizeof(text) - t, "%s\t%s.%s %s\n", a, name, domain, name);
	else
		snprintf(text + t, sizeof(text) - t, "%s\t%s\n", a, name);
	return write_file(root, "/etc/hosts", text);
}

int netcfg_write_resolv(const char *root, const struct nc_ip *ns, int nns, const char *domain)
{
	char text[1024], a[64];
	size_t t;
	int i;

	t = (size_t)snprintf(text, sizeof(text), "# written by netcfg at boot\n");
	if (domain && *domain)
		t += (size_t)snprintf(text + t, sizeof(text) - t, "search %s\n", domain);
	for (i = 0; i < nns && t < sizeof(text); i++)
		t += (size_t)snprintf(text + t, sizeof(text) - t, "nameserver %s\n", nc_ip_str(&ns[i], a, sizeof(a)));
	if (t >= sizeof(text))
		return -ENOSPC;
	return write_file(root, "/etc/resolv.conf", text);
}
