/* SPDX-License-Identifier: Apache-2.0 */
/* se05xd access list (docs/daemon.md "Access list"): parsing of the rule
 * file and classification of C-APDUs into (operation, object id). Pure
 * functions, no I/O besides reading the rule file; unit tested in
 * tests/daemon/test_acl.c. */
#ifndef SE05XD_ACL_H
#define SE05XD_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Operations (bit set). OP_INFO is never subject to the list (version,
 * free memory, random, listing, existence/type/size, curves and crypto
 * objects needed by others, digests, the client's own applet sessions). */
enum acl_op {
    OP_SIGN = 1u << 0,
    OP_VERIFY = 1u << 1,
    OP_DECRYPT = 1u << 2,
    OP_DERIVE = 1u << 3,
    OP_READ = 1u << 4,
    OP_WRITE = 1u << 5,
    OP_DELETE = 1u << 6,
    OP_ADMIN = 1u << 7,
    OP_ALL = 0xFFu,
    OP_INFO = 1u << 8,
};

const char *acl_op_name(unsigned op);

/* What one C-APDU does. */
struct acl_class {
    unsigned op;       /* exactly one enum acl_op bit */
    bool has_id;       /* the command names an object (TAG 41, 4 bytes) */
    uint32_t id;
    const char *what;  /* short command name for the log ("ECDSASign") */
};

/* Classifies a C-APDU (docs/protocol/apdu.md §2, §4). Unparseable or unknown
 * commands are OP_ADMIN. A ProcessSessionCmd is classified by its inner
 * command when that is plain (CLA 80); an encrypted inner command (CLA 84,
 * applet SCP03 session) is OP_ADMIN. */
void acl_classify(const uint8_t *c, size_t n, struct acl_class *out);

/* The 8-byte session id of a ProcessSessionCmd (TAG 10); false if none. */
bool acl_session_id(const uint8_t *c, size_t n, uint8_t sid[8]);
/* The inner C-APDU of a ProcessSessionCmd (TAG 41). */
bool acl_inner(const uint8_t *c, size_t n, const uint8_t **inner, size_t *ilen);
/* The value of the first TLV `tag` of the command data; false if none. */
bool acl_tlv(const uint8_t *c, size_t n, uint8_t tag, const uint8_t **v, size_t *vlen);

enum acl_who { WHO_ANY, WHO_USER, WHO_GROUP };
struct acl_rule {
    bool deny;         /* "deny" rule (an extension: lets a later allow be narrowed) */
    enum acl_who who;
    uid_t uid;
    gid_t gid;
    bool any_id;
    uint32_t lo, hi;
    unsigned ops;
    unsigned line;
};

struct acl {
    struct acl_rule *rules;
    size_t n;
};

/* Parses the rule file (strict: every line a rule, a comment or blank;
 * users and groups must exist). On error returns -1 with "FILE:LINE: why"
 * in err. The file must be a regular file not writable by group/others,
 * opened without following symlinks. */
int acl_load(const char *path, struct acl *out, char *err, size_t cap);
/* The same from a string (tests); name is used in messages. */
int acl_parse(const char *text, const char *name, struct acl *out, char *err, size_t cap);
void acl_free(struct acl *a);

/* The credentials of a client (SO_PEERCRED plus its supplementary groups). */
struct acl_peer {
    uid_t uid;
    gid_t gid;
    pid_t pid;
    gid_t groups[32];
    int ngroups;
};

/* A rule matches when its user/group, object range and operations all match
 * the request; the first matching rule decides; no match = deny. OP_INFO is always allowed.
 * Returns true when allowed; *line = the deciding rule's line (0 none). */
bool acl_allows(const struct acl *a, const struct acl_peer *p, const struct acl_class *c, unsigned *line);

#endif
