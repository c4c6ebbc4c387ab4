/* SPDX-License-Identifier: Apache-2.0 */
/* claim: create the applet-reserved TRANSPORT (0x7FFF0200) and FACTORY_RESET
 * (0x7FFF0205) UserIDs with a policy that forbids rewriting or deleting them
 * (docs/production.md "Claim"; docs/protocol/apdu.md §13, §15). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "commands.h"
#include "lock.h"

int tool_read_secret(const char *path, uint8_t secret[16], size_t *len)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return tool_err("cannot read the secret file %s: %s", path,
                        errno == ELOOP ? "is a symbolic link (refused)" : strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return tool_err("secret file %s is not a regular file", path);
    }
    if (st.st_uid != geteuid() || (st.st_mode & 077)) {
        close(fd);
        return tool_err("secret file %s must belong to you and be private (chmod 600 %s)", path, path);
    }
    uint8_t buf[17];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n < 4 || n > 16) {
        OPENSSL_cleanse(buf, sizeof buf);
        return tool_err("secret file %s must hold 4 to 16 bytes (a UserID value), not %s", path,
                        n < 0 ? "readable" : n > 16 ? "more" : "fewer");
    }
    memcpy(secret, buf, (size_t)n);
    *len = (size_t)n;
    OPENSSL_cleanse(buf, sizeof buf);
    return 0;
}

int tool_claim_one(struct tool *t, se05x_objid id, const char *name, const uint8_t *secret, size_t len)
{
    se05x_rc r = se05x_claim_reserved(t->s, id, secret, len);
    if (r != SE05X_OK)
        return tool_fail(t, r, "claim", id);
    fprintf(stderr, "se05x: claimed %s 0x%08X (%s)\n", name, id,
           secret ? "owner's secret from file" : "random secret, not stored: nobody can use it");
    return 0;
}

static const char claim_usage[] =
    "Usage: se05x claim [--transport-secret FILE] [--reset-secret FILE] [--only transport|factory-reset]\n"
    "Creates the reserved auth objects TRANSPORT (0x7FFF0200: a session with it has full access to\n"
    "every object and can lock the chip) and FACTORY_RESET (0x7FFF0205: can erase every object) as\n"
    "UserIDs with a policy that forbids rewriting or deleting them, so no other client can claim them.\n"
    "  --transport-secret FILE  the owner's TRANSPORT secret (the file's 4..16 bytes, mode 0600)\n"
    "  --reset-secret FILE      the owner's FACTORY_RESET secret (same rules)\n"
    "  --only WHICH             claim only transport or factory-reset\n"
    "Without a file, a random secret is used and never stored: nobody can ever use that object.\n"
    "An object that already exists is an error and nothing is changed (see 'se05x info').\n";

enum { OPT_TSECRET = 1000, OPT_RSECRET, OPT_ONLY };

int cmd_claim(struct tool *t, int argc, char **argv)
{
    if (tool_wants_help(argc, argv, claim_usage))
        return 0;
    static const struct option opts[] = {{"transport-secret", required_argument, NULL, OPT_TSECRET},
                                          {"reset-secret", required_argument, NULL, OPT_RSECRET},
                                          {"only", required_argument, NULL, OPT_ONLY},
                                          {NULL, 0, NULL, 0}};
    const char *file[2] = {NULL, NULL};
    bool want[2] = {true, true};
    tool_getopt_reset();
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case OPT_TSECRET: file[0] = optarg; break;
        case OPT_RSECRET: file[1] = optarg; break;
        case OPT_ONLY:
            if (strcmp(optarg, "transport") == 0)
                want[1] = false;
            else if (strcmp(optarg, "factory-reset") == 0)
                want[0] = false;
            else
                return tool_usage(t, "--only takes transport or factory-reset, not '%s'", optarg);
            break;
        default: return tool_bad_option(t, c, argc, argv);
        }
    }
    if (optind != argc)
        return tool_usage(t, "unexpected argument '%s'", argv[optind]);
    if ((file[0] && !want[0]) || (file[1] && !want[1]))
        return tool_usage(t, "a secret file for an object that --only excludes");
    static const se05x_objid ids[2] = {SE05X_OBJID_TRANSPORT, SE05X_OBJID_FACTORY_RESET};
    static const char *const names[2] = {"TRANSPORT", "FACTORY_RESET"};
    uint8_t secret[2][16];
    size_t len[2] = {0, 0};
    int rc = 0;
    for (int i = 0; i < 2 && rc == 0; i++)
        if (want[i] && file[i])
            rc = tool_read_secret(file[i], secret[i], &len[i]);
    /* all checks before the first write: an existing object changes nothing */
    for (int i = 0; i < 2 && rc == 0; i++) {
        bool exists = false;
        if (!want[i])
            continue;
        if ((rc = tool_lookup(t, ids[i], &exists)) == 0 && exists) {
            enum se05x_claim_state st = SE05X_CLAIMED;
            (void)se05x_claim_state(t->s, ids[i], &st);
            rc = tool_err("%s 0x%08X already exists on %s (%s); nothing changed", names[i], ids[i], t->conn,
                          st == SE05X_CLAIMED ? "already claimed" : "present but rewritable: delete it first");
        }
    }
    for (int i = 0; i < 2 && rc == 0; i++)
        if (want[i])
            rc = tool_claim_one(t, ids[i], names[i], file[i] ? secret[i] : NULL, len[i]);
    OPENSSL_cleanse(secret, sizeof secret);
    return rc;
}
