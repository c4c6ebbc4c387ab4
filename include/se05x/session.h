/* SPDX-License-Identifier: Apache-2.0 */
/* Sessions: one open link to one chip (or emulator). No global state: every
 * session is independent; several sessions, also to several chips, may be
 * open in one process. A session serialises its own exchanges, so it may be
 * shared by threads (a multi-APDU command holds the session for its whole
 * transaction). */
#ifndef SE05X_SESSION_H
#define SE05X_SESSION_H

#include <se05x/error.h>
#include <se05x/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct se05x_session se05x_session;

/* Connection strings (docs/protocol/transports.md §5):
 *   HOST:PORT, jrcp1://HOST:PORT     JRCP v1 over TCP (IPv6 as [::1]:8050)
 *   unix:PATH                        JRCP v1 over an AF_UNIX socket
 *   t1:HOST:PORT, t1tcp://HOST:PORT  raw T=1 blocks over TCP (SE050Sim form)
 *   /dev/i2c-N[:0xAA]                T=1 over I2C (Linux i2c-dev), address default 0x48
 *   none, None, "" (ssscli)          the default, /dev/i2c-1:0x48 */
/* ABI: every value below is fixed for good (docs/api.md "ABI rules"); new
 * members get new numbers, none is ever renumbered or reused. */
enum se05x_conn_kind {
    SE05X_CONN_JRCP_TCP = 1,
    SE05X_CONN_JRCP_UNIX = 2,
    SE05X_CONN_T1_TCP = 3,
    SE05X_CONN_I2C = 4,
};
struct se05x_conn_spec {
    enum se05x_conn_kind kind;
    char host[256];    /* TCP kinds */
    uint16_t port;     /* TCP kinds */
    char path[256];    /* unix socket path or i2c device path */
    uint8_t i2c_addr;  /* I2C: 7-bit address */
};
se05x_rc se05x_conn_parse(const char *conn, struct se05x_conn_spec *out, struct se05x_error *err);

/* Resolves which connection to use: explicit (non-NULL, non-empty) >
 * $EX_SSS_BOOT_SSS_PORT > "port" in $SE05X_CONF or /etc/se05x/se05x.conf >
 * "/dev/i2c-1". The configuration file is only read when the first two are
 * absent; it is checked whole (docs/lib.md "Configuration file"): a
 * malformed file, or $SE05X_CONF naming a file that cannot be read, is an
 * error naming the file and line (SE05X_E_FORMAT / SE05X_E_IO, buf set to
 * ""), never a fallback to /dev/i2c-1. A missing /etc/se05x/se05x.conf is
 * no error. */
se05x_rc se05x_conn_resolve_ex(const char *explicit_conn, char *buf, size_t len, struct se05x_error *err);
/* Where the connection string came from, for messages ("port X from Y"). */
enum se05x_conn_origin {
    SE05X_CONN_FROM_ARGUMENT = 0, /* explicit_conn (a --port option, a saved tool session) */
    SE05X_CONN_FROM_ENV = 1,      /* $EX_SSS_BOOT_SSS_PORT */
    SE05X_CONN_FROM_CONFIG = 2,   /* "port =" in se05x_conf_file() */
    SE05X_CONN_FROM_DEFAULT = 3,  /* none of those: /dev/i2c-1 */
};
/* se05x_conn_resolve_ex that also says where the answer came from (origin
 * may be NULL). */
se05x_rc se05x_conn_resolve_origin(const char *explicit_conn, char *buf, size_t len,
                                   enum se05x_conn_origin *origin, struct se05x_error *err);
/* The configuration file the library reads: $SE05X_CONF when set and not
 * empty, else /etc/se05x/se05x.conf. Static storage or the environment's;
 * do not free. */
const char *se05x_conf_file(void);
/* The same without an error report: on a configuration error the message is
 * logged (SE05X_LOG) and buf is "" (so se05x_open(buf) fails with the same
 * error rather than falling back). Returns buf. */
const char *se05x_conn_resolve(const char *explicit_conn, char *buf, size_t len);
/* Value of a known key of the configuration file ($SE05X_CONF, else
 * /etc/se05x/se05x.conf; docs/lib.md "Configuration file"), for front ends
 * with settings there (pkcs11_pin_mode, pkcs11_pin_tries: docs/pkcs11.md).
 * 1: found, copied to val; 0: not set (or no file); -1: error in err (a
 * malformed file, a value longer than cap). */
int se05x_conf_value(const char *key, char *val, size_t cap, struct se05x_error *err);

/* Link protection (docs/scp03.md). */
enum se05x_auth {
    SE05X_AUTH_DEFAULT = 0,     /* $SE05X_AUTH, else "auth =" in the config file, else AUTO */
    SE05X_AUTH_AUTO = 1,        /* Platform SCP03 when keys are configured, else plain */
    SE05X_AUTH_NONE = 2,        /* plain, even when keys are configured */
    SE05X_AUTH_PLATFORM_SCP03 = 3, /* Platform SCP03 or fail */
};

struct se05x_open_opts {
    int timeout_ms;    /* per-exchange bound; 0 = transport default */
    int no_select;     /* 1: do not SELECT the applet (raw tools, tests; implies plain) */
    int auth;          /* enum se05x_auth */
    /* Platform SCP03 key file (NXP format); NULL: $EX_SSS_BOOT_SCP03_PATH,
     * else "scp03_keys =" in the config file. */
    const char *scp03_keys;
    int scp03_kvn;     /* key version 1..0x7F; 0: "scp03_kvn =" in the config file, else 0x0B */
};

