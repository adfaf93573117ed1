// SPDX-License-Identifier: GPL-2.0
/*
 * uoffctl: look at uoffload and prepare the devices it can use.
 *
 *   uoffctl status              engines, limits, parameters, channel counters
 *   uoffctl dsa-setup [-n]      one kernel dmaengine work queue per Intel DSA
 *
 * Exit status: 0 done; 1 an operation failed; 2 bad usage; 3 what the
 * command works on is absent (uoffload not loaded, no DSA device).
 *
 * UOFFCTL_ROOT, when set, is put in front of every /dev, /sys and /lib path
 * uoffctl itself reads (not those libaccel-config reads), so that tests can
 * point it at a missing or a made-up tree.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <accel-config/libaccel_config.h>
#include <linux/uoffload.h>

#define EXIT_FAIL	1
#define EXIT_USAGE	2
#define EXIT_ABSENT	3

#define PARAM_DIR	"/sys/module/uoffload/parameters"
#define CHAN_DIR	"/sys/class/misc/uoffload/channels"
#define STATS_FILE	"/sys/class/misc/uoffload/stats"

/* The work queue dsa-setup makes: a dedicated kernel queue for dmaengine. */
#define DSA_WQ_NAME	"uoffload"
#define DSA_WQ_DRIVER	"dmaengine"
#define DSA_WQ_SIZE	64
#define DSA_WQ_PRIORITY	10

static const char *root = "";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: uoffctl status\n"
		"       uoffctl dsa-setup [-n|--dry-run]\n"
		"       uoffctl -h|--help\n"
		"\n"
		"  status     engines, limits and parameters of the uoffload module and\n"
		"             the counters of each of its channels\n"
		"  dsa-setup  give every Intel DSA device one enabled kernel work queue\n"
		"             for dmaengine, which uoffload's dmaengine backend uses;\n"
		"             -n shows what it would do and changes nothing\n"
		"\n"
		"Exit status: 0 done, 1 failure, 2 bad usage, 3 uoffload not loaded\n"
		"(status) or no DSA device (dsa-setup).\n");
}

/* Paths are built with vsnprintf(): a too long one simply fails to open. */
static void __attribute__((format(printf, 3, 4)))
path_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 3, 4)))
rooted(char *buf, size_t size, const char *fmt, ...)
{
	size_t n = (size_t)snprintf(buf, size, "%s", root);
	va_list ap;

	va_start(ap, fmt);
	if (n < size)
		vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Reads a one-line file into @buf without its newline; -errno on failure. */
static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f))
		ret = ferror(f) ? -EIO : -ENODATA;
	fclose(f);
	if (!ret)
		buf[strcspn(buf, "\n")] = '\0';
	return ret;
}

/* ---- status ------------------------------------------------------------ */

/* Room for a 64-bit counter in decimal, or an engine's name. */
#define FIELD_SIZE	24

struct chan {
	char name[32];
	char engine[FIELD_SIZE];
	char node[FIELD_SIZE];
	char ops[FIELD_SIZE];
	char bytes[FIELD_SIZE];
	char batches[FIELD_SIZE];
	char fallbacks[FIELD_SIZE];
	char errors[FIELD_SIZE];
};

struct chan_list {
	struct chan *v;
	size_t nr;
};

static struct chan *chan_get(struct chan_list *l, const char *name)
{
	struct chan *c, *v;
	size_t i;

	for (i = 0; i < l->nr; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	v = realloc(l->v, (l->nr + 1) * sizeof(*v));
	if (!v)
		return NULL;
	l->v = v;
	c = &v[l->nr++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	strcpy(c->engine, "-");
	strcpy(c->node, "-");
	strcpy(c->ops, "-");
	strcpy(c->bytes, "-");
	strcpy(c->batches, "-");
	strcpy(c->fallbacks, "-");
	strcpy(c->errors, "-");
	return c;
}

/* A counter's field in struct chan; both layouts' names map here. */
static char *chan_field(struct chan *c, const char *key)
{
	if (!strcmp(key, "engine"))
		return c->engine;
	if (!strcmp(key, "node"))
		return c->node;
	if (!strcmp(key, "ops") || !strcmp(key, "descs"))
		return c->ops;
	if (!strcmp(key, "bytes"))
		return c->bytes;
	if (!strcmp(key, "batches") || !strcmp(key, "doorbells"))
		return c->batches;
	if (!strcmp(key, "fallbacks"))
		return c->fallbacks;
	if (!strcmp(key, "errors"))
		return c->errors;
	return NULL;
}

static bool chan_name_ok(const char *name)
{
	size_t n = strspn(name, "dz");

	if (n > 1 || strncmp(name + n, "chan", 4))
		return false;
	name += n + 4;
	return *name && strspn(name, "0123456789") == strlen(name) &&
	       strlen(name) < 16;
}

/* /sys/class/misc/uoffload/channels/<name>/<counter>, one file each. */
static int read_chan_dirs(const char *dir, struct chan_list *l)
{
	static const char *const keys[] = {
		"engine", "node", "ops", "bytes", "batches", "fallbacks",
		"errors",
	};
	struct dirent *de;
	char path[512];
	DIR *d;
	size_t i;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct chan *c;

		if (!chan_name_ok(de->d_name))
			continue;
		c = chan_get(l, de->d_name);
		if (!c) {
			closedir(d);
			return -ENOMEM;
		}
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			path_fmt(path, sizeof(path), "%s/%s/%s", dir,
				 de->d_name, keys[i]);
			/* A CPU channel has no fallbacks or errors file. */
			if (read_line(path, chan_field(c, keys[i]),
				      FIELD_SIZE) < 0)
				strcpy(chan_field(c, keys[i]), "-");
		}
	}
	closedir(d);
	return 0;
}

