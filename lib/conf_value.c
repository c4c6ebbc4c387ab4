/* SPDX-License-Identifier: Apache-2.0 */
/* se05x_conf_value (include/se05x/session.h): the configuration file's
 * value of one known key, for front ends (the PKCS#11 PIN mode). */
#include "internal.h"

int se05x_conf_value(const char *key, char *val, size_t cap, struct se05x_error *err)
{
    if (!key || !val || cap == 0) {
        se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "se05x_conf_value: bad arguments");
        return -1;
    }
    val[0] = '\0';
    return se05x_conf_get(key, val, cap, err);
}
