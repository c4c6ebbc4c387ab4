/* SPDX-License-Identifier: Apache-2.0 */
/* se05x scp03 rotate --new-keys FILE: replaces the chip's Platform SCP03
 * static keys (docs/scp03.md "Key rotation"). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <se05x/scp03.h>

#include "commands.h"

static const char scp03_usage[] =
    "Usage: se05x scp03 rotate --new-keys FILE\n"
    "\n"
    "Replaces the Platform SCP03 static keys (ENC, MAC, DEK; AES-128) of the chip\n"
    "with those of FILE (NXP key-file format, mode 0600, written beforehand: the\n"
    "new keys are on disk before the chip is told). The session must use Platform\n"
    "SCP03 with the current keys (EX_SSS_BOOT_SCP03_PATH or 'scp03_keys =').\n"
    "The chip's key check values are compared with those sent, then a fresh\n"
    "session is opened with FILE to prove the result.\n"
    "Recovery when the answer was lost: docs/scp03.md \"Key rotation\".\n";

static int rotate(struct tool *t, int argc, char **argv)
{
    const struct option opts[] = {{"new-keys", required_argument, NULL, 'k'}, {NULL, 0, NULL, 0}};
    const char *path = NULL;
    struct se05x_error err;
    struct stat st;
    int c;
    tool_getopt_reset();
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == 'k')
            path = optarg;
        else
            return tool_bad_option(t, c, argc, argv);
    }
    if (!path || optind != argc)
        return tool_usage(t, "expected: rotate --new-keys FILE");
    /* the new key file is checked before anything is sent */
    memset(&err, 0, sizeof err);
    if (se05x_scp03_keyfile_check(path, &err) != SE05X_OK)
        return tool_err("%s; nothing sent", err.msg);
    if (stat(path, &st) != 0 || (st.st_mode & 077))
        return tool_err("new key file %s must be mode 0600; nothing sent", path);
    se05x_session *s = tool_session(t);
    if (!s)
        return 1;
    if (strcmp(se05x_link_mode(s), "platform-scp03") != 0)
        return tool_err("%s: the link is plain; key rotation needs a Platform SCP03 session "
                        "(set EX_SSS_BOOT_SCP03_PATH to the current key file); nothing sent",
                        t->conn);
    uint8_t kcv[10];
    se05x_rc rc = se05x_scp03_rotate(s, path, kcv);
    if (rc != SE05X_OK)
        return tool_err("%s", se05x_errmsg(s));
    printf("PUT KEY accepted: KVN %02X, KCV ENC %02X%02X%02X MAC %02X%02X%02X DEK %02X%02X%02X\n", kcv[0],
           kcv[1], kcv[2], kcv[3], kcv[4], kcv[5], kcv[6], kcv[7], kcv[8], kcv[9]);
    tool_close(t);
    struct se05x_open_opts o;
    memset(&o, 0, sizeof o);
    o.auth = SE05X_AUTH_PLATFORM_SCP03;
    o.scp03_keys = path;
    o.scp03_kvn = kcv[0];
    memset(&err, 0, sizeof err);
    se05x_session *ns = NULL;
    if (se05x_open(t->conn, &o, &ns, &err) != SE05X_OK)
        return tool_err("the chip accepted the new keys but a session with %s failed: %s", path, err.msg);
    se05x_close(ns);
    printf("verified: new Platform SCP03 session opened with %s; the old keys are no longer valid\n", path);
    return 0;
}

int cmd_scp03(struct tool *t, int argc, char **argv)
{
    if (tool_wants_help(argc, argv, scp03_usage))
        return 0;
    if (argc < 2)
        return tool_usage(t, "expected a subcommand: rotate");
    if (strcmp(argv[1], "rotate") == 0)
        return rotate(t, argc - 1, argv + 1);
    return tool_usage(t, "unknown scp03 subcommand '%s' (expected: rotate)", argv[1]);
}
