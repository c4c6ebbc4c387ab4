/* Placeholder until the T=1 link lands (issue 3). */
#include "internal.h"

se05x_rc se05x_link_t1_open(const struct se05x_conn_spec *spec, int timeout_ms,
                            struct se05x_link **out, struct se05x_error *err)
{
    (void)timeout_ms;
    *out = NULL;
    return se05x_err_set(err, SE05X_E_UNSUPPORTED, 0, 0, "T=1 transport not available (%s)",
                         spec->kind == SE05X_CONN_I2C ? spec->path : spec->host);
}
