/* Two different 224-byte files with the same CRC-32 and the same Adler-32 (the content hash the
 * packer's cache once used), written to argv[1] and argv[2].
 *
 * The file is 56 four-byte slots, each "abba" or "baab": swapping a slot keeps Adler-32 (the
 * same bytes, and the position weights of a and b cancel: +1 -1 -1 +1), and changes the CRC by a
 * fixed 32-bit vector (CRC is affine in the message for a fixed length).  56 vectors in a 32-bit
 * space are dependent: Gaussian elimination finds a set of slots whose vectors XOR to zero, and
 * swapping them keeps the CRC too. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SLOTS 56
#define LEN (4 * SLOTS)

static uint32_t crc32(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	int k;

	while (n--) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
	}
	return ~c;
}

static uint32_t adler32(const unsigned char *p, size_t n)
{
	uint32_t a = 1, b = 0;

	while (n--) {
		a = (a + *p++) % 65521;
		b = (b + a) % 65521;
	}
	return b << 16 | a;
}

static void slot(unsigned char *m, int k, int swapped)
{
	unsigned char a = 'a', b = 'b';

	m[4 * k] = m[4 * k + 3] = swapped ? b : a;
	m[4 * k + 1] = m[4 * k + 2] = swapped ? a : b;
}

static int put(const char *path, const unsigned char *m)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(m, 1, LEN, f) != LEN || fclose(f) != 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned char m[LEN], m2[LEN];
	uint32_t base, vec[SLOTS];
	uint64_t used[SLOTS]; /* which slots make up each reduced vector */
	int k, j, bit, pivot[32];

	if (argc != 3) {
		fprintf(stderr, "usage: crc-adler-twins FILE1 FILE2\n");
		return 2;
	}
	for (k = 0; k < SLOTS; k++)
		slot(m, k, 0);
	base = crc32(m, LEN);
	for (k = 0; k < SLOTS; k++) {
		memcpy(m2, m, LEN);
		slot(m2, k, 1);
		vec[k] = crc32(m2, LEN) ^ base;
		used[k] = 1ULL << k;
	}
	for (bit = 0; bit < 32; bit++)
		pivot[bit] = -1;
	for (k = 0; k < SLOTS; k++) {
		for (bit = 31; bit >= 0 && vec[k]; bit--) {
			if (!(vec[k] >> bit & 1))
				continue;
			if (pivot[bit] < 0) {
				pivot[bit] = k;
				break;
			}
			vec[k] ^= vec[pivot[bit]];
			used[k] ^= used[pivot[bit]];
		}
		if (!vec[k])
			break; /* used[k]: a set of slots whose CRC changes cancel */
	}
	if (k == SLOTS)
		return 1;
	memcpy(m2, m, LEN);
	for (j = 0; j < SLOTS; j++)
		if (used[k] >> j & 1)
			slot(m2, j, 1);
	if (!memcmp(m, m2, LEN) || crc32(m, LEN) != crc32(m2, LEN) || adler32(m, LEN) != adler32(m2, LEN))
		return 1;
	return put(argv[1], m) || put(argv[2], m2) ? 1 : 0;
}