/* The older layout: "chanN.key value" lines in the stats file. */
static int read_chan_stats(const char *file, struct chan_list *l)
{
	char line[256], name[32], key[32], value[FIELD_SIZE];
	FILE *f = fopen(file, "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *dot, *field;
		struct chan *c;

		if (sscanf(line, "%31s %23s", name, value) != 2)
			continue;
		dot = strchr(name, '.');
		if (!dot)
			continue;
		*dot = '\0';
		snprintf(key, sizeof(key), "%s", dot + 1);
		if (!chan_name_ok(name))
			continue;
		c = chan_get(l, name);
		if (!c) {
			fclose(f);
			return -ENOMEM;
		}
		field = chan_field(c, key);
		if (field)
			snprintf(field, FIELD_SIZE, "%s", value);
	}
	fclose(f);
	return 0;
}

/* chan before zchan before dchan, then by number. */
static int chan_cmp(const void *a, const void *b)
{
	const char *x = ((const struct chan *)a)->name;
	const char *y = ((const struct chan *)b)->name;
	int kx = *x == 'z' ? 1 : *x == 'd' ? 2 : 0;
	int ky = *y == 'z' ? 1 : *y == 'd' ? 2 : 0;

	if (kx != ky)
		return kx - ky;
	return atoi(strpbrk(x, "0123456789")) - atoi(strpbrk(y, "0123456789"));
}

static void print_bits(const char *label, unsigned long long bits,
		       const char *const *names, unsigned int nr)
{
	const char *sep = "";
	unsigned int i;

	printf("%-18s", label);
	for (i = 0; i < 64; i++) {
		if (!(bits & (1ULL << i)))
			continue;
		if (i < nr && names[i])
			printf("%s%s", sep, names[i]);
		else
			printf("%sbit%u", sep, i);
		sep = ",";
	}
	printf("%s\n", *sep ? "" : "none");
}

