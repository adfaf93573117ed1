// SPDX-License-Identifier: GPL-2.0
/*
 * DEFLATE and INFLATE: every format, level, flag and errno, judged by
 * bytes, with user-space zlib as the independent oracle.  The kernel's
 * streams must decode with zlib (windowBits -15, 15 and 31) to exactly the
 * source; zlib's streams, made with any level, memLevel, window and
 * strategy, must INFLATE to exactly theirs; and a hostile source
 * (truncated, corrupt, trailing garbage, bad headers and checksums) must
 * get EBADMSG wherever zlib refuses it, and the bytes zlib decodes
 * wherever zlib cannot tell.
 *
 * Every request also checks the staging rule: a failure leaves the whole
 * destination and UOFF_GUARD bytes either side as they were, a success
 * writes nothing past dst + cqe->res.
 *
 * The acomp fixture runs only while a compression accelerator serves
 * requests (UOFF_ENGINE_ACOMP in engines), and skips otherwise;
 * zip_acomp_test.sh reloads the module with acomp=any and runs it with
 * UOFF_ZIP_ACOMP=required, which turns the skip into a failure.
 */
#include <pthread.h>
#include <sys/uio.h>
#include <zlib.h>

#include "uoff_test.h"

#define NR_FORMATS	3
static const unsigned int formats[NR_FORMATS] = {
	UOFF_ZIP_RAW, UOFF_ZIP_ZLIB, UOFF_ZIP_GZIP,
};

/* The level argument of the helpers below that makes them INFLATE. */
#define INFLATE		(-1)

#define SRC_SIZE	(4 * MiB)
#define AREA_SIZE	(5 * MiB)

/* gzip FLG bits (RFC 1952). */
#define GZ_FTEXT	0x01
#define GZ_FHCRC	0x02
#define GZ_FEXTRA	0x04
#define GZ_FNAME	0x08
#define GZ_FCOMMENT	0x10

static const char *fmt_name(unsigned int fmt)
{
	switch (fmt) {
	case UOFF_ZIP_RAW:
		return "raw";
	case UOFF_ZIP_ZLIB:
		return "zlib";
	case UOFF_ZIP_GZIP:
		return "gzip";
	}
	return "bad format";
}

/* zlib's windowBits for format @fmt and a 2^@bits byte window. */
static int fmt_wbits(unsigned int fmt, int bits)
{
	if (fmt == UOFF_ZIP_RAW)
		return -bits;
	return fmt == UOFF_ZIP_ZLIB ? bits : bits + 16;
}

/* A capacity no DEFLATE of @len bytes can need. */
static unsigned int zbound(unsigned int len)
{
	return len + len / 8 + len / 64 + 64;
}

static void put_le16(unsigned char *p, unsigned int v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put_le32(unsigned char *p, __u32 v)
{
	put_le16(p, v);
	put_le16(p + 2, v >> 16);
}

static void put_be32(unsigned char *p, __u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* ------------------------------------------------------------------ */
/* Data to compress                                                    */

enum kind { K_TEXT, K_RANDOM, K_ZEROS, K_MIXED };

static const char *const words[] = {
	"offload", "ring", "the", "a", "deflate", "inflate", "of", "and",
	"window", "stream", "header", "to", "block", "in", "channel", "zlib",
	"checksum", "is", "gzip", "with", "byte", "that", "for", "huffman",
	"literal", "match", "distance", "length", "it", "on", "queue", "kernel",
};

/* Words and blanks: compresses about 3:1, like prose. */
static void fill_text(unsigned char *p, size_t len, __u64 seed)
{
	const char *word;
	size_t i = 0;
	__u64 k, w;

	for (k = 0; i < len; k++) {
		w = uoff_pattern_word(seed, k);
		for (word = words[w % ARRAY_SIZE(words)]; *word && i < len;)
			p[i++] = *word++;
		if (i < len)
			p[i++] = (w >> 20) % 11 ? ' ' : '\n';
	}
}

/*
 * 1 KiB pieces of text, random bytes, runs of one byte, and copies of
 * earlier data up to 30 KiB back, so that the window size matters.
 */
static void fill_mixed(unsigned char *p, size_t len, __u64 seed)
{
	size_t off, n, back, j;
	__u64 w;

	for (off = 0; off < len; off += n) {
		w = uoff_pattern_word(seed, off / 1024);
		n = len - off < 1024 ? len - off : 1024;
		switch (w % 4) {
		case 0:
			fill_text(p + off, n, w);
			break;
		case 1:
			uoff_pattern_fill(p + off, n, w, 0);
			break;
		case 2:
			memset(p + off, (w >> 8) & 0xff, n);
			break;
		default:
			back = (w >> 8) % (30 * 1024) + 1;
			if (back > off)
				back = off;
			for (j = 0; j < n; j++)
				p[off + j] = back ? p[off + j - back] : 0;
		}
	}
}

static void fill_data(unsigned char *p, size_t len, enum kind kind,
		      __u64 seed)
{
	switch (kind) {
	case K_TEXT:
		fill_text(p, len, seed);
		break;
	case K_RANDOM:
		uoff_pattern_fill(p, len, seed, 0);
		break;
	case K_ZEROS:
		memset(p, 0, len);
		break;
	case K_MIXED:
		fill_mixed(p, len, seed);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* The oracle: user-space zlib                                         */

/*
 * zlib's stream of @len bytes at @src into @out: its length, or 0 if zlib
 * refused the parameters or @cap was too small.
 */
static size_t ref_deflate(const void *src, size_t len, int level, int wbits,
			  int mem_level, int strategy, void *out, size_t cap)
{
	z_stream zs;
	size_t n;
	int ret;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, level, Z_DEFLATED, wbits, mem_level,
			 strategy) != Z_OK)
		return 0;
	zs.next_in = (Bytef *)src;
	zs.avail_in = len;
	zs.next_out = out;
	zs.avail_out = cap;
	ret = deflate(&zs, Z_FINISH);
	n = zs.total_out;
	deflateEnd(&zs);
	return ret == Z_STREAM_END ? n : 0;
}

/* zlib's stream at level 6, default memLevel and strategy. */
static size_t ref_deflate6(const void *src, size_t len, unsigned int fmt,
			   void *out, size_t cap)
{
	return ref_deflate(src, len, 6, fmt_wbits(fmt, 15), 8,
			   Z_DEFAULT_STRATEGY, out, cap);
}

/*
 * What INFLATE must make of @src in format @fmt, by zlib: 0 and the output
 * in @out, *@out_len bytes of it; -ENOSPC when the output runs past @cap;
 * -EBADMSG unless @src is exactly one whole stream or, for gzip, a series
 * of whole members.  A stream that is cut short right where the output
 * fills @cap is EBADMSG: its output fits, the stream is wrong.
 */
static int ref_inflate(const void *src, size_t len, unsigned int fmt,
		       void *out, size_t cap, size_t *out_len)
{
	unsigned char spare;
	bool full = false;
	z_stream zs;
	int ret, err;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, fmt_wbits(fmt, 15)) != Z_OK)
		return -ENOMEM;
	zs.next_in = (Bytef *)src;
	zs.avail_in = len;
	zs.next_out = cap ? out : &spare;
	zs.avail_out = cap;
	for (;;) {
		ret = inflate(&zs, Z_FINISH);
		err = -ENOSPC;
		if (full && !zs.avail_out)
			break;
		if (ret == Z_STREAM_END) {
			err = 0;
			if (!zs.avail_in)
				break;
			err = -EBADMSG;
			if (fmt != UOFF_ZIP_GZIP)
				break;
			/* Another member must follow. */
			inflateReset(&zs);
			continue;
		}
		err = -EBADMSG;	/* bad data, a dictionary, or cut short */
		if ((ret != Z_OK && ret != Z_BUF_ERROR) || zs.avail_out)
			break;
		/* @out is full: is there more output, or only more stream? */
		full = true;
		zs.next_out = &spare;
		zs.avail_out = 1;
	}
	*out_len = full ? cap : cap - zs.avail_out;
	inflateEnd(&zs);
	return err;
}

/* ------------------------------------------------------------------ */
/* Buffers and requests                                                */

/*
 * @src holds what is compressed, @dst is where requests write (with a
 * page before and after it, so dst - UOFF_GUARD is always mapped),
 * @zbuf and @zbuf2 hold streams to INFLATE, @out what zlib decoded.
 */
struct zbufs {
	struct uoff_ctx	ctx;
	unsigned char	*src;
	unsigned char	*dst;
	unsigned char	*zbuf;
	unsigned char	*zbuf2;
	unsigned char	*out;
	bool		acomp;	/* an accelerator may serve DEFLATE */
};

static void zbufs_init(struct __test_metadata *_metadata, struct zbufs *z)
{
	unsigned char *area;
	int ret;

	ret = uoff_ctx_init(&z->ctx, 64, 0);
	ASSERT_EQ(0, ret) {
		TH_LOG("opening %s and a ring: %s", UOFF_DEVICE_PATH,
		       strerror(-ret));
	}
	z->acomp = z->ctx.feat.engines & UOFF_ENGINE_ACOMP;
	z->src = uoff_map(SRC_SIZE + UOFF_PAGE_SIZE);
	area = uoff_map(AREA_SIZE + 2 * UOFF_PAGE_SIZE);
	z->zbuf = uoff_map(AREA_SIZE);
	z->zbuf2 = uoff_map(AREA_SIZE);
	z->out = uoff_map(AREA_SIZE);
	ASSERT_NE(NULL, z->src);
	ASSERT_NE(NULL, area);
	ASSERT_NE(NULL, z->zbuf);
	ASSERT_NE(NULL, z->zbuf2);
	ASSERT_NE(NULL, z->out);
	z->dst = area + UOFF_PAGE_SIZE;
}

static struct uoff_zip_cmd *zip_cmd(struct io_uring_sqe *sqe)
{
	return (struct uoff_zip_cmd *)uoff_sqe_cmd(sqe);
}

/* Queues a DEFLATE at @level (0..15), or an INFLATE for level INFLATE. */
static struct io_uring_sqe *zip_prep(struct uoff_ctx *ctx, int level,
				     unsigned int fmt, void *dst,
				     unsigned int cap, const void *src,
				     unsigned int len, unsigned int flags)
{
	struct io_uring_sqe *sqe = uoff_sqe(&ctx->ring);

	if (!sqe)
		return NULL;
	if (level == INFLATE)
		io_uring_prep_inflate(sqe, ctx->fd, dst, cap, src, len, fmt,
				      flags);
	else
		io_uring_prep_deflate(sqe, ctx->fd, dst, cap, src, len, fmt,
				      level, flags);
	return sqe;
}

static const char *op_name(int level)
{
	return level == INFLATE ? "inflate" : "deflate";
}

/*
 * Runs the prepared @sqe, whose destination is @dst with capacity @cap,
 * its bytes and guards set to the canary beforehand, and checks the
 * staging rule.  Returns cqe->res.
 */
static int zip_complete(struct __test_metadata *_metadata,
			struct uoff_ctx *ctx, struct io_uring_sqe *sqe,
			unsigned char *dst, unsigned int cap,
			const char *what)
{
	int res = uoff_complete1(_metadata, &ctx->ring, sqe);

	if (res < 0) {
		ASSERT_MATCH(uoff_cmp_const(dst - UOFF_GUARD,
					    cap + 2 * UOFF_GUARD, UOFF_CANARY),
			     "destination after %s failed with %d", what, res);
		return res;
	}
	ASSERT_GE(cap, (unsigned int)res) {
		TH_LOG("%s: result %d, capacity %u", what, res, cap);
	}
	ASSERT_MATCH(uoff_cmp_const(dst + res, cap - res, UOFF_CANARY),
		     "past the %d bytes of %s", res, what);
	ASSERT_MATCH(uoff_cmp_guards(dst, cap), "around %s", what);
	return res;
}

/* One DEFLATE or INFLATE into @dst, checked by zip_complete(). */
static int zip_run(struct __test_metadata *_metadata, struct uoff_ctx *ctx,
		   int level, unsigned int fmt, unsigned char *dst,
		   unsigned int cap, const void *src, unsigned int len,
		   unsigned int flags, const char *what)
{
	struct io_uring_sqe *sqe;

	uoff_canary(dst, cap);
	sqe = zip_prep(ctx, level, fmt, dst, cap, src, len, flags);
	ASSERT_NE(NULL, sqe);
	return zip_complete(_metadata, ctx, sqe, dst, cap, what);
}

/*
 * The header of a stream DEFLATE made: gzip's is the documented 10 bytes,
 * zlib's a valid one for deflate with at most a 32 KiB window and no
 * dictionary.
 */
static void check_header(struct __test_metadata *_metadata, unsigned int fmt,
			 const unsigned char *s, unsigned int n,
			 const char *what)
{
	static const unsigned char gz[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0 };

	if (fmt == UOFF_ZIP_GZIP) {
		ASSERT_LE(18U, n);
		ASSERT_MATCH(uoff_cmp_bytes(s, gz, sizeof(gz)),
			     "gzip ID, CM, FLG, MTIME of %s", what);
		/* XFL: 0, or gzip's 2 (slowest) or 4 (fastest). */
		ASSERT_TRUE(s[8] == 0 || s[8] == 2 || s[8] == 4) {
			TH_LOG("%s: gzip XFL %u", what, s[8]);
		}
		ASSERT_EQ(3, s[9]) {
			TH_LOG("%s: gzip OS", what);
		}
	} else if (fmt == UOFF_ZIP_ZLIB) {
		ASSERT_LE(6U, n);
		ASSERT_EQ(8, s[0] & 0x0f);
		ASSERT_GE(7, s[0] >> 4);
		ASSERT_EQ(0, s[1] & 0x20) {
			TH_LOG("%s: FDICT set", what);
		}
		ASSERT_EQ(0, (s[0] * 256 + s[1]) % 31) {
			TH_LOG("%s: FCHECK wrong", what);
		}
	}
}

/*
 * The @n byte stream DEFLATE made at @dst: its header is right, and zlib
 * decodes it, whole, to exactly the @len bytes at @src.
 */
