// SPDX-License-Identifier: GPL-2.0
/*
 * DEFLATE and INFLATE: the compression channels' executor.
 *
 * Each compression channel owns a struct uoff_zip: zlib workspaces sized
 * for the largest window and memory level, allocated when the channel is
 * created, and a stage that keeps its pages between requests.  A request
 * is one descriptor; the channel's worker runs it to the end:
 *
 *  - the output goes to the stage, never straight to the destination, so
 *    that a stream found corrupt, truncated or too big for the destination
 *    leaves it untouched;
 *  - the stage is bounded by the destination's capacity, which is what
 *    bounds a decompression bomb;
 *  - once the stream is complete and checked, the stage is copied to the
 *    destination's pinned pages.
 *
 * DEFLATE may instead go to a compression accelerator through the crypto
 * acomp API, for the streams it handles: the accelerator compresses from
 * one physically contiguous buffer of the channel into another (drivers
 * such as IAA take a single DMA segment each way), producing a raw deflate
 * stream to which the zlib or gzip framing is added here.  Any accelerator
 * error sends the request to the CPU.  INFLATE always runs on
 * the CPU: the 6.12 acomp API does not say how much input a stream used,
 * so data after a stream, and gzip members, could not be told apart.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/acompress.h>
#include <linux/crc32.h>
#include <linux/crypto.h>
#include <linux/highmem.h>
#include <linux/memcontrol.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/vmalloc.h>
#include <linux/zlib.h>
#include <linux/zutil.h>

#include "uoff.h"
#include "compat.h"

/* Stage pages a channel keeps between requests. */
#define UOFF_STAGE_KEEP		256U

#define UOFF_GZIP_HDR_LEN	10
#define UOFF_GZIP_TRL_LEN	8
#define UOFF_ZLIB_HDR_LEN	2
#define UOFF_ZLIB_TRL_LEN	4

/* gzip header flags (RFC 1952, 2.3.1) */
#define UOFF_GZ_FHCRC		BIT(1)
#define UOFF_GZ_FEXTRA		BIT(2)
#define UOFF_GZ_FNAME		BIT(3)
#define UOFF_GZ_FCOMMENT	BIT(4)
#define UOFF_GZ_FRESERVED	0xe0

enum uoff_acomp_mode {
	UOFF_ACOMP_OFF,
	UOFF_ACOMP_AUTO,
	UOFF_ACOMP_ANY,
};

static const char * const uoff_acomp_modes[] = {
	[UOFF_ACOMP_OFF]	= "off",
	[UOFF_ACOMP_AUTO]	= "auto",
	[UOFF_ACOMP_ANY]	= "any",
};

static int uoff_acomp_mode = UOFF_ACOMP_AUTO;

static int uoff_acomp_mode_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(uoff_acomp_modes, val);

	if (i < 0)
		return i;
	*(int *)kp->arg = i;
	return 0;
}

static int uoff_acomp_mode_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", uoff_acomp_modes[*(int *)kp->arg]);
}

static const struct kernel_param_ops uoff_acomp_mode_ops = {
	.set = uoff_acomp_mode_set,
	.get = uoff_acomp_mode_get,
};

module_param_cb(acomp, &uoff_acomp_mode_ops, &uoff_acomp_mode, 0444);
MODULE_PARM_DESC(acomp,
		 "Compression accelerator: auto (known hardware drivers), off, any (also software)");

/* At most 1 MiB: each compression channel keeps two buffers of this size. */
#define UOFF_ACOMP_MAX_LEN_LIMIT	(1U << 20)

static unsigned int uoff_acomp_max_len = 65536;
module_param_named(acomp_max_len, uoff_acomp_max_len, uint, 0444);
MODULE_PARM_DESC(acomp_max_len,
		 "DEFLATE inputs of at most this many bytes (up to 1 MiB) go to the accelerator (default 65536)");

/*
 * "deflate" drivers known to produce standard deflate streams: Intel IAA
 * in its fixed-Huffman mode, QAT, HiSilicon ZIP.  IAA's canned mode is not
 * on the list: software inflate cannot read its output.
 */
