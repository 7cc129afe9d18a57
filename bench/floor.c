// SPDX-License-Identifier: Apache-2.0
/*
 * The syscall floor of earlybind-init: a static C program that makes the
 * binder's system calls for one rule and nothing else (no parser, no
 * planner, no allocation per device), so the benchmark can say how far the
 * binder is from the cost of its own calls.
 *
 *     floor [--no-fstat] ROOT RULE
 *           RULE: BDF | VVVV:DDDD | class:CCCC | non-boot-vga | path:DD.F/DD.F... (domain 0, root bus 0)
 *
 * The calls, in the binder's order (bench/run.py compares both traces):
 *   read ROOT/proc/cmdline and ROOT/etc/earlybind/bindings.tbl
 *       (openat, fstat, read, close each; the table is not decoded);
 *   open ROOT/sys/bus/pci/devices; for an address, openat(dir,
 *       "BDF/modalias") for the eight functions of its slot; otherwise one
 *       getdents64 listing and openat(dir, "BDF/modalias") per entry, and
 *       "BDF/boot_vga" for VGA devices (openat, fstat, read, close), and for
 *       a path, "BDF/secondary_bus_number" for bridges;
 *   read ROOT/proc/sys/kernel/random/boot_id (for the report);
 *   per target: readlink of its driver link, then the override
 *       (openat, fstat, write, close); then readlink, a drivers_probe write
 *       and readlink again;
 *   a kernel log record per refused or unbound device (the binder runs with
 *       --quiet in the benchmark, so notices are not written);
 *   the report: mkdir, a check that it is a directory, openat of a
 *       temporary file, fchmod, write, close, rename.
 * --no-fstat leaves out the fstat before each per-device read: the floor the
 * binder would have without its file type checks (the benchmark shows both).
 * Selection is the binder's: display devices take their slot's other
 * functions along, a VGA device whose boot_vga reads 1 is refused.
 * Built fully static with musl by `make bench`.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { MAX_DEVICES = 65536, MAX_TARGETS = 64 };

struct device {
	char name[16];
	uint32_t domain, slot; /* slot: bus << 5 | device */
	uint16_t vendor, id;
	uint32_t class;
	int boot_vga;
	int function;
	int secondary; /* -1: not a bridge, or not read */
};

static struct device devices[MAX_DEVICES];
static int device_count;
static const char *root;
static int check_type = 1;
static char path[4096];
static int kmsg = -1;
static int read_bridges;

static const char *at(const char *suffix) {
	snprintf(path, sizeof path, "%s%s", root, suffix);
	return path;
}

/* openat, fstat (a regular file or nothing), read, close. */
static long read_file(int dir, const char *name, char *buffer, size_t size, int check) {
	int fd = openat(dir, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) return -1;
	struct stat st;
	long count = -1;
	if (!check || (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))) count = read(fd, buffer, size);
	close(fd);
	return count;
}

static void write_file(const char *name, const char *text) {
	int fd = openat(AT_FDCWD, name, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) return;
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) (void)!write(fd, text, strlen(text));
	close(fd);
}

static void log_record(const char *text) {
	if (kmsg < 0) {
		kmsg = openat(AT_FDCWD, at("/dev/kmsg"), O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC);
		struct stat st;
		if (kmsg >= 0) fstat(kmsg, &st);
	}
	if (kmsg >= 0) (void)!write(kmsg, text, strlen(text));
}