static void check_stream(struct __test_metadata *_metadata, struct zbufs *z,
			 unsigned int fmt, const unsigned char *dst,
			 unsigned int n, const void *src, unsigned int len,
			 const char *what)
{
	size_t got = 0;
	int ret;

	check_header(_metadata, fmt, dst, n, what);
	ret = ref_inflate(dst, n, fmt, z->out, len + 1, &got);
	ASSERT_EQ(0, ret) {
		TH_LOG("%s: zlib cannot decode the stream (%d)", what, ret);
	}
	ASSERT_EQ(len, got) {
		TH_LOG("%s: zlib decodes %zu bytes", what, got);
	}
	ASSERT_MATCH(uoff_cmp_bytes(z->out, src, len), "%s, decoded by zlib",
		     what);
}

/*
 * DEFLATEs @len bytes at @src at @level into @dst (capacity @cap) and
 * checks the stream with check_stream().  Returns its length.
 */
static unsigned int deflate_checked(struct __test_metadata *_metadata,
				    struct zbufs *z, unsigned int fmt,
				    int level, unsigned char *dst,
				    unsigned int cap, const void *src,
				    unsigned int len, unsigned int flags)
{
	char what[96];
	int res;

	snprintf(what, sizeof(what), "%s deflate of %u bytes at level %d",
		 fmt_name(fmt), len, level);
	res = zip_run(_metadata, &z->ctx, level, fmt, dst, cap, src, len,
		      flags, what);
	ASSERT_LT(0, res) {
		TH_LOG("%s: %s", what, strerror(-res));
	}
	check_stream(_metadata, z, fmt, dst, res, src, len, what);
	return res;
}

/*
 * INFLATEs the @n byte stream at @s into @dst with exactly the capacity
 * its @len byte output @want needs, and checks result and bytes.
 */
static void inflate_checked(struct __test_metadata *_metadata,
			    struct zbufs *z, unsigned int fmt,
			    unsigned char *dst, const void *s, unsigned int n,
			    const void *want, unsigned int len,
			    unsigned int flags, const char *what)
{
	int res;

	res = zip_run(_metadata, &z->ctx, INFLATE, fmt, dst, len, s, n, flags,
		      what);
	ASSERT_EQ((int)len, res) {
		TH_LOG("%s: %s", what, res < 0 ? strerror(-res) : "");
	}
	ASSERT_MATCH(uoff_cmp_bytes(dst, want, len), "%s", what);
}

/*
 * INFLATEs @n bytes at @s into a destination of @cap bytes; zlib must
 * return @want on the same bytes (else the test built them wrong), and
 * so must the kernel, with zlib's output when @want is 0.
 */
static void expect_inflate(struct __test_metadata *_metadata, struct zbufs *z,
			   unsigned int fmt, const void *s, unsigned int n,
			   unsigned int cap, int want, const char *what)
{
	size_t got = 0;
	int ret, res;

	ret = ref_inflate(s, n, fmt, z->out, cap, &got);
	ASSERT_EQ(want, ret) {
		TH_LOG("%s: zlib's verdict on the test's stream", what);
	}
	res = zip_run(_metadata, &z->ctx, INFLATE, fmt, z->dst, cap, s, n, 0,
		      what);
	if (want) {
		ASSERT_EQ(want, res) {
			TH_LOG("%s (%s %u bytes)", what, fmt_name(fmt), n);
		}
		return;
	}
	ASSERT_EQ((int)got, res) {
		TH_LOG("%s (%s %u bytes): %s", what, fmt_name(fmt), n,
		       res < 0 ? strerror(-res) : "");
	}
	ASSERT_MATCH(uoff_cmp_bytes(z->dst, z->out, got), "%s", what);
}

/* ------------------------------------------------------------------ */
/* Building streams by hand                                            */

/* A gzip header's fields; FLG says which optional ones are present. */
struct gz_hdr {
	unsigned char	flg;
	__u32		mtime;
	unsigned char	xfl;
	unsigned char	os;
	const char	*extra;
	unsigned int	xlen;
	const char	*name;
	const char	*comment;
};

static size_t gz_write_header(unsigned char *out, const struct gz_hdr *h)
{
	size_t n = 0;

	out[n++] = 0x1f;
	out[n++] = 0x8b;
	out[n++] = 8;
	out[n++] = h->flg;
	put_le32(out + n, h->mtime);
	n += 4;
	out[n++] = h->xfl;
	out[n++] = h->os;
	if (h->flg & GZ_FEXTRA) {
		put_le16(out + n, h->xlen);
		memcpy(out + n + 2, h->extra, h->xlen);
		n += 2 + h->xlen;
	}
	if (h->flg & GZ_FNAME) {
		strcpy((char *)out + n, h->name);
		n += strlen(h->name) + 1;
	}
	if (h->flg & GZ_FCOMMENT) {
		strcpy((char *)out + n, h->comment);
		n += strlen(h->comment) + 1;
	}
	if (h->flg & GZ_FHCRC) {
		put_le16(out + n, crc32(0, out, n));
		n += 2;
	}
	return n;
}

/*
 * A whole stream of @fmt around the raw deflate data @body (of @body_len
 * bytes), which decodes to the @len bytes at @data: the header, the body
 * and the trailer.  Its length.
 */
static size_t wrap_body(unsigned char *out, unsigned int fmt,
			const struct gz_hdr *h, const void *body,
			size_t body_len, const void *data, size_t len)
{
	static const struct gz_hdr plain = { .os = 3 };
	size_t n = 0;

	if (fmt == UOFF_ZIP_ZLIB) {
		out[n++] = 0x78;
		out[n++] = 0x9c;
	} else if (fmt == UOFF_ZIP_GZIP) {
		n = gz_write_header(out, h ? h : &plain);
	}
	memcpy(out + n, body, body_len);
	n += body_len;
	if (fmt == UOFF_ZIP_ZLIB) {
		put_be32(out + n, adler32(adler32(0, NULL, 0), data, len));
		n += 4;
	} else if (fmt == UOFF_ZIP_GZIP) {
		put_le32(out + n, crc32(crc32(0, NULL, 0), data, len));
		put_le32(out + n + 4, len);
		n += 8;
	}
	return n;
}

/* A gzip member with header @h holding the @len bytes at @data. */
static size_t gz_member(unsigned char *out, size_t cap, const struct gz_hdr *h,
			const void *data, size_t len)
{
	unsigned char *body = malloc(zbound(len));
	size_t body_len, n = 0;

	if (!body)
		return 0;
	body_len = ref_deflate(data, len, 6, -15, 8, Z_DEFAULT_STRATEGY, body,
			       zbound(len));
	if (body_len && body_len + 512 <= cap)
		n = wrap_body(out, UOFF_ZIP_GZIP, h, body, body_len, data, len);
	free(body);
	return n;
}

/* Sets a zlib header's FCHECK bits after CMF or FLG changed. */
static void zlib_fix_fcheck(unsigned char *s)
{
	s[1] &= 0xe0;
	s[1] |= (31 - (s[0] * 256 + s[1]) % 31) % 31;
}

/*
 * A stream of @chunk * @reps zero bytes built from one compressed chunk
 * repeated: the chunk ends in a full flush, so every copy decodes alone,
 * and an empty final block closes the stream.  Its length, or 0.
 */
