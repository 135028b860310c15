#include <stdbool.h>

#include "netcfg/dhcp.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const unsigned char mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	const uint8_t *payload;
	size_t plen;
	struct dhcp_lease l;

	/* as a whole IP/UDP frame, and as a bare DHCP message */
	if (dhcp_unwrap(d, n, true, &payload, &plen) == 0)
		dhcp_parse(payload, plen, 0x12345678, mac, &l);
	dhcp_parse(d, n, n >= 8 ? (uint32_t)d[4] << 24 | d[5] << 16 | d[6] << 8 | d[7] : 0, mac, &l);
	return 0;
}
