/*
 * omp.h: forwards to GCC's OpenMP header.
 *
 * FAISS's public headers include <omp.h>, and FAISS (libfaiss.a) is built by GCC against libgomp.
 * The Swift toolchain's clang ships no omp.h, and SwiftPM puts only this include directory on the
 * search path, so this file forwards to the header of the GCC whose libgomp the package links.
 * It is not part of the CFaiss module (see module.modulemap).
 */
#ifndef FDB_OMP_FORWARD_H
#define FDB_OMP_FORWARD_H

#if __has_include("/usr/lib/gcc/x86_64-linux-gnu/12/include/omp.h")
#include "/usr/lib/gcc/x86_64-linux-gnu/12/include/omp.h"
#elif __has_include("/usr/lib/gcc/x86_64-linux-gnu/13/include/omp.h")
#include "/usr/lib/gcc/x86_64-linux-gnu/13/include/omp.h"
#elif __has_include("/usr/lib/gcc/x86_64-linux-gnu/14/include/omp.h")
#include "/usr/lib/gcc/x86_64-linux-gnu/14/include/omp.h"
#elif __has_include("/usr/lib/gcc/aarch64-linux-gnu/12/include/omp.h")
#include "/usr/lib/gcc/aarch64-linux-gnu/12/include/omp.h"
#else
#error "GCC's omp.h was not found; install g++ (Tools/setup does)"
#endif

#endif /* FDB_OMP_FORWARD_H */