static size_t make_bomb(unsigned char *out, size_t cap, unsigned int fmt,
			size_t chunk, unsigned int reps)
{
	unsigned char *zeros = calloc(1, chunk), *body;
	size_t body_len, fin_len, n = 0, i;
	uLong check, check1;
	z_stream zs;

	body = malloc(chunk);
	memset(&zs, 0, sizeof(zs));
	if (!zeros || !body ||
	    deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		goto out;
	zs.next_in = zeros;
	zs.avail_in = chunk;
	zs.next_out = body;
	zs.avail_out = chunk;
	if (deflate(&zs, Z_FULL_FLUSH) != Z_OK || zs.avail_in)
		goto out_end;
	body_len = zs.total_out;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		goto out_end;
	fin_len = zs.total_out - body_len;
	if (reps * body_len + fin_len + 32 > cap)
		goto out_end;

	if (fmt == UOFF_ZIP_ZLIB) {
		out[n++] = 0x78;
		out[n++] = 0xda;
	} else if (fmt == UOFF_ZIP_GZIP) {
		static const unsigned char gz[] = {
			0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3,
		};

		memcpy(out, gz, sizeof(gz));
		n = sizeof(gz);
	}
	for (i = 0; i < reps; i++, n += body_len)
		memcpy(out + n, body, body_len);
	memcpy(out + n, body + body_len, fin_len);
	n += fin_len;

	if (fmt == UOFF_ZIP_ZLIB) {
		check1 = adler32(adler32(0, NULL, 0), zeros, chunk);
		for (check = adler32(0, NULL, 0), i = 0; i < reps; i++)
			check = adler32_combine(check, check1, chunk);
		put_be32(out + n, check);
		n += 4;
	} else if (fmt == UOFF_ZIP_GZIP) {
		check1 = crc32(crc32(0, NULL, 0), zeros, chunk);
		for (check = crc32(0, NULL, 0), i = 0; i < reps; i++)
			check = crc32_combine(check, check1, chunk);
		put_le32(out + n, check);
		put_le32(out + n + 4, chunk * reps);
		n += 8;
	}
out_end:
	deflateEnd(&zs);
out:
	free(zeros);
	free(body);
	return n;
}

/* @reps gzip members of @chunk zero bytes each; the length, or 0. */
static size_t make_member_bomb(unsigned char *out, size_t cap, size_t chunk,
			       unsigned int reps)
{
	static const struct gz_hdr plain = { .os = 3 };
	unsigned char *zeros = calloc(1, chunk);
	size_t m = 0, i;

	if (zeros)
		m = gz_member(out, cap / reps, &plain, zeros, chunk);
	free(zeros);
	if (!m)
		return 0;
	for (i = 1; i < reps; i++)
		memcpy(out + i * m, out, m);
	return reps * m;
}

/* ------------------------------------------------------------------ */
/* Stats                                                               */

enum zstat {
	ZS_DEFLATE_CPU, ZS_DEFLATE_ACOMP, ZS_INFLATE_CPU, ZS_FALLBACKS,
	ZS_ERRORS, ZS_BYTES_IN, ZS_BYTES_OUT, NR_ZSTATS,
};

static const char *const zstat_names[NR_ZSTATS] = {
	"zip.deflate_cpu", "zip.deflate_acomp", "zip.inflate_cpu",
	"zip.acomp_fallbacks", "zip.errors", "zip.bytes_in", "zip.bytes_out",
};

static void zstats_read(struct __test_metadata *_metadata, long long *v)
{
	int i, ret;

	for (i = 0; i < NR_ZSTATS; i++) {
		ret = uoff_stat_sum(zstat_names[i], &v[i]);
		ASSERT_EQ(0, ret) {
			TH_LOG("%s in %s: %s", zstat_names[i], UOFF_STATS_PATH,
			       strerror(-ret));
		}
	}
}

/*
 * The stats moved from @before by @delta (ZS_* order) since; @before
 * becomes the new reading.
 */
static void zstats_expect(struct __test_metadata *_metadata, long long *before,
			  const long long *delta, const char *what)
{
	long long now[NR_ZSTATS];
	int i;

	zstats_read(_metadata, now);
	for (i = 0; i < NR_ZSTATS; i++) {
		ASSERT_EQ(delta[i], now[i] - before[i]) {
			TH_LOG("%s: %s moved by %lld", what, zstat_names[i],
			       now[i] - before[i]);
		}
	}
	memcpy(before, now, sizeof(now));
}

/* ------------------------------------------------------------------ */
/* The fixture                                                         */

/* The destination capacity of the requests the errno tests spoil. */
#define SPOIL_LEN	8192U
#define SPOIL_CAP	16384U

FIXTURE(zip) {
	struct zbufs	z;
	char		*hole;	/* unmapped, a canary page below */
	char		*rw_ro;	/* a canary page, then SPOIL_CAP read-only */
	char		*none;	/* SPOIL_CAP of PROT_NONE */
};

FIXTURE_SETUP(zip)
{
	zbufs_init(_metadata, &self->z);
	self->hole = uoff_hole();
	self->rw_ro = uoff_map(UOFF_PAGE_SIZE + SPOIL_CAP);
	self->none = uoff_map(SPOIL_CAP);
	ASSERT_NE(NULL, self->hole);
	ASSERT_NE(NULL, self->rw_ro);
	ASSERT_NE(NULL, self->none);
	memset(self->hole - UOFF_PAGE_SIZE, UOFF_CANARY, UOFF_PAGE_SIZE);
	memset(self->rw_ro, UOFF_CANARY, UOFF_PAGE_SIZE + SPOIL_CAP);
	ASSERT_EQ(0, mprotect(self->rw_ro + UOFF_PAGE_SIZE, SPOIL_CAP,
			      PROT_READ));
	ASSERT_EQ(0, mprotect(self->none, SPOIL_CAP, PROT_NONE));
}

FIXTURE_TEARDOWN(zip)
{
	uoff_ctx_exit(&self->z.ctx);
}

TEST_F(zip, features)
{
	const struct uoff_features *f = &self->z.ctx.feat;

	ASSERT_EQ(1ULL << UOFF_OP_DEFLATE, f->ops & (1ULL << UOFF_OP_DEFLATE));
	ASSERT_EQ(1ULL << UOFF_OP_INFLATE, f->ops & (1ULL << UOFF_OP_INFLATE));
	ASSERT_EQ(0xeU, f->zip_formats);
	ASSERT_EQ(0x3ff, f->zip_levels);
	ASSERT_EQ(UOFF_ZIP_LEVEL_DEFAULT, f->zip_default_level);
	ASSERT_LE(1U, f->nr_zip_channels);
	ASSERT_EQ(UOFF_ENGINE_CPU, f->engines & UOFF_ENGINE_CPU);
}

/* ---------------------------------------------------------------- */
/* Round trips                                                       */

/*
 * Every format and level on every kind of data: the kernel's stream
 * decodes with zlib and INFLATEs back into a destination of exactly the
 * original size.  Level 0 is level 6, byte for byte; level 9 packs text
 * tighter than level 1.
 */
TEST_F_TIMEOUT(zip, roundtrip_formats_levels, 240)
{
	static const struct {
		enum kind	kind;
		unsigned int	len;
	} inputs[] = {
		{ K_TEXT, 48 * 1024 + 13 },
		{ K_RANDOM, 16 * 1024 + 1 },
		{ K_ZEROS, 40000 },
		{ K_MIXED, 64 * 1024 - 3 },
		{ K_TEXT, 1 },
		{ K_RANDOM, 0 },
	};
	struct zbufs *z = &self->z;
	unsigned int i, f, fmt, len, n, n0 = 0, size[10];
	unsigned char *src = z->src + 1, *dst = z->dst + 3;
	char what[96];
	int level;

	for (i = 0; i < ARRAY_SIZE(inputs); i++) {
		len = inputs[i].len;
		fill_data(src, len, inputs[i].kind, 0x7000 + i);
		for (f = 0; f < NR_FORMATS; f++) {
			fmt = formats[f];
			for (level = 0; level <= UOFF_ZIP_LEVEL_MAX; level++) {
				n = deflate_checked(_metadata, z, fmt, level,
						    dst, zbound(len), src, len,
						    0);
				size[level] = n;
				snprintf(what, sizeof(what),
					 "inflate of %s level %d, %u bytes",
					 fmt_name(fmt), level, len);
				memcpy(z->zbuf, dst, n);
				if (level == 0) {
					memcpy(z->zbuf2, dst, n);
					n0 = n;
				}
				if (level == UOFF_ZIP_LEVEL_DEFAULT && !z->acomp) {
					ASSERT_EQ(n0, n);
					ASSERT_MATCH(uoff_cmp_bytes(z->zbuf, z->zbuf2,
								    n),
						     "level 0 vs level 6: %s",
						     what);
				}
				inflate_checked(_metadata, z, fmt, dst + 2,
						z->zbuf, n, src, len, 0, what);
			}
			/* An accelerator may take the level as a hint only. */
			if (inputs[i].kind == K_TEXT && len > 1000 && !z->acomp) {
				ASSERT_GT(size[1], size[9]) {
					TH_LOG("%s text: level 9 %u bytes, level 1 %u",
					       fmt_name(fmt), size[9], size[1]);
				}
			}
		}
	}
}

/*
 * Megabytes at level 1, source and destination at odd addresses and
 * lengths, every range crossing many pages.
 */
TEST_F_TIMEOUT(zip, roundtrip_big, 180)
{
	const unsigned int len = 3 * MiB + 7;
	struct zbufs *z = &self->z;
	unsigned char *src = z->src + 3;
	unsigned int f, n;
	char what[64];

	fill_data(src, len, K_MIXED, 0xb16);
	for (f = 0; f < NR_FORMATS; f++) {
		n = deflate_checked(_metadata, z, formats[f], 1, z->dst + 5,
				    zbound(len), src, len, 0);
		memcpy(z->zbuf + 1, z->dst + 5, n);
		snprintf(what, sizeof(what), "big %s inflate",
			 fmt_name(formats[f]));
		inflate_checked(_metadata, z, formats[f], z->dst + 1,
				z->zbuf + 1, n, src, len, 0, what);
	}
}

/*
 * zlib's streams in every format, at every level, memLevel, window size
 * and strategy, INFLATE to exactly their source.
 */
TEST_F_TIMEOUT(zip, inflate_zlib_streams, 180)
{
	static const int strategies[] = {
		Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED,
	};
	const unsigned int len = 40 * 1024 + 5;
	struct zbufs *z = &self->z;
	int level, mem, bits, strategy;
	unsigned int f, fmt, k;
	char what[128];
	size_t n;
	__u64 w;

	fill_data(z->src, len, K_MIXED, 0x2b);
	for (f = 0; f < NR_FORMATS; f++) {
		fmt = formats[f];
		/* One parameter at a time away from 6/8/15/default, then mixes. */
		for (k = 0; k < 10 + 9 + 7 + 5 + 12; k++) {
			level = 6;
			mem = 8;
			bits = 15;
			strategy = Z_DEFAULT_STRATEGY;
			w = uoff_pattern_word(fmt, k);
			if (k < 10) {
				level = k;
			} else if (k < 19) {
				mem = k - 9;
			} else if (k < 26) {
				bits = k - 10;
			} else if (k < 31) {
				strategy = strategies[k - 26];
			} else {
				level = w % 10;
				mem = (w >> 8) % 9 + 1;
				bits = (w >> 16) % 7 + 9;
				strategy = strategies[(w >> 24) % 5];
			}
			snprintf(what, sizeof(what),
				 "%s stream from zlib, level %d memLevel %d windowBits %d strategy %d",
				 fmt_name(fmt), level, mem, bits, strategy);
			n = ref_deflate(z->src, len, level, fmt_wbits(fmt, bits),
					mem, strategy, z->zbuf, AREA_SIZE);
			ASSERT_LT(0U, n) {
				TH_LOG("zlib failed: %s", what);
			}
			inflate_checked(_metadata, z, fmt, z->dst + (k % 7),
					z->zbuf, n, z->src, len, 0, what);
		}
	}
}

/*
 * A destination of exactly the output's size works; one byte less is
 * ENOSPC with nothing written, and so is 0 unless the output is empty.
 */
TEST_F_TIMEOUT(zip, exact_fit_and_enospc, 120)
{
	static const struct {
		enum kind	kind;
		unsigned int	len;
	} inputs[] = {
		{ K_TEXT, 10000 }, { K_RANDOM, 3000 }, { K_ZEROS, 0 },
		{ K_TEXT, 1 }, { K_MIXED, 300 * 1024 },
	};
	struct zbufs *z = &self->z;
	unsigned int i, f, fmt, len, n;
	unsigned char *dst = z->dst + 7;
	char what[96];
	int res;

	for (i = 0; i < ARRAY_SIZE(inputs); i++) {
		len = inputs[i].len;
		fill_data(z->src, len, inputs[i].kind, 0xf17 + i);
		for (f = 0; f < NR_FORMATS; f++) {
			fmt = formats[f];
			n = deflate_checked(_metadata, z, fmt, 5, dst,
					    zbound(len), z->src, len, 0);
			memcpy(z->zbuf, dst, n);

			/*
			 * The CPU makes the same stream again; an accelerator
			 * that fails to fill the room exactly leaves the
			 * request to the CPU, whose stream may be shorter.
			 */
			res = deflate_checked(_metadata, z, fmt, 5, dst, n,
					      z->src, len, 0);
			if (!z->acomp) {
				ASSERT_EQ((int)n, res);
				ASSERT_MATCH(uoff_cmp_bytes(dst, z->zbuf, n),
					     "%s deflate into exactly %u bytes",
					     fmt_name(fmt), n);
			}

			snprintf(what, sizeof(what),
				 "%s deflate of %u bytes into %u", fmt_name(fmt),
				 len, n - 1);
			res = zip_run(_metadata, &z->ctx, 5, fmt, dst, n - 1,
				      z->src, len, 0, what);
			if (!z->acomp || res < 0) {
				ASSERT_EQ(-ENOSPC, res) {
					TH_LOG("%s", what);
				}
			} else {
				check_stream(_metadata, z, fmt, dst, res, z->src,
					     len, what);
			}

			snprintf(what, sizeof(what),
				 "%s deflate of %u bytes into 0", fmt_name(fmt),
				 len);
			res = zip_run(_metadata, &z->ctx, 5, fmt, dst, 0,
				      z->src, len, 0, what);
			ASSERT_EQ(-ENOSPC, res);

			snprintf(what, sizeof(what),
				 "%s inflate of %u bytes into exactly %u",
				 fmt_name(fmt), n, len);
			inflate_checked(_metadata, z, fmt, dst, z->zbuf, n,
					z->src, len, 0, what);
			if (len) {
				snprintf(what, sizeof(what),
					 "%s inflate of %u bytes into %u",
					 fmt_name(fmt), n, len - 1);
				res = zip_run(_metadata, &z->ctx, INFLATE, fmt,
					      dst, len - 1, z->zbuf, n, 0,
					      what);
				ASSERT_EQ(-ENOSPC, res);
				snprintf(what, sizeof(what),
					 "%s inflate of %u bytes into 0",
					 fmt_name(fmt), n);
				res = zip_run(_metadata, &z->ctx, INFLATE, fmt,
					      dst, 0, z->zbuf, n, 0, what);
				ASSERT_EQ(-ENOSPC, res);
			}
		}
	}
}

/*
 * Decompression bombs: 1 GiB of zeros in about a megabyte of stream, or
 * in 1024 gzip members, INFLATEd into small destinations, end in ENOSPC
 * at once.  The same constructions, 3 MiB long, first prove themselves
 * with zlib and the kernel.
 */
TEST_F_TIMEOUT(zip, bomb, 120)
{
	static const unsigned int caps[] = { 0, 1, 4096, MiB };
	const size_t chunk = MiB;
	struct zbufs *z = &self->z;
	unsigned int f, fmt, i;
	long long start, ms;
	const char *name;
	char what[96];
	size_t n, got;
	int res;

	/* One bomb of each format, then one of gzip members. */
	for (f = 0; f <= NR_FORMATS; f++) {
		fmt = f < NR_FORMATS ? formats[f] : UOFF_ZIP_GZIP;
		name = f < NR_FORMATS ? fmt_name(fmt) : "gzip members";
		if (f == NR_FORMATS)
			n = make_member_bomb(z->zbuf, AREA_SIZE, chunk, 3);
		else
			n = make_bomb(z->zbuf, AREA_SIZE, fmt, chunk, 3);
		ASSERT_LT(0U, n);
		ASSERT_EQ(0, ref_inflate(z->zbuf, n, fmt, z->out, 3 * chunk,
					 &got));
		ASSERT_EQ(3 * chunk, got);
		snprintf(what, sizeof(what), "%s, 3 MiB of zeros", name);
		res = zip_run(_metadata, &z->ctx, INFLATE, fmt, z->dst,
			      3 * chunk, z->zbuf, n, 0, what);
		ASSERT_EQ((int)(3 * chunk), res);
		ASSERT_MATCH(uoff_cmp_const(z->dst, 3 * chunk, 0), "%s", what);

		if (f == NR_FORMATS)
			n = make_member_bomb(z->zbuf, AREA_SIZE, chunk, 1024);
		else
			n = make_bomb(z->zbuf, AREA_SIZE, fmt, chunk, 1024);
		ASSERT_LT(0U, n);
		for (i = 0; i < ARRAY_SIZE(caps); i++) {
			snprintf(what, sizeof(what),
				 "%s, 1 GiB of zeros from %zu bytes into %u",
				 name, n, caps[i]);
			start = uoff_now_ms();
			res = zip_run(_metadata, &z->ctx, INFLATE, fmt, z->dst,
				      caps[i], z->zbuf, n, 0, what);
			ms = uoff_now_ms() - start;
			ASSERT_EQ(-ENOSPC, res) {
				TH_LOG("%s", what);
			}
			ASSERT_GT(20000, ms) {
				TH_LOG("%s took %lld ms", what, ms);
			}
		}
	}
}

/* ---------------------------------------------------------------- */
/* Hostile INFLATE input                                             */

/* Small streams to cut and corrupt: zlib's dynamic, fixed and stored. */
static size_t small_stream(struct zbufs *z, unsigned int fmt, int which,
			   unsigned int *len)
{
	switch (which) {
	case 0:
		*len = 2000;
		fill_data(z->src, *len, K_TEXT, 0x5a);
		return ref_deflate6(z->src, *len, fmt, z->zbuf, AREA_SIZE);
	case 1:
		*len = 700;
		fill_data(z->src, *len, K_TEXT, 0x5b);
		return ref_deflate(z->src, *len, 6, fmt_wbits(fmt, 15), 8,
				   Z_FIXED, z->zbuf, AREA_SIZE);
	default:
		*len = 300;
		fill_data(z->src, *len, K_RANDOM, 0x5c);
		return ref_deflate(z->src, *len, 0, fmt_wbits(fmt, 15), 8,
				   Z_DEFAULT_STRATEGY, z->zbuf, AREA_SIZE);
	}
}

/* Every proper prefix of a stream, the empty one too, is EBADMSG. */
TEST_F_TIMEOUT(zip, truncated, 120)
{
	struct zbufs *z = &self->z;
	unsigned int f, len, cut;
	char what[96];
	int which;
	size_t n;

	for (f = 0; f < NR_FORMATS; f++) {
		for (which = 0; which < 3; which++) {
			n = small_stream(z, formats[f], which, &len);
			ASSERT_LT(0U, n);
			for (cut = 0; cut < n; cut++) {
				snprintf(what, sizeof(what),
					 "stream %d cut to %u of %zu bytes",
					 which, cut, n);
				expect_inflate(_metadata, z, formats[f], z->zbuf,
					       cut, len, -EBADMSG, what);
			}
		}
	}
}

/*
 * Single bit flips at every byte of small streams.  The kernel must agree
 * with zlib: refuse (EBADMSG) what zlib refuses, accept with zlib's bytes
 * what it accepts.  Beyond that, what the formats guarantee: with a zlib
 * or gzip checksum a success has the original bytes; a flip in the zlib
 * header (FCHECK), in gzip's ID, CM or reserved FLG bits, or in either
 * trailer is always refused; one in gzip's MTIME, XFL, OS or FTEXT is
 * always accepted.  A flip that makes the output longer than the
 * destination may end in ENOSPC on either side.
 */
static void flip_check(struct __test_metadata *_metadata, struct zbufs *z,
		       unsigned int fmt, size_t n, unsigned int len,
		       unsigned int pos, unsigned int bit, unsigned int *refused)
{
	const unsigned int cap = len + 512;
	bool refuse = false, accept = false;
	size_t got = 0;
	char what[96];
	int ret, res;

	if (fmt == UOFF_ZIP_ZLIB)
		refuse = pos < 2 || pos >= n - 4;
	if (fmt == UOFF_ZIP_GZIP) {
		refuse = pos < 3 || (pos == 3 && bit >= 5) || pos >= n - 8;
		accept = (pos >= 4 && pos < 10) || (pos == 3 && bit == 0);
	}
	snprintf(what, sizeof(what), "%s stream of %zu bytes, bit %u of byte %u",
		 fmt_name(fmt), n, bit, pos);

	z->zbuf[pos] ^= 1U << bit;
	ret = ref_inflate(z->zbuf, n, fmt, z->out, cap, &got);
	res = zip_run(_metadata, &z->ctx, INFLATE, fmt, z->dst, cap, z->zbuf,
		      n, 0, what);
	z->zbuf[pos] ^= 1U << bit;

	if (ret == -ENOSPC || res == -ENOSPC) {
		ASSERT_GT(0, res) {
			TH_LOG("%s: zlib's output did not fit", what);
		}
		ASSERT_GT(0, ret) {
			TH_LOG("%s: the kernel's output did not fit", what);
		}
	} else {
		ASSERT_EQ(ret, res < 0 ? res : 0) {
			TH_LOG("%s: zlib says %d", what, ret);
		}
	}
	if (res < 0) {
		(*refused)++;
		ASSERT_FALSE(accept) {
			TH_LOG("%s: refused with %d", what, res);
		}
		return;
	}
	ASSERT_EQ((int)got, res) {
		TH_LOG("%s: zlib decodes %zu bytes", what, got);
	}
	ASSERT_MATCH(uoff_cmp_bytes(z->dst, z->out, got), "%s", what);
	ASSERT_FALSE(refuse) {
		TH_LOG("%s: accepted, %d bytes", what, res);
	}
	if (fmt != UOFF_ZIP_RAW) {
		ASSERT_EQ((int)len, res);
		ASSERT_MATCH(uoff_cmp_bytes(z->dst, z->src, len),
			     "%s: accepted despite its checksum", what);
	}
}

TEST_F_TIMEOUT(zip, corrupt_bits, 240)
{
	struct zbufs *z = &self->z;
	unsigned int f, fmt, len, pos, bit, flips, refused;
	int which;
	size_t n;

	for (f = 0; f < NR_FORMATS; f++) {
		fmt = formats[f];
		for (which = 0; which < 3; which++) {
			n = small_stream(z, fmt, which, &len);
			ASSERT_LT(0U, n);
			flips = refused = 0;
			for (pos = 0; pos < n; pos++) {
				for (bit = 0; bit < 8; bit++) {
					/* All bits near the ends, two elsewhere. */
					if (pos >= 16 && pos + 8 < n &&
					    bit != pos % 8 &&
					    bit != (pos * 3 + 5) % 8)
						continue;
					flip_check(_metadata, z, fmt, n, len,
						   pos, bit, &refused);
					flips++;
				}
			}
			TH_LOG("%s stream %d (%zu bytes): %u flips, %u refused",
			       fmt_name(fmt), which, n, flips, refused);
		}
	}
}

/*
 * Anything after the end of the stream is EBADMSG: a zero byte, eight of
 * them, text, a lone gzip magic; after a raw or zlib stream, even a
 * second stream.  After a gzip member a second member is fine.  The
 * destination has exactly the room the stream's output needs: the output
 * fits, the source is what is wrong.
 */
TEST_F(zip, trailing_garbage)
{
	static const struct {
		const char	*bytes;
		unsigned int	len;
	} tails[] = {
		{ "\0", 1 }, { "\0\0\0\0\0\0\0\0", 8 }, { "garbage", 7 },
		{ "\x1f\x8b", 2 }, { "\x1f\x8b\x08\0\0\0\0\0\0\x03", 10 },
		{ "\x03\0", 2 },
	};
	struct zbufs *z = &self->z;
	const unsigned int len = 3000;
	unsigned int f, fmt, i;
	char what[96];
	size_t n;

	fill_data(z->src, len, K_TEXT, 0x7a1);
	for (f = 0; f < NR_FORMATS; f++) {
		fmt = formats[f];
		n = ref_deflate6(z->src, len, fmt, z->zbuf, AREA_SIZE);
		ASSERT_LT(0U, n);
		expect_inflate(_metadata, z, fmt, z->zbuf, n, len, 0,
			       "the stream alone");
		for (i = 0; i < ARRAY_SIZE(tails); i++) {
			memcpy(z->zbuf + n, tails[i].bytes, tails[i].len);
			snprintf(what, sizeof(what), "tail %u (%u bytes)", i,
				 tails[i].len);
			expect_inflate(_metadata, z, fmt, z->zbuf,
				       n + tails[i].len, len, -EBADMSG, what);
		}
		memcpy(z->zbuf + n, z->zbuf, n);
		expect_inflate(_metadata, z, fmt, z->zbuf, 2 * n, 2 * len,
			       fmt == UOFF_ZIP_GZIP ? 0 : -EBADMSG,
			       "the stream twice");
	}
}

/* gzip headers: every optional field is read and skipped, FHCRC checked. */
TEST_F(zip, gzip_header)
{
	/* Two subfields: "AP" with 6 bytes, "Zz" with none. */
	static const char extra[] = "AP\x06\0offld!" "Zz\0\0";
	enum { NONE = 1000, HCRC };	/* no patch; the header CRC's byte */
	static const struct {
		const char	*name;
		struct gz_hdr	h;
		int		patch;	/* byte to XOR with 0x40, or NONE */
		unsigned int	cut;	/* bytes to drop from the end */
		int		want;
	} cases[] = {
		{ "plain", { .os = 3 }, NONE, 0, 0 },
		{ "FTEXT", { .flg = GZ_FTEXT, .os = 3 }, NONE, 0, 0 },
		{ "MTIME, XFL, OS", { .mtime = 0x5eadbeef, .xfl = 2, .os = 255 },
		  NONE, 0, 0 },
		{ "FHCRC", { .flg = GZ_FHCRC, .os = 3 }, NONE, 0, 0 },
		{ "FHCRC wrong", { .flg = GZ_FHCRC, .os = 3 }, HCRC, 0,
		  -EBADMSG },
		{ "FEXTRA", { .flg = GZ_FEXTRA, .extra = extra, .xlen = 14 },
		  NONE, 0, 0 },
		{ "FEXTRA empty", { .flg = GZ_FEXTRA, .extra = "", .xlen = 0 },
		  NONE, 0, 0 },
		{ "FNAME", { .flg = GZ_FNAME, .name = "corpus.txt" }, NONE, 0, 0 },
		{ "FNAME empty", { .flg = GZ_FNAME, .name = "" }, NONE, 0, 0 },
		{ "FCOMMENT", { .flg = GZ_FCOMMENT, .comment = "a comment" },
		  NONE, 0, 0 },
		{ "all fields", { .flg = 0x1f, .extra = extra, .xlen = 14,
				  .name = "n", .comment = "c", .os = 3 },
		  NONE, 0, 0 },
		{ "all fields, FHCRC wrong", { .flg = 0x1f, .extra = extra,
					       .xlen = 14, .name = "n",
					       .comment = "c" },
		  HCRC, 0, -EBADMSG },
		{ "ID1 wrong", { .os = 3 }, 0, 0, -EBADMSG },
		{ "ID2 wrong", { .os = 3 }, 1, 0, -EBADMSG },
		{ "CM 0x48", { .os = 3 }, 2, 0, -EBADMSG },
		{ "FLG bit 5", { .flg = 0x20 }, NONE, 0, -EBADMSG },
		{ "FLG bit 6", { .flg = 0x40 }, NONE, 0, -EBADMSG },
		{ "FLG bit 7", { .flg = 0x80 }, NONE, 0, -EBADMSG },
		{ "CRC32 byte 0", { .os = 3 }, -8, 0, -EBADMSG },
		{ "CRC32 byte 3", { .os = 3 }, -5, 0, -EBADMSG },
		{ "ISIZE byte 0", { .os = 3 }, -4, 0, -EBADMSG },
		{ "ISIZE byte 3", { .os = 3 }, -1, 0, -EBADMSG },
		{ "no ISIZE", { .os = 3 }, NONE, 4, -EBADMSG },
		{ "no trailer", { .os = 3 }, NONE, 8, -EBADMSG },
	};
	static const struct gz_hdr long_extra = {
		.flg = GZ_FEXTRA, .extra = "x", .xlen = 1,
	};
	struct zbufs *z = &self->z;
	const unsigned int len = 2500;
	unsigned char *s = z->zbuf;
	size_t i, n;
	int at;

	fill_data(z->src, len, K_TEXT, 0x92);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		n = gz_member(s, AREA_SIZE, &cases[i].h, z->src, len);
		ASSERT_LT(0U, n);
		at = cases[i].patch;
		if (at == HCRC)
			at = gz_write_header(z->zbuf2, &cases[i].h) - 2;
		if (at != NONE)
			s[at < 0 ? (int)n + at : at] ^= 0x40;
		n -= cases[i].cut;
		expect_inflate(_metadata, z, UOFF_ZIP_GZIP, s, n, len,
			       cases[i].want, cases[i].name);
	}

	/* Optional fields that run past the end of the source. */
	n = gz_write_header(s, &long_extra);
	put_le16(s + 10, 0xffff);
	expect_inflate(_metadata, z, UOFF_ZIP_GZIP, s, n, len, -EBADMSG,
		       "XLEN past the end");
	memcpy(s, "\x1f\x8b\x08\x08\0\0\0\0\0\x03unterminated", 22);
	expect_inflate(_metadata, z, UOFF_ZIP_GZIP, s, 22, len, -EBADMSG,
		       "FNAME without its NUL");
	memcpy(s, "\x1f\x8b\x08\x10\0\0\0\0\0\x03unterminated", 22);
	expect_inflate(_metadata, z, UOFF_ZIP_GZIP, s, 22, len, -EBADMSG,
		       "FCOMMENT without its NUL");
	n = gz_write_header(s, &cases[3].h);
	expect_inflate(_metadata, z, UOFF_ZIP_GZIP, s, n - 1, len, -EBADMSG,
		       "half an FHCRC");
	/* A whole header of every field, then nothing. */
	n = gz_write_header(s, &cases[10].h);
	expect_inflate(_metadata, z, UOFF_ZIP_GZIP, s, n, len, -EBADMSG,
		       "a header alone");
}

