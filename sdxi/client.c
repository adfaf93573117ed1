// SPDX-License-Identifier: GPL-2.0
/*
 * Users of SDXI functions: the fronts register each function once it is
 * active, and every registered client (the dmaengine provider, uoffload's
 * backend) is told about it, and told again before it goes away.
 */
#include <linux/device.h>
#include <linux/export.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "sdxi.h"

struct sdxi_fn_entry {
	struct list_head node;
	struct sdxi_fn *fn;
};

static DEFINE_MUTEX(sdxi_clients_lock);
static LIST_HEAD(sdxi_clients);
static LIST_HEAD(sdxi_fns);

static void sdxi_client_add(struct sdxi_client *client, struct sdxi_fn *fn)
{
	int err = client->add(fn);

	if (err)
		dev_warn(sdxi_fn_device(fn), "%s: not used (%d)\n",
			 client->name, err);
}

/**
 * sdxi_fn_register() - make an active function available to clients
 * @fn: the function, started
 *
 * Return: 0 or -ENOMEM.  A client that fails to take the function is
 * logged, and does without it.
 */
int sdxi_fn_register(struct sdxi_fn *fn)
{
	struct sdxi_fn_entry *e = kzalloc(sizeof(*e), GFP_KERNEL);
	struct sdxi_client *client;

	if (!e)
		return -ENOMEM;
	e->fn = fn;
	mutex_lock(&sdxi_clients_lock);
	list_add_tail(&e->node, &sdxi_fns);
	list_for_each_entry(client, &sdxi_clients, node)
		sdxi_client_add(client, fn);
	mutex_unlock(&sdxi_clients_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(sdxi_fn_register);

/**
 * sdxi_fn_unregister() - take a function away from its clients
 * @fn: the function, registered
 *
 * Returns once every client's remove() has returned: none uses @fn.
 */
void sdxi_fn_unregister(struct sdxi_fn *fn)
{
	struct sdxi_client *client;
	struct sdxi_fn_entry *e;

	mutex_lock(&sdxi_clients_lock);
	list_for_each_entry(e, &sdxi_fns, node)
		if (e->fn == fn)
			break;
	if (list_entry_is_head(e, &sdxi_fns, node)) {
		mutex_unlock(&sdxi_clients_lock);
		return;
	}
	list_del(&e->node);
	list_for_each_entry_reverse(client, &sdxi_clients, node)
		client->remove(fn);
	mutex_unlock(&sdxi_clients_lock);
	kfree(e);
}
EXPORT_SYMBOL_GPL(sdxi_fn_unregister);

/**
 * sdxi_client_register() - start using every registered function
 * @client: add() is called for each function there is and each that comes,
 *	remove() for each that goes and, from sdxi_client_unregister(), for
 *	those still there; both may sleep and are serialised
 */
void sdxi_client_register(struct sdxi_client *client)
{
	struct sdxi_fn_entry *e;

	mutex_lock(&sdxi_clients_lock);
	list_add_tail(&client->node, &sdxi_clients);
	list_for_each_entry(e, &sdxi_fns, node)
		sdxi_client_add(client, e->fn);
	mutex_unlock(&sdxi_clients_lock);
}
EXPORT_SYMBOL_GPL(sdxi_client_register);

/**
 * sdxi_client_unregister() - stop using every function
 * @client: the client, registered
 */
void sdxi_client_unregister(struct sdxi_client *client)
{
	struct sdxi_fn_entry *e;

	mutex_lock(&sdxi_clients_lock);
	list_for_each_entry_reverse(e, &sdxi_fns, node)
		client->remove(e->fn);
	list_del(&client->node);
	mutex_unlock(&sdxi_clients_lock);
}
EXPORT_SYMBOL_GPL(sdxi_client_unregister);
