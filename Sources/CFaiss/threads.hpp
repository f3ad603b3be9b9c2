// threads.hpp: how many threads FAISS and OpenBLAS may use for a call.
#ifndef FDB_THREADS_HPP
#define FDB_THREADS_HPP

#include <cstdint>

namespace fdb {

/// FAISS parallelizes with OpenMP and calls BLAS from inside that work. Debian's default OpenBLAS
/// runs its own pthread pool, so every OpenMP thread's sgemm starts more threads (FAISS issue
/// #3700): k-means and PQ training measured 2x slower on 2 idle cores, 10x under load. One BLAS
/// thread leaves the parallelism to OpenMP. Done once, before the first index exists.
void configure_threads_once();

/// Runs the FAISS work of one call on the calling thread alone while it lives.
///
/// FAISS opens an OpenMP team for nearly every operation, and libgomp's waiting threads spin.
/// When other processes keep the CPUs busy, every team barrier waits for a descheduled thread:
/// small operations (one query, a few hundred vectors, k-means on a small sample) measured up to
/// 70x slower than on one thread. So calls below the sizes in `small_rows` / `small_training`
/// use one thread; larger ones keep OpenMP's default. `omp_set_num_threads` outside a parallel
/// region changes only the calling thread's setting.
class SingleThreadScope {
  public:
    explicit SingleThreadScope(bool single);
    ~SingleThreadScope();
    SingleThreadScope(const SingleThreadScope&) = delete;
    SingleThreadScope& operator=(const SingleThreadScope&) = delete;

  private:
    int saved_;
    bool active_;
};

/// Adds, searches and rebuilds of fewer than 16 rows or 64 Ki floats gain nothing from a team.
inline bool small_rows(int64_t rows, int32_t dim) {
    return rows < 16 || rows * int64_t(dim) < (int64_t(1) << 16);
}

/// k-means runs many short parallel loops; below 4 Mi floats of samples one thread is faster.
inline bool small_training(int64_t rows, int32_t dim) {
    return rows * int64_t(dim) < (int64_t(1) << 22);
}

} // namespace fdb

#endif // FDB_THREADS_HPP