/*
 * The source is read page by page: a page boundary at any byte of a
 * header or trailer, and gzip header fields longer than a page (FHCRC
 * covering them), change nothing.
 */
TEST_F_TIMEOUT(zip, fields_across_pages, 60)
{
	const unsigned int len = 3000, xlen = 6000, nlen = 5000;
	struct gz_hdr h = {
		.flg = GZ_FHCRC | GZ_FEXTRA | GZ_FNAME | GZ_FCOMMENT,
		.xlen = xlen, .comment = "c", .os = 3,
	};
	struct zbufs *z = &self->z;
	unsigned int f, fmt, brk;
	unsigned char *s, *extra;
	char what[96], *name;
	size_t n;

	/* One subfield "UO" taking the whole extra field. */
	extra = malloc(xlen);
	name = malloc(nlen + 1);
	ASSERT_NE(NULL, extra);
	ASSERT_NE(NULL, name);
	fill_data(extra, xlen, K_RANDOM, 0xe8);
	memcpy(extra, "UO", 2);
	put_le16(extra + 2, xlen - 4);
	fill_data((unsigned char *)name, nlen, K_TEXT, 0xe9);
	name[nlen] = '\0';
	h.extra = (const char *)extra;
	h.name = name;
	fill_data(z->src, len, K_TEXT, 0xe7);

	n = gz_member(z->zbuf, AREA_SIZE, &h, z->src, len);
	ASSERT_LT(0U, n);
	for (brk = 1; brk < 4096; brk += 509) {
		s = z->zbuf2 + 4 * UOFF_PAGE_SIZE - brk;
		memcpy(s, z->zbuf, n);
		snprintf(what, sizeof(what),
			 "gzip header of %u bytes, page break after %u",
			 xlen + nlen + 16, brk);
		expect_inflate(_metadata, z, UOFF_ZIP_GZIP, s, n, len, 0, what);
	}

	/* Every gzip field, all short. */
	h.extra = "UO\0\0";
	h.xlen = 4;
	h.name = "n";
	for (f = 0; f < NR_FORMATS; f++) {
		fmt = formats[f];
		if (fmt == UOFF_ZIP_GZIP)
			n = gz_member(z->zbuf, AREA_SIZE, &h, z->src, len);
		else
			n = ref_deflate6(z->src, len, fmt, z->zbuf, AREA_SIZE);
		ASSERT_LT(0U, n);
		for (brk = 1; brk < n; brk++) {
			/* The first and last 40 bytes: headers, trailers. */
			if (brk == 40 && n > 80)
				brk = n - 40;
			s = z->zbuf2 + 4 * UOFF_PAGE_SIZE - brk;
			memcpy(s, z->zbuf, n);
			snprintf(what, sizeof(what),
				 "%s stream of %zu bytes, page break after %u",
				 fmt_name(fmt), n, brk);
			expect_inflate(_metadata, z, fmt, s, n, len, 0, what);
		}
	}
	free(extra);
	free(name);
}

/*
 * A series of gzip members, some with header fields, one empty, INFLATEs
 * to their outputs one after the other; exactly that capacity suffices,
 * one byte less is ENOSPC; garbage or half a member after the last one
 * is EBADMSG.  The kernel's own members concatenate too.
 */