/* Opens the link (JRCP WAIT_FOR_CARD / T=1 open), SELECTs the applet and
 * checks the version (a 3.x or newer applet is accepted; an older one is
 * refused). conn NULL: se05x_conn_resolve(NULL). On failure *out is NULL and
 * err (optional) says what failed. */
se05x_rc se05x_open(const char *conn, const struct se05x_open_opts *opts,
                    se05x_session **out, struct se05x_error *err);
void se05x_close(se05x_session *s);

/* One reading of the configuration file for a front end that resolves the
 * connection itself (to say where it came from) and then opens it: with
 * se05x_conn_resolve_with and se05x_open_with the file is read and checked
 * at most once between the two steps, as inside one se05x_open. The file is
 * read on first need, not by se05x_conf_new. Not shared between threads. */
typedef struct se05x_conf se05x_conf;
se05x_conf *se05x_conf_new(void); /* NULL: out of memory */
void se05x_conf_free(se05x_conf *c); /* zeroizes; NULL is a no-op */
/* se05x_conn_resolve_origin on a reading. */
se05x_rc se05x_conn_resolve_with(se05x_conf *c, const char *explicit_conn, char *buf, size_t len,
                                 enum se05x_conn_origin *origin, struct se05x_error *err);
/* se05x_open on a reading (the link protection's settings come from it). */
se05x_rc se05x_open_with(se05x_conf *c, const char *conn, const struct se05x_open_opts *opts,
                         se05x_session **out, struct se05x_error *err);

const char *se05x_conn(const se05x_session *s); /* resolved connection string */
const struct se05x_applet_info *se05x_applet(const se05x_session *s);
/* How the link is protected: "plain" or "platform-scp03". Never NULL. */
const char *se05x_link_mode(const se05x_session *s);

/* A one-line description of the server the link goes to, when it gives one:
 * se05xd answers "se05xd VERSION, chip link MODE, N clients" (docs/daemon.md);
 * a chip or the emulator gives none. Asks the server (one JRCP TERMINAL_INFO
 * exchange); returns the length written to buf (NUL-terminated), 0 = none. */
size_t se05x_server_info(se05x_session *s, char *buf, size_t cap);

/* What the opened chip is and can do, learnt from its SELECT answer at open
 * (never chosen at build time; docs/lib.md "Chip generations"). */
struct se05x_chip_features {
    unsigned generation;  /* applet generation: 3 (SE050 A/B/C/F) or 7 (SE050E, SE051, SE052) */
    const char *variant;  /* best guess from version and AppletConfig: "SE050C", "SE050E", "SE051" ... */
    unsigned max_payload; /* APDU payload limit in bytes: 892 (3.x) or 1024 (7.x) */
    int rsa;              /* RSA (plain or CRT) present */
    int ecc;              /* ECDSA / ECDH present */
    int eddsa;            /* Ed25519 present */
    int x25519;           /* X25519 / X448 present */
};
/* Fills *out for an open session; SE05X_E_BAD_ARG when s or out is NULL. */
se05x_rc se05x_chip_features(const se05x_session *s, struct se05x_chip_features *out);

/* Checks a Platform SCP03 key file (format, permissions) without opening a
 * session; key material is read and zeroized. */
se05x_rc se05x_scp03_keyfile_check(const char *path, struct se05x_error *err);

/* The ATR (T=1 GET ATR / JRCP WAIT_FOR_CARD answer); returns its length. */
size_t se05x_atr(const se05x_session *s, uint8_t *buf, size_t cap);

/* Raw exchange: C-APDU in, R-APDU (data + SW1 SW2) out. Thread safe. */
se05x_rc se05x_transceive(se05x_session *s, const uint8_t *capdu, size_t clen,
                          uint8_t *rapdu, size_t rcap, size_t *rlen);

/* Detail of the calling thread's last failure on this session, whatever
 * other threads do meanwhile (docs/lib.md "Errors"). A thread that has not
 * failed on s reads rc SE05X_OK and an empty msg. Each thread keeps the
 * detail of its 8 most recently failing sessions; an older one reads as no
 * failure. Read it right after the failing call: the next failure of this
 * thread on s replaces it. */
void se05x_last_error(const se05x_session *s, struct se05x_error *out);
/* The msg of se05x_last_error(), without copying: points into the calling
 * thread's own storage (no other thread writes it), valid until this
 * thread's next call into libse05x. Never NULL ("" when none). */
const char *se05x_errmsg(const se05x_session *s);

/* Traffic counters of this session (host side). */
struct se05x_stats {
    uint64_t apdus;
    uint64_t tx_bytes; /* C-APDU bytes */
    uint64_t rx_bytes; /* R-APDU bytes */
    uint64_t link_tx_bytes; /* bytes on the wire, framing included */
    uint64_t link_rx_bytes;
    uint64_t frames;        /* T=1 blocks (0 for JRCP) */
};
void se05x_get_stats(const se05x_session *s, struct se05x_stats *out);

#ifdef __cplusplus
}
#endif
#endif