static const char * const uoff_acomp_known[] = {
	"deflate-iaa",
	"qat_deflate",
	"hisi-deflate-acomp",
};

static struct crypto_acomp *uoff_acomp_tfm;

static struct {
	atomic64_t	deflate_cpu;
	atomic64_t	deflate_acomp;
	atomic64_t	inflate_cpu;
	atomic64_t	acomp_fallbacks;
	atomic64_t	errors;
	atomic64_t	bytes_in;
	atomic64_t	bytes_out;
} uoff_zip_stats;

/* Output produced by the current request, in pages kept by the channel. */
struct uoff_stage {
	struct page	**pages;
	unsigned int	nr_pages;	/* allocated */
	unsigned int	nr_slots;	/* entries in @pages */
	struct page	*keep[UOFF_STAGE_KEEP];
	size_t		len;		/* bytes produced */
	size_t		limit;		/* the destination's capacity */
};

/* Where the rest of the source is. */
struct uoff_zin {
	struct uoff_span	span;
	u32			left;
};

struct uoff_zip {
	z_stream		strm;
	void			*deflate_ws;
	void			*inflate_ws;
	struct uoff_stage	stage;
	u32			room;	/* output space given to zlib */
	bool			spill;	/* ... and it is the spill byte */
	u8			spill_byte;
	/*
	 * The accelerator's request and physically contiguous buffers, when
	 * there is an accelerator: the input (uoff_acomp_max_len bytes) and
	 * the output (twice that).
	 */
	struct acomp_req	*areq;
	void			*abuf_in;
	void			*abuf_out;
	unsigned int		abuf_order;
	struct scatterlist	sg_in;
	struct scatterlist	sg_out;
};

static bool uoff_zip_cancelled(const struct uoff_xfer *x)
{
	return READ_ONCE(x->req->cancelled);
}

/* ------------------------------------------------------------------ */
/* Stage                                                               */

/* Make page @i of the stage exist. */
static int uoff_stage_grow(struct uoff_stage *st, unsigned int i)
{
	if (i >= st->nr_slots) {
		unsigned int n = max(st->nr_slots * 2, i + 1);
		struct page **p;

		p = kvmalloc_array(n, sizeof(*p), GFP_KERNEL | __GFP_NOWARN);
		if (!p)
			return -ENOMEM;
		memcpy(p, st->pages, st->nr_pages * sizeof(*p));
		if (st->pages != st->keep)
			kvfree(st->pages);
		st->pages = p;
		st->nr_slots = n;
	}
	while (st->nr_pages <= i) {
		/*
		 * Not highmem: zlib and the copy-out use page_address().  The
		 * pages the channel keeps are its own; those past them are
		 * charged to the submitter, whose memcg is active.
		 */
		gfp_t gfp = st->nr_pages < UOFF_STAGE_KEEP ? GFP_KERNEL :
							      GFP_KERNEL_ACCOUNT;
		struct page *page = alloc_page(gfp | __GFP_NOWARN);

		if (!page)
			return -ENOMEM;
		st->pages[st->nr_pages++] = page;
	}
	return 0;
}

/* Free space at the end of the stage: up to the page end or the limit. */
static void *uoff_stage_tail(struct uoff_stage *st, u32 *room)
{
	unsigned int i = st->len >> PAGE_SHIFT, off = offset_in_page(st->len);

	if (uoff_stage_grow(st, i))
		return NULL;
	*room = min_t(size_t, PAGE_SIZE - off, st->limit - st->len);
	return page_address(st->pages[i]) + off;
}