TEST_F(zip, gzip_members)
{
	static const struct gz_hdr hdrs[] = {
		{ .os = 3 },
		{ .flg = GZ_FNAME | GZ_FHCRC, .name = "second", .os = 3 },
		{ .os = 0 },
		{ .flg = GZ_FCOMMENT, .comment = "last" },
	};
	static const unsigned int lens[] = { 5000, 0, 3000, 10000 };
	static const enum kind kinds[] = { K_TEXT, K_TEXT, K_RANDOM, K_ZEROS };
	struct zbufs *z = &self->z;
	unsigned char *all = z->zbuf2;
	unsigned int i, total = 0, m;
	size_t n = 0, last = 0;
	int res;

	for (i = 0; i < ARRAY_SIZE(hdrs); i++) {
		fill_data(all + total, lens[i], kinds[i], 0x3e3 + i);
		last = gz_member(z->zbuf + n, AREA_SIZE - n, &hdrs[i],
				 all + total, lens[i]);
		ASSERT_LT(0U, last);
		n += last;
		total += lens[i];
	}
	expect_inflate(_metadata, z, UOFF_ZIP_GZIP, z->zbuf, n, total, 0,
		       "four members");
	ASSERT_MATCH(uoff_cmp_bytes(z->dst, all, total), "four members");
	res = zip_run(_metadata, &z->ctx, INFLATE, UOFF_ZIP_GZIP, z->dst,
		      total - 1, z->zbuf, n, 0, "four members, one byte short");
	ASSERT_EQ(-ENOSPC, res);

	memcpy(z->zbuf + n, "junk", 4);
	expect_inflate(_metadata, z, UOFF_ZIP_GZIP, z->zbuf, n + 4, total,
		       -EBADMSG, "four members and junk");
	memcpy(z->zbuf + n, z->zbuf, 30);
	expect_inflate(_metadata, z, UOFF_ZIP_GZIP, z->zbuf, n + 30, 2 * total,
		       -EBADMSG, "four members and part of a fifth");
	expect_inflate(_metadata, z, UOFF_ZIP_GZIP, z->zbuf, n - last + 20,
		       total, -EBADMSG, "three members and part of a fourth");

	/* Two members from the kernel, back to back. */
	m = deflate_checked(_metadata, z, UOFF_ZIP_GZIP, 1, z->dst,
			    zbound(5000), all, 5000, 0);
	memcpy(z->zbuf, z->dst, m);
	n = deflate_checked(_metadata, z, UOFF_ZIP_GZIP, 9, z->dst,
			    zbound(total), all, total, 0);
	memcpy(z->zbuf + m, z->dst, n);
	res = zip_run(_metadata, &z->ctx, INFLATE, UOFF_ZIP_GZIP, z->dst,
		      5000 + total, z->zbuf, m + n, 0, "two kernel members");
	ASSERT_EQ((int)(5000 + total), res);
	ASSERT_MATCH(uoff_cmp_bytes(z->dst, all, 5000), "first member");
	ASSERT_MATCH(uoff_cmp_bytes(z->dst + 5000, all, total),
		     "second member");
}

/*
 * zlib headers and trailers: FCHECK, CM, CINFO, FDICT (a real preset
 * dictionary stream), Adler-32.
 */
TEST_F(zip, zlib_header)
{
	static const struct {
		const char	*name;
		int		byte;	/* < 0: from the end */
		unsigned char	set;	/* new value, fixed up FCHECK */
		unsigned char	xor;	/* or bits to flip, FCHECK kept */
	} cases[] = {
		{ "FCHECK + 1", 1, 0, 0x01 },
		{ "FCHECK + 16", 1, 0, 0x10 },
		{ "FLEVEL changed, FCHECK not", 1, 0, 0x40 },
		{ "CM 7", 0, 0x77, 0 },
		{ "CM 15", 0, 0x7f, 0 },
		{ "CINFO 8", 0, 0x88, 0 },
		{ "CINFO 15", 0, 0xf8, 0 },
		{ "Adler-32 byte 0", -4, 0, 0x01 },
		{ "Adler-32 byte 3", -1, 0, 0x80 },
	};
	static const char dict[] = "offload ring deflate inflate window";
	struct zbufs *z = &self->z;
	const unsigned int len = 2000;
	unsigned char *s = z->zbuf;
	z_stream zs;
	size_t i, n;
	int at;

	fill_data(z->src, len, K_TEXT, 0x21b);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		n = ref_deflate6(z->src, len, UOFF_ZIP_ZLIB, s, AREA_SIZE);
		ASSERT_LT(0U, n);
		at = cases[i].byte < 0 ? (int)n + cases[i].byte : cases[i].byte;
		if (cases[i].set) {
			s[at] = cases[i].set;
			zlib_fix_fcheck(s);
		} else {
			s[at] ^= cases[i].xor;
		}
		expect_inflate(_metadata, z, UOFF_ZIP_ZLIB, s, n, len, -EBADMSG,
			       cases[i].name);
	}

	/* FLEVEL is informational: any value, with FCHECK right, is fine. */
	for (i = 0; i < 4; i++) {
		n = ref_deflate6(z->src, len, UOFF_ZIP_ZLIB, s, AREA_SIZE);
		s[1] = i << 6;
		zlib_fix_fcheck(s);
		expect_inflate(_metadata, z, UOFF_ZIP_ZLIB, s, n, len, 0,
			       "FLEVEL");
	}
	/* A smaller window in CINFO than 32 KiB, as zlib writes it. */
	n = ref_deflate(z->src, len, 6, 9, 8, Z_DEFAULT_STRATEGY, s, AREA_SIZE);
	ASSERT_EQ(0x18, s[0]);
	expect_inflate(_metadata, z, UOFF_ZIP_ZLIB, s, n, len, 0, "CINFO 1");

	/* A stream made with a preset dictionary: FDICT and DICTID. */
	memset(&zs, 0, sizeof(zs));
	ASSERT_EQ(Z_OK, deflateInit(&zs, 6));
	ASSERT_EQ(Z_OK, deflateSetDictionary(&zs, (const Bytef *)dict,
					     sizeof(dict) - 1));
	zs.next_in = z->src;
	zs.avail_in = len;
	zs.next_out = s;
	zs.avail_out = AREA_SIZE;
	ASSERT_EQ(Z_STREAM_END, deflate(&zs, Z_FINISH));
	n = zs.total_out;
	deflateEnd(&zs);
	ASSERT_EQ(0x20, s[1] & 0x20);
	expect_inflate(_metadata, z, UOFF_ZIP_ZLIB, s, n, len, -EBADMSG,
		       "FDICT");
}

/*
 * Deflate blocks by hand, in every format: block type 3, stored blocks
 * whose NLEN is wrong, matches reaching back before the start, and the
 * smallest valid streams, which INFLATE to nothing.
 */
TEST_F(zip, bad_blocks)
{
	static const struct {
		const char	*name;
		const char	*body;
		unsigned int	body_len;
		const char	*data;
		unsigned int	len;
		int		want;
	} cases[] = {
		{ "block type 3", "\x07\0", 2, "", 0, -EBADMSG },
		{ "block type 3 after a block", "\0\0\0\xff\xff\x07\0", 7, "", 0,
		  -EBADMSG },
		{ "stored", "\x01\x05\0\xfa\xffhello", 10, "hello", 5, 0 },
		{ "stored, NLEN wrong", "\x01\x05\0\xfb\xffhello", 10, "hello",
		  5, -EBADMSG },
		{ "stored, LEN past the end", "\x01\x06\0\xf9\xffhello", 10,
		  "hello", 5, -EBADMSG },
		{ "empty fixed block", "\x03\0", 2, "", 0, 0 },
		{ "empty stored block", "\x01\0\0\xff\xff", 5, "", 0, 0 },
		{ "non-final empty block only", "\0\0\0\xff\xff", 5, "", 0,
		  -EBADMSG },
		{ "two empty blocks", "\0\0\0\xff\xff\x03\0", 7, "", 0, 0 },
		{ "no block at all", "", 0, "", 0, -EBADMSG },
	};
	static const char dict[] = "a dictionary the decoder does not have";
	struct zbufs *z = &self->z;
	unsigned char *body = z->zbuf2;
	unsigned int f, fmt, i;
	char what[96];
	z_stream zs;
	size_t n;

	for (f = 0; f < NR_FORMATS; f++) {
		fmt = formats[f];
		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			n = wrap_body(z->zbuf, fmt, NULL, cases[i].body,
				      cases[i].body_len, cases[i].data,
				      cases[i].len);
			snprintf(what, sizeof(what), "%s: %s", fmt_name(fmt),
				 cases[i].name);
			expect_inflate(_metadata, z, fmt, z->zbuf, n, 64,
				       cases[i].want, what);
			if (!cases[i].want) {
				ASSERT_MATCH(uoff_cmp_bytes(z->dst, cases[i].data,
							    cases[i].len),
					     "%s", what);
			}
		}
		expect_inflate(_metadata, z, fmt, z->zbuf, 0, 64, -EBADMSG,
			       "empty source");

		/* Raw data that refers to a dictionary: too far back. */
		fill_data(z->src, 100, K_TEXT, 0xd1c);
		memcpy(z->src, dict, sizeof(dict) - 1);
		memset(&zs, 0, sizeof(zs));
		ASSERT_EQ(Z_OK, deflateInit2(&zs, 6, Z_DEFLATED, -15, 8,
					     Z_DEFAULT_STRATEGY));
		ASSERT_EQ(Z_OK, deflateSetDictionary(&zs, (const Bytef *)dict,
						     sizeof(dict) - 1));
		zs.next_in = z->src;
		zs.avail_in = 100;
		zs.next_out = body;
		zs.avail_out = AREA_SIZE;
		ASSERT_EQ(Z_STREAM_END, deflate(&zs, Z_FINISH));
		n = wrap_body(z->zbuf, fmt, NULL, body, zs.total_out, z->src,
			      100);
		deflateEnd(&zs);
		snprintf(what, sizeof(what), "%s: distance too far back",
			 fmt_name(fmt));
		expect_inflate(_metadata, z, fmt, z->zbuf, n, 200, -EBADMSG,
			       what);
	}
}

/* ---------------------------------------------------------------- */
/* Many at once                                                      */

/*
 * 32 requests in flight on one ring: DEFLATEs in every format and level
 * and INFLATEs of zlib's streams, each into its own slot.
 */
TEST_F_TIMEOUT(zip, many_in_flight, 120)
{
	enum { NR = 32, LEN = 24 * 1024 + 3, SLOT = 40 * 1024 };
	struct zbufs *z = &self->z;
	struct uoff_cqe_rec recs[NR];
	unsigned int fmt[NR], zlen[NR], i, op;
	struct io_uring_sqe *sqe;
	unsigned char *dst;
	int res;

	fill_data(z->src, NR * LEN, K_MIXED, 0x3a7);
	for (i = 0; i < NR; i++) {
		fmt[i] = formats[i % NR_FORMATS];
		dst = z->dst + i * SLOT + UOFF_GUARD;
		uoff_canary(dst, SLOT - 2 * UOFF_GUARD);
		if (i % 2) {
			zlen[i] = ref_deflate(z->src + i * LEN, LEN, i % 10,
					      fmt_wbits(fmt[i], 15), 8,
					      Z_DEFAULT_STRATEGY,
					      z->zbuf + i * SLOT, SLOT);
			ASSERT_LT(0U, zlen[i]);
			sqe = zip_prep(&z->ctx, INFLATE, fmt[i], dst, LEN,
				       z->zbuf + i * SLOT, zlen[i], 0);
		} else {
			sqe = zip_prep(&z->ctx, i % 10, fmt[i], dst,
				       SLOT - 2 * UOFF_GUARD, z->src + i * LEN,
				       LEN, 0);
		}
		ASSERT_NE(NULL, sqe);
		io_uring_sqe_set_data64(sqe, i);
	}
	ASSERT_EQ(0, uoff_submit_reap(&z->ctx.ring, NR, recs));
	for (i = 0; i < NR; i++) {
		op = recs[i].user_data;
		ASSERT_GT((unsigned int)NR, op);
		res = recs[i].res;
		dst = z->dst + op * SLOT + UOFF_GUARD;
		if (op % 2) {
			ASSERT_EQ(LEN, res) {
				TH_LOG("inflate %u", op);
			}
			ASSERT_MATCH(uoff_cmp_bytes(dst, z->src + op * LEN, LEN),
				     "inflate %u", op);
		} else {
			ASSERT_LT(0, res) {
				TH_LOG("deflate %u", op);
			}
			check_stream(_metadata, z, fmt[op], dst, res,
				     z->src + op * LEN, LEN, "deflate in flight");
		}
		ASSERT_MATCH(uoff_cmp_const(dst + res,
					    SLOT - 2 * UOFF_GUARD - res,
					    UOFF_CANARY), "after op %u", op);
		ASSERT_MATCH(uoff_cmp_guards(dst, SLOT - 2 * UOFF_GUARD),
			     "around op %u", op);
	}
}

#define NR_THREADS	4
#define THREAD_ROUNDS	5
#define THREAD_LEN	(96 * 1024 + 11)

struct zthread {
	pthread_barrier_t	*start;
	unsigned int		id;
	char			err[160];
};

/* One thread's rounds on its own ring; an error message, or none. */
static void *zthread_run(void *arg)
{
	struct zthread *t = arg;
	unsigned char *src, *dst, *out, *back;
	unsigned int r, fmt, level, cap = zbound(THREAD_LEN);
	struct uoff_ctx ctx;
	int ret, res;
	size_t got;

	src = uoff_map(THREAD_LEN);
	dst = uoff_map(cap);
	out = uoff_map(THREAD_LEN);
	back = uoff_map(THREAD_LEN);
	ret = uoff_ctx_init(&ctx, 8, 0);
	pthread_barrier_wait(t->start);
	if (!src || !dst || !out || !back || ret) {
		snprintf(t->err, sizeof(t->err), "setup failed");
		return NULL;
	}
	for (r = 0; r < THREAD_ROUNDS; r++) {
		fmt = formats[(t->id + r) % NR_FORMATS];
		level = (t->id * 3 + r) % 10;
		fill_data(src, THREAD_LEN, r % 2 ? K_TEXT : K_MIXED,
			  t->id * 100 + r);
		ret = uoff_run1(&ctx.ring, zip_prep(&ctx, level, fmt, dst, cap,
						    src, THREAD_LEN, 0), &res);
		if (ret || res <= 0) {
			snprintf(t->err, sizeof(t->err),
				 "round %u: deflate %d/%d", r, ret, res);
			break;
		}
		ret = ref_inflate(dst, res, fmt, out, THREAD_LEN, &got);
		if (ret || got != THREAD_LEN || memcmp(out, src, got)) {
			snprintf(t->err, sizeof(t->err),
				 "round %u: zlib decodes %d/%zu bytes", r, ret,
				 got);
			break;
		}
		ret = uoff_run1(&ctx.ring, zip_prep(&ctx, INFLATE, fmt, back,
						    THREAD_LEN, dst, res, 0),
				&res);
		if (ret || res != THREAD_LEN || memcmp(back, src, THREAD_LEN)) {
			snprintf(t->err, sizeof(t->err),
				 "round %u: inflate %d/%d", r, ret, res);
			break;
		}
	}
	uoff_ctx_exit(&ctx);
	return NULL;
}

