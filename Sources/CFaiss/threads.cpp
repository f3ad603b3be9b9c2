// threads.cpp: OpenBLAS's thread count, set once, and the single-thread scope of small calls.

#include "threads.hpp"

// GCC's omp.h (forwarded by openmp/omp.h) uses an attribute form clang ignores with a warning;
// included through FAISS's headers it is quiet, included first here it is not.
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wignored-attributes"
#endif
#include <omp.h>
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

#include <mutex>

// From OpenBLAS (linked by the package).
extern "C" void openblas_set_num_threads(int num_threads);

namespace fdb {

void configure_threads_once() {
    static std::once_flag once;
    std::call_once(once, [] { openblas_set_num_threads(1); });
}

SingleThreadScope::SingleThreadScope(bool single) : saved_(omp_get_max_threads()), active_(single && saved_ > 1) {
    if (active_) omp_set_num_threads(1);
}

SingleThreadScope::~SingleThreadScope() {
    if (active_) omp_set_num_threads(saved_);
}

} // namespace fdb
