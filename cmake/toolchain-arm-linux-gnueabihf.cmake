# SPDX-License-Identifier: Apache-2.0
# Cross build for 32-bit Arm hard-float (Debian armhf) with Debian's cross
# toolchain (crossbuild-essential-armhf) and multiarch libraries
# (libssl-dev:armhf, libcmocka-dev:armhf, libp11-kit-dev:armhf). docs/cross.md.
#   cmake -S . -B build-armhf -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-arm-linux-gnueabihf.cmake
set(SE05X_CROSS_TRIPLET arm-linux-gnueabihf)
set(SE05X_CROSS_PROCESSOR arm)
set(SE05X_CROSS_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-debian-cross.cmake)
# Large files (-D_FILE_OFFSET_BITS=64) are not set here: the project's
# CMakeLists.txt adds them for every 32-bit target, cross or native
# (docs/cross.md, "Large files on 32-bit targets").