/* Threads on rings of their own, all compressing at once. */
TEST_F_TIMEOUT(zip, threads, 180)
{
	struct zthread t[NR_THREADS];
	pthread_t tid[NR_THREADS];
	pthread_barrier_t start;
	unsigned int i;

	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, NR_THREADS));
	for (i = 0; i < NR_THREADS; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].start = &start;
		t[i].id = i;
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, zthread_run, &t[i]));
	}
	for (i = 0; i < NR_THREADS; i++)
		ASSERT_EQ(0, pthread_join(tid[i], NULL));
	for (i = 0; i < NR_THREADS; i++) {
		ASSERT_EQ(0, t[i].err[0]) {
			TH_LOG("thread %u: %s", i, t[i].err);
		}
	}
	pthread_barrier_destroy(&start);
}

/* ---------------------------------------------------------------- */
/* Flags                                                             */

TEST_F(zip, nowait)
{
	const unsigned int len = 20000;
	struct zbufs *z = &self->z;
	unsigned int f, n;

	fill_data(z->src, len, K_TEXT, 0x40);
	for (f = 0; f < NR_FORMATS; f++) {
		n = deflate_checked(_metadata, z, formats[f], 3, z->dst,
				    zbound(len), z->src, len, UOFF_F_NOWAIT);
		memcpy(z->zbuf, z->dst, n);
		inflate_checked(_metadata, z, formats[f], z->dst, z->zbuf, n,
				z->src, len, UOFF_F_NOWAIT, "NOWAIT inflate");
	}
}

#define FIXED_SIZE	(2 * MiB)

/* One FIXED DEFLATE or INFLATE through buffer @index, checked. */
static int zip_fixed(struct __test_metadata *_metadata, struct zbufs *z,
		     int level, unsigned int fmt, unsigned char *dst,
		     unsigned int cap, const void *src, unsigned int len,
		     unsigned int flags, int index, const char *what)
{
	struct io_uring_sqe *sqe = uoff_sqe(&z->ctx.ring);

	ASSERT_NE(NULL, sqe);
	uoff_canary(dst, cap);
	if (level == INFLATE)
		io_uring_prep_inflate_fixed(sqe, z->ctx.fd, dst, cap, src, len,
					    fmt, flags, index);
	else
		io_uring_prep_deflate_fixed(sqe, z->ctx.fd, dst, cap, src, len,
					    fmt, level, flags, index);
	return zip_complete(_metadata, &z->ctx, sqe, dst, cap, what);
}

/*
 * UOFF_F_FIXED_SRC and UOFF_F_FIXED_DST put the source, the destination
 * or both in a registered buffer; ranges outside it are EFAULT, FIXED
 * flags without IORING_URING_CMD_FIXED or the reverse EINVAL, and without
 * any registered buffer io_uring itself answers EFAULT.
 */
TEST_F_TIMEOUT(zip, fixed_buffers, 60)
{
	static const unsigned int combos[] = {
		UOFF_F_FIXED_SRC, UOFF_F_FIXED_DST,
		UOFF_F_FIXED_SRC | UOFF_F_FIXED_DST,
	};
	const unsigned int len = 100 * 1024 + 1, half = FIXED_SIZE / 2;
	struct zbufs *z = &self->z;
	unsigned char *map, *buf, *src, *dst, *stream;
	unsigned int c, f, fmt, flags, n;
	struct io_uring_sqe *sqe;
	struct iovec iov;
	char what[96];
	int res, ret;

	/* Mapped pages either side: canaries may go past the buffer. */
	map = uoff_map(FIXED_SIZE + 4 * UOFF_PAGE_SIZE);
	ASSERT_NE(NULL, map);
	buf = map + UOFF_PAGE_SIZE;
	iov.iov_base = buf;
	iov.iov_len = FIXED_SIZE;
	ret = io_uring_register_buffers(&z->ctx.ring, &iov, 1);
	ASSERT_EQ(0, ret) {
		TH_LOG("io_uring_register_buffers: %s", strerror(-ret));
	}

	for (c = 0; c < ARRAY_SIZE(combos); c++) {
		flags = combos[c];
		for (f = 0; f < NR_FORMATS; f++) {
			fmt = formats[f];
			/* The source first in the buffer or in plain memory. */
			src = flags & UOFF_F_FIXED_SRC ? buf + 5 : z->src + 5;
			dst = flags & UOFF_F_FIXED_DST ? buf + half + UOFF_GUARD :
			      z->dst + UOFF_GUARD;
			fill_data(src, len, K_MIXED, 0xf1 + c);
			memcpy(z->zbuf2, src, len);
			snprintf(what, sizeof(what), "fixed 0x%x %s deflate",
				 flags, fmt_name(fmt));
			res = zip_fixed(_metadata, z, 4, fmt, dst, zbound(len),
					src, len, flags, 0, what);
			ASSERT_LT(0, res);
			n = res;
			check_stream(_metadata, z, fmt, dst, n, z->zbuf2, len,
				     what);

			/* Back again: the stream where the source was. */
			stream = src;
			memcpy(stream, dst, n);
			snprintf(what, sizeof(what), "fixed 0x%x %s inflate",
				 flags, fmt_name(fmt));
			res = zip_fixed(_metadata, z, INFLATE, fmt, dst, len,
					stream, n, flags, 0, what);
			ASSERT_EQ((int)len, res);
			ASSERT_MATCH(uoff_cmp_bytes(dst, z->zbuf2, len), "%s",
				     what);
		}
	}

	/* Ranges leaving the buffer. */
	fill_data(buf, 4096, K_TEXT, 0xf5);
	res = zip_fixed(_metadata, z, 1, UOFF_ZIP_RAW,
			buf + FIXED_SIZE - 4096, 8192, buf, 4096,
			UOFF_F_FIXED_DST, 0, "fixed dst running past the buffer");
	ASSERT_EQ(-EFAULT, res);
	res = zip_fixed(_metadata, z, 1, UOFF_ZIP_RAW, z->dst, 8192,
			buf + FIXED_SIZE - 4096, 4097, UOFF_F_FIXED_SRC, 0,
			"fixed src running past the buffer");
	ASSERT_EQ(-EFAULT, res);
	res = zip_fixed(_metadata, z, INFLATE, UOFF_ZIP_RAW, z->dst, 8192,
			z->src, 100, UOFF_F_FIXED_SRC, 0,
			"fixed src outside the buffer");
	ASSERT_EQ(-EFAULT, res);

	/* The two halves of the FIXED pair alone. */
	for (c = 0; c < ARRAY_SIZE(combos) + 1; c++) {
		flags = c < ARRAY_SIZE(combos) ? combos[c] : 0;
		uoff_canary(buf + half, 8192);
		ASSERT_NE(NULL, sqe = uoff_sqe(&z->ctx.ring));
		io_uring_prep_deflate_fixed(sqe, z->ctx.fd, buf + half, 8192,
					    buf, 4096, UOFF_ZIP_GZIP, 1, flags,
					    0);
		sqe->uring_cmd_flags = flags ? 0 : IORING_URING_CMD_FIXED;
		res = zip_complete(_metadata, &z->ctx, sqe, buf + half, 8192,
				   "FIXED flags without their other half");
		ASSERT_EQ(-EINVAL, res) {
			TH_LOG("flags 0x%x", flags);
		}
	}

	/* No registered buffer at all. */
	ASSERT_EQ(0, io_uring_unregister_buffers(&z->ctx.ring));
	fill_data(z->src, 4096, K_TEXT, 0xf6);
	for (c = 0; c < ARRAY_SIZE(combos); c++) {
		res = zip_fixed(_metadata, z, 1, UOFF_ZIP_ZLIB, z->dst, 8192,
				z->src, 4096, combos[c], 0,
				"FIXED without registered buffers");
		ASSERT_EQ(-EFAULT, res);
	}
	munmap(map, FIXED_SIZE + 4 * UOFF_PAGE_SIZE);
}

/* ---------------------------------------------------------------- */
/* Refused requests                                                  */

/*
 * A valid DEFLATE or INFLATE of SPOIL_LEN bytes of text into z->dst +
 * UOFF_GUARD, for tests to spoil; the INFLATE's source is zlib's gzip
 * stream in z->zbuf.
 */
static struct io_uring_sqe *prep_valid(struct __test_metadata *_metadata,
				       struct zbufs *z, int level)
{
	unsigned int n = 0;

	fill_data(z->src, SPOIL_LEN, K_TEXT, 0x5b0);
	uoff_canary(z->dst + UOFF_GUARD, SPOIL_CAP);
	if (level == INFLATE) {
		n = ref_deflate6(z->src, SPOIL_LEN, UOFF_ZIP_GZIP, z->zbuf,
				 AREA_SIZE);
		ASSERT_LT(0U, n);
		return zip_prep(&z->ctx, INFLATE, UOFF_ZIP_GZIP,
				z->dst + UOFF_GUARD, SPOIL_CAP, z->zbuf, n, 0);
	}
	return zip_prep(&z->ctx, level, UOFF_ZIP_GZIP, z->dst + UOFF_GUARD,
			SPOIL_CAP, z->src, SPOIL_LEN, 0);
}

/* Runs a spoiled request, which must fail with @err, writing nothing. */
static void expect_refused(struct __test_metadata *_metadata, struct zbufs *z,
			   struct io_uring_sqe *sqe, int err, const char *what)
{
	int res;

	ASSERT_NE(NULL, sqe);
	res = zip_complete(_metadata, &z->ctx, sqe, z->dst + UOFF_GUARD,
			   SPOIL_CAP, what);
	ASSERT_EQ(err, res) {
		TH_LOG("%s", what);
	}
}

/* The requests the errno tests spoil work as they are. */
TEST_F(zip, unspoiled_requests_work)
{
	struct zbufs *z = &self->z;
	struct io_uring_sqe *sqe;
	int res;

	sqe = prep_valid(_metadata, z, 1);
	ASSERT_NE(NULL, sqe);
	res = zip_complete(_metadata, &z->ctx, sqe, z->dst + UOFF_GUARD,
			   SPOIL_CAP, "valid deflate");
	ASSERT_LT(0, res);
	check_stream(_metadata, z, UOFF_ZIP_GZIP, z->dst + UOFF_GUARD, res,
		     z->src, SPOIL_LEN, "valid deflate");
	sqe = prep_valid(_metadata, z, INFLATE);
	ASSERT_NE(NULL, sqe);
	res = zip_complete(_metadata, &z->ctx, sqe, z->dst + UOFF_GUARD,
			   SPOIL_CAP, "valid inflate");
	ASSERT_EQ((int)SPOIL_LEN, res);
	ASSERT_MATCH(uoff_cmp_bytes(z->dst + UOFF_GUARD, z->src, SPOIL_LEN),
		     "valid inflate");
}

/* prep_valid(@level) with the @mask bits of its flags set to @bits. */
static void expect_flags_refused(struct __test_metadata *_metadata,
				 struct zbufs *z, int level, __u32 mask,
				 __u32 bits, const char *what)
{
	struct io_uring_sqe *sqe = prep_valid(_metadata, z, level);

	ASSERT_NE(NULL, sqe);
	zip_cmd(sqe)->flags = (zip_cmd(sqe)->flags & ~mask) | bits;
	expect_refused(_metadata, z, sqe, -EINVAL, what);
}

TEST_F(zip, bad_format)
{
	unsigned int fmt;
	char what[64];
	int level;

	for (level = INFLATE; level <= 1; level += 2) {
		for (fmt = 0; fmt < 16; fmt++) {
			if (fmt >= UOFF_ZIP_RAW && fmt <= UOFF_ZIP_GZIP)
				continue;
			snprintf(what, sizeof(what), "%s with format %u",
				 op_name(level), fmt);
			expect_flags_refused(_metadata, &self->z, level,
					     UOFF_F_ZIP_FORMAT_MASK,
					     UOFF_F_ZIP_FORMAT(fmt), what);
		}
	}
}

/* DEFLATE levels above 9, and any level for INFLATE. */
TEST_F(zip, bad_level)
{
	char what[64];
	int level;

	for (level = 1; level < 16; level++) {
		snprintf(what, sizeof(what), "inflate with level %d", level);
		expect_flags_refused(_metadata, &self->z, INFLATE,
				     UOFF_F_ZIP_LEVEL_MASK,
				     UOFF_F_ZIP_LEVEL(level), what);
		if (level <= UOFF_ZIP_LEVEL_MAX)
			continue;
		snprintf(what, sizeof(what), "deflate with level %d", level);
		expect_flags_refused(_metadata, &self->z, 1,
				     UOFF_F_ZIP_LEVEL_MASK,
				     UOFF_F_ZIP_LEVEL(level), what);
	}
}

TEST_F(zip, unknown_flags)
{
	const __u32 known = UOFF_F_ALL | UOFF_F_ZIP_FORMAT_MASK |
			    UOFF_F_ZIP_LEVEL_MASK;
	unsigned int bit;
	char what[64];
	int level;

	for (level = INFLATE; level <= 1; level += 2) {
		for (bit = 0; bit < 32; bit++) {
			if (known & (1U << bit))
				continue;
			snprintf(what, sizeof(what), "%s with flag bit %u",
				 op_name(level), bit);
			expect_flags_refused(_metadata, &self->z, level, 0,
					     1U << bit, what);
		}
	}
}

