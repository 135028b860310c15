/* glob_match against the C library's fnmatch(3) on patterns shaped like modules.alias entries. */
#include <fnmatch.h>
#include <stdlib.h>

#include "common/glob.h"
#include "test.h"

static const char *const pats[] = {
	"pci:v00008086d0000100Esv*sd*bc*sc*i*", "pci:v*d*sv*sd*bc02sc00i*", "virtio:d00000001v*",
	"acpi*:PNP0C0C:*", "usb:v*p*d*dc*dsc*dp*ic03isc01ip01in*", "dmi*:svn*[Ss][Aa][Mm]*:pn*",
	"a?c", "[!a]b", "[]x]", "[a-c]*", "x[[:digit:]]y", "[", "a[", "a\\*b", "*", "", "**a*",
	"of:N*T*Cfsl,mpc8xxx-gpio*", "[^0-9]z", "a[b-]c", "*[0-9]", "[[:alpha:]][[:xdigit:]]",
};
static const char *const strs[] = {
	"pci:v00008086d0000100Esv00008086sd00001000bc02sc00i00", "virtio:d00000001v00001AF4",
	"acpi:PNP0C0C:", "acpiX:PNP0C0C:foo", "usb:v046Dp0A8Fd0100dc00dsc00dp00ic03isc01ip01in00",
	"dmi:bvnX:svnSAMSUNG:pnY", "abc", "bb", "ab", "]", "x", "cat", "x5y", "xay", "[", "a[",
	"a*b", "axb", "", "a", "zzaz", "of:NgpioTCfsl,mpc8xxx-gpio", "az", "5z", "a-c", "abc9", "gF",
};

static void same_as_fnmatch(void)
{
	unsigned i, j;

	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		for (j = 0; j < sizeof(strs) / sizeof(strs[0]); j++)
			if (glob_match(pats[i], strs[j]) != (fnmatch(pats[i], strs[j], 0) == 0)) {
				printf("  pattern '%s' string '%s': %d\n", pats[i], strs[j], glob_match(pats[i], strs[j]));
				t_failed_here = 1;
			}
}

/* Random patterns over a small alphabet, compared with fnmatch. */
static void random_patterns(void)
{
	static const char alpha[] = "ab*?[]!^"; /* no backslash, classes or reversed ranges: see glob.h */
	char p[12], s[10];
	int i, k, bad = 0;

	srand(1);
	for (i = 0; i < 200000 && bad < 5; i++) {
		int pl = rand() % 11, sl = rand() % 9;
		for (k = 0; k < pl; k++)
			p[k] = alpha[rand() % (sizeof(alpha) - 1)];
		p[pl] = 0;
		for (k = 0; k < sl; k++)
			s[k] = "ab-]^"[rand() % 5];
		s[sl] = 0;
		if (glob_match(p, s) != (fnmatch(p, s, 0) == 0)) {
			printf("  pattern '%s' string '%s': glob %d\n", p, s, glob_match(p, s));
			bad++;
		}
	}
	CHECK_INT(bad, 0);
}

int main(void)
{
	RUN("glob", same_as_fnmatch);
	RUN("glob", random_patterns);
	TEST_EXIT();
}
