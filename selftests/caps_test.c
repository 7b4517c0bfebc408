// SPDX-License-Identifier: GPL-2.0
/*
 * The migration capabilities tdx_mig reports from the TDX Module behind its
 * SEAMCALL backend: present, parseable and within the ABI's limits. Runs the
 * same on a TDX host (backend hw) and on the emulator (backend emu).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "test_backend.h"

#define CAPS_PATH "/sys/kernel/debug/tdx_mig/capabilities"

/* The value of "key: value" in the capabilities file, or NULL. */
static char *cap_value(const char *text, const char *key, char *buf, size_t len)
{
	const char *p = text;
	size_t klen = strlen(key);

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == ':') {
			const char *v = p + klen + 1;
			size_t n = strcspn(v, "\n");

			while (*v == ' ') {
				v++;
				n--;
			}
			if (n >= len)
				return NULL;
			memcpy(buf, v, n);
			buf[n] = '\0';
			return buf;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static unsigned long long cap_num(const char *text, const char *key, int *ok)
{
	char buf[64], *end;
	unsigned long long v;

	if (!cap_value(text, key, buf, sizeof(buf))) {
		*ok = 0;
		return 0;
	}
	errno = 0;
	v = strtoull(buf, &end, 0);
	if (errno || *end)
		*ok = 0;
	return v;
}

FIXTURE(caps) {
	char text[4096];
};

FIXTURE_SETUP(caps)
{
	FILE *f = fopen(CAPS_PATH, "r");
	size_t n;

	/* Only on the platform the tests were built for. */
	if (tb_open()) {
		if (f)
			fclose(f);
		SKIP(return, "%s", tb_skip_reason());
	}
	if (!f)
		SKIP(return, "%s: %s (tdx_mig not loaded?)", CAPS_PATH, strerror(errno));
	n = fread(self->text, 1, sizeof(self->text) - 1, f);
	self->text[n] = '\0';
	fclose(f);
}

FIXTURE_TEARDOWN(caps)
{
}

TEST_F(caps, backend_present)
{
	char buf[32];

	ASSERT_NE(NULL, cap_value(self->text, "backend", buf, sizeof(buf)));
	if (!strcmp(buf, "none"))
		SKIP(return, "no SEAMCALL backend registered");
	ASSERT_TRUE(!strcmp(buf, "hw") || !strcmp(buf, "emu")) TH_LOG("backend %s", buf);
	ASSERT_EQ(NULL, cap_value(self->text, "error", buf, sizeof(buf)))
		TH_LOG("capabilities read failed: %s", buf);
}

TEST_F(caps, module_is_1_5)
{
	char buf[32];
	unsigned int major, minor, update;
	int n;

	if (cap_value(self->text, "error", buf, sizeof(buf)))
		SKIP(return, "no TDX Module: error %s", buf);
	ASSERT_NE(NULL, cap_value(self->text, "module_version", buf, sizeof(buf)));
	n = sscanf(buf, "%u.%u.%u", &major, &minor, &update);
	ASSERT_EQ(3, n);
	EXPECT_EQ(1, major);
	EXPECT_EQ(5, minor);
}

TEST_F(caps, limits_within_abi)
{
	char buf[32];
	int ok = 1;
	unsigned long long features0, max_migs, imm, td, vp, servtds, fixed0;

	if (cap_value(self->text, "error", buf, sizeof(buf)))
		SKIP(return, "no TDX Module: error %s", buf);
	features0 = cap_num(self->text, "tdx_features0", &ok);
	max_migs = cap_num(self->text, "max_migs", &ok);
	imm = cap_num(self->text, "immutable_state_pages", &ok);
	td = cap_num(self->text, "td_state_pages", &ok);
	vp = cap_num(self->text, "vp_state_pages", &ok);
	servtds = cap_num(self->text, "max_servtds", &ok);
	fixed0 = cap_num(self->text, "servtd_attr_fixed0", &ok);
	ASSERT_TRUE(ok) TH_LOG("unparseable capabilities:\n%s", self->text);

	/* TD_MIGRATION (bit 0) must be set, or tdx_mig reports an error. */
	EXPECT_TRUE(features0 & 1);
	/* One backward and at least one forward stream; 512 at most. */
	EXPECT_GE(max_migs, 2);
	EXPECT_LE(max_migs, 512);
	/* A state bundle's page list holds at most 512 pages. */
	EXPECT_GE(imm, 3);
	EXPECT_LE(imm, 512);
	EXPECT_GE(td, 1);
	EXPECT_LE(td, 512);
	EXPECT_GE(vp, 4);
	EXPECT_LE(vp, 512);
	if (features0 & 4) {
		/* SERVICE_TD: at least the MigTD slot; bit 0 may be set. */
		EXPECT_GE(servtds, 1);
		EXPECT_TRUE(fixed0 & 1);
	}
}

TEST_HARNESS_MAIN