static int print_features(void)
{
	static const char *const engines[] = {
		"cpu", "sdxi", "dmaengine", "acomp",
	};
	static const char *const ops[] = {
		NULL, "copy", "fill", "batch", "deflate", "inflate",
	};
	struct uoff_features f;
	char path[512];
	int fd;

	rooted(path, sizeof(path), "%s", UOFF_DEVICE_PATH);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "uoffctl: cannot open %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	memset(&f, 0, sizeof(f));
	if (ioctl(fd, UOFF_CMD_GET_FEATURES, &f) < 0) {
		fprintf(stderr, "uoffctl: GET_FEATURES on %s: %s\n", path,
			strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);

	printf("%-18s%u\n", "abi_version", f.abi_version);
	print_bits("engines", f.engines, engines,
		   sizeof(engines) / sizeof(engines[0]));
	print_bits("ops", f.ops, ops, sizeof(ops) / sizeof(ops[0]));
	printf("%-18s%u\n", "nr_channels", f.nr_channels);
	printf("%-18s%u\n", "nr_zip_channels", f.nr_zip_channels);
	printf("%-18s%u\n", "inline_threshold", f.inline_threshold);
	printf("%-18s%u\n", "max_op_len", f.max_op_len);
	printf("%-18s%u\n", "max_batch", f.max_batch);
	printf("%-18s%u\n", "max_inflight_ops", f.max_inflight_ops);
	printf("%-18s%llu\n", "max_inflight_bytes",
	       (unsigned long long)f.max_inflight_bytes);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every module parameter, "backends" (the engine order) first. */
static void print_params(const char *dir)
{
	char path[512], value[256], *names[64];
	unsigned int nr = 0, i;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d) {
		fprintf(stderr, "uoffctl: %s: %s\n", dir, strerror(errno));
		return;
	}
	while ((de = readdir(d)) && nr < 64)
		if (de->d_name[0] != '.' && strcmp(de->d_name, "backends"))
			names[nr++] = strdup(de->d_name);
	closedir(d);
	qsort(names, nr, sizeof(names[0]), name_cmp);

	printf("\nparameters (%s):\n", dir);
	path_fmt(path, sizeof(path), "%s/backends", dir);
	if (read_line(path, value, sizeof(value)) == 0)
		printf("  %-26s %s\n", "backends", value);
	for (i = 0; i < nr; i++) {
		if (!names[i])
			continue;
		path_fmt(path, sizeof(path), "%s/%s", dir, names[i]);
		if (read_line(path, value, sizeof(value)) == 0)
			printf("  %-26s %s\n", names[i], value);
		free(names[i]);
	}
}

static int cmd_status(void)
{
	struct chan_list l = { 0 };
	char mod[512], dir[512], stats[512];
	const char *from;
	int ret = 0, err;
	size_t i;

	rooted(mod, sizeof(mod), "/sys/module/uoffload");
	if (!exists(mod)) {
		fprintf(stderr,
			"uoffctl: uoffload is not loaded (no %s); load it with 'modprobe uoffload'\n",
			mod);
		return EXIT_ABSENT;
	}
	if (print_features() < 0)
		ret = EXIT_FAIL;
	rooted(dir, sizeof(dir), PARAM_DIR);
	print_params(dir);

	rooted(dir, sizeof(dir), CHAN_DIR);
	rooted(stats, sizeof(stats), STATS_FILE);
	if (exists(dir)) {
		from = dir;
		err = read_chan_dirs(dir, &l);
	} else {
		from = stats;
		err = read_chan_stats(stats, &l);
	}
	if (err < 0) {
		fprintf(stderr, "uoffctl: cannot read %s: %s\n", from,
			strerror(-err));
		free(l.v);
		return EXIT_FAIL;
	}
	qsort(l.v, l.nr, sizeof(*l.v), chan_cmp);

	printf("\nchannels (%s):\n", from);
	printf("%-10s %-10s %4s %14s %18s %12s %10s %8s\n", "channel",
	       "engine", "node", "ops", "bytes", "batches", "fallbacks",
	       "errors");
	for (i = 0; i < l.nr; i++) {
		struct chan *c = &l.v[i];

		printf("%-10s %-10s %4s %14s %18s %12s %10s %8s\n", c->name,
		       c->engine, c->node, c->ops, c->bytes, c->batches,
		       c->fallbacks, c->errors);
	}
	free(l.v);
	return ret;
}

/* ---- dsa-setup --------------------------------------------------------- */

static bool dry_run;

/* Reports a failed libaccel-config call; true if it failed. */
static bool failed(int ret, const char *obj, const char *call)
{
	if (ret >= 0)
		return false;
	fprintf(stderr, "uoffctl: %s: %s: %s\n", obj, call, strerror(-ret));
	return true;
}

/* A kernel work queue of the dmaengine driver that is already serving. */
static struct accfg_wq *dsa_dmaengine_wq(struct accfg_device *dev)
{
	struct accfg_wq *wq;

	accfg_wq_foreach(dev, wq) {
		const char *drv = accfg_wq_get_driver_name(wq);

		if (accfg_wq_get_type(wq) == ACCFG_WQT_KERNEL &&
		    accfg_wq_get_state(wq) == ACCFG_WQ_ENABLED &&
		    drv && !strcmp(drv, DSA_WQ_DRIVER))
			return wq;
	}
	return NULL;
}

/*
 * The queue to set up on a disabled device: the one an earlier run named
 * (accfg_wq_get_type_name() gives the wq's name), else the first that has
 * no type yet; a queue configured for something else is left alone.
 */
static struct accfg_wq *dsa_free_wq(struct accfg_device *dev)
{
	struct accfg_wq *wq, *free = NULL;

	accfg_wq_foreach(dev, wq) {
		const char *wq_name = accfg_wq_get_type_name(wq);

		if (wq_name && !strcmp(wq_name, DSA_WQ_NAME))
			return wq;
		if (!free && accfg_wq_get_type(wq) == ACCFG_WQT_NONE)
			free = wq;
	}
	return free;
}

#define STEP(obj, fmt, ...) \
	printf("%s%s: " fmt "\n", dry_run ? "would: " : "", obj, ##__VA_ARGS__)

/* Puts every engine in @group and sets up @wq in it; 0 or -1. */
static int dsa_configure(struct accfg_device *dev, struct accfg_group *group,
			 struct accfg_wq *wq, int size)
{
	const char *wname = accfg_wq_get_devname(wq);
	int gid = accfg_group_get_id(group);
	struct accfg_engine *eng;

	accfg_engine_foreach(dev, eng) {
		const char *ename = accfg_engine_get_devname(eng);

		STEP(ename, "group_id %d", gid);
		if (!dry_run && failed(accfg_engine_set_group_id(eng, gid),
				       ename, "accfg_engine_set_group_id"))
			return -1;
	}
	STEP(wname, "group_id %d, mode dedicated, size %d, priority %d, "
	     "type kernel, name %s, driver_name %s", gid, size,
	     DSA_WQ_PRIORITY, DSA_WQ_NAME, DSA_WQ_DRIVER);
	if (dry_run)
		return 0;
	if (failed(accfg_wq_set_group_id(wq, gid), wname,
		   "accfg_wq_set_group_id") ||
	    failed(accfg_wq_set_mode(wq, ACCFG_WQ_DEDICATED), wname,
		   "accfg_wq_set_mode dedicated") ||
	    failed(accfg_wq_set_size(wq, size), wname, "accfg_wq_set_size") ||
	    failed(accfg_wq_set_priority(wq, DSA_WQ_PRIORITY), wname,
		   "accfg_wq_set_priority") ||
	    failed(accfg_wq_set_str_type(wq, "kernel"), wname,
		   "accfg_wq_set_str_type kernel") ||
	    failed(accfg_wq_set_str_name(wq, DSA_WQ_NAME), wname,
		   "accfg_wq_set_str_name") ||
	    failed(accfg_wq_set_str_driver_name(wq, DSA_WQ_DRIVER), wname,
		   "accfg_wq_set_str_driver_name"))
		return -1;
	return 0;
}

/* One device; 0 when it has (or, dry, would have) a dmaengine queue. */
static int dsa_setup_one(struct accfg_device *dev)
{
	const char *name = accfg_device_get_devname(dev);
	struct accfg_group *group;
	struct accfg_wq *wq, *w;
	int used = 0, size;

	wq = dsa_dmaengine_wq(dev);
	if (wq && accfg_device_get_state(dev) == ACCFG_DEVICE_ENABLED) {
		printf("%s: already set up: %s is an enabled kernel work queue for %s\n",
		       name, accfg_wq_get_devname(wq), DSA_WQ_DRIVER);
		return 0;
	}
	if (accfg_device_get_state(dev) != ACCFG_DEVICE_DISABLED) {
		fprintf(stderr,
			"uoffctl: %s: enabled without a kernel work queue for %s; uoffctl leaves a device in use alone: disable it ('accel-config disable-device %s') and run dsa-setup again\n",
			name, DSA_WQ_DRIVER, name);
		return -1;
	}

	group = accfg_group_get_first(dev);
	wq = dsa_free_wq(dev);
	if (!group || !wq) {
		fprintf(stderr,
			"uoffctl: %s: no %s to configure (every work queue has a type already; uoffctl does not change them)\n",
			name, group ? "work queue" : "group");
		return -1;
	}
	/* The device's queue entries are shared out: keep other queues'. */
	accfg_wq_foreach(dev, w)
		if (w != wq)
			used += (int)accfg_wq_get_size(w);
	size = (int)accfg_device_get_max_work_queues_size(dev) - used;
	if (size > DSA_WQ_SIZE)
		size = DSA_WQ_SIZE;
	if (size <= 0) {
		fprintf(stderr,
			"uoffctl: %s: its other work queues hold all %u entries; none left for %s\n",
			name, accfg_device_get_max_work_queues_size(dev),
			accfg_wq_get_devname(wq));
		return -1;
	}
	if (dsa_configure(dev, group, wq, size) < 0)
		return -1;

	STEP(name, "enable device");
	if (!dry_run && failed(accfg_device_enable(dev), name,
			       "accfg_device_enable"))
		return -1;
	STEP(accfg_wq_get_devname(wq), "enable work queue");
	if (!dry_run && failed(accfg_wq_enable(wq), accfg_wq_get_devname(wq),
			       "accfg_wq_enable"))
		return -1;
	if (!dry_run)
		printf("%s: %s enabled: a dedicated kernel work queue for %s\n",
		       name, accfg_wq_get_devname(wq), DSA_WQ_DRIVER);
	return 0;
}

/* Whether a line of modules.dep or modules.builtin names idxd.ko. */
static bool idxd_in(const char *file)
{
	char line[1024];
	bool found = false;
	FILE *f = fopen(file, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		char *base;

		if (colon)
			*colon = '\0';
		line[strcspn(line, "\n")] = '\0';
		base = strrchr(line, '/');
		base = base ? base + 1 : line;
		found = !strncmp(base, "idxd.ko", 7);
	}
	fclose(f);
	return found;
}

/* Intel DSA PCI functions: Sapphire Rapids, Granite Rapids-D, Diamond Rapids. */
static unsigned int dsa_pci_functions(void)
{
	static const char *const ids[] = { "0x0b25", "0x11fb", "0x1212" };
	char dir[512], path[1024], vendor[16], device[16];
	unsigned int nr = 0, i;
	struct dirent *de;
	DIR *d;

	rooted(dir, sizeof(dir), "/sys/bus/pci/devices");
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		path_fmt(path, sizeof(path), "%s/%s/vendor", dir, de->d_name);
		if (read_line(path, vendor, sizeof(vendor)) < 0 ||
		    strcmp(vendor, "0x8086"))
			continue;
		path_fmt(path, sizeof(path), "%s/%s/device", dir, de->d_name);
		if (read_line(path, device, sizeof(device)) < 0)
			continue;
		for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
			if (strcmp(device, ids[i]))
				continue;
			printf("  hardware:    Intel DSA %s at PCI %s\n",
			       device, de->d_name);
			nr++;
		}
	}
	closedir(d);
	return nr;
}

