/* SPDX-License-Identifier: Apache-2.0 */
/* se05x_version(): the version this library was built as (version.h). */
#include <se05x/version.h>

const char *se05x_version(void)
{
    return SE05X_VERSION_STRING;
}