static int uoff_stage_put(struct uoff_stage *st, const void *buf, size_t len)
{
	if (len > st->limit - st->len)
		return -ENOSPC;
	while (len) {
		u32 n;
		void *p = uoff_stage_tail(st, &n);

		if (!p)
			return -ENOMEM;
		n = min_t(size_t, n, len);
		memcpy(p, buf, n);
		st->len += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static void uoff_stage_start(struct uoff_stage *st, size_t limit)
{
	st->len = 0;
	st->limit = limit;
}

/* Give back what a large request added beyond the pages kept. */
static void uoff_stage_trim(struct uoff_stage *st)
{
	while (st->nr_pages > UOFF_STAGE_KEEP)
		__free_page(st->pages[--st->nr_pages]);
	if (st->pages != st->keep) {
		memcpy(st->keep, st->pages, st->nr_pages * sizeof(*st->pages));
		kvfree(st->pages);
		st->pages = st->keep;
		st->nr_slots = UOFF_STAGE_KEEP;
	}
}

static void uoff_stage_free(struct uoff_stage *st)
{
	uoff_stage_trim(st);
	while (st->nr_pages)
		__free_page(st->pages[--st->nr_pages]);
}

/* Copy the stage to the destination, from its start. */
static void uoff_stage_copy_out(const struct uoff_stage *st,
				struct uoff_span dst)
{
	size_t done = 0;

	while (done < st->len) {
		unsigned int doff, dlen, n;
		struct page *dpage = uoff_span_page(&dst, &doff, &dlen);
		const void *s = page_address(st->pages[done >> PAGE_SHIFT]) +
				offset_in_page(done);
		void *d;

		n = min_t(size_t, dlen,
			  min_t(size_t, st->len - done,
				PAGE_SIZE - offset_in_page(done)));
		d = kmap_local_page(dpage);
		memcpy(d + doff, s, n);
		kunmap_local(d);
		uoff_span_advance(&dst, n);
		done += n;
	}
}

/* ------------------------------------------------------------------ */
/* zlib plumbing                                                       */

/*
 * Point zlib's output at the stage's free space or, when the stage has
 * reached the destination's capacity, at a spill byte: a stream that
 * writes there does not fit.
 */
static int uoff_zip_out_prep(struct uoff_zip *z)
{
	struct uoff_stage *st = &z->stage;

	z->spill = st->len == st->limit;
	if (z->spill) {
		z->strm.next_out = &z->spill_byte;
		z->room = 1;
	} else {
		z->strm.next_out = uoff_stage_tail(st, &z->room);
		if (!z->strm.next_out)
			return -ENOMEM;
	}
	z->strm.avail_out = z->room;
	return 0;
}

/* Account for what zlib wrote; its bytes end at strm.next_out. */
static int uoff_zip_out_done(struct uoff_zip *z, u32 *produced)
{
	u32 n = z->room - z->strm.avail_out;

	*produced = n;
	if (z->spill)
		return n ? -ENOSPC : 0;
	z->stage.len += n;
	return 0;
}

/* Map the next run of source bytes (at most a page) for zlib. */
static void *uoff_zin_map(struct uoff_zin *in, u32 *len)
{
	unsigned int off, n;
	struct page *page = uoff_span_page(&in->span, &off, &n);

	*len = min_t(u32, n, in->left);
	return kmap_local_page(page) + off;
}

static void uoff_zin_consume(struct uoff_zin *in, u32 n)
{
	uoff_span_advance(&in->span, n);
	in->left -= n;
}

/*
 * Take @n source bytes, copying them to @buf and adding them to *@crc,
 * either when given.
 */
static int uoff_zin_read(struct uoff_zin *in, void *buf, u32 n, u32 *crc)
{
	if (n > in->left)
		return -EBADMSG;
	while (n) {
		u32 len;
		void *p = uoff_zin_map(in, &len);

		len = min(len, n);
		if (buf) {
			memcpy(buf, p, len);
			buf += len;
		}
		if (crc)
			*crc = crc32_le(*crc, p, len);
		kunmap_local(p);
		uoff_zin_consume(in, len);
		n -= len;
	}
	return 0;
}

/* Skip a zero-terminated header field, adding it to *@crc. */
static int uoff_zin_skip_string(struct uoff_zin *in, u32 *crc)
{
	for (;;) {
		u32 len, n;
		void *p, *nul;

		if (!in->left)
			return -EBADMSG;
		p = uoff_zin_map(in, &len);
		nul = memchr(p, 0, len);
		n = nul ? nul - p + 1 : len;
		*crc = crc32_le(*crc, p, n);
		kunmap_local(p);
		uoff_zin_consume(in, n);
		if (nul)
			return 0;
		cond_resched();
	}
}

/* ------------------------------------------------------------------ */
/* DEFLATE on the CPU                                                  */

static void uoff_gzip_header(u8 *h, unsigned int level)
{
	memset(h, 0, UOFF_GZIP_HDR_LEN);
	h[0] = 0x1f;
	h[1] = 0x8b;
	h[2] = Z_DEFLATED;
	/* FLG 0, MTIME 0; XFL as gzip(1) sets it; OS 3 (Unix) */
	h[8] = level == Z_BEST_COMPRESSION ? 2 : level == Z_BEST_SPEED ? 4 : 0;
	h[9] = 3;
}

static int uoff_gzip_trailer(struct uoff_stage *st, u32 crc, u32 isize)
{
	__le32 t[2] = { cpu_to_le32(crc), cpu_to_le32(isize) };

	return uoff_stage_put(st, t, sizeof(t));
}

/*
 * Run zlib_deflate() until it has taken all the input given (Z_NO_FLUSH)
 * or ended the stream (Z_FINISH).
 */
static int uoff_deflate_step(struct uoff_zip *z, int flush)
{
	for (;;) {
		u32 avail_in = z->strm.avail_in, produced;
		int ret, err;

		err = uoff_zip_out_prep(z);
		if (err)
			return err;
		ret = zlib_deflate(&z->strm, flush);
		err = uoff_zip_out_done(z, &produced);
		if (err)
			return err;
		if (ret == Z_STREAM_END)
			return 0;
		if (ret != Z_OK && ret != Z_BUF_ERROR)
			return -EIO;
		if (flush != Z_FINISH && !z->strm.avail_in)
			return 0;
		/* Output room was there: zlib must have moved. */
		if (!produced && avail_in == z->strm.avail_in)
			return -EIO;
	}
}

static int uoff_deflate_cpu(struct uoff_zip *z, const struct uoff_xfer *x)
{
	const struct uoff_seg *seg = x->seg;
	struct uoff_zin in = { .span = x->src, .left = seg->src_len };
	z_stream *s = &z->strm;
	bool gzip = seg->format == UOFF_ZIP_GZIP;
	u32 crc = ~0U;
	int ret;

	uoff_stage_start(&z->stage, seg->len);
	if (gzip) {
		u8 h[UOFF_GZIP_HDR_LEN];

		uoff_gzip_header(h, seg->level);
		ret = uoff_stage_put(&z->stage, h, sizeof(h));
		if (ret)
			return ret;
	}

	s->workspace = z->deflate_ws;
	if (zlib_deflateInit2(s, seg->level, Z_DEFLATED,
			      seg->format == UOFF_ZIP_ZLIB ? MAX_WBITS : -MAX_WBITS,
			      DEF_MEM_LEVEL, Z_DEFAULT_STRATEGY) != Z_OK)
		return -EIO;

	ret = 0;
	while (in.left && !ret) {
		u32 len;
		void *p = uoff_zin_map(&in, &len);

		s->next_in = p;
		s->avail_in = len;
		ret = uoff_deflate_step(z, Z_NO_FLUSH);
		if (gzip)
			crc = crc32_le(crc, p, len);
		kunmap_local(p);
		uoff_zin_consume(&in, len);
		if (!ret && uoff_zip_cancelled(x))
			ret = -ECANCELED;
		cond_resched();
	}
	if (!ret) {
		s->next_in = NULL;
		s->avail_in = 0;
		ret = uoff_deflate_step(z, Z_FINISH);
	}
	zlib_deflateEnd(s);
	if (!ret && gzip)
		ret = uoff_gzip_trailer(&z->stage, ~crc, seg->src_len);
	return ret;
}

/* ------------------------------------------------------------------ */
/* INFLATE on the CPU                                                  */

/*
 * Inflate one stream from @in into the stage, adding the output to *@crc
 * when given.  The stream must end; zlib checks a zlib trailer itself.
 */
static int uoff_inflate_stream(struct uoff_zip *z, const struct uoff_xfer *x,
			       struct uoff_zin *in, int wbits, u32 *crc)
{
	z_stream *s = &z->strm;
	int ret, err;

	s->workspace = z->inflate_ws;
	s->next_in = NULL;
	s->avail_in = 0;
	if (zlib_inflateInit2(s, wbits) != Z_OK)
		return -EIO;

	do {
		u32 len = 0, produced;
		void *p = NULL;

		err = uoff_zip_out_prep(z);
		if (err)
			return err;
		if (in->left)
			p = uoff_zin_map(in, &len);
		s->next_in = p;
		s->avail_in = len;
		ret = zlib_inflate(s, Z_NO_FLUSH);
		if (p)
			kunmap_local(p);
		uoff_zin_consume(in, len - s->avail_in);
		err = uoff_zip_out_done(z, &produced);
		if (err)
			return err;
		if (crc && produced)
			*crc = crc32_le(*crc, s->next_out - produced, produced);
		if (ret == Z_STREAM_END)
			break;
		if (ret != Z_OK && ret != Z_BUF_ERROR)
			return -EBADMSG;	/* corrupt, or needs a dictionary */
		/* No progress with output room given: the input ran out. */
		if (!produced && len == s->avail_in)
			return -EBADMSG;
		if (uoff_zip_cancelled(x))
			return -ECANCELED;
		cond_resched();
	} while (true);
	zlib_inflateEnd(s);
	return 0;
}

/* One gzip member's header (RFC 1952, 2.3). */
static int uoff_gzip_read_header(struct uoff_zin *in)
{
	u32 crc = ~0U;
	u8 h[UOFF_GZIP_HDR_LEN];
	int ret;

	ret = uoff_zin_read(in, h, sizeof(h), &crc);
	if (ret)
		return ret;
	if (h[0] != 0x1f || h[1] != 0x8b || h[2] != Z_DEFLATED ||
	    (h[3] & UOFF_GZ_FRESERVED))
		return -EBADMSG;
	if (h[3] & UOFF_GZ_FEXTRA) {
		__le16 xlen;

		ret = uoff_zin_read(in, &xlen, sizeof(xlen), &crc) ?:
		      uoff_zin_read(in, NULL, le16_to_cpu(xlen), &crc);
		if (ret)
			return ret;
	}
	if (h[3] & UOFF_GZ_FNAME) {
		ret = uoff_zin_skip_string(in, &crc);
		if (ret)
			return ret;
	}
	if (h[3] & UOFF_GZ_FCOMMENT) {
		ret = uoff_zin_skip_string(in, &crc);
		if (ret)
			return ret;
	}
	if (h[3] & UOFF_GZ_FHCRC) {
		__le16 hcrc;

		ret = uoff_zin_read(in, &hcrc, sizeof(hcrc), NULL);
		if (ret)
			return ret;
		if (le16_to_cpu(hcrc) != (u16)~crc)
			return -EBADMSG;
	}
	return 0;
}

/* A series of gzip members; their outputs are concatenated. */
static int uoff_inflate_gzip(struct uoff_zip *z, const struct uoff_xfer *x,
			     struct uoff_zin *in)
{
	do {
		size_t start = z->stage.len;
		__le32 t[2];
		u32 crc = ~0U;
		int ret;

		ret = uoff_gzip_read_header(in) ?:
		      uoff_inflate_stream(z, x, in, -MAX_WBITS, &crc) ?:
		      uoff_zin_read(in, t, sizeof(t), NULL);
		if (ret)
			return ret;
		if (le32_to_cpu(t[0]) != ~crc ||
		    le32_to_cpu(t[1]) != (u32)(z->stage.len - start))
			return -EBADMSG;
		/* Members can be 20 bytes each: a gigabyte of them takes long. */
		if (uoff_zip_cancelled(x))
			return -ECANCELED;
		cond_resched();
	} while (in->left);
	return 0;
}

static int uoff_inflate_cpu(struct uoff_zip *z, const struct uoff_xfer *x)
{
	const struct uoff_seg *seg = x->seg;
	struct uoff_zin in = { .span = x->src, .left = seg->src_len };
	int ret;

	uoff_stage_start(&z->stage, seg->len);
	switch (seg->format) {
	case UOFF_ZIP_GZIP:
		ret = uoff_inflate_gzip(z, x, &in);
		break;
	case UOFF_ZIP_ZLIB:
		ret = uoff_inflate_stream(z, x, &in, MAX_WBITS, NULL);
		break;
	default:
		ret = uoff_inflate_stream(z, x, &in, -MAX_WBITS, NULL);
		break;
	}
	/* Bytes after the end of the stream. */
	if (!ret && in.left)
		ret = -EBADMSG;
	return ret;
}

/* ------------------------------------------------------------------ */
/* DEFLATE on the accelerator                                          */

/*
 * Compress with the accelerator.  Returns -EOPNOTSUPP for a request it
 * does not take, another errno when it failed: the CPU runs both.
 */
static int uoff_deflate_acomp(struct uoff_zip *z, const struct uoff_xfer *x)
{
	const struct uoff_seg *seg = x->seg;
	struct uoff_zin in = { .span = x->src, .left = seg->src_len };
	struct uoff_stage *st = &z->stage;
	unsigned int hdr = 0, trl = 0;
	DECLARE_CRYPTO_WAIT(wait);
	u8 h[UOFF_GZIP_HDR_LEN];
	u32 dlen;
	int ret;

	if (!z->areq || !seg->src_len || seg->src_len > uoff_acomp_max_len)
		return -EOPNOTSUPP;
	if (seg->format == UOFF_ZIP_GZIP) {
		uoff_gzip_header(h, 0);
		hdr = UOFF_GZIP_HDR_LEN;
		trl = UOFF_GZIP_TRL_LEN;
	} else if (seg->format == UOFF_ZIP_ZLIB) {
		/* CM 8, 32 KiB window at most, default level; FCHECK fits. */
		h[0] = 0x78;
		h[1] = 0x9c;
		hdr = UOFF_ZLIB_HDR_LEN;
		trl = UOFF_ZLIB_TRL_LEN;
	}
	if (seg->len < hdr + trl + 1)
		return -EOPNOTSUPP;

	/* One read of the source: the accelerator's input and the check. */
	ret = uoff_zin_read(&in, z->abuf_in, seg->src_len, NULL);
	if (ret)
		return ret;
	dlen = min_t(u32, seg->len - hdr - trl, 2 * uoff_acomp_max_len);
	sg_init_one(&z->sg_in, z->abuf_in, seg->src_len);
	sg_init_one(&z->sg_out, z->abuf_out, dlen);
	acomp_request_set_params(z->areq, &z->sg_in, &z->sg_out, seg->src_len,
				 dlen);
	acomp_request_set_callback(z->areq,
				   CRYPTO_TFM_REQ_MAY_BACKLOG |
				   CRYPTO_TFM_REQ_MAY_SLEEP,
				   crypto_req_done, &wait);
	ret = crypto_wait_req(crypto_acomp_compress(z->areq), &wait);
	if (ret)
		return ret;
	if (!z->areq->dlen || z->areq->dlen > dlen)
		return -EIO;

	uoff_stage_start(st, seg->len);
	ret = uoff_stage_put(st, h, hdr) ?:
	      uoff_stage_put(st, z->abuf_out, z->areq->dlen);
	if (ret)
		return ret;
	if (seg->format == UOFF_ZIP_GZIP) {
		ret = uoff_gzip_trailer(st, ~crc32_le(~0U, z->abuf_in,
						      seg->src_len),
					seg->src_len);
	} else if (seg->format == UOFF_ZIP_ZLIB) {
		__be32 adler = cpu_to_be32(zlib_adler32(1, z->abuf_in,
							seg->src_len));

		ret = uoff_stage_put(st, &adler, sizeof(adler));
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* Channel side                                                        */

/**
 * uoff_zip_exec() - run one DEFLATE or INFLATE descriptor
 * @z: the compression channel's context
 * @x: the descriptor: the whole request
 *
 * Stores the output length in the segment and copies the output to the
 * destination when, and only when, the stream is complete.
 *
 * Return: 0 or a negative errno.
 */
int uoff_zip_exec(struct uoff_zip *z, const struct uoff_xfer *x)
{
	struct uoff_seg *seg = x->seg;
	struct mem_cgroup *old_memcg;
	bool acomp = false;
	int ret;

	if (uoff_zip_cancelled(x))
		return -ECANCELED;

	old_memcg = set_active_memcg(x->req->memcg);
	if (seg->op == UOFF_OP_INFLATE) {
		ret = uoff_inflate_cpu(z, x);
	} else {
		ret = uoff_deflate_acomp(z, x);
		acomp = !ret;
		if (ret && ret != -EOPNOTSUPP)
			atomic64_inc(&uoff_zip_stats.acomp_fallbacks);
		if (ret)
			ret = uoff_deflate_cpu(z, x);
	}

	if (!ret) {
		uoff_stage_copy_out(&z->stage, x->dst);
		seg->out = z->stage.len;
		atomic64_inc(seg->op == UOFF_OP_INFLATE ?
			     &uoff_zip_stats.inflate_cpu :
			     acomp ? &uoff_zip_stats.deflate_acomp :
				     &uoff_zip_stats.deflate_cpu);
		atomic64_add(seg->src_len, &uoff_zip_stats.bytes_in);
		atomic64_add(seg->out, &uoff_zip_stats.bytes_out);
	} else {
		atomic64_inc(&uoff_zip_stats.errors);
	}
	uoff_stage_trim(&z->stage);
	set_active_memcg(old_memcg);
	return ret;
}

/*
 * The accelerator's request and buffers.  A channel that cannot have them
 * sends its streams to the CPU.
 */
static void uoff_zip_acomp_init(struct uoff_zip *z, int node)
{
	struct page *in, *out;

	z->abuf_order = get_order(uoff_acomp_max_len);
	in = alloc_pages_node(node, GFP_KERNEL | __GFP_NOWARN, z->abuf_order);
	out = alloc_pages_node(node, GFP_KERNEL | __GFP_NOWARN,
			       z->abuf_order + 1);
	z->areq = acomp_request_alloc(uoff_acomp_tfm);
	if (!in || !out || !z->areq) {
		if (in)
			__free_pages(in, z->abuf_order);
		if (out)
			__free_pages(out, z->abuf_order + 1);
		if (z->areq)
			acomp_request_free(z->areq);
		z->areq = NULL;
		pr_warn("no accelerator buffers for a compression channel\n");
		return;
	}
	z->abuf_in = page_address(in);
	z->abuf_out = page_address(out);
}

static void uoff_zip_acomp_free(struct uoff_zip *z)
{
	if (!z->areq)
		return;
	acomp_request_free(z->areq);
	free_pages((unsigned long)z->abuf_in, z->abuf_order);
	free_pages((unsigned long)z->abuf_out, z->abuf_order + 1);
}

/**
 * uoff_zip_alloc() - a compression channel's context
 * @node: the channel's NUMA node
 *
 * Return: the context, or NULL.
 */
struct uoff_zip *uoff_zip_alloc(int node)
{
	struct uoff_zip *z = kzalloc_node(sizeof(*z), GFP_KERNEL, node);

	if (!z)
		return NULL;
	z->stage.pages = z->stage.keep;
	z->stage.nr_slots = UOFF_STAGE_KEEP;
	z->deflate_ws = vmalloc_node(zlib_deflate_workspacesize(MAX_WBITS,
								DEF_MEM_LEVEL),
				     node);
	z->inflate_ws = kvmalloc_node(zlib_inflate_workspacesize(), GFP_KERNEL,
				      node);
	if (!z->deflate_ws || !z->inflate_ws) {
		uoff_zip_free(z);
		return NULL;
	}
	if (uoff_acomp_tfm)
		uoff_zip_acomp_init(z, node);
	return z;
}

void uoff_zip_free(struct uoff_zip *z)
{
	if (!z)
		return;
	uoff_stage_free(&z->stage);
	uoff_zip_acomp_free(z);
	kvfree(z->inflate_ws);
	vfree(z->deflate_ws);
	kfree(z);
}

static bool uoff_acomp_acceptable(const char *driver)
{
	unsigned int i;

	/* Not even with acomp=any: software inflate cannot read its output. */
	if (strstr(driver, "canned"))
		return false;
	if (uoff_acomp_mode == UOFF_ACOMP_ANY)
		return true;
	for (i = 0; i < ARRAY_SIZE(uoff_acomp_known); i++)
		if (!strcmp(driver, uoff_acomp_known[i]))
			return true;
	return false;
}

/* Take the crypto API's best "deflate", when it is one we may use. */
int uoff_zip_init(void)
{
	struct crypto_acomp *tfm;
	const char *driver;

	if (uoff_acomp_mode == UOFF_ACOMP_OFF)
		return 0;
	uoff_acomp_max_len = clamp(uoff_acomp_max_len, 1U,
				   UOFF_ACOMP_MAX_LEN_LIMIT);
	/*
	 * Looking up "deflate" would load the software driver only to refuse
	 * it: auto takes what is loaded, a hardware driver loaded with its
	 * device.  It is looked up once: a driver registered later is not
	 * used until the module is loaded again.
	 */
	tfm = crypto_alloc_acomp("deflate", 0,
				 uoff_acomp_mode == UOFF_ACOMP_AUTO ?
				 CRYPTO_NOLOAD : 0);
	if (IS_ERR(tfm))
		return 0;
	driver = crypto_tfm_alg_driver_name(crypto_acomp_tfm(tfm));
	if (!uoff_acomp_acceptable(driver)) {
		crypto_free_acomp(tfm);
		return 0;
	}
	pr_info("DEFLATE goes to %s for inputs up to %u bytes\n", driver,
		uoff_acomp_max_len);
	uoff_acomp_tfm = tfm;
	return 0;
}

void uoff_zip_exit(void)
{
	if (uoff_acomp_tfm)
		crypto_free_acomp(uoff_acomp_tfm);
	uoff_acomp_tfm = NULL;
}

bool uoff_zip_have_acomp(void)
{
	return uoff_acomp_tfm != NULL;
}

int uoff_zip_show_stats(char *buf, int at)
{
	const char *driver = "none";

	if (uoff_acomp_tfm)
		driver = crypto_tfm_alg_driver_name(crypto_acomp_tfm(uoff_acomp_tfm));
	return at + sysfs_emit_at(buf, at,
			"zip.deflate_cpu %lld\nzip.deflate_acomp %lld\n"
			"zip.inflate_cpu %lld\nzip.acomp_fallbacks %lld\n"
			"zip.errors %lld\nzip.bytes_in %lld\n"
			"zip.bytes_out %lld\nzip.acomp_driver %s\n",
			atomic64_read(&uoff_zip_stats.deflate_cpu),
			atomic64_read(&uoff_zip_stats.deflate_acomp),
			atomic64_read(&uoff_zip_stats.inflate_cpu),
			atomic64_read(&uoff_zip_stats.acomp_fallbacks),
			atomic64_read(&uoff_zip_stats.errors),
			atomic64_read(&uoff_zip_stats.bytes_in),
			atomic64_read(&uoff_zip_stats.bytes_out), driver);
}
