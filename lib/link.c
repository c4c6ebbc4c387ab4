/* SPDX-License-Identifier: Apache-2.0 */
/* Link factory: picks the link implementation for a connection kind. */
#include "internal.h"

se05x_rc se05x_link_open(const struct se05x_conn_spec *spec, int timeout_ms,
                         struct se05x_link **out, struct se05x_error *err)
{
    if (!spec || !out)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "link: missing argument");
    *out = NULL;
    switch (spec->kind) {
    case SE05X_CONN_JRCP_TCP:
    case SE05X_CONN_JRCP_UNIX:
        return se05x_link_jrcp_open(spec, timeout_ms, out, err);
    case SE05X_CONN_T1_TCP:
    case SE05X_CONN_I2C:
        return se05x_link_t1_open(spec, timeout_ms, out, err);
    }
    return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "link: unknown connection kind %d", (int)spec->kind);
}