static uint32_t hex(const char *text, int digits) {
	uint32_t value = 0;
	for (int i = 0; i < digits; i++) {
		char c = text[i];
		value = value << 4 | (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return value;
}

/* Reads BDF/modalias (and BDF/boot_vga for VGA) below the devices dir. */
static void read_device(int dir, const char *name) {
	char relative[64], text[128];
	snprintf(relative, sizeof relative, "%s/modalias", name);
	long count = read_file(dir, relative, text, sizeof text, check_type);
	if (count < 54 || device_count == MAX_DEVICES) return;
	struct device *d = &devices[device_count++];
	snprintf(d->name, sizeof d->name, "%s", name);
	size_t length = strlen(name);
	d->domain = hex(name, (int)length - 8);
	d->slot = hex(name + length - 7, 2) << 5 | hex(name + length - 4, 2);
	d->vendor = (uint16_t)hex(text + 5, 8);
	d->id = (uint16_t)hex(text + 14, 8);
	d->class = hex(text + 44, 2) << 16 | hex(text + 48, 2) << 8 | hex(text + 51, 2);
	d->function = (int)hex(name + length - 1, 1);
	d->boot_vga = 0;
	if (d->class >> 8 == 0x0300) {
		snprintf(relative, sizeof relative, "%s/boot_vga", name);
		d->boot_vga = read_file(dir, relative, text, sizeof text, check_type) > 0 && text[0] == '1';
	}
	d->secondary = -1;
	uint32_t bridge = d->class >> 8;
	if (read_bridges && (bridge == 0x0604 || bridge == 0x0609 || bridge == 0x0607)) {
		snprintf(relative, sizeof relative, "%s/secondary_bus_number", name);
		long n = read_file(dir, relative, text, sizeof text - 1, check_type);
		if (n > 0) {
			text[n] = 0;
			d->secondary = atoi(text);
		}
	}
}

/* The device a path names (domain 0, root bus 0), or NULL. */
static struct device *resolve(const char *hops) {
	int bus = 0;
	for (const char *hop = hops;; hop += 5) {
		uint32_t slot = (uint32_t)bus << 5 | hex(hop, 2);
		int function = (int)hex(hop + 3, 1);
		struct device *found = NULL;
		for (int i = 0; i < device_count && !found; i++) {
			struct device *d = &devices[i];
			if (d->domain == 0 && d->slot == slot && d->function == function) found = d;
		}
		if (!found || hop[4] != '/') return found;
		if (found->secondary <= bus) return NULL;
		bus = found->secondary;
	}
}

struct dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int by_name(const void *a, const void *b) {
	return strcmp((*(struct device *const *)a)->name, (*(struct device *const *)b)->name);
}

int main(int argc, char **argv) {
	if (argc == 4 && strcmp(argv[1], "--no-fstat") == 0) {
		argv++;
		argc--;
		check_type = 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: floor [--no-fstat] ROOT BDF|VVVV:DDDD|class:CCCC|non-boot-vga|path:...\n");
		return 2;
	}
	root = argv[1];
	const char *rule = argv[2];
	static char buffer[65536];
	read_file(AT_FDCWD, at("/proc/cmdline"), buffer, sizeof buffer, 1);
	read_file(AT_FDCWD, at("/etc/earlybind/bindings.tbl"), buffer, sizeof buffer, 1);

	int dir = openat(AT_FDCWD, at("/sys/bus/pci/devices"),
			 O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
	if (dir < 0) return 0;
	int by_path = strncmp(rule, "path:", 5) == 0;
	int by_address = !by_path && strchr(rule, '.') != NULL;
	read_bridges = by_path;
	if (by_address) {
		char name[16];
		size_t length = strlen(rule);
		for (int function = 0; function < 8; function++) {
			snprintf(name, sizeof name, "%.*s%d", (int)length - 1, rule, function);
			read_device(dir, name);
		}
	} else {
		static char entries[32768];
		long length;
		while ((length = syscall(SYS_getdents64, dir, entries, sizeof entries)) > 0) {
			for (long offset = 0; offset < length;) {
				struct dirent64 *entry = (struct dirent64 *)(entries + offset);
				offset += entry->d_reclen;
				if (entry->d_name[0] != '.') read_device(dir, entry->d_name);
			}
		}
	}
	close(dir);

	struct device *targets[MAX_TARGETS];
	int target_count = 0;
	uint32_t wanted = 0;
	struct device *named = by_path ? resolve(rule + 5) : NULL;
	int listing = !by_path && !by_address;
	if (listing && strncmp(rule, "class:", 6) == 0) wanted = hex(rule + 6, 4);
	else if (listing && rule[4] == ':') wanted = hex(rule, 4) << 16 | hex(rule + 5, 4);
	for (int i = 0; i < device_count; i++) {
		struct device *d = &devices[i];
		int display = d->class >> 16 == 0x03, selected;
		if (by_path) selected = d == named;
		else if (by_address) selected = strcmp(d->name, rule) == 0;
		else if (strncmp(rule, "class:", 6) == 0) selected = d->class >> 8 == wanted;
		else if (strcmp(rule, "non-boot-vga") == 0) selected = display && !d->boot_vga;
		else selected = ((uint32_t)d->vendor << 16 | d->id) == wanted;
		if (!selected) continue;
		if (d->boot_vga) {
			snprintf(buffer, sizeof buffer, "<4>earlybind: %.15s skipped: boot GPU\n", d->name);
			log_record(buffer);
			continue;
		}
		for (int j = 0; j < device_count && target_count < MAX_TARGETS; j++) {
			struct device *other = &devices[j];
			int same = other == d;
			if (same || (display && other->domain == d->domain && other->slot == d->slot)) {
				int known = 0;
				for (int k = 0; k < target_count; k++) known |= targets[k] == other;
				if (!known) targets[target_count++] = other;
			}
		}
	}

	read_file(AT_FDCWD, at("/proc/sys/kernel/random/boot_id"), buffer, sizeof buffer, 1);
	qsort(targets, (size_t)target_count, sizeof targets[0], by_name);
	char link[256];
	for (int i = 0; i < target_count; i++) {
		snprintf(buffer, sizeof buffer, "%s/sys/bus/pci/devices/%s/driver", root,
			 targets[i]->name);
		(void)!readlink(buffer, link, sizeof link);
	}
	for (int i = 0; i < target_count; i++) {
		snprintf(buffer, sizeof buffer, "%s/sys/bus/pci/devices/%s/driver_override", root,
			 targets[i]->name);
		write_file(buffer, "vfio-pci");
	}
	int bound = 0;
	for (int i = 0; i < target_count; i++) {
		char driver[4096];
		snprintf(driver, sizeof driver, "%s/sys/bus/pci/devices/%s/driver", root,
			 targets[i]->name);
		if (readlink(driver, link, sizeof link) < 0) {
			write_file(at("/sys/bus/pci/drivers_probe"), targets[i]->name);
		}
		if (readlink(driver, link, sizeof link) >= 0) {
			bound++;
		} else {
			snprintf(buffer, sizeof buffer,
				 "<3>earlybind: %s not bound to vfio-pci: driver is none\n",
				 targets[i]->name);
			log_record(buffer);
		}
	}

	char report[4096], temporary[4200];
	snprintf(report, sizeof report, "%s/run/earlybind", root);
	if (mkdir(report, 0755) != 0) {
		int check = openat(AT_FDCWD, report, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (check < 0) return 0;
		close(check);
	}
	snprintf(temporary, sizeof temporary, "%s/report.json.tmp.%d", report, getpid());
	int fd = openat(AT_FDCWD, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NONBLOCK | O_CLOEXEC,
			0600);
	if (fd < 0) return 0;
	fchmod(fd, 0644);
	snprintf(buffer, sizeof buffer, "{\"version\":1,\"status\":\"done\",\"bound\":%d,\"targets\":%d}\n",
		 bound, target_count);
	(void)!write(fd, buffer, strlen(buffer));
	close(fd);
	snprintf(buffer, sizeof buffer, "%s/report.json", report);
	rename(temporary, buffer);
	return 0;
}
