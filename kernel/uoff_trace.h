/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uoffload tracepoints: a request's submission and its completion.
 *
 * The op is the segments' op, or "mixed" when a request has several; the
 * engine is the backend of the channels serving the request, or "inline"
 * when it runs on the submitting CPU.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM uoffload

#if !defined(_UOFF_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _UOFF_TRACE_H

#include <linux/tracepoint.h>
#include <linux/uoffload.h>

#define UOFF_TRACE_MIXED	0	/* not a UOFF_OP_* */
#define UOFF_TRACE_INLINE	0	/* not a UOFF_ENGINE_* */

#define uoff_trace_op(op)						\
	__print_symbolic(op,						\
			 { UOFF_TRACE_MIXED,	"mixed" },		\
			 { UOFF_OP_COPY,	"copy" },		\
			 { UOFF_OP_FILL,	"fill" },		\
			 { UOFF_OP_DEFLATE,	"deflate" },		\
			 { UOFF_OP_INFLATE,	"inflate" })

#define uoff_trace_engine(engine)					\
	__print_symbolic(engine,					\
			 { UOFF_TRACE_INLINE,	  "inline" },		\
			 { UOFF_ENGINE_CPU,	  "cpu" },		\
			 { UOFF_ENGINE_SDXI,	  "sdxi" },		\
			 { UOFF_ENGINE_DMAENGINE, "dmaengine" },	\
			 { UOFF_ENGINE_ACOMP,	  "acomp" })

TRACE_EVENT(uoff_submit,
	TP_PROTO(const void *req, u8 op, u64 bytes, unsigned int segs,
		 unsigned int descs, u64 engine, bool kernel),
	TP_ARGS(req, op, bytes, segs, descs, engine, kernel),

	TP_STRUCT__entry(
		__field(const void *,	req)
		__field(u64,		bytes)
		__field(u64,		engine)
		__field(unsigned int,	segs)
		__field(unsigned int,	descs)
		__field(u8,		op)
		__field(bool,		kernel)
	),

	TP_fast_assign(
		__entry->req = req;
		__entry->bytes = bytes;
		__entry->engine = engine;
		__entry->segs = segs;
		__entry->descs = descs;
		__entry->op = op;
		__entry->kernel = kernel;
	),

	TP_printk("req=%p op=%s bytes=%llu segs=%u descs=%u engine=%s from=%s",
		  __entry->req, uoff_trace_op(__entry->op), __entry->bytes,
		  __entry->segs, __entry->descs,
		  uoff_trace_engine(__entry->engine),
		  __entry->kernel ? "kernel" : "uring")
);

TRACE_EVENT(uoff_complete,
	TP_PROTO(const void *req, u8 op, u64 bytes, u64 engine, int status,
		 u64 latency_ns, bool kernel),
	TP_ARGS(req, op, bytes, engine, status, latency_ns, kernel),

	TP_STRUCT__entry(
		__field(const void *,	req)
		__field(u64,		bytes)
		__field(u64,		engine)
		__field(u64,		latency_ns)
		__field(int,		status)
		__field(u8,		op)
		__field(bool,		kernel)
	),

	TP_fast_assign(
		__entry->req = req;
		__entry->bytes = bytes;
		__entry->engine = engine;
		__entry->latency_ns = latency_ns;
		__entry->status = status;
		__entry->op = op;
		__entry->kernel = kernel;
	),

	TP_printk("req=%p op=%s bytes=%llu engine=%s status=%d latency_ns=%llu from=%s",
		  __entry->req, uoff_trace_op(__entry->op), __entry->bytes,
		  uoff_trace_engine(__entry->engine), __entry->status,
		  __entry->latency_ns, __entry->kernel ? "kernel" : "uring")
);

#endif /* _UOFF_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE uoff_trace
#include <trace/define_trace.h>
