// SPDX-License-Identifier: Apache-2.0
// Every public header, in C++ (extern "C", no C-only constructs), linked
// against the shared library: the version the caller was compiled against
// is the version of the library loaded.
#include "all_public_headers.hpp" // every include/se05x/*.h
#include <se05x/se05x.h>
#include <se05x/ossl.h>

#include <cstdio>
#include <cstring>

int main()
{
    const char *v = se05x_version();
    if (v == nullptr || std::strcmp(v, SE05X_VERSION_STRING) != 0) {
        std::fprintf(stderr, "FAIL: se05x_version() \"%s\", header %s\n", v ? v : "(null)",
                     SE05X_VERSION_STRING);
        return 1;
    }
    se05x_rc rc = SE05X_E_NOT_FOUND;
    if (std::strcmp(se05x_strerror(rc), se05x_strerror(SE05X_OK)) == 0) {
        std::fprintf(stderr, "FAIL: se05x_strerror\n");
        return 1;
    }
    std::printf("libse05x %s\n", v);
    return 0;
}