/* Why libaccel-config found no DSA device. */
static void explain_no_dsa(unsigned int others)
{
	char path[512], builtin[512];
	struct utsname u;
	bool loaded;

	printf("uoffctl: no Intel DSA device found: nothing to set up\n");
	rooted(path, sizeof(path), "/sys/bus/dsa");
	loaded = exists(path);
	if (loaded)
		printf("  idxd driver: loaded (%s exists)%s\n", path,
		       others ? ", its devices are not DSA (IAA)" :
				", but it bound no device");
	else
		printf("  idxd driver: not loaded (no %s)\n", path);

	uname(&u);
	rooted(path, sizeof(path), "/lib/modules/%s/modules.dep", u.release);
	rooted(builtin, sizeof(builtin), "/lib/modules/%s/modules.builtin",
	       u.release);
	if (idxd_in(builtin))
		printf("  idxd module: built into kernel %s\n", u.release);
	else if (idxd_in(path))
		printf("  idxd module: present for kernel %s%s\n", u.release,
		       loaded ? "" : " (modprobe idxd would load it)");
	else
		printf("  idxd module: not found in %s\n", path);

	if (!dsa_pci_functions())
		printf("  hardware:    no Intel DSA PCI function (8086:0b25, 8086:11fb, 8086:1212)\n");
	printf("uoffload does not need DSA: copies and fills run on its CPU channels\n"
	       "or on another engine (SDXI, another dmaengine device); see 'uoffctl status'.\n");
}

