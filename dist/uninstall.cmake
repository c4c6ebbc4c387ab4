# SPDX-License-Identifier: Apache-2.0
# `cmake --build build --target uninstall`: removes every file listed in
# build/install_manifest.txt (written by the last `cmake --install`; it lists
# the paths without DESTDIR): give the same DESTDIR as at install. /etc/se05x/se05x.conf is never removed (it is not
# in the manifest: the install only creates it when absent, it may hold the
# administrator's settings). Empty directories are left.
if(NOT EXISTS "${MANIFEST}")
  message(FATAL_ERROR "no ${MANIFEST}: nothing was installed from this build directory")
endif()
file(STRINGS "${MANIFEST}" _files)
set(_n 0)
foreach(f IN LISTS _files)
  set(f "$ENV{DESTDIR}${f}")
  if(EXISTS "${f}" OR IS_SYMLINK "${f}")
    message(STATUS "Removing: ${f}")
    file(REMOVE "${f}")
    if(EXISTS "${f}" OR IS_SYMLINK "${f}")
      message(FATAL_ERROR "cannot remove ${f}")
    endif()
    math(EXPR _n "${_n} + 1")
  else()
    message(STATUS "Not installed (skipped): ${f}")
  endif()
endforeach()
message(STATUS "uninstall: ${_n} files removed")
