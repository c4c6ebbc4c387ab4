# SPDX-License-Identifier: Apache-2.0
# Shared part of the Debian cross toolchain files (docs/cross.md); set
# SE05X_CROSS_TRIPLET, SE05X_CROSS_PROCESSOR and SE05X_CROSS_QEMU first.
# Compilers: /usr/bin/<triplet>-gcc. Libraries and headers: Debian multiarch
# (/usr/lib/<triplet>, /usr/include/<triplet>), found through pkg-config's
# per-triplet directories and CMake's library architecture. Tests run through
# qemu-user (CMAKE_CROSSCOMPILING_EMULATOR) with the target's loader and
# libraries taken from / (multiarch), so no sysroot is needed.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${SE05X_CROSS_PROCESSOR})
set(CMAKE_LIBRARY_ARCHITECTURE ${SE05X_CROSS_TRIPLET})
set(CMAKE_C_COMPILER ${SE05X_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${SE05X_CROSS_TRIPLET}-g++)

# Host programs from /usr/bin, target libraries and headers only.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_FIND_ROOT_PATH /usr/${SE05X_CROSS_TRIPLET} /)

# pkg-config reads the target's .pc files only.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${SE05X_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
# FindOpenSSL: the multiarch libssl-dev:<arch> (headers in /usr/include/<triplet>
# for opensslconf.h / configuration.h, libraries in /usr/lib/<triplet>).
set(OPENSSL_ROOT_DIR /usr CACHE PATH "")
set(OPENSSL_CRYPTO_LIBRARY /usr/lib/${SE05X_CROSS_TRIPLET}/libcrypto.so CACHE FILEPATH "")
set(OPENSSL_SSL_LIBRARY /usr/lib/${SE05X_CROSS_TRIPLET}/libssl.so CACHE FILEPATH "")

# ctest runs the target binaries with qemu-user. `-L /` (no prefix): the
# target's loader is /lib/ld-linux-*.so from libc6:<arch>, the same build as
# the libc.so.6 it then loads from /lib/<triplet>. NOT -L /usr/<triplet>: that
# loader comes from libc6-<arch>-cross (another glibc build), libc.so.6 still
# from libc6:<arch>, and the mismatched pair hangs in the first
# pthread_create()/fork() (docs/cross.md, "The qemu hang").
find_program(SE05X_QEMU_USER ${SE05X_CROSS_QEMU})
if(SE05X_QEMU_USER)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${SE05X_QEMU_USER};-L;/)
endif()