static int cmd_dsa_setup(void)
{
	struct accfg_device *dev;
	unsigned int nr = 0, others = 0, bad = 0;
	struct accfg_ctx *ctx;
	int ret;

	ret = accfg_new(&ctx);
	if (ret < 0) {
		fprintf(stderr, "uoffctl: libaccel-config: accfg_new: %s\n",
			strerror(-ret));
		return EXIT_FAIL;
	}
	accfg_device_foreach(ctx, dev) {
		if (accfg_device_get_type(dev) != ACCFG_DEVICE_DSA) {
			others++;
			continue;
		}
		nr++;
		if (dsa_setup_one(dev) < 0)
			bad++;
	}
	accfg_unref(ctx);
	if (!nr) {
		explain_no_dsa(others);
		return EXIT_ABSENT;
	}
	return bad ? EXIT_FAIL : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd;
	int c;

	if (getenv("UOFFCTL_ROOT"))
		root = getenv("UOFFCTL_ROOT");
	/* "+": options after the command are the command's. */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		usage(stderr);
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		fprintf(stderr, "uoffctl: no command\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+hn", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (c != 'n' || strcmp(cmd, "dsa-setup")) {
			if (c == 'n')
				fprintf(stderr, "uoffctl: %s takes no -n\n", cmd);
			usage(stderr);
			return EXIT_USAGE;
		}
		dry_run = true;
	}
	if (optind < argc) {
		fprintf(stderr, "uoffctl: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "status"))
		return cmd_status();
	if (!strcmp(cmd, "dsa-setup"))
		return cmd_dsa_setup();
	fprintf(stderr, "uoffctl: unknown command '%s'\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