/* sqe->ioprio, file_index and (without a FIXED flag) buf_index are 0. */
TEST_F(zip, sqe_fields)
{
	struct zbufs *z = &self->z;
	struct io_uring_sqe *sqe;
	char what[64];
	int level, field;

	for (level = INFLATE; level <= 1; level += 2) {
		for (field = 0; field < 4; field++) {
			sqe = prep_valid(_metadata, z, level);
			ASSERT_NE(NULL, sqe);
			if (field == 0)
				sqe->ioprio = 1;
			else if (field == 1)
				sqe->ioprio = 0x8000;
			else if (field == 2)
				sqe->file_index = 1;
			else
				sqe->buf_index = 1;
			snprintf(what, sizeof(what), "%s with sqe->%s",
				 op_name(level), field < 2 ? "ioprio" :
				 field == 2 ? "file_index" : "buf_index");
			expect_refused(_metadata, z, sqe, -EINVAL, what);
		}
	}
}

/* On an SQE128 ring the payload past struct uoff_zip_cmd is ignored. */
TEST_F(zip, sqe128_extra_payload_ignored)
{
	struct zbufs *z = &self->z, big;
	struct io_uring_sqe *sqe;
	int ret, res, level;

	ret = uoff_ctx_init(&big.ctx, 8, IORING_SETUP_SQE128);
	if (ret)
		SKIP(return, "no SQE128 ring: %s", strerror(-ret));
	big.src = z->src;
	big.dst = z->dst;
	big.zbuf = z->zbuf;
	for (level = INFLATE; level <= 1; level += 2) {
		sqe = prep_valid(_metadata, &big, level);
		ASSERT_NE(NULL, sqe);
		memset((char *)zip_cmd(sqe) + sizeof(struct uoff_zip_cmd), 0xff,
		       64);
		res = zip_complete(_metadata, &big.ctx, sqe,
				   z->dst + UOFF_GUARD, SPOIL_CAP,
				   "SQE128 with 0xff payload");
		if (level == INFLATE) {
			ASSERT_EQ((int)SPOIL_LEN, res);
			ASSERT_MATCH(uoff_cmp_bytes(z->dst + UOFF_GUARD, z->src,
						    SPOIL_LEN), "SQE128 inflate");
		} else {
			ASSERT_LT(0, res);
			check_stream(_metadata, z, UOFF_ZIP_GZIP,
				     z->dst + UOFF_GUARD, res, z->src,
				     SPOIL_LEN, "SQE128 deflate");
		}
	}
	uoff_ctx_exit(&big.ctx);
}

/* DEFLATE and INFLATE are no BATCH descriptor ops. */
TEST_F(zip, not_in_batch)
{
	struct zbufs *z = &self->z;
	struct uoff_desc descs[2];
	struct io_uring_sqe *sqe;
	unsigned char *dst = z->dst + UOFF_GUARD;
	int op, res;

	fill_data(z->src, 4096, K_TEXT, 0xba);
	for (op = UOFF_OP_DEFLATE; op <= UOFF_OP_INFLATE; op++) {
		uoff_canary(dst, 3 * 4096);
		io_uring_offload_desc_copy(&descs[0], dst, z->src, 4096);
		io_uring_offload_desc_copy(&descs[1], dst + 4096, z->src, 4096);
		descs[1].op = op;
		ASSERT_NE(NULL, sqe = uoff_sqe(&z->ctx.ring));
		io_uring_prep_offload_batch(sqe, z->ctx.fd, descs, 2, 0);
		res = zip_complete(_metadata, &z->ctx, sqe, dst, 3 * 4096,
				   "batch with a zip descriptor");
		ASSERT_EQ(-EINVAL, res) {
			TH_LOG("descriptor op %d", op);
		}
	}
}

/*
 * Source and destination ranges that overlap by as little as a byte are
 * EINVAL, the source unchanged; ranges that only touch are fine.
 */
TEST_F(zip, overlap)
{
	enum anchor { AT_START, AT_END, BEFORE };
	static const struct {
		enum anchor	anchor;	/* src, src + src_len, src - cap */
		long		delta;
		unsigned int	cap;
		bool		ok;
	} cases[] = {
		{ AT_START, 0, SPOIL_CAP, false },
		{ AT_END, -1, SPOIL_CAP, false },
		{ AT_END, 0, SPOIL_CAP, true },
		{ BEFORE, 1, SPOIL_CAP, false },
		{ BEFORE, 0, SPOIL_CAP, true },
		{ AT_START, 100, 200, false },
		{ AT_START, -100, SPOIL_CAP, false },
	};
	struct zbufs *z = &self->z;
	unsigned char *src = z->dst + 96 * 1024, *dst;
	unsigned int i, n;
	char what[64];
	int level, res;

	fill_data(z->zbuf2, SPOIL_LEN, K_TEXT, 0x0e);
	for (level = INFLATE; level <= 1; level += 2) {
		if (level == INFLATE) {
			n = ref_deflate6(z->zbuf2, SPOIL_LEN, UOFF_ZIP_ZLIB,
					 z->zbuf, AREA_SIZE);
		} else {
			n = SPOIL_LEN;
			memcpy(z->zbuf, z->zbuf2, n);
		}
		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			dst = src + cases[i].delta;
			if (cases[i].anchor == AT_END)
				dst += n;
			else if (cases[i].anchor == BEFORE)
				dst -= cases[i].cap;
			memset(src - 64 * 1024, UOFF_CANARY, 128 * 1024);
			memcpy(src, z->zbuf, n);
			snprintf(what, sizeof(what), "%s, dst at src%+ld",
				 op_name(level), (long)(dst - src));
			res = uoff_complete1(_metadata, &z->ctx.ring,
					     zip_prep(&z->ctx, level,
						      UOFF_ZIP_ZLIB, dst,
						      cases[i].cap, src, n, 0));
			if (!cases[i].ok) {
				ASSERT_EQ(-EINVAL, res) {
					TH_LOG("%s", what);
				}
			} else if (level == INFLATE) {
				ASSERT_EQ((int)SPOIL_LEN, res) {
					TH_LOG("%s", what);
				}
				ASSERT_MATCH(uoff_cmp_bytes(dst, z->zbuf2,
							    SPOIL_LEN),
					     "%s", what);
			} else {
				ASSERT_LT(0, res) {
					TH_LOG("%s", what);
				}
				check_stream(_metadata, z, UOFF_ZIP_ZLIB, dst,
					     res, z->zbuf2, SPOIL_LEN, what);
			}
			if (!cases[i].ok || cases[i].anchor != AT_START)
				ASSERT_MATCH(uoff_cmp_bytes(src, z->zbuf, n),
					     "source after %s", what);
		}
	}
}

#define KERNEL_ADDR	((unsigned char *)0xffff888000000000ULL)
#define WRAP_ADDR	((unsigned char *)-UOFF_PAGE_SIZE)

/* Sources that are not all readable are EFAULT, with nothing written. */
TEST_F(zip, efault_source)
{
	const struct {
		const char		*name;
		const unsigned char	*src;
		unsigned int		len;
	} cases[] = {
		{ "NULL", NULL, 100 },
		{ "unmapped", (unsigned char *)self->hole, 100 },
		{ "mapped, then unmapped",
		  (unsigned char *)self->hole - 100, 100 + 4096 },
		{ "PROT_NONE", (unsigned char *)self->none, 100 },
		{ "wrapping", WRAP_ADDR, 2 * UOFF_PAGE_SIZE },
		{ "kernel address", KERNEL_ADDR, 100 },
	};
	struct zbufs *z = &self->z;
	struct io_uring_sqe *sqe;
	char what[64];
	unsigned int i;
	int level;

	for (level = INFLATE; level <= 1; level += 2) {
		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			sqe = prep_valid(_metadata, z, level);
			ASSERT_NE(NULL, sqe);
			/* Valid as far as it goes: only the fault can stop it. */
			memcpy(self->hole - 100, level == INFLATE ? z->zbuf :
			       z->src, 100);
			zip_cmd(sqe)->src = (uintptr_t)cases[i].src;
			zip_cmd(sqe)->src_len = cases[i].len;
			snprintf(what, sizeof(what), "%s from %s source",
				 op_name(level), cases[i].name);
			expect_refused(_metadata, z, sqe, -EFAULT, what);
		}
	}
}

/*
 * Destinations that are not writable where the output goes are EFAULT,
 * and even the writable part before the fault stays untouched.  One that
 * is writable for the output but not for its whole capacity may be
 * refused (EFAULT, nothing written) or served.
 */
TEST_F(zip, efault_destination)
{
	unsigned char *ro = (unsigned char *)self->rw_ro + UOFF_PAGE_SIZE;
	const struct {
		const char	*name;
		unsigned char	*dst;
		unsigned int	cap;
		bool		maybe;
	} cases[] = {
		{ "NULL", NULL, SPOIL_CAP, false },
		{ "unmapped", (unsigned char *)self->hole, SPOIL_CAP, false },
		{ "read-only", ro, SPOIL_CAP, false },
		{ "PROT_NONE", (unsigned char *)self->none, SPOIL_CAP, false },
		{ "kernel address", KERNEL_ADDR, SPOIL_CAP, false },
		{ "wrapping", WRAP_ADDR, 2 * UOFF_PAGE_SIZE, false },
		{ "writable, then read-only", ro - 100, SPOIL_CAP, false },
		{ "writable, then unmapped",
		  (unsigned char *)self->hole - 100, SPOIL_CAP, false },
		{ "output fits before the read-only page", ro - 4096,
		  SPOIL_CAP, true },
		{ "output fits before the hole",
		  (unsigned char *)self->hole - 4096, SPOIL_CAP, true },
	};
	struct zbufs *z = &self->z;
	struct io_uring_sqe *sqe;
	unsigned char *page;
	char what[96];
	unsigned int i;
	int level, res;

	for (level = INFLATE; level <= 1; level += 2) {
		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			/* The deflate's output is under 4 KiB, the inflate's not. */
			if (cases[i].maybe && level == INFLATE)
				continue;
			memset(self->rw_ro, UOFF_CANARY, UOFF_PAGE_SIZE);
			memset(self->hole - UOFF_PAGE_SIZE, UOFF_CANARY,
			       UOFF_PAGE_SIZE);
			sqe = prep_valid(_metadata, z, level);
			ASSERT_NE(NULL, sqe);
			sqe->addr = (uintptr_t)cases[i].dst;
			sqe->len = cases[i].cap;
			snprintf(what, sizeof(what), "%s into %s destination",
				 op_name(level), cases[i].name);
			res = uoff_complete1(_metadata, &z->ctx.ring, sqe);
			if (cases[i].maybe && res >= 0) {
				ASSERT_GE(4096, res);
				check_stream(_metadata, z, UOFF_ZIP_GZIP,
					     cases[i].dst, res, z->src,
					     SPOIL_LEN, what);
				continue;
			}
			ASSERT_EQ(-EFAULT, res) {
				TH_LOG("%s", what);
			}
			page = (unsigned char *)self->rw_ro;
			ASSERT_MATCH(uoff_cmp_const(page, UOFF_PAGE_SIZE,
						    UOFF_CANARY),
				     "page before the read-only one, %s", what);
			page = (unsigned char *)self->hole - UOFF_PAGE_SIZE;
			ASSERT_MATCH(uoff_cmp_const(page, UOFF_PAGE_SIZE,
						    UOFF_CANARY),
				     "page before the hole, %s", what);
			ASSERT_MATCH(uoff_cmp_const(ro, SPOIL_CAP, UOFF_CANARY),
				     "read-only page, %s", what);
		}
	}
}

/* Either length above max_op_len is E2BIG, before anything is read. */
TEST_F(zip, e2big)
{
	struct zbufs *z = &self->z;
	unsigned int max = z->ctx.feat.max_op_len;
	struct io_uring_sqe *sqe;
	unsigned char *huge;
	char what[64];
	int level, which;

	ASSERT_LT(0U, max);
	ASSERT_GE((unsigned int)INT_MAX, max);
	huge = uoff_reserve((size_t)max + 1);
	ASSERT_NE(NULL, huge);
	for (level = INFLATE; level <= 1; level += 2) {
		for (which = 0; which < 3; which++) {
			sqe = prep_valid(_metadata, z, level);
			ASSERT_NE(NULL, sqe);
			if (which != 1) {
				zip_cmd(sqe)->src = (uintptr_t)huge;
				zip_cmd(sqe)->src_len = max + 1;
			}
			if (which != 0) {
				/* A capacity past the canaried bytes: never written. */
				sqe->len = max + 1;
				if (which == 1)
					sqe->addr = (uintptr_t)huge;
			}
			snprintf(what, sizeof(what), "%s with %s above %u",
				 op_name(level), which == 0 ? "src_len" :
				 which == 1 ? "dst_len" : "both", max);
			expect_refused(_metadata, z, sqe, -E2BIG, what);
		}
	}
	munmap(huge, (size_t)max + 1);
}

/* ---------------------------------------------------------------- */
/* Stats                                                             */

/*
 * A DEFLATE and an INFLATE move their engine's counter by one and the
 * byte counters by their input and output; a failure moves zip.errors
 * only.
 */
TEST_F(zip, stats)
{
	const unsigned int len = 70000;
	struct zbufs *z = &self->z;
	long long st[NR_ZSTATS], delta[NR_ZSTATS];
	unsigned int n;
	int res;

	/* Longer than acomp_max_len's default: the CPU's even with acomp. */
	if (z->acomp) {
		unsigned long long max_len = 0;

		ASSERT_EQ(0, uoff_param_get("acomp_max_len", &max_len));
		if (max_len >= len)
			SKIP(return, "acomp_max_len %llu: the accelerator's",
			     max_len);
	}
	fill_data(z->src, len, K_TEXT, 0x57a);
	zstats_read(_metadata, st);
	n = deflate_checked(_metadata, z, UOFF_ZIP_ZLIB, 2, z->dst,
			    zbound(len), z->src, len, 0);
	memset(delta, 0, sizeof(delta));
	delta[ZS_DEFLATE_CPU] = 1;
	delta[ZS_BYTES_IN] = len;
	delta[ZS_BYTES_OUT] = n;
	zstats_expect(_metadata, st, delta, "deflate");

	memcpy(z->zbuf, z->dst, n);
	inflate_checked(_metadata, z, UOFF_ZIP_ZLIB, z->dst, z->zbuf, n,
			z->src, len, 0, "inflate");
	memset(delta, 0, sizeof(delta));
	delta[ZS_INFLATE_CPU] = 1;
	delta[ZS_BYTES_IN] = n;
	delta[ZS_BYTES_OUT] = len;
	zstats_expect(_metadata, st, delta, "inflate");

	z->zbuf[n - 1] ^= 1;
	res = zip_run(_metadata, &z->ctx, INFLATE, UOFF_ZIP_ZLIB, z->dst, len,
		      z->zbuf, n, 0, "inflate with a bad Adler-32");
	ASSERT_EQ(-EBADMSG, res);
	memset(delta, 0, sizeof(delta));
	delta[ZS_ERRORS] = 1;
	zstats_expect(_metadata, st, delta, "EBADMSG");

	z->zbuf[n - 1] ^= 1;
	res = zip_run(_metadata, &z->ctx, INFLATE, UOFF_ZIP_ZLIB, z->dst,
		      len - 1, z->zbuf, n, 0, "inflate one byte short");
	ASSERT_EQ(-ENOSPC, res);
	zstats_expect(_metadata, st, delta, "ENOSPC");
}

