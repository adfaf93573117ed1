/* SPDX-License-Identifier: GPL-2.0 */
/* The SDXI model front's export for its tests. */
#ifndef _SDXI_MODEL_FRONT_H
#define _SDXI_MODEL_FRONT_H

struct sdxi_fn;

struct sdxi_fn *sdxi_model_front_fn(void);

#endif /* _SDXI_MODEL_FRONT_H */
