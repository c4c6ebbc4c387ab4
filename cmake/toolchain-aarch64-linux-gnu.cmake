# SPDX-License-Identifier: Apache-2.0
# Cross build for 64-bit Arm (Debian arm64) with Debian's cross toolchain
# (crossbuild-essential-arm64) and multiarch libraries (libssl-dev:arm64,
# libcmocka-dev:arm64, libp11-kit-dev:arm64). docs/cross.md.
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64-linux-gnu.cmake
set(SE05X_CROSS_TRIPLET aarch64-linux-gnu)
set(SE05X_CROSS_PROCESSOR aarch64)
set(SE05X_CROSS_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-debian-cross.cmake)
