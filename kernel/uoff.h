/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uoffload internals: requests, segments, descriptors and channels.
 *
 * A request (struct uoff_req) is one or more segments, each a logical copy
 * or fill between two runs of bio_vecs, or one compression stream.  The
 * engine cuts copy and fill segments into descriptors (struct uoff_xfer)
 * of at most UOFF_XFER_MAX bytes (a stream is one descriptor) and writes
 * them into a channel's ring through the backend's channel ops; the backend
 * executes them and reports each back with uoff_xfer_done().  The request
 * completes when its last descriptor does.
 */
#ifndef _UOFF_H
#define _UOFF_H

#include <linux/atomic.h>
#include <linux/bvec.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/uoffload.h>

struct file;
struct inode;
struct io_uring_cmd;
struct mem_cgroup;

#define UOFF_MAX_OP_LEN		(1U << 30)
#define UOFF_MAX_BATCH		1024U
#define UOFF_XFER_MAX		(256U << 10)

/* A position in a run of bio_vecs. */
struct uoff_span {
	const struct bio_vec	*bv;
	unsigned int		off;	/* bytes past bv->bv_offset */
};

void uoff_span_advance(struct uoff_span *span, size_t bytes);
struct page *uoff_span_page(const struct uoff_span *s, unsigned int *off,
			    unsigned int *len);

/*
 * A copy, a fill, or a whole DEFLATE or INFLATE stream: @len is the
 * destination's length (its capacity for the compression ops).
 */
struct uoff_seg {
	u8			op;	/* UOFF_OP_* */
	u8			format;	/* DEFLATE, INFLATE: UOFF_ZIP_* */
	u8			level;	/* DEFLATE: 1-9 */
	int			status;
	u32			len;
	u32			src_len; /* DEFLATE, INFLATE */
	u32			out;	/* DEFLATE, INFLATE: bytes produced */
	struct uoff_span	dst;
	struct uoff_span	src;	/* COPY, DEFLATE, INFLATE */
	u64			pattern; /* FILL */
};

static inline bool uoff_op_is_zip(u8 op)
{
	return op == UOFF_OP_DEFLATE || op == UOFF_OP_INFLATE;
}

struct uoff_req;
typedef void (*uoff_req_done_t)(struct uoff_req *req);

/* Cuts a request's segments into descriptors, in order. */
struct uoff_xfer_iter {
	struct uoff_req		*req;
	unsigned int		seg;
	u32			seg_off;
	struct uoff_span	dst;
	struct uoff_span	src;
};

/*
 * The descriptors of a request still to be written to one channel's ring:
 * a request is spread over at most UOFF_MAX_WAYS channels, one feed each,
 * and a feed waits on the channel's backlog while the ring is full.
 */
struct uoff_feed {
	struct list_head	node;
	struct uoff_xfer_iter	it;
	unsigned int		left;
};

#define UOFF_MAX_WAYS		4

struct uoff_req {
	struct uoff_seg		*segs;
	unsigned int		nr_segs;
	bool			kernel;		/* from the in-kernel API */
	bool			cancelled;
	int			error;
	u64			bytes;
	/* tracepoints: the UOFF_ENGINE_* serving it, since when (if on) */
	u64			engine;
	u64			submit_ns;
	/* charged for a stream's staging memory past what a channel keeps */
	struct mem_cgroup	*memcg;
	/* a reference per descriptor in a ring and per unfinished feed */
	atomic_t		pending;
	uoff_req_done_t		done;
	struct uoff_feed	feeds[UOFF_MAX_WAYS];
};

/* One descriptor: a piece of one segment. */
struct uoff_xfer {
	struct uoff_req		*req;
	struct uoff_seg		*seg;
	struct uoff_span	dst;
	struct uoff_span	src;
	u64			pattern;
	u32			len;
	u8			op;
};

void uoff_xfer_iter_init(struct uoff_xfer_iter *it, struct uoff_req *req);
bool uoff_xfer_next(struct uoff_xfer_iter *it, struct uoff_xfer *x);
unsigned int uoff_req_count_xfers(const struct uoff_req *req);

struct uoff_chan;

/*
 * struct uoff_chan_ops - what a backend does with its own descriptor ring
 * @engine:	the UOFF_ENGINE_* bit the channel stands for
 * @space:	how many slots are free at most (chan->lock held)
 * @write:	encode descriptor @x into the @i-th free slot (chan->lock
 *		held); 0, or -ENOSPC when the ring cannot take it now, after
 *		which nothing more is written until the next reap
 * @commit:	publish @n written slots to the executor (chan->lock held)
 * @doorbell:	tell the executor new descriptors are there
 */
struct uoff_chan_ops {
	const char	*name;
	u64		engine;
	unsigned int	(*space)(struct uoff_chan *chan);
	int		(*write)(struct uoff_chan *chan, unsigned int i,
				 const struct uoff_xfer *x);
	void		(*commit)(struct uoff_chan *chan, unsigned int n);
	void		(*doorbell)(struct uoff_chan *chan);
};