/* ---------------------------------------------------------------- */
/* Tasks that go away                                                */

#define EXIT_OPS	6
#define EXIT_LEN	(2 * MiB)

/*
 * The child: large level 9 DEFLATEs in flight, then tell the parent and
 * exit, or wait to be killed if the bool at @arg says so.  Exit codes
 * say what went wrong.
 */
static int exit_child(void *arg, int ready_fd)
{
	const unsigned int cap = zbound(EXIT_LEN);
	struct io_uring_sqe *sqe;
	unsigned char *src, *dst;
	struct uoff_ctx ctx;
	int i;

	if (uoff_ctx_init(&ctx, EXIT_OPS, 0))
		return 10;
	src = uoff_map(EXIT_LEN);
	dst = uoff_map((size_t)EXIT_OPS * cap);
	if (!src || !dst)
		return 11;
	fill_data(src, EXIT_LEN, K_TEXT, 0xe1);
	for (i = 0; i < EXIT_OPS; i++) {
		sqe = zip_prep(&ctx, 9, formats[i % NR_FORMATS], dst + i * cap,
			       cap, src, EXIT_LEN, 0);
		if (!sqe)
			return 12;
	}
	if (io_uring_submit(&ctx.ring) != EXIT_OPS)
		return 13;
	if (write(ready_fd, "r", 1) != 1)
		return 14;
	if (*(const bool *)arg)
		pause();	/* until the parent's SIGKILL */
	return 0;
}

/* A round trip after everything: the module still compresses. */
static void check_still_works(struct __test_metadata *_metadata)
{
	const unsigned int len = 100000;
	struct zbufs z;
	unsigned int n;

	zbufs_init(_metadata, &z);
	fill_data(z.src, len, K_MIXED, 0xa11);
	n = deflate_checked(_metadata, &z, UOFF_ZIP_GZIP, 6, z.dst,
			    zbound(len), z.src, len, 0);
	memcpy(z.zbuf, z.dst, n);
	inflate_checked(_metadata, &z, UOFF_ZIP_GZIP, z.dst, z.zbuf, n, z.src,
			len, 0, "inflate after the child");
	uoff_ctx_exit(&z.ctx);
}

FIXTURE(zip_exit) {
	long long	refcnt0;
	bool		have_refcnt;
};

FIXTURE_VARIANT(zip_exit) {
	bool		killed;
};

FIXTURE_VARIANT_ADD(zip_exit, exits) {
	.killed = false,
};

FIXTURE_VARIANT_ADD(zip_exit, killed) {
	.killed = true,
};

/* No device file is kept open here: the module's refcount must drop. */
FIXTURE_SETUP(zip_exit)
{
	self->have_refcnt = uoff_read_refcnt(&self->refcnt0) == 0;
}

FIXTURE_TEARDOWN(zip_exit)
{
}

/*
 * A process exits, or is killed, with big DEFLATEs in flight: it is
 * reaped promptly, the module lets go of everything and still works.
 */
TEST_F_TIMEOUT(zip_exit, deflates_in_flight, 300)
{
	const unsigned int wait_ms = 120000;
	long long val;

	uoff_run_child(_metadata, exit_child, (void *)&variant->killed,
		       variant->killed, wait_ms);
	if (self->have_refcnt) {
		val = uoff_settle(uoff_read_refcnt, self->refcnt0, wait_ms);
		ASSERT_EQ(self->refcnt0, val) {
			TH_LOG("module refcnt stuck at %lld, was %lld", val,
			       self->refcnt0);
		}
	}
	if (uoff_read_inflight(&val) == 0) {
		val = uoff_settle(uoff_read_inflight, 0, wait_ms);
		ASSERT_EQ(0, val) {
			TH_LOG("stats still show %lld in flight", val);
		}
	}
	check_still_works(_metadata);
}

struct exiting_thread {
	struct zbufs	*z;
	unsigned int	cap;
	int		submitted;
};

static void *submit_and_leave(void *arg)
{
	struct exiting_thread *t = arg;
	struct io_uring_sqe *sqe;
	int i;

	for (i = 0; i < EXIT_OPS; i++) {
		sqe = zip_prep(&t->z->ctx, 9, formats[i % NR_FORMATS],
			       t->z->dst + i * t->cap, t->cap, t->z->src,
			       EXIT_LEN / 4, 0);
		if (!sqe)
			return NULL;
		io_uring_sqe_set_data64(sqe, i);
	}
	t->submitted = io_uring_submit(&t->z->ctx.ring);
	return NULL;
}

/*
 * A thread that exits with DEFLATEs in flight on a ring its process
 * keeps: each completes once, with a stream zlib decodes, or ECANCELED.
 */
TEST_F_TIMEOUT(zip, thread_exits_with_deflates_in_flight, 240)
{
	struct exiting_thread t = {
		.z = &self->z, .cap = zbound(EXIT_LEN / 4),
	};
	struct uoff_cqe_rec recs[EXIT_OPS], stray;
	bool seen[EXIT_OPS] = { false };
	int i, cancelled = 0;
	pthread_t tid;
	__u64 op;

	fill_data(self->z.src, EXIT_LEN / 4, K_TEXT, 0x7e);
	ASSERT_EQ(0, pthread_create(&tid, NULL, submit_and_leave, &t));
	ASSERT_EQ(0, pthread_join(tid, NULL));
	ASSERT_EQ(EXIT_OPS, t.submitted);
	ASSERT_EQ(EXIT_OPS, uoff_reap(&self->z.ctx.ring, EXIT_OPS, recs,
				      UOFF_REAP_TIMEOUT_MS * 3));
	for (i = 0; i < EXIT_OPS; i++) {
		op = recs[i].user_data;
		ASSERT_GT((__u64)EXIT_OPS, op);
		ASSERT_FALSE(seen[op]);
		seen[op] = true;
		if (recs[i].res == -ECANCELED) {
			cancelled++;
			continue;
		}
		ASSERT_LT(0, recs[i].res) {
			TH_LOG("op %llu", (unsigned long long)op);
		}
		check_stream(_metadata, &self->z, formats[op % NR_FORMATS],
			     self->z.dst + op * t.cap, recs[i].res, self->z.src,
			     EXIT_LEN / 4, "deflate of the exited thread");
	}
	ASSERT_TRUE(uoff_cq_quiet(&self->z.ctx.ring, 10, &stray));
	TH_LOG("%d of %d deflates cancelled by the thread's exit", cancelled,
	       EXIT_OPS);
}

/* ---------------------------------------------------------------- */
/* The accelerator                                                   */

FIXTURE(acomp) {
	struct zbufs		z;
	unsigned long long	max_len;
};

FIXTURE_SETUP(acomp)
{
	const char *env = getenv("UOFF_ZIP_ACOMP");
	bool required = env && !strcmp(env, "required");

	zbufs_init(_metadata, &self->z);
	if (!self->z.acomp) {
		ASSERT_FALSE(required) {
			TH_LOG("UOFF_ZIP_ACOMP=required but engines 0x%llx lacks UOFF_ENGINE_ACOMP",
			       (unsigned long long)self->z.ctx.feat.engines);
		}
		SKIP(return, "no compression accelerator in use");
	}
	ASSERT_EQ(0, uoff_param_get("acomp_max_len", &self->max_len));
	ASSERT_LE(4096ULL, self->max_len);
	ASSERT_GT((unsigned long long)SRC_SIZE, self->max_len);
}

FIXTURE_TEARDOWN(acomp)
{
	uoff_ctx_exit(&self->z.ctx);
}

/*
 * DEFLATEs up to acomp_max_len go to the accelerator, in every format
 * and at any level; their streams decode with zlib (checksums and
 * headers included) and INFLATE on the CPU.
 */
TEST_F_TIMEOUT(acomp, small_deflates_served, 120)
{
	static const int levels[] = { 1, 6, 9, 0 };
	struct zbufs *z = &self->z;
	const unsigned int lens[] = {
		1, 1000, 4096, 20000 + 3, self->max_len,
	};
	long long st[NR_ZSTATS], delta[NR_ZSTATS];
	unsigned int f, i, l, len, n;
	char what[96];

	zstats_read(_metadata, st);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		len = lens[i];
		fill_data(z->src + 1, len, i % 2 ? K_MIXED : K_TEXT, 0xac + i);
		for (f = 0; f < NR_FORMATS; f++) {
			l = levels[(i + f) % ARRAY_SIZE(levels)];
			n = deflate_checked(_metadata, z, formats[f], l,
					    z->dst + 3, zbound(len), z->src + 1,
					    len, 0);
			memset(delta, 0, sizeof(delta));
			delta[ZS_DEFLATE_ACOMP] = 1;
			delta[ZS_BYTES_IN] = len;
			delta[ZS_BYTES_OUT] = n;
			snprintf(what, sizeof(what), "%s deflate of %u bytes",
				 fmt_name(formats[f]), len);
			zstats_expect(_metadata, st, delta, what);

			memcpy(z->zbuf, z->dst + 3, n);
			inflate_checked(_metadata, z, formats[f], z->dst,
					z->zbuf, n, z->src + 1, len, 0, what);
			memset(delta, 0, sizeof(delta));
			delta[ZS_INFLATE_CPU] = 1;
			delta[ZS_BYTES_IN] = n;
			delta[ZS_BYTES_OUT] = len;
			zstats_expect(_metadata, st, delta, what);
		}
	}
}

/* A DEFLATE one byte longer than acomp_max_len is the CPU's. */
TEST_F(acomp, big_deflate_on_cpu)
{
	struct zbufs *z = &self->z;
	unsigned int len = self->max_len + 1, f, n;
	long long st[NR_ZSTATS], delta[NR_ZSTATS];

	fill_data(z->src, len, K_TEXT, 0xb19);
	zstats_read(_metadata, st);
	for (f = 0; f < NR_FORMATS; f++) {
		n = deflate_checked(_metadata, z, formats[f], 6, z->dst,
				    zbound(len), z->src, len, 0);
		memset(delta, 0, sizeof(delta));
		delta[ZS_DEFLATE_CPU] = 1;
		delta[ZS_BYTES_IN] = len;
		delta[ZS_BYTES_OUT] = n;
		zstats_expect(_metadata, st, delta, fmt_name(formats[f]));
	}
}

/*
 * The accelerator fails when its stream does not fit the destination;
 * the CPU takes over.  Data that repeats a 4 KiB block is where the
 * software driver's 2 KiB window loses to the CPU's 32 KiB: one byte
 * less than the accelerator's stream is plenty for the CPU.  A
 * destination with room for the framing but little else fails on both:
 * ENOSPC, after the fallback.
 */
TEST_F(acomp, fallback_to_cpu)
{
	enum { BLOCK = 4096, REPS = 8, LEN = BLOCK * REPS };
	struct zbufs *z = &self->z;
	long long st[NR_ZSTATS], delta[NR_ZSTATS];
	unsigned int f, fmt, i, a, n;
	char what[96];
	int res;

	ASSERT_LE((unsigned long long)LEN, self->max_len);
	uoff_pattern_fill(z->src, BLOCK, 0xfa11, 0);
	for (i = 1; i < REPS; i++)
		memcpy(z->src + i * BLOCK, z->src, BLOCK);
	zstats_read(_metadata, st);
	for (f = 0; f < NR_FORMATS; f++) {
		fmt = formats[f];
		a = deflate_checked(_metadata, z, fmt, 6, z->dst, zbound(LEN),
				    z->src, LEN, 0);
		memset(delta, 0, sizeof(delta));
		delta[ZS_DEFLATE_ACOMP] = 1;
		delta[ZS_BYTES_IN] = LEN;
		delta[ZS_BYTES_OUT] = a;
		snprintf(what, sizeof(what), "%s deflate by the accelerator",
			 fmt_name(fmt));
		zstats_expect(_metadata, st, delta, what);
		ASSERT_LT((unsigned int)LEN / 2, a) {
			TH_LOG("the accelerator's window saw the repeats");
		}

		snprintf(what, sizeof(what), "%s deflate into %u bytes",
			 fmt_name(fmt), a - 1);
		n = deflate_checked(_metadata, z, fmt, 6, z->dst, a - 1,
				    z->src, LEN, 0);
		ASSERT_GT((unsigned int)LEN / 4, n);
		memset(delta, 0, sizeof(delta));
		delta[ZS_DEFLATE_CPU] = 1;
		delta[ZS_FALLBACKS] = 1;
		delta[ZS_BYTES_IN] = LEN;
		delta[ZS_BYTES_OUT] = n;
		zstats_expect(_metadata, st, delta, what);

		snprintf(what, sizeof(what), "%s deflate into 64 bytes",
			 fmt_name(fmt));
		res = zip_run(_metadata, &z->ctx, 6, fmt, z->dst, 64, z->src,
			      LEN, 0, what);
		ASSERT_EQ(-ENOSPC, res);
		memset(delta, 0, sizeof(delta));
		delta[ZS_FALLBACKS] = 1;
		delta[ZS_ERRORS] = 1;
		zstats_expect(_metadata, st, delta, what);
	}
}

UOFF_TEST_MAIN