struct uoff_chan_stats {
	atomic64_t	reqs;
	atomic64_t	kernel_reqs;
	atomic64_t	descs;
	atomic64_t	doorbells;
	atomic64_t	reaps;
	atomic64_t	bytes;
	/* device backends */
	atomic64_t	irqs;
	atomic64_t	fallbacks;	/* descriptors the CPU finished */
	atomic64_t	errors;		/* device errors and timeouts */
};

struct uoff_zip;

/*
 * A channel lives until the last reference to its kobject goes: its
 * directory in /sys/class/misc/uoffload/channels/ holds one.
 */
struct uoff_chan {
	struct kobject			kobj;
	unsigned int			id;	/* chanN, zchanN, dchanN */
	int				node;
	const struct uoff_chan_ops	*ops;
	void				*priv;
	struct uoff_zip			*zip;	/* compression channels */
	unsigned int			nr_slots; /* ring size, set by the backend */
	spinlock_t			lock;	/* producers, backlog */
	struct list_head		backlog; /* of struct uoff_feed */
	atomic_t			inflight; /* descriptors */
	atomic_t			users;	/* submitters writing to it */
	wait_queue_head_t		idle;	/* detaching: ring, backlog empty */
	struct uoff_chan_stats		stats;
};

/* engine.c */
int uoff_engine_init(void);
void uoff_engine_exit(void);
void uoff_req_submit(struct uoff_req *req);
void uoff_req_run_inline(struct uoff_req *req);
void uoff_xfer_done(const struct uoff_xfer *x, int status);
void uoff_chan_reaped(struct uoff_chan *chan, unsigned int n);
unsigned int uoff_engine_nr_chans(void);
struct uoff_chan *uoff_chan_create(const struct uoff_chan_ops *ops,
				   void *priv, int node, unsigned int nr_slots);
void uoff_chan_destroy(struct uoff_chan *chan);
int uoff_chan_attach(struct uoff_chan *chan);
void uoff_chan_detach(struct uoff_chan *chan);
bool uoff_backend_enabled(u64 engine);
unsigned int uoff_engine_nr_zip_chans(void);
u64 uoff_engine_mask(void);
int uoff_engine_show_stats(char *buf, int at);
int uoff_engine_sysfs_init(struct kobject *parent);
void uoff_engine_sysfs_exit(void);

/* cpu.c */
void uoff_fill_bytes(u8 *p, unsigned int n, u64 pattern);

/* A fill's pattern is one byte repeated: a memset() can write it. */
static inline bool uoff_pattern_is_byte(u64 pattern)
{
	return pattern == (pattern & 0xff) * 0x0101010101010101ULL;
}
int uoff_cpu_exec(struct uoff_chan *chan, const struct uoff_xfer *x);
void uoff_cpu_exec_part(const struct uoff_xfer *x, u32 off, u32 len);
int uoff_cpu_chan_init(struct uoff_chan *chan);
void uoff_cpu_chan_exit(struct uoff_chan *chan);
int uoff_cpu_init(void);
void uoff_cpu_exit(void);

/* zip.c */
int uoff_zip_exec(struct uoff_zip *z, const struct uoff_xfer *x);
struct uoff_zip *uoff_zip_alloc(int node);
void uoff_zip_free(struct uoff_zip *z);
int uoff_zip_init(void);
void uoff_zip_exit(void);
bool uoff_zip_have_acomp(void);
int uoff_zip_show_stats(char *buf, int at);

/* dma.c */
struct device;
struct scatterlist;
/* A descriptor's pages, mapped for a device. */
struct uoff_xfer_sg {
	struct scatterlist	*dst_sg;
	struct scatterlist	*src_sg;
	int			dst_orig, src_orig;	/* entries built */
	int			dst_nents, src_nents;	/* mapped; 0 if not */
	u64			pattern;	/* FILL: at the first mapped byte */
};

int uoff_xfer_map_sg(struct device *dev, struct uoff_xfer_sg *m,
		     const struct uoff_xfer *x, unsigned int max);
void uoff_xfer_unmap_sg(struct device *dev, struct uoff_xfer_sg *m);
void uoff_dma_backends_changed(void);
int uoff_dma_init(void);
void uoff_dma_exit(void);

/* uring.c */
extern unsigned int uoff_inline_threshold;
int uoff_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags);
long uoff_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int uoff_open(struct inode *inode, struct file *file);
int uoff_release(struct inode *inode, struct file *file);
int uoff_uring_show_stats(char *buf, int at);

/* mm.c: the provider for the mm hooks of kernel/patches/, if the kernel has them */
#if __has_include("linux/mm_offload.h")
#define UOFF_HAVE_MM_OFFLOAD
void uoff_mm_init(void);
void uoff_mm_exit(void);
int uoff_mm_show_stats(char *buf, int at);
#else
static inline void uoff_mm_init(void) { }
static inline void uoff_mm_exit(void) { }
static inline int uoff_mm_show_stats(char *buf, int at) { return at; }
#endif

#endif /* _UOFF_H */
