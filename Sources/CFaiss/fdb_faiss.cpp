// fdb_faiss.cpp: the C interface of fdb_faiss.h over FAISS 1.7.3.
//
// How the pieces fit:
// - Flat, HNSW and IVF-PQ indexes store vectors at positions 0..<ntotal ("positional" kinds).
//   `labels` maps a position to the caller's id and `positions` maps a live id back to its position.
//   Flat removal deletes the rows (FAISS keeps the order) and renumbers; HNSW and IVF-PQ removal
//   marks a tombstone that every search excludes through an IDSelector until fdb_index_compact().
// - IVF-PQ is an IndexRefineFlat around an IndexIVFPQ: FAISS 1.7.3's IndexRefine has no
//   add_with_ids or remove_ids, so both parts hold rows by position (the IVF lists' ids are
//   positions). Its search takes no SearchParameters, so searches with a selector or another nprobe
//   run the same two steps here (refine_search): IVF-PQ candidates, then exact distances from the
//   flat copy.
// - IVF-Flat takes the caller's ids directly and keeps a hashtable direct map (id -> list and
//   offset), which gives duplicate checks, native removal and reconstruction.
// - Serialization is our own little-endian layout (Schemas/index-snapshot.md), not
//   faiss::write_index: FAISS's reader sizes buffers from unchecked counts and does not check
//   graph links or list contents, so a damaged file could exhaust memory or crash a later search.
//   Here every count is checked against the bytes that remain before anything is allocated, and
//   every id, level and link is checked before the index is used.
// - Every exported function runs its body inside `guarded`, which turns every C++ exception into
//   a status code and a thread-local message.

#include "fdb_faiss.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexRefine.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/DistanceComputer.h>
#include <faiss/impl/HNSW.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/invlists/DirectMap.h>
#include <faiss/invlists/InvertedLists.h>
#include <faiss/utils/distances.h>

#include <omp.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "fdb_faiss serializes in host byte order and assumes a little-endian host"
#endif

using idx_t = faiss::Index::idx_t;

// From OpenBLAS (linked by the package).
extern "C" void openblas_set_num_threads(int num_threads);

/// An id -> position map as an open-addressing hash table (linear probing, at most half full,
/// deletion by shifting back), so that adding a million ids costs no allocation per id, as
/// `std::unordered_map`'s nodes did. `IdPositions` keeps here only the ids its array does not cover.
class IdHash {
public:
    /// How many ids are mapped.
    size_t size() const { return count_; }
    /// Whether `id` is mapped.
    bool contains(idx_t id) const { return find(id) >= 0; }
    /// The position of `id`, or -1.
    idx_t find(idx_t id) const {
        if (count_ == 0) return -1;
        for (size_t i = home(id);; i = (i + 1) & mask_) {
            const Slot& slot = slots_[i];
            if (slot.id == id) return slot.position;
            if (slot.id == kEmpty) return -1;
        }
    }
    /// Maps `id` (≥ 0) to `position`; false (and nothing changes) when `id` is already mapped.
    bool insert(idx_t id, idx_t position) {
        reserve(count_ + 1);
        size_t i = home(id);
        for (; slots_[i].id != kEmpty; i = (i + 1) & mask_) {
            if (slots_[i].id == id) return false;
        }
        slots_[i] = Slot{id, position};
        count_++;
        return true;
    }
    /// Unmaps `id`; false when it was not mapped.
    bool erase(idx_t id) {
        if (count_ == 0) return false;
        size_t i = home(id);
        for (; slots_[i].id != id; i = (i + 1) & mask_) {
            if (slots_[i].id == kEmpty) return false;
        }
        // Shift later entries of the probe run back into the hole, unless their home lies after it.
        for (size_t j = (i + 1) & mask_; slots_[j].id != kEmpty; j = (j + 1) & mask_) {
            const size_t h = home(slots_[j].id);
            const bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
            if (!stays) {
                slots_[i] = slots_[j];
                i = j;
            }
        }
        slots_[i].id = kEmpty;
        count_--;
        return true;
    }
    /// Makes room for `n` ids without rehashing; grows at least twofold when it must grow.
    void reserve(size_t n) {
        if (2 * n <= slots_.size()) return;
        size_t capacity = std::max<size_t>(16, slots_.size() * 2);
        while (capacity < 2 * n) capacity *= 2;
        std::vector<Slot> old(capacity, Slot{kEmpty, 0});
        old.swap(slots_);
        mask_ = capacity - 1;
        shift_ = 64 - __builtin_ctzll(capacity);
        for (const Slot& slot : old) {
            if (slot.id == kEmpty) continue;
            size_t i = home(slot.id);
            while (slots_[i].id != kEmpty) i = (i + 1) & mask_;
            slots_[i] = slot;
        }
    }
    /// Bytes held.
    size_t memory() const { return slots_.capacity() * sizeof(Slot); }

private:
    struct Slot {
        idx_t id;
        idx_t position;
    };
    static constexpr idx_t kEmpty = -1;
    /// Fibonacci hashing: consecutive ids spread over the whole table.
    size_t home(idx_t id) const { return size_t((uint64_t(id) * 0x9E3779B97F4A7C15ull) >> shift_) & mask_; }

    std::vector<Slot> slots_;
    size_t count_ = 0;
    size_t mask_ = 0;
    int shift_ = 63;
};

/// The position of each live id of a positional index.
///
/// FaceDB numbers faces 0, 1, 2, … unless callers choose ids, so most ids are small and dense: those
/// below twice the number of ids (at least 1024) are kept in an array indexed by id, 4 bytes each
/// (-1: not mapped); other ids go to an `IdHash`. The hash table alone took 16 bytes a slot kept at
/// most half full: 32 MiB (2^21 slots) for a 1M import against 4 MiB for the array. Peak RSS of
/// `facedb import` of 1M × 128-D: 632–636 MiB with this and rows encoded as written, against
/// 659–663 MiB with the latter alone (issue 17; BENCHMARKS.md, "Memory").
class IdPositions {
public:
    /// How many ids are mapped.
    size_t size() const { return dense_count_ + hash_.size(); }
    /// Whether `id` is mapped.
    bool contains(idx_t id) const { return find(id) >= 0; }
    /// The position of `id`, or -1.
    idx_t find(idx_t id) const {
        if (id >= 0 && size_t(id) < dense_.size() && dense_[size_t(id)] >= 0) return dense_[size_t(id)];
        return hash_.size() == 0 ? -1 : hash_.find(id);
    }
    /// Maps `id` (≥ 0) to `position`; false (and nothing changes) when `id` is already mapped. Does
    /// not allocate when `reserve` was called with this id and a position end above `position`.
    bool insert(idx_t id, idx_t position) {
        if (find(id) >= 0) return false;
        if (size_t(id) < dense_.size() && position <= std::numeric_limits<int32_t>::max()) {
            dense_[size_t(id)] = int32_t(position);
            dense_count_++;
            return true;
        }
        return hash_.insert(id, position);
    }
    /// Unmaps `id`; false when it was not mapped.
    bool erase(idx_t id) {
        if (id >= 0 && size_t(id) < dense_.size() && dense_[size_t(id)] >= 0) {
            dense_[size_t(id)] = -1;
            dense_count_--;
            return true;
        }
        return hash_.size() != 0 && hash_.erase(id);
    }
    /// Makes room to insert the `n` ids at `ids` (negative ones are passed over) at positions below
    /// `position_end` without allocating: the array grows (at least twofold) to cover those it may
    /// cover, the hash table to take the others.
    void reserve(const idx_t* ids, size_t n, idx_t position_end) {
        const size_t limit = std::max<size_t>(1024, 2 * (size() + n));
        const bool fits = position_end <= idx_t(std::numeric_limits<int32_t>::max()) + 1;
        size_t others = 0;
        idx_t top = -1;
        for (size_t i = 0; i < n; i++) {
            if (ids[i] < 0) continue;
            if (fits && size_t(ids[i]) < limit) {
                top = std::max(top, ids[i]);
            } else {
                others++;
            }
        }
        if (top >= 0 && size_t(top) >= dense_.size()) {
            if (size_t(top) >= dense_.capacity()) dense_.reserve(std::max(size_t(top) + 1, 2 * dense_.capacity()));
            dense_.resize(size_t(top) + 1, -1);
        }
        if (others > 0) hash_.reserve(hash_.size() + others);
    }
    /// Bytes held.
    size_t memory() const { return dense_.capacity() * sizeof(int32_t) + hash_.memory(); }

private:
    std::vector<int32_t> dense_;
    size_t dense_count_ = 0;
    IdHash hash_;
};

/// The object behind the opaque handle.
struct fdb_index {
    /// The parameters the index was made with (ef_search / nprobe: the current defaults).
    fdb_index_params params{};
    /// The FAISS index: IndexFlat, IndexHNSWFlat, IndexIVFFlat or IndexRefineFlat(IndexIVFPQ).
    std::unique_ptr<faiss::Index> index;
    /// Positional kinds (flat, HNSW, IVF-PQ): the id stored at each position (-1 for a tombstone).
    std::vector<idx_t> labels;
    /// Positional kinds: the position of each live id.
    IdPositions positions;
    /// HNSW, IVF-PQ: 1 at each tombstoned position.
    std::vector<uint8_t> dead;
    /// HNSW, IVF-PQ: how many positions are tombstones.
    int64_t tombstones = 0;
    /// HNSW: nodes added since the graph's reachability was last repaired (see `repair_reachability`).
    int64_t added_since_repair = 0;
    /// Positional kinds: no id in the index is above this (the largest id ever added or loaded;
    /// removals leave it as it is). A batch of ascending ids above it needs no membership checks.
    idx_t id_ceiling = -1;
    /// Flat: rows copied past `ntotal` by fdb_index_stage() for the next add (0: none). Searches
    /// read only the first `ntotal` rows, so staged rows are invisible until that add.
    int64_t staged = 0;
    /// Set when a failed FAISS call left FAISS and the bookkeeping out of step; every later call
    /// then fails instead of returning wrong answers.
    bool broken = false;
};

namespace {

// MARK: - Errors

/// A failure raised by the shim itself, with the status it maps to.
struct ShimError : std::runtime_error {
    int status;
    ShimError(int status, const std::string& message) : std::runtime_error(message), status(status) {}
};

[[noreturn]] void fail(int status, const std::string& message) {
    throw ShimError(status, message);
}

[[noreturn]] void invalid(const std::string& message) {
    fail(FDB_ERR_INVALID_ARGUMENT, message);
}

[[noreturn]] void corrupt(const std::string& message) {
    fail(FDB_ERR_CORRUPT, "corrupt index data: " + message);
}

thread_local std::string last_error;

void set_last_error(const char* message) noexcept {
    try {
        last_error = message;
    } catch (...) {
        // Out of memory while recording the error: keep the previous message.
    }
}

/// Runs `body`, mapping every exception to a status code and the thread's last error.
template <class Body>
int guarded(Body&& body) noexcept {
    try {
        body();
        return FDB_OK;
    } catch (const ShimError& e) {
        set_last_error(e.what());
        return e.status;
    } catch (const faiss::FaissException& e) {
        set_last_error(e.what());
        return FDB_ERR_FAISS;
    } catch (const std::bad_alloc&) {
        set_last_error("out of memory");
        return FDB_ERR_OUT_OF_MEMORY;
    } catch (const std::length_error& e) {
        set_last_error(e.what());
        return FDB_ERR_OUT_OF_MEMORY;
    } catch (const std::exception& e) {
        set_last_error(e.what());
        return FDB_ERR_UNKNOWN;
    } catch (...) {
        set_last_error("unknown C++ exception");
        return FDB_ERR_UNKNOWN;
    }
}

std::string str(int64_t v) {
    return std::to_string(v);
}

// MARK: - Threads

/// FAISS parallelizes with OpenMP and calls BLAS from inside that work. Debian's default OpenBLAS
/// runs its own pthread pool, so every OpenMP thread's sgemm starts more threads (FAISS issue
/// #3700): k-means and PQ training measured 2x slower on 2 idle cores, 10x under load. One BLAS
/// thread leaves the parallelism to OpenMP. Done once, before the first index exists.
void configure_threads_once() {
    static std::once_flag once;
    std::call_once(once, [] { openblas_set_num_threads(1); });
}

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
    explicit SingleThreadScope(bool single) : saved_(omp_get_max_threads()), active_(single && saved_ > 1) {
        if (active_) omp_set_num_threads(1);
    }
    ~SingleThreadScope() {
        if (active_) omp_set_num_threads(saved_);
    }
    SingleThreadScope(const SingleThreadScope&) = delete;
    SingleThreadScope& operator=(const SingleThreadScope&) = delete;

  private:
    int saved_;
    bool active_;
};

/// Adds, searches and rebuilds of fewer than 16 rows or 64 Ki floats gain nothing from a team.
bool small_rows(int64_t rows, int32_t dim) {
    return rows < 16 || rows * int64_t(dim) < (int64_t(1) << 16);
}

/// k-means runs many short parallel loops; below 4 Mi floats of samples one thread is faster.
bool small_training(int64_t rows, int32_t dim) {
    return rows * int64_t(dim) < (int64_t(1) << 22);
}

// MARK: - Parameters

/// Kinds whose FAISS index numbers rows by position (our `labels` / `positions` map them to ids).
bool is_positional(int32_t kind) {
    return kind == FDB_KIND_FLAT || kind == FDB_KIND_HNSW || kind == FDB_KIND_IVF_PQ;
}

/// Kinds whose removals leave tombstones until compaction.
bool keeps_tombstones(int32_t kind) {
    return kind == FDB_KIND_HNSW || kind == FDB_KIND_IVF_PQ;
}

bool is_ivf(int32_t kind) {
    return kind == FDB_KIND_IVF_FLAT || kind == FDB_KIND_IVF_PQ;
}

bool valid_pq_bits(int32_t bits) {
    return (bits >= 4 && bits <= 8) || bits == 10 || bits == 12 || bits == 16;
}

/// The fewest training vectors an IVF index accepts: one per list, and for IVF-PQ one per code.
int64_t minimum_training_points(const fdb_index_params& p) {
    int64_t minimum = p.nlist;
    if (p.kind == FDB_KIND_IVF_PQ) minimum = std::max<int64_t>(minimum, int64_t(1) << p.pq_bits);
    return minimum;
}

/// Checks the fields that matter for the kind; the others are kept as given.
void validate_params(const fdb_index_params& p, int status) {
    auto check = [status](bool ok, const std::string& what) {
        if (!ok) fail(status, "invalid index parameter: " + what);
    };
    check(p.kind >= FDB_KIND_FLAT && p.kind <= FDB_KIND_IVF_PQ, "kind " + str(p.kind));
    check(p.metric == FDB_METRIC_L2 || p.metric == FDB_METRIC_INNER_PRODUCT, "metric " + str(p.metric));
    check(p.dim >= 1 && p.dim <= 65536, "dim " + str(p.dim));
    if (p.kind == FDB_KIND_HNSW) {
        check(p.hnsw_m >= 2 && p.hnsw_m <= 512, "hnsw_m " + str(p.hnsw_m));
        check(p.ef_construction >= 1 && p.ef_construction <= (1 << 20), "ef_construction " + str(p.ef_construction));
        check(p.ef_search >= 1 && p.ef_search <= (1 << 20), "ef_search " + str(p.ef_search));
    }
    if (is_ivf(p.kind)) {
        check(p.nlist >= 1 && p.nlist <= (1 << 20), "nlist " + str(p.nlist));
        check(p.nprobe >= 1 && p.nprobe <= (1 << 20), "nprobe " + str(p.nprobe));
    }
    if (p.kind == FDB_KIND_IVF_PQ) {
        check(p.pq_m >= 1 && p.dim % p.pq_m == 0, "pq_m " + str(p.pq_m) + " must divide dim " + str(p.dim));
        check(valid_pq_bits(p.pq_bits), "pq_bits " + str(p.pq_bits));
        check(p.refine_factor >= 1 && p.refine_factor <= 4096, "refine_factor " + str(p.refine_factor));
    }
}

faiss::MetricType faiss_metric(const fdb_index_params& p) {
    return p.metric == FDB_METRIC_L2 ? faiss::METRIC_L2 : faiss::METRIC_INNER_PRODUCT;
}

/// A new, empty FAISS index for validated parameters.
std::unique_ptr<faiss::Index> make_faiss_index(const fdb_index_params& p) {
    const faiss::MetricType metric = faiss_metric(p);
    switch (p.kind) {
    case FDB_KIND_FLAT:
        return std::make_unique<faiss::IndexFlat>(p.dim, metric);
    case FDB_KIND_HNSW: {
        auto hnsw = std::make_unique<faiss::IndexHNSWFlat>(p.dim, p.hnsw_m, metric);
        hnsw->hnsw.efConstruction = p.ef_construction;
        hnsw->hnsw.efSearch = p.ef_search;
        return hnsw;
    }
    default: {
        auto quantizer = std::make_unique<faiss::IndexFlat>(p.dim, metric);
        std::unique_ptr<faiss::IndexIVF> ivf;
        if (p.kind == FDB_KIND_IVF_FLAT) {
            ivf = std::make_unique<faiss::IndexIVFFlat>(quantizer.get(), p.dim, p.nlist, metric);
        } else {
            auto pq = std::make_unique<faiss::IndexIVFPQ>(quantizer.get(), p.dim, p.nlist, p.pq_m, p.pq_bits, metric);
            // Small explicit training samples are allowed; FAISS would print a warning to stderr.
            pq->pq.cp.min_points_per_centroid = 1;
            ivf = std::move(pq);
        }
        ivf->own_fields = true;
        quantizer.release();
        ivf->cp.min_points_per_centroid = 1;
        ivf->nprobe = size_t(p.nprobe);
        if (p.kind == FDB_KIND_IVF_FLAT) {
            ivf->set_direct_map_type(faiss::DirectMap::Hashtable);
            return ivf;
        }
        // IVF-PQ: the lists hold positions, which `positions` already maps; no direct map needed.
        // IndexRefineFlat adds an IndexFlat of the same metric for the exact copy and owns both.
        auto refine = std::make_unique<faiss::IndexRefineFlat>(ivf.get());
        ivf.release();
        refine->own_fields = true;
        refine->k_factor = float(p.refine_factor);
        return refine;
    }
    }
}

// MARK: - Accessors

faiss::IndexHNSW* hnsw_of(const fdb_index* ix) {
    return static_cast<faiss::IndexHNSW*>(ix->index.get());
}

/// IVF-PQ: the IndexRefineFlat (its base_index is the IndexIVFPQ, its refine_index the exact copy).
faiss::IndexRefineFlat* refine_of(const fdb_index* ix) {
    return static_cast<faiss::IndexRefineFlat*>(ix->index.get());
}

/// IVF kinds: the IndexIVF (for IVF-PQ, the base of the refine index).
faiss::IndexIVF* ivf_of(const fdb_index* ix) {
    if (ix->params.kind == FDB_KIND_IVF_PQ) return static_cast<faiss::IndexIVF*>(refine_of(ix)->base_index);
    return static_cast<faiss::IndexIVF*>(ix->index.get());
}

/// Positional kinds: the flat index that holds the float vectors, one row per position.
faiss::IndexFlat* vector_storage(const fdb_index* ix) {
    switch (ix->params.kind) {
    case FDB_KIND_HNSW: return static_cast<faiss::IndexFlat*>(hnsw_of(ix)->storage);
    case FDB_KIND_IVF_PQ: return static_cast<faiss::IndexFlat*>(refine_of(ix)->refine_index);
    default: return static_cast<faiss::IndexFlat*>(ix->index.get());
    }
}

/// Faults in the whole pages of `bytes` at `p`, writable, in one call (`MADV_POPULATE_WRITE`,
/// Linux 5.14): much cheaper than a page fault per 4 KiB when a large index is filled. Only a
/// hint; on an older kernel the pages fault in as they are touched.
void populate(const void* p, size_t bytes) {
    const uintptr_t page = 4096;
    const uintptr_t start = (uintptr_t(p) + page - 1) & ~(page - 1);
    const uintptr_t end = (uintptr_t(p) + bytes) & ~(page - 1);
    if (end > start) (void)madvise(reinterpret_cast<void*>(start), end - start, 23 /* MADV_POPULATE_WRITE */);
}

/// Makes room in a flat vector storage for `extra` more bytes and faults that room in.
///
/// Growing copies everything stored, so the capacity grows eightfold: capacity beyond the size is
/// address space only (no page of it is touched until rows arrive), and the fewer copies matter
/// more than the address space. If the system refuses that much address space (strict
/// overcommit), it grows twofold, or to exactly what is needed.
void reserve_codes(faiss::IndexFlatCodes* storage, size_t extra) {
    std::vector<uint8_t>& codes = storage->codes;
    const size_t needed = codes.size() + extra;
    if (needed <= codes.capacity()) {
        populate(codes.data() + codes.size(), extra);
        return;
    }
    std::vector<uint8_t> bigger;
    for (const size_t factor : {8, 2, 1}) {
        try {
            bigger.reserve(std::max(needed, factor * codes.capacity()));
            break;
        } catch (const std::bad_alloc&) {
            if (factor == 1) throw;
        } catch (const std::length_error&) {
            if (factor == 1) throw;
        }
    }
    populate(bigger.data(), needed);
    bigger.insert(bigger.end(), codes.begin(), codes.end());
    codes.swap(bigger);
}

/// HNSW: marks in `reached` every node that level-0 links lead to from `from`.
void mark_reachable(const faiss::HNSW& graph, size_t from, std::vector<uint8_t>& reached) {
    if (reached[from]) return;
    reached[from] = 1;
    std::vector<size_t> stack{from};
    while (!stack.empty()) {
        const size_t v = stack.back();
        stack.pop_back();
        size_t begin, end;
        graph.neighbor_range(idx_t(v), 0, &begin, &end);
        for (size_t i = begin; i < end && graph.neighbors[i] >= 0; i++) {
            const size_t u = size_t(graph.neighbors[i]);
            if (!reached[u]) {
                reached[u] = 1;
                stack.push_back(u);
            }
        }
    }
}

/// HNSW: fills `reached` from the entry point and returns the live nodes it does not reach.
std::vector<size_t> unreachable_nodes(const fdb_index* ix, std::vector<uint8_t>& reached) {
    const faiss::HNSW& graph = hnsw_of(ix)->hnsw;
    const size_t n = size_t(ix->index->ntotal);
    reached.assign(n, 0);
    std::vector<size_t> missing;
    if (n == 0 || graph.entry_point < 0) return missing;
    mark_reachable(graph, size_t(graph.entry_point), reached);
    for (size_t v = 0; v < n; v++) {
        if (!reached[v] && !ix->dead[v]) missing.push_back(v);
    }
    return missing;
}

/// The work of `repair_reachability` (which see), which may throw.
void link_unreachable(fdb_index* ix) {
    faiss::IndexHNSW* index = hnsw_of(ix);
    faiss::HNSW& graph = index->hnsw;
    const size_t n = size_t(index->ntotal);
    ix->added_since_repair = 0;
    if (n < 2) return;
    const size_t d = size_t(ix->params.dim);
    const float* xb = vector_storage(ix)->get_xb();
    std::unique_ptr<faiss::DistanceComputer> distance(index->storage->get_distance_computer());
    // Larger is closer for inner products: compare negated.
    const float sign = index->metric_type == faiss::METRIC_INNER_PRODUCT ? -1.0f : 1.0f;
    faiss::SearchParametersHNSW params;
    params.efSearch = std::max(graph.efSearch, 64);
    const idx_t k = idx_t(std::min<size_t>(n, 16));
    std::vector<float> found_distances(static_cast<size_t>(k));
    std::vector<idx_t> found(static_cast<size_t>(k));
    std::vector<uint8_t> reached;
    for (int pass = 0; pass < 3; pass++) {
        const std::vector<size_t> missing = unreachable_nodes(ix, reached);
        if (missing.empty()) break;
        std::vector<int32_t> in_links(n, 0);
        for (size_t v = 0; v < n; v++) {
            size_t begin, end;
            graph.neighbor_range(idx_t(v), 0, &begin, &end);
            for (size_t i = begin; i < end && graph.neighbors[i] >= 0; i++) in_links[size_t(graph.neighbors[i])]++;
        }
        for (const size_t v : missing) {
            if (reached[v]) continue;
            index->search(1, xb + v * d, k, found_distances.data(), found.data(), &params);
            // The nearest reachable node with a free slot takes the link; failing that, the nearest
            // one with a neighbour it can spare (one that keeps another in-link) replaces it.
            for (int replace = 0; replace < 2 && !reached[v]; replace++) {
                for (idx_t j = 0; j < k; j++) {
                    const idx_t u = found[size_t(j)];
                    if (u < 0 || size_t(u) == v || !reached[size_t(u)]) continue;
                    size_t ub, ue;
                    graph.neighbor_range(u, 0, &ub, &ue);
                    size_t slot = ue;
                    float farthest = -std::numeric_limits<float>::infinity();
                    for (size_t i = ub; i < ue; i++) {
                        const int32_t w = graph.neighbors[i];
                        if (w < 0) {
                            slot = i;
                            break;
                        }
                        if (!replace || in_links[size_t(w)] < 2 || w == graph.entry_point) continue;
                        const float dist = sign * distance->symmetric_dis(u, idx_t(w));
                        if (dist > farthest) {
                            farthest = dist;
                            slot = i;
                        }
                    }
                    if (slot == ue) continue;
                    if (graph.neighbors[slot] >= 0) in_links[size_t(graph.neighbors[slot])]--;
                    graph.neighbors[slot] = int32_t(v);
                    in_links[v]++;
                    mark_reachable(graph, v, reached);
                    break;
                }
            }
        }
    }
}

/// HNSW: links every live node that level-0 links do not lead to from the entry point.
///
/// FAISS prunes a node's neighbour list when a new link overflows it (keeping diverse, close
/// neighbours). A node dropped from every list that held it, or a tight group of outliers linked
/// only among themselves, can no longer be reached: no search returns that face, whatever its
/// efSearch. For each such node v, a search for v's own vector finds its nearest reachable nodes
/// u; v takes a free slot in the nearest u's level-0 list that has one, or else replaces, in the
/// nearest u's list, the neighbour farthest from u among those that keep another in-link. Up to
/// three passes, since such a replacement can cut off another node. Tombstones are not linked (no
/// search may return them), but links through them count, since searches walk through tombstones.
/// O(nodes × 2M) per pass plus one search per unreachable node: run after adds of 1% of the graph
/// or more, after a rebuild and on load.
///
/// Best effort: every link it changes leaves a valid graph, so a failure half-way (out of memory)
/// leaves a valid graph too, and the next repair tries again.
void repair_reachability(fdb_index* ix) noexcept {
    try {
        link_unreachable(ix);
    } catch (...) {
    }
}

/// Positional kinds: the stored vectors, row-major, one row per position.
const float* stored_vectors(const fdb_index* ix) {
    return vector_storage(ix)->get_xb();
}

/// The rows FAISS holds, for detecting a FAISS call that failed half-way (IVF-PQ: base and exact
/// copy are counted separately, since IndexRefine::add adds to one and then the other).
std::pair<idx_t, idx_t> faiss_rows(const fdb_index* ix) {
    if (ix->params.kind == FDB_KIND_IVF_PQ) return {refine_of(ix)->base_index->ntotal, refine_of(ix)->refine_index->ntotal};
    return {ix->index->ntotal, ix->index->ntotal};
}

int64_t live_count(const fdb_index* ix) {
    return is_positional(ix->params.kind) ? int64_t(ix->positions.size()) : int64_t(ix->index->ntotal);
}

bool contains(const fdb_index* ix, idx_t id) {
    if (is_positional(ix->params.kind)) return ix->positions.contains(id);
    return ivf_of(ix)->direct_map.hashtable.count(id) != 0;
}

void check_usable(const fdb_index* ix) {
    if (ix == nullptr) invalid("the index is NULL");
    if (ix->broken) {
        fail(FDB_ERR_FAISS, "the index is inconsistent after an earlier failure; rebuild it");
    }
}

/// Selects the positions whose byte in `mask` equals `want`.
struct ByteMaskSelector final : faiss::IDSelector {
    const uint8_t* mask;
    size_t size;
    uint8_t want;
    ByteMaskSelector(const std::vector<uint8_t>& mask, uint8_t want) : mask(mask.data()), size(mask.size()), want(want) {}
    bool is_member(idx_t i) const override {
        return i >= 0 && size_t(i) < size && mask[i] == want;
    }
};

// MARK: - Search helpers

/// Orders (distance, id) pairs best first, ties by the smaller id.
struct BetterHit {
    bool higher_is_better;
    bool operator()(const std::pair<float, idx_t>& a, const std::pair<float, idx_t>& b) const {
        if (a.first != b.first) return higher_is_better ? a.first > b.first : a.first < b.first;
        return a.second < b.second;
    }
};

/// Exact top-k over `m` candidate vectors (`vectors` row-major) labelled `ids`.
void exact_scan(
    const fdb_index* ix, int64_t nq, const float* queries, int64_t k, size_t m, const float* vectors,
    const idx_t* ids, float* distances, idx_t* labels) {
    const size_t d = size_t(ix->params.dim);
    const bool ip = ix->params.metric == FDB_METRIC_INNER_PRODUCT;
    const size_t take = std::min<size_t>(size_t(k), m);
    std::vector<std::pair<float, idx_t>> hits(m);
    for (int64_t q = 0; q < nq; q++) {
        const float* query = queries + size_t(q) * d;
        for (size_t i = 0; i < m; i++) {
            const float* v = vectors + i * d;
            hits[i] = {ip ? faiss::fvec_inner_product(query, v, d) : faiss::fvec_L2sqr(query, v, d), ids[i]};
        }
        std::partial_sort(hits.begin(), hits.begin() + std::ptrdiff_t(take), hits.end(), BetterHit{ip});
        for (size_t j = 0; j < take; j++) {
            distances[q * k + int64_t(j)] = hits[j].first;
            labels[q * k + int64_t(j)] = hits[j].second;
        }
    }
}

/// IVF-PQ with a selector or another nprobe: what IndexRefineFlat::search does (FAISS 1.7.3's takes
/// no SearchParameters). The IVF-PQ codes propose k * k_factor candidates among the selected rows;
/// their exact distances to the copy pick the best k (ties: the smaller position). Fills every slot
/// of `distances` / `labels` (positions; -1 and the metric's worst value where there are fewer).
void refine_search(
    const fdb_index* ix, int64_t nq, const float* queries, int64_t k, faiss::IDSelector* selector, size_t nprobe,
    float* distances, idx_t* labels) {
    const faiss::IndexRefineFlat* refine = refine_of(ix);
    const int64_t k_base = std::max<int64_t>(k, int64_t(double(k) * double(refine->k_factor)));
    std::vector<float> base_distances(size_t(nq * k_base));
    std::vector<idx_t> base_labels(size_t(nq * k_base));
    faiss::SearchParametersIVF sp;
    sp.sel = selector;
    sp.nprobe = nprobe;
    refine->base_index->search(nq, queries, k_base, base_distances.data(), base_labels.data(), &sp);
    // Skips labels of -1 (slots the IVF search could not fill).
    static_cast<const faiss::IndexFlat*>(refine->refine_index)
        ->compute_distance_subset(nq, queries, k_base, base_distances.data(), base_labels.data());

    const bool ip = ix->params.metric == FDB_METRIC_INNER_PRODUCT;
    const float pad = ip ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
    std::vector<std::pair<float, idx_t>> hits;
    hits.reserve(size_t(k_base));
    for (int64_t q = 0; q < nq; q++) {
        hits.clear();
        for (int64_t j = 0; j < k_base; j++) {
            const idx_t pos = base_labels[size_t(q * k_base + j)];
            if (pos >= 0) hits.emplace_back(base_distances[size_t(q * k_base + j)], pos);
        }
        const size_t take = std::min<size_t>(size_t(k), hits.size());
        std::partial_sort(hits.begin(), hits.begin() + std::ptrdiff_t(take), hits.end(), BetterHit{ip});
        for (int64_t j = 0; j < k; j++) {
            const bool filled = size_t(j) < take;
            distances[q * k + j] = filled ? hits[size_t(j)].first : pad;
            labels[q * k + j] = filled ? hits[size_t(j)].second : -1;
        }
    }
}

/// Runs the FAISS search with per-call parameters and an optional selector; translates
/// positions to ids for the positional kinds.
void faiss_search(
    const fdb_index* ix, int64_t nq, const float* queries, int64_t k, const faiss::IDSelector* selector,
    int64_t ef_search, int64_t nprobe, float* distances, idx_t* labels) {
    auto* sel = const_cast<faiss::IDSelector*>(selector);
    switch (ix->params.kind) {
    case FDB_KIND_FLAT: {
        faiss::SearchParameters sp;
        sp.sel = sel;
        ix->index->search(nq, queries, k, distances, labels, &sp);
        break;
    }
    case FDB_KIND_HNSW: {
        faiss::SearchParametersHNSW sp;
        sp.sel = sel;
        sp.efSearch = int(std::min<int64_t>(std::max<int64_t>(ef_search, k), std::numeric_limits<int>::max()));
        ix->index->search(nq, queries, k, distances, labels, &sp);
        break;
    }
    case FDB_KIND_IVF_PQ: {
        const size_t probes = size_t(std::min<int64_t>(nprobe, ix->params.nlist));
        const size_t default_probes = std::min<size_t>(ivf_of(ix)->nprobe, size_t(ix->params.nlist));
        if (sel == nullptr && probes == default_probes) {
            refine_of(ix)->search(nq, queries, k, distances, labels);  // FAISS's IndexRefineFlat
        } else {
            refine_search(ix, nq, queries, k, sel, probes, distances, labels);
        }
        break;
    }
    default: {
        faiss::SearchParametersIVF sp;
        sp.sel = sel;
        sp.nprobe = size_t(std::min<int64_t>(nprobe, ix->params.nlist));
        ix->index->search(nq, queries, k, distances, labels, &sp);
        break;
    }
    }
    if (is_positional(ix->params.kind)) {
        const size_t stored = ix->labels.size();
        for (int64_t i = 0; i < nq * k; i++) {
            const idx_t pos = labels[i];
            labels[i] = (pos >= 0 && size_t(pos) < stored) ? ix->labels[size_t(pos)] : -1;
        }
    }
}

/// Filters at or below this many allowed vectors are answered by an exact scan.
int64_t exact_scan_limit(int64_t live) {
    return std::max<int64_t>(4096, live / 16);
}

/// Widens a search budget by the inverse of the fraction of vectors a filter keeps.
int64_t widen(int64_t budget, int64_t kept, int64_t total) {
    if (kept <= 0 || kept >= total) return budget;
    const double widened = std::ceil(double(budget) * double(total) / double(kept));
    return int64_t(std::min(widened, double(std::numeric_limits<int>::max())));
}

// MARK: - Serialization

const char kMagic[4] = {'F', 'D', 'B', 'F'};
/// The payload version written; versions 1 (no refine_factor, IVF-PQ without its exact copy) and 2 are read.
const uint32_t kVersion = 2;

/// Where serialized bytes go: an append-only buffer in malloc'd memory, handed over to the caller
/// at the end; or, with `sink` set, the caller's function, in order, keeping nothing; or, with
/// `counting` set, nowhere (only `size` counts them).
struct Writer {
    uint8_t* data = nullptr;
    size_t size = 0;
    size_t capacity = 0;
    fdb_write_fn sink = nullptr;
    void* context = nullptr;
    bool counting = false;

    ~Writer() { std::free(data); }

    void reserve(size_t more) {
        if (sink != nullptr || counting) return;
        if (more <= capacity - size) return;
        if (more > std::numeric_limits<size_t>::max() / 2 - size) throw std::bad_alloc();
        size_t grown = std::max(capacity * 2, size + more);
        auto* bigger = static_cast<uint8_t*>(std::realloc(data, grown));
        if (bigger == nullptr) throw std::bad_alloc();
        data = bigger;
        capacity = grown;
    }

    void bytes(const void* p, size_t n) {
        if (n == 0) return;
        if (counting) {
            size += n;
            return;
        }
        if (sink != nullptr) {
            if (sink(context, static_cast<const uint8_t*>(p), n) != 0) fail(FDB_ERR_STOPPED, "the writer stopped");
            size += n;
            return;
        }
        reserve(n);
        std::memcpy(data + size, p, n);
        size += n;
    }

    template <class T>
    void put(T value) {
        bytes(&value, sizeof(T));
    }

    template <class T>
    void array(const T* p, size_t n) {
        bytes(p, n * sizeof(T));
    }
};

/// Reads the serialized layout, failing with FDB_ERR_CORRUPT instead of reading past the end
/// or allocating more than the input could describe.
struct Reader {
    const uint8_t* p;
    size_t left;

    void bytes(void* out, size_t n, const char* what) {
        if (n > left) corrupt(std::string("truncated while reading ") + what);
        if (n) std::memcpy(out, p, n);
        p += n;
        left -= n;
    }

    template <class T>
    T get(const char* what) {
        T value;
        bytes(&value, sizeof(T), what);
        return value;
    }

    /// Reads `n` elements after checking that the input holds that many.
    template <class T>
    void array(std::vector<T>& out, uint64_t n, const char* what) {
        if (n > left / sizeof(T)) {
            corrupt(std::string(what) + " claims " + std::to_string(n) + " entries but only " +
                    std::to_string(left) + " bytes remain");
        }
        out.resize(size_t(n));
        bytes(out.data(), size_t(n) * sizeof(T), what);
    }
};

void check_finite(const float* values, size_t count, const char* what) {
    for (size_t i = 0; i < count; i++) {
        if (!std::isfinite(values[i])) corrupt(std::string(what) + " holds a non-finite value");
    }
}

void write_params(Writer& w, const fdb_index_params& p) {
    for (int32_t v : {p.kind, p.metric, p.dim, p.hnsw_m, p.ef_construction, p.ef_search, p.nlist, p.nprobe, p.pq_m,
                      p.pq_bits, p.refine_factor}) {
        w.put<int32_t>(v);
    }
}

/// Reads the parameters of a payload of `version` (version 1 has no refine_factor).
fdb_index_params read_params(Reader& r, uint32_t version) {
    fdb_index_params p{};
    for (int32_t* field : {&p.kind, &p.metric, &p.dim, &p.hnsw_m, &p.ef_construction, &p.ef_search, &p.nlist,
                           &p.nprobe, &p.pq_m, &p.pq_bits}) {
        *field = r.get<int32_t>("parameters");
    }
    p.refine_factor = version >= 2 ? r.get<int32_t>("parameters") : 1;
    return p;
}

/// The IVF part of a body: trained flag, centroids, PQ codebook, lists (ids and codes).
void write_ivf(const fdb_index* ix, Writer& w) {
    const fdb_index_params& p = ix->params;
    const faiss::IndexIVF* ivf = ivf_of(ix);
    w.put<uint32_t>(ivf->is_trained ? 1 : 0);
    if (!ivf->is_trained) return;
    const auto* quantizer = static_cast<const faiss::IndexFlat*>(ivf->quantizer);
    w.array(quantizer->get_xb(), size_t(p.nlist) * size_t(p.dim));
    if (p.kind == FDB_KIND_IVF_PQ) {
        const auto& pq = static_cast<const faiss::IndexIVFPQ*>(ivf)->pq;
        w.array(pq.centroids.data(), pq.centroids.size());
    }
    const faiss::InvertedLists* lists = ivf->invlists;
    for (size_t list = 0; list < size_t(p.nlist); list++) {
        const size_t size = lists->list_size(list);
        w.put<uint64_t>(size);
        faiss::InvertedLists::ScopedIds ids(lists, list);
        faiss::InvertedLists::ScopedCodes codes(lists, list);
        w.array(ids.get(), size);
        w.array(codes.get(), size * ivf->code_size);
    }
}

void serialize_into(const fdb_index* ix, Writer& w) {
    const fdb_index_params& p = ix->params;
    const size_t d = size_t(p.dim);
    const bool positional = is_positional(p.kind);
    const uint64_t n = positional ? uint64_t(ix->labels.size()) : uint64_t(ix->index->ntotal);
    w.bytes(kMagic, 4);
    w.put<uint32_t>(kVersion);
    write_params(w, p);
    w.put<uint64_t>(n);
    if (positional) {
        w.reserve(n * (sizeof(idx_t) + d * sizeof(float)));
        w.array(ix->labels.data(), ix->labels.size());
        if (n > 0) w.array(stored_vectors(ix), size_t(n) * d);
    }
    if (p.kind == FDB_KIND_HNSW) {
        const faiss::HNSW& graph = hnsw_of(ix)->hnsw;
        w.put<int32_t>(graph.entry_point);
        w.put<int32_t>(graph.max_level);
        w.array(graph.levels.data(), graph.levels.size());
        w.put<uint64_t>(graph.neighbors.size());
        w.array(graph.neighbors.data(), graph.neighbors.size());
    } else if (is_ivf(p.kind)) {
        write_ivf(ix, w);
    }
}

/// Restores the labels and vectors of a positional kind's body (then the HNSW graph for HNSW).
void read_positional(Reader& r, fdb_index* ix, uint64_t n) {
    const fdb_index_params& p = ix->params;
    const size_t d = size_t(p.dim);
    const bool hnsw = p.kind == FDB_KIND_HNSW;
    const bool tombstones = keeps_tombstones(p.kind);
    if (hnsw && n > uint64_t(std::numeric_limits<int32_t>::max())) corrupt("too many HNSW vectors");

    std::vector<idx_t> labels;
    r.array(labels, n, "labels");
    if (n > std::numeric_limits<uint64_t>::max() / (d * sizeof(float))) corrupt("vector count overflows");
    // Flat and IVF-PQ: read the vectors straight into the flat index's own storage (one copy of
    // what may be gigabytes). HNSW adds them to its storage once the graph is checked.
    std::vector<float> vectors;
    if (hnsw) {
        r.array(vectors, n * d, "vectors");
        check_finite(vectors.data(), vectors.size(), "the vectors");
    } else {
        faiss::IndexFlat* flat = vector_storage(ix);
        if (n * d * sizeof(float) > r.left) corrupt("the vectors run past the end of the data");
        reserve_codes(flat, size_t(n * d * sizeof(float)));
        flat->codes.resize(size_t(n * d * sizeof(float)));
        r.bytes(flat->codes.data(), flat->codes.size(), "vectors");
        check_finite(reinterpret_cast<const float*>(flat->codes.data()), size_t(n * d), "the vectors");
    }

    ix->positions.reserve(labels.data(), labels.size(), idx_t(n));
    ix->dead.assign(tombstones ? size_t(n) : 0, 0);
    for (size_t pos = 0; pos < size_t(n); pos++) {
        const idx_t id = labels[pos];
        if (id == -1 && tombstones) {
            ix->dead[pos] = 1;
            ix->tombstones++;
            continue;
        }
        if (id < 0) corrupt("negative id " + str(id));
        if (!ix->positions.insert(id, idx_t(pos))) corrupt("id " + str(id) + " is stored twice");
        ix->id_ceiling = std::max(ix->id_ceiling, id);
    }

    if (!hnsw) {
        vector_storage(ix)->ntotal = idx_t(n);
        ix->index->ntotal = idx_t(n);
        ix->labels = std::move(labels);
        return;
    }

    auto* index = hnsw_of(ix);
    faiss::HNSW& graph = index->hnsw;
    const int32_t entry_point = r.get<int32_t>("entry point");
    const int32_t max_level = r.get<int32_t>("max level");
    std::vector<int> levels;
    r.array(levels, n, "levels");
    const uint64_t n_neighbors = r.get<uint64_t>("neighbour count");
    std::vector<int32_t> neighbors;
    r.array(neighbors, n_neighbors, "neighbours");

    // Levels are 1-based; a node of level L owns cum_nneighbor_per_level[L] link slots.
    const std::vector<int>& cumulative = graph.cum_nneighbor_per_level;
    const int top_level = int(cumulative.size()) - 1;
    std::vector<size_t> offsets(size_t(n) + 1, 0);
    int highest = 0;
    for (size_t i = 0; i < size_t(n); i++) {
        if (levels[i] < 1 || levels[i] > top_level) corrupt("node level " + str(levels[i]) + " out of range");
        highest = std::max(highest, levels[i]);
        offsets[i + 1] = offsets[i] + size_t(cumulative[size_t(levels[i])]);
    }
    if (offsets[size_t(n)] != n_neighbors) corrupt("the link table does not match the node levels");
    if (n == 0) {
        if (entry_point != -1 || max_level != -1) corrupt("an empty graph has an entry point");
    } else {
        if (entry_point < 0 || uint64_t(entry_point) >= n) corrupt("entry point out of range");
        if (max_level != highest - 1 || levels[size_t(entry_point)] != highest) corrupt("inconsistent max level");
    }
    // Every link at level l must point at a node that exists at level l.
    for (size_t i = 0; i < size_t(n); i++) {
        for (int level = 0; level < levels[i]; level++) {
            const size_t begin = offsets[i] + size_t(cumulative[size_t(level)]);
            const size_t end = offsets[i] + size_t(cumulative[size_t(level) + 1]);
            for (size_t j = begin; j < end; j++) {
                const int32_t v = neighbors[j];
                if (v == -1) continue;
                if (v < 0 || uint64_t(v) >= n || levels[size_t(v)] <= level) corrupt("invalid graph link");
            }
        }
    }

    index->storage->add(idx_t(n), vectors.data());
    index->ntotal = idx_t(n);
    graph.levels = std::move(levels);
    graph.offsets = std::move(offsets);
    graph.neighbors = std::move(neighbors);
    graph.entry_point = entry_point;
    graph.max_level = max_level;
    ix->labels = std::move(labels);
    // A snapshot taken between repairs may hold nodes that lost their last in-link.
    repair_reachability(ix);
}

/// Restores the IVF part of a body. IVF-Flat: `n` vectors under the caller's ids. IVF-PQ: the codes
/// of all `n` stored rows (tombstones included), each row's position exactly once.
void read_ivf(Reader& r, fdb_index* ix, uint64_t n) {
    const fdb_index_params& p = ix->params;
    const size_t d = size_t(p.dim);
    const bool refined = p.kind == FDB_KIND_IVF_PQ;
    faiss::IndexIVF* ivf = ivf_of(ix);
    const uint32_t trained = r.get<uint32_t>("trained flag");
    if (trained > 1) corrupt("bad trained flag");
    if (!trained) {
        if (n != 0) corrupt("an untrained IVF index holds vectors");
        return;
    }
    std::vector<float> centroids;
    r.array(centroids, uint64_t(p.nlist) * d, "centroids");
    check_finite(centroids.data(), centroids.size(), "the centroids");
    if (refined) {
        auto* ivfpq = static_cast<faiss::IndexIVFPQ*>(ivf);
        std::vector<float> codebook;
        r.array(codebook, uint64_t(ivfpq->pq.M) * ivfpq->pq.ksub * ivfpq->pq.dsub, "PQ centroids");
        check_finite(codebook.data(), codebook.size(), "the PQ centroids");
        ivfpq->pq.centroids = std::move(codebook);
    }
    ivf->quantizer->add(p.nlist, centroids.data());
    ivf->is_trained = true;
    if (refined) {
        static_cast<faiss::IndexIVFPQ*>(ivf)->precompute_table();
        refine_of(ix)->is_trained = true;
    }

    std::unordered_set<idx_t> seen;  // IVF-Flat's ids
    std::vector<uint8_t> listed;     // IVF-PQ's positions
    if (refined) {
        listed.assign(size_t(n), 0);
    } else {
        seen.reserve(size_t(std::min<uint64_t>(n, r.left / sizeof(idx_t))));
    }
    uint64_t total = 0;
    std::vector<idx_t> ids;
    std::vector<uint8_t> codes;
    for (size_t list = 0; list < size_t(p.nlist); list++) {
        const uint64_t size = r.get<uint64_t>("list size");
        r.array(ids, size, "list ids");
        if (size > std::numeric_limits<uint64_t>::max() / ivf->code_size) corrupt("list size overflows");
        r.array(codes, size * ivf->code_size, "list codes");
        if (p.kind == FDB_KIND_IVF_FLAT) {
            for (size_t i = 0; i < codes.size(); i += sizeof(float)) {
                float v;
                std::memcpy(&v, codes.data() + i, sizeof v);
                if (!std::isfinite(v)) corrupt("a stored vector holds a non-finite value");
            }
        }
        for (idx_t id : ids) {
            if (refined) {
                if (id < 0 || uint64_t(id) >= n) corrupt("list entry " + str(id) + " is not a stored row");
                if (listed[size_t(id)]++) corrupt("row " + str(id) + " is listed twice");
            } else {
                if (id < 0) corrupt("negative id " + str(id));
                if (!seen.insert(id).second) corrupt("id " + str(id) + " is stored twice");
            }
        }
        if (size) ivf->invlists->add_entries(list, size_t(size), ids.data(), codes.data());
        total += size;
    }
    if (total != n) corrupt("the lists hold " + std::to_string(total) + " vectors, the header says " + std::to_string(n));
    ivf->ntotal = idx_t(n);
    if (!refined) {
        // The lists were filled directly: rebuild the id -> (list, offset) map from them.
        ivf->set_direct_map_type(faiss::DirectMap::NoMap);
        ivf->set_direct_map_type(faiss::DirectMap::Hashtable);
    }
}

std::unique_ptr<fdb_index> deserialize(const uint8_t* buf, size_t len) {
    Reader r{buf, len};
    char magic[4];
    r.bytes(magic, 4, "magic");
    if (std::memcmp(magic, kMagic, 4) != 0) corrupt("bad magic");
    const uint32_t version = r.get<uint32_t>("version");
    if (version < 1 || version > kVersion) corrupt("unknown payload version " + std::to_string(version));
    const fdb_index_params params = read_params(r, version);
    if (version == 1 && params.kind == FDB_KIND_IVF_PQ) {
        fail(FDB_ERR_OUTDATED,
             "an IVF-PQ index of payload version 1 has no exact copy of its vectors; it must be rebuilt");
    }
    validate_params(params, FDB_ERR_CORRUPT);
    const uint64_t n = r.get<uint64_t>("vector count");
    // FAISS allocates IVF-PQ's codebook (dim x 2^pq_bits floats) as soon as the index is made,
    // before a byte of it is read: 16 GB for dim 65536 and 16 bits. A trained payload carries its
    // codebook, so one larger than the data left (beyond an allowance for untrained payloads, which
    // carry none) means damaged parameters: refuse before allocating (Fuzz/Corpus/snapshot/
    // regression-ivfpq-codebook, an input made for the snapshot fuzz harness).
    if (params.kind == FDB_KIND_IVF_PQ) {
        const uint64_t codebook = uint64_t(params.dim) * (uint64_t(1) << params.pq_bits) * sizeof(float);
        const uint64_t allowance = uint64_t(64) << 20;
        if (codebook > r.left && codebook > allowance) {
            corrupt("the PQ parameters (dim " + str(params.dim) + ", " + str(params.pq_bits) + " bits) call for a " +
                    std::to_string(codebook) + "-byte codebook but only " + std::to_string(r.left) + " bytes follow");
        }
    }

    auto ix = std::make_unique<fdb_index>();
    ix->params = params;
    ix->index = make_faiss_index(params);
    if (is_positional(params.kind)) read_positional(r, ix.get(), n);
    if (is_ivf(params.kind)) read_ivf(r, ix.get(), n);
    if (r.left != 0) corrupt(std::to_string(r.left) + " unexpected bytes after the index");
    return ix;
}

/// Makes room for `needed` elements, at least doubling the capacity when it grows: reserving exactly
/// what each batch needs would copy (or rehash) everything stored at every add.
template <class T>
void reserve_growing(std::vector<T>& v, size_t needed) {
    if (needed > v.capacity()) v.reserve(std::max(needed, 2 * v.capacity()));
}

} // namespace

// MARK: - C interface

extern "C" {

const char* fdb_last_error(void) {
    return last_error.c_str();
}

int fdb_index_create(const fdb_index_params* params, fdb_index** out) {
    return guarded([&] {
        if (params == nullptr || out == nullptr) invalid("NULL argument");
        validate_params(*params, FDB_ERR_INVALID_ARGUMENT);
        configure_threads_once();
        auto ix = std::make_unique<fdb_index>();
        ix->params = *params;
        ix->index = make_faiss_index(*params);
        *out = ix.release();
    });
}

void fdb_index_destroy(fdb_index* index) {
    try {
        delete index;
    } catch (...) {
        // Destructors of FAISS indexes do not throw; nothing else to do.
    }
}

int fdb_index_get_params(const fdb_index* index, fdb_index_params* out) {
    return guarded([&] {
        if (index == nullptr || out == nullptr) invalid("NULL argument");
        *out = index->params;
    });
}

int fdb_index_configure(fdb_index* index, const fdb_index_params* params) {
    return guarded([&] {
        check_usable(index);
        if (params == nullptr) invalid("NULL argument");
        const fdb_index_params& now = index->params;
        const fdb_index_params& p = *params;
        bool same = p.kind == now.kind && p.metric == now.metric && p.dim == now.dim;
        if (now.kind == FDB_KIND_HNSW) same = same && p.hnsw_m == now.hnsw_m;
        if (is_ivf(now.kind)) same = same && p.nlist == now.nlist;
        if (now.kind == FDB_KIND_IVF_PQ) same = same && p.pq_m == now.pq_m && p.pq_bits == now.pq_bits;
        if (!same) invalid("only ef_construction, ef_search, nprobe and refine_factor can change after creation");
        validate_params(p, FDB_ERR_INVALID_ARGUMENT);
        index->params.ef_construction = p.ef_construction;
        index->params.ef_search = p.ef_search;
        index->params.nprobe = p.nprobe;
        index->params.refine_factor = p.refine_factor;
        if (now.kind == FDB_KIND_HNSW) {
            hnsw_of(index)->hnsw.efConstruction = p.ef_construction;
            hnsw_of(index)->hnsw.efSearch = p.ef_search;
        } else if (is_ivf(now.kind)) {
            ivf_of(index)->nprobe = size_t(p.nprobe);
        }
        if (now.kind == FDB_KIND_IVF_PQ) refine_of(index)->k_factor = float(p.refine_factor);
    });
}

int fdb_index_is_trained(const fdb_index* index, int* out) {
    return guarded([&] {
        check_usable(index);
        if (out == nullptr) invalid("NULL argument");
        *out = index->index->is_trained ? 1 : 0;
    });
}

int fdb_index_train(fdb_index* index, int64_t n, const float* x) {
    return guarded([&] {
        check_usable(index);
        if (!is_ivf(index->params.kind)) return;
        if (index->index->is_trained) invalid("the index is already trained");
        const int64_t minimum = minimum_training_points(index->params);
        if (n < minimum) {
            invalid("training needs at least " + str(minimum) + " vectors, got " + str(n));
        }
        if (x == nullptr) invalid("NULL training vectors");
        SingleThreadScope threads(small_training(n, index->params.dim));
        index->index->train(n, x);
    });
}

int fdb_index_add(fdb_index* index, int64_t n, const float* x, const int64_t* ids) {
    return guarded([&] {
        check_usable(index);
        if (n < 0) invalid("negative vector count");
        if (n == 0) return;
        if (x == nullptr || ids == nullptr) invalid("NULL vectors or ids");
        const int32_t kind = index->params.kind;
        if (is_ivf(kind) && !index->index->is_trained) invalid("the IVF index must be trained before vectors are added");
        // New ids ascending above every stored one (the store's usual batch) are new and distinct
        // by construction; any other batch is checked id by id.
        bool fresh = is_positional(kind) && ids[0] > index->id_ceiling;
        for (int64_t i = 1; fresh && i < n; i++) fresh = ids[i] > ids[i - 1];
        if (!fresh) {
            std::unordered_set<idx_t> batch;
            if (n > 1) batch.reserve(size_t(n));
            for (int64_t i = 0; i < n; i++) {
                const idx_t id = ids[i];
                if (id < 0) invalid("id " + str(id) + " is negative");
                if (contains(index, id)) invalid("id " + str(id) + " is already in the index");
                if (n > 1 && !batch.insert(id).second) invalid("id " + str(id) + " appears twice in the batch");
            }
        }

        SingleThreadScope threads(small_rows(n, index->params.dim));
        const auto rows_before = faiss_rows(index);
        if (!is_positional(kind)) {
            try {
                index->index->add_with_ids(n, x, ids);
            } catch (...) {
                if (faiss_rows(index) != rows_before) index->broken = true;
                throw;
            }
            return;
        }
        const idx_t before = idx_t(index->labels.size());
        if (kind == FDB_KIND_HNSW && before + n > std::numeric_limits<int32_t>::max()) {
            invalid("an HNSW index holds at most 2^31-1 vectors");
        }
        const bool tombstones = keeps_tombstones(kind);
        // Reserve first so that nothing but FAISS itself can fail half-way.
        reserve_growing(index->labels, size_t(before + n));
        index->positions.reserve(ids, size_t(n), before + n);
        if (tombstones) reserve_growing(index->dead, size_t(before + n));
        const size_t bytes = size_t(n) * size_t(index->params.dim) * sizeof(float);
        // Flat: rows staged for exactly this add need only be published.
        faiss::IndexFlatCodes* storage = vector_storage(index);
        const bool publish = index->staged == n && storage->codes.size() == size_t(storage->ntotal) * storage->code_size + bytes &&
                             std::memcmp(storage->codes.data() + size_t(storage->ntotal) * storage->code_size, x, bytes) == 0;
        index->staged = 0;
        if (!publish) reserve_codes(storage, bytes);
        try {
            // IVF-PQ: IndexRefine::add gives the rows the positions before .. before + n - 1 in both
            // the IVF lists and the exact copy.
            if (publish) {
                index->index->ntotal += n;
            } else {
                index->index->add(n, x);
            }
            for (int64_t i = 0; i < n; i++) {
                index->labels.push_back(ids[i]);
                index->positions.insert(ids[i], before + i);
                if (tombstones) index->dead.push_back(0);
                index->id_ceiling = std::max(index->id_ceiling, ids[i]);
            }
        } catch (...) {
            if (faiss_rows(index) != rows_before) index->broken = true;
            throw;
        }
        if (kind == FDB_KIND_HNSW) {
            index->added_since_repair += n;
            if (index->added_since_repair * 100 >= int64_t(index->labels.size())) repair_reachability(index);
        }
    });
}

int fdb_index_stage(fdb_index* index, int64_t n, const float* x) {
    return guarded([&] {
        check_usable(index);
        if (n < 0 || (n > 0 && x == nullptr)) invalid("bad arguments");
        index->staged = 0;
        if (index->params.kind != FDB_KIND_FLAT || n == 0) return;
        faiss::IndexFlatCodes* storage = vector_storage(index);
        const size_t bytes = size_t(n) * size_t(index->params.dim) * sizeof(float);
        const size_t start = size_t(storage->ntotal) * storage->code_size;
        reserve_codes(storage, bytes);
        storage->codes.resize(start + bytes);
        std::memcpy(storage->codes.data() + start, x, bytes);
        index->staged = n;
    });
}

int fdb_index_remove(fdb_index* index, int64_t n, const int64_t* ids, int64_t* removed) {
    return guarded([&] {
        check_usable(index);
        index->staged = 0;
        if (removed == nullptr || n < 0 || (n > 0 && ids == nullptr)) invalid("bad arguments");
        *removed = 0;
        if (n == 0) return;
        const int32_t kind = index->params.kind;

        if (keeps_tombstones(kind)) {
            for (int64_t i = 0; i < n; i++) {
                const idx_t found = index->positions.find(ids[i]);
                if (found < 0) continue;
                const size_t pos = size_t(found);
                index->dead[pos] = 1;
                index->labels[pos] = -1;
                index->positions.erase(ids[i]);
                index->tombstones++;
                (*removed)++;
            }
            return;
        }

        if (kind == FDB_KIND_FLAT) {
            const size_t stored = index->labels.size();
            std::vector<uint8_t> kill(stored, 0);
            int64_t count = 0;
            for (int64_t i = 0; i < n; i++) {
                const idx_t found = index->positions.find(ids[i]);
                if (found < 0 || kill[size_t(found)]) continue;
                kill[size_t(found)] = 1;
                count++;
            }
            if (count == 0) return;
            // Build the renumbered bookkeeping first; FAISS keeps the order of the rows it keeps.
            std::vector<idx_t> labels;
            labels.reserve(stored - size_t(count));
            IdPositions positions;
            positions.reserve(index->labels.data(), stored, idx_t(stored));
            for (size_t pos = 0; pos < stored; pos++) {
                if (kill[pos]) continue;
                positions.insert(index->labels[pos], idx_t(labels.size()));
                labels.push_back(index->labels[pos]);
            }
            ByteMaskSelector selector(kill, 1);
            const size_t gone = index->index->remove_ids(selector);
            if (gone != size_t(count)) {
                index->broken = true;
                fail(FDB_ERR_FAISS, "FAISS removed an unexpected number of vectors");
            }
            index->labels = std::move(labels);
            index->positions = std::move(positions);
            *removed = count;
            return;
        }

        std::vector<idx_t> present;
        std::unordered_set<idx_t> unique;
        for (int64_t i = 0; i < n; i++) {
            if (contains(index, ids[i]) && unique.insert(ids[i]).second) present.push_back(ids[i]);
        }
        if (present.empty()) return;
        faiss::IDSelectorArray selector(present.size(), present.data());
        const idx_t before = index->index->ntotal;
        try {
            *removed = int64_t(index->index->remove_ids(selector));
        } catch (...) {
            if (index->index->ntotal != before) index->broken = true;
            throw;
        }
    });
}

int fdb_index_count(const fdb_index* index, int64_t* out) {
    return guarded([&] {
        check_usable(index);
        if (out == nullptr) invalid("NULL argument");
        *out = live_count(index);
    });
}

int fdb_index_tombstone_count(const fdb_index* index, int64_t* out) {
    return guarded([&] {
        check_usable(index);
        if (out == nullptr) invalid("NULL argument");
        *out = index->tombstones;
    });
}

int fdb_index_search(
    const fdb_index* index, int64_t nq, const float* queries, int64_t k, const int64_t* allowed, int64_t n_allowed,
    int32_t ef_search, int32_t nprobe, float* distances_out, int64_t* labels_out) {
    return guarded([&] {
        check_usable(index);
        if (nq < 0 || k < 1) invalid("nq must be >= 0 and k >= 1");
        if (nq == 0) return;
        if (queries == nullptr || distances_out == nullptr || labels_out == nullptr) invalid("NULL argument");
        if (n_allowed > 0 && allowed == nullptr) invalid("NULL allowed ids");
        const fdb_index_params& p = index->params;
        const bool ip = p.metric == FDB_METRIC_INNER_PRODUCT;
        const float pad = ip ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
        std::fill(distances_out, distances_out + nq * k, pad);
        std::fill(labels_out, labels_out + nq * k, idx_t(-1));

        const int64_t live = live_count(index);
        if (live == 0) return;
        SingleThreadScope threads(small_rows(nq, p.dim));
        const int64_t ef = ef_search > 0 ? ef_search : p.ef_search;
        const int64_t probes = nprobe > 0 ? nprobe : p.nprobe;
        const bool positional = is_positional(p.kind);

        if (n_allowed < 0) {
            if (keeps_tombstones(p.kind) && index->tombstones > 0) {
                ByteMaskSelector not_dead(index->dead, 0);
                const int64_t stored = int64_t(index->labels.size());
                faiss_search(index, nq, queries, k, &not_dead, widen(std::max<int64_t>(ef, k), live, stored), probes,
                             distances_out, labels_out);
            } else {
                faiss_search(index, nq, queries, k, nullptr, ef, probes, distances_out, labels_out);
            }
            return;
        }

        // The live ids the filter allows, each once.
        std::vector<idx_t> keys; // positions for flat/HNSW, ids for IVF
        std::vector<idx_t> key_ids;
        {
            std::unordered_set<idx_t> unique;
            for (int64_t i = 0; i < n_allowed; i++) {
                const idx_t id = allowed[i];
                if (!unique.insert(id).second) continue;
                if (positional) {
                    const idx_t found = index->positions.find(id);
                    if (found < 0) continue;
                    keys.push_back(found);
                } else if (!contains(index, id)) {
                    continue;
                } else {
                    keys.push_back(id);
                }
                key_ids.push_back(id);
            }
        }
        const int64_t m = int64_t(keys.size());
        if (m == 0) return;

        if (p.kind == FDB_KIND_FLAT || m <= exact_scan_limit(live)) {
            const size_t d = size_t(p.dim);
            std::vector<float> gathered(size_t(m) * d);
            if (positional) {
                const float* xb = stored_vectors(index);
                for (int64_t i = 0; i < m; i++) {
                    std::memcpy(&gathered[size_t(i) * d], xb + size_t(keys[size_t(i)]) * d, d * sizeof(float));
                }
            } else {
                for (int64_t i = 0; i < m; i++) ivf_of(index)->reconstruct(keys[size_t(i)], &gathered[size_t(i) * d]);
            }
            exact_scan(index, nq, queries, k, size_t(m), gathered.data(), key_ids.data(), distances_out, labels_out);
            return;
        }

        if (positional) {
            std::vector<uint8_t> mask(index->labels.size(), 0);
            for (idx_t pos : keys) mask[size_t(pos)] = 1;
            ByteMaskSelector selector(mask, 1);
            faiss_search(index, nq, queries, k, &selector, widen(std::max<int64_t>(ef, k), m, live),
                         widen(probes, m, live), distances_out, labels_out);
        } else {
            faiss::IDSelectorBatch selector(size_t(m), keys.data());
            faiss_search(index, nq, queries, k, &selector, ef, widen(probes, m, live), distances_out, labels_out);
        }
    });
}

int fdb_index_search_exact(
    const fdb_index* index, int64_t nq, const float* queries, int64_t k, float* distances_out, int64_t* labels_out) {
    return guarded([&] {
        check_usable(index);
        if (nq < 0 || k < 1) invalid("nq must be >= 0 and k >= 1");
        if (nq == 0) return;
        if (queries == nullptr || distances_out == nullptr || labels_out == nullptr) invalid("NULL argument");
        const fdb_index_params& p = index->params;
        const bool ip = p.metric == FDB_METRIC_INNER_PRODUCT;
        const float pad = ip ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
        std::fill(distances_out, distances_out + nq * k, pad);
        std::fill(labels_out, labels_out + nq * k, idx_t(-1));
        if (live_count(index) == 0) return;
        // One thread: the scan is one sgemm per block plus heap updates, and OpenMP teams around
        // the heap updates measured 5-6x slower than one thread when other processes load the CPUs.
        SingleThreadScope threads(true);
        if (!is_positional(p.kind)) {
            if (!ivf_of(index)->is_trained) return;
            faiss::SearchParametersIVF sp;
            sp.nprobe = size_t(p.nlist);
            index->index->search(nq, queries, k, distances_out, labels_out, &sp);
            return;
        }
        const faiss::IndexFlat* storage = vector_storage(index);
        if (index->tombstones > 0) {
            ByteMaskSelector not_dead(index->dead, 0);
            faiss::SearchParameters sp;
            sp.sel = &not_dead;
            storage->search(nq, queries, k, distances_out, labels_out, &sp);
        } else {
            storage->search(nq, queries, k, distances_out, labels_out);
        }
        const size_t stored = index->labels.size();
        for (int64_t i = 0; i < nq * k; i++) {
            const idx_t pos = labels_out[i];
            labels_out[i] = (pos >= 0 && size_t(pos) < stored) ? index->labels[size_t(pos)] : -1;
        }
    });
}

int fdb_index_search_unrefined(
    const fdb_index* index, int64_t nq, const float* queries, int64_t k, int32_t nprobe, float* distances_out,
    int64_t* labels_out) {
    return guarded([&] {
        check_usable(index);
        if (index->params.kind != FDB_KIND_IVF_PQ) invalid("only IVF-PQ searches without refinement");
        if (!index->index->is_trained) invalid("the IVF-PQ index is not trained");
        if (nq < 0 || k < 1) invalid("nq must be >= 0 and k >= 1");
        if (nq == 0) return;
        if (queries == nullptr || distances_out == nullptr || labels_out == nullptr) invalid("NULL argument");
        SingleThreadScope threads(small_rows(nq, index->params.dim));
        ByteMaskSelector not_dead(index->dead, 0);
        faiss::SearchParametersIVF sp;
        sp.sel = index->tombstones > 0 ? &not_dead : nullptr;
        sp.nprobe = size_t(std::min<int64_t>(nprobe > 0 ? nprobe : index->params.nprobe, index->params.nlist));
        refine_of(index)->base_index->search(nq, queries, k, distances_out, labels_out, &sp);
        const size_t stored = index->labels.size();
        for (int64_t i = 0; i < nq * k; i++) {
            const idx_t pos = labels_out[i];
            labels_out[i] = (pos >= 0 && size_t(pos) < stored) ? index->labels[size_t(pos)] : -1;
        }
    });
}

int fdb_index_ids(const fdb_index* index, int64_t* out, int64_t capacity, int64_t* count) {
    return guarded([&] {
        check_usable(index);
        if (count == nullptr) invalid("NULL argument");
        const int64_t live = live_count(index);
        *count = live;
        if (capacity < live) invalid("the buffer holds " + str(capacity) + " ids, " + str(live) + " are needed");
        if (live > 0 && out == nullptr) invalid("NULL output buffer");
        int64_t written = 0;
        if (is_positional(index->params.kind)) {
            for (size_t pos = 0; pos < index->labels.size(); pos++) {
                if (index->labels[pos] < 0) continue;  // a tombstone
                out[written++] = index->labels[pos];
            }
            return;
        }
        const faiss::IndexIVF* ivf = ivf_of(index);
        if (!ivf->is_trained) return;
        for (size_t list = 0; list < ivf->nlist; list++) {
            const size_t size = ivf->invlists->list_size(list);
            faiss::InvertedLists::ScopedIds ids(ivf->invlists, list);
            std::copy(ids.get(), ids.get() + size, out + written);
            written += int64_t(size);
        }
    });
}

int fdb_index_reconstruct(const fdb_index* index, int64_t n, const int64_t* ids, float* out) {
    return guarded([&] {
        check_usable(index);
        if (n < 0 || (n > 0 && (ids == nullptr || out == nullptr))) invalid("bad arguments");
        const size_t d = size_t(index->params.dim);
        for (int64_t i = 0; i < n; i++) {
            if (!contains(index, ids[i])) invalid("id " + str(ids[i]) + " is not in the index");
        }
        if (is_positional(index->params.kind)) {
            const float* xb = stored_vectors(index);
            for (int64_t i = 0; i < n; i++) {
                const size_t pos = size_t(index->positions.find(ids[i]));
                std::memcpy(out + size_t(i) * d, xb + pos * d, d * sizeof(float));
            }
        } else {
            for (int64_t i = 0; i < n; i++) ivf_of(index)->reconstruct(ids[i], out + size_t(i) * d);
        }
    });
}

int fdb_index_compact(fdb_index* index) {
    return guarded([&] {
        check_usable(index);
        if (!keeps_tombstones(index->params.kind) || index->tombstones == 0) return;
        const size_t d = size_t(index->params.dim);
        const float* xb = stored_vectors(index);
        const size_t stored = index->labels.size();
        const size_t live = index->positions.size();
        // The renumbered bookkeeping first: new position of each live row, in the old order.
        std::vector<idx_t> renumbered(stored, -1);
        std::vector<idx_t> labels;
        labels.reserve(live);
        IdPositions positions;
        positions.reserve(index->labels.data(), stored, idx_t(live));
        for (size_t pos = 0; pos < stored; pos++) {
            if (index->dead[pos]) continue;
            renumbered[pos] = idx_t(labels.size());
            positions.insert(index->labels[pos], idx_t(labels.size()));
            labels.push_back(index->labels[pos]);
        }
        std::vector<uint8_t> dead(live, 0);

        if (index->params.kind == FDB_KIND_IVF_PQ) {
            // No re-encoding: drop the tombstones' list entries, renumber the others, and delete
            // the tombstones' rows from the exact copy (IndexFlat keeps the order of the rest).
            faiss::IndexIVF* ivf = ivf_of(index);
            auto* lists = dynamic_cast<faiss::ArrayInvertedLists*>(ivf->invlists);
            if (lists == nullptr) fail(FDB_ERR_FAISS, "unexpected inverted list type");
            const size_t code_size = ivf->code_size;
            std::vector<std::vector<idx_t>> ids(lists->nlist);
            std::vector<std::vector<uint8_t>> codes(lists->nlist);
            for (size_t list = 0; list < lists->nlist; list++) {
                const std::vector<idx_t>& old_ids = lists->ids[list];
                ids[list].reserve(old_ids.size());
                codes[list].reserve(old_ids.size() * code_size);
                for (size_t j = 0; j < old_ids.size(); j++) {
                    const idx_t pos = old_ids[j];
                    if (pos < 0 || size_t(pos) >= stored) fail(FDB_ERR_FAISS, "an IVF-PQ list entry is not a stored row");
                    if (renumbered[size_t(pos)] < 0) continue;
                    ids[list].push_back(renumbered[size_t(pos)]);
                    const uint8_t* code = lists->codes[list].data() + j * code_size;
                    codes[list].insert(codes[list].end(), code, code + code_size);
                }
            }
            // Nothing below allocates or throws.
            ByteMaskSelector tombstone(index->dead, 1);
            faiss::IndexFlat* copy = vector_storage(index);
            copy->remove_ids(tombstone);
            lists->ids.swap(ids);
            lists->codes.swap(codes);
            ivf->ntotal = idx_t(live);
            index->index->ntotal = idx_t(live);
        } else {
            std::vector<float> vectors;
            vectors.reserve(live * d);
            for (size_t pos = 0; pos < stored; pos++) {
                if (!index->dead[pos]) vectors.insert(vectors.end(), xb + pos * d, xb + (pos + 1) * d);
            }
            std::unique_ptr<faiss::Index> rebuilt = make_faiss_index(index->params);
            {
                SingleThreadScope threads(small_rows(int64_t(live), index->params.dim));
                rebuilt->add(idx_t(live), vectors.data());
            }
            // Nothing below can throw: the old graph is replaced only once the new one is complete.
            index->index = std::move(rebuilt);
        }
        index->labels = std::move(labels);
        index->positions = std::move(positions);
        index->dead = std::move(dead);
        index->tombstones = 0;
        if (index->params.kind == FDB_KIND_HNSW) repair_reachability(index);
    });
}

int fdb_index_hnsw_unreachable(const fdb_index* index, int64_t* out) {
    return guarded([&] {
        check_usable(index);
        if (out == nullptr) invalid("NULL argument");
        *out = 0;
        if (index->params.kind != FDB_KIND_HNSW) return;
        std::vector<uint8_t> reached;
        *out = int64_t(unreachable_nodes(index, reached).size());
    });
}

int fdb_index_memory_usage(const fdb_index* index, int64_t* out) {
    return guarded([&] {
        check_usable(index);
        if (out == nullptr) invalid("NULL argument");
        const size_t d = size_t(index->params.dim);
        size_t bytes = sizeof(fdb_index);
        if (is_positional(index->params.kind)) {
            // The float vectors (IVF-PQ: its exact copy, 4 * dim bytes per row) and the bookkeeping.
            bytes += index->labels.size() * d * sizeof(float);
            bytes += index->labels.capacity() * sizeof(idx_t) + index->dead.capacity();
            bytes += index->positions.memory();
            if (index->params.kind == FDB_KIND_HNSW) {
                const faiss::HNSW& graph = hnsw_of(index)->hnsw;
                bytes += graph.neighbors.capacity() * sizeof(int32_t) + graph.offsets.capacity() * sizeof(size_t) +
                         graph.levels.capacity() * sizeof(int);
            }
        }
        if (is_ivf(index->params.kind)) {
            const faiss::IndexIVF* ivf = ivf_of(index);
            bytes += size_t(ivf->nlist) * d * sizeof(float);
            // Each list entry: its code and its id; IVF-Flat also has its id in the direct map, a
            // std::unordered_map whose entry costs roughly a node (key, value, next pointer, malloc
            // header) plus a bucket.
            const size_t map_entry = 48;
            const size_t per_entry = ivf->code_size + sizeof(idx_t) + (index->params.kind == FDB_KIND_IVF_FLAT ? map_entry : 0);
            bytes += size_t(ivf->ntotal) * per_entry;
            if (index->params.kind == FDB_KIND_IVF_PQ) {
                const auto* ivfpq = static_cast<const faiss::IndexIVFPQ*>(ivf);
                bytes += ivfpq->pq.centroids.size() * sizeof(float) + ivfpq->precomputed_table.size() * sizeof(float);
            }
        }
        *out = int64_t(bytes);
    });
}

int fdb_index_serialize(const fdb_index* index, uint8_t** buf, size_t* len) {
    return guarded([&] {
        check_usable(index);
        if (buf == nullptr || len == nullptr) invalid("NULL argument");
        Writer w;
        serialize_into(index, w);
        if (w.data == nullptr) w.reserve(1);
        *buf = w.data;
        *len = w.size;
        w.data = nullptr;
    });
}

int fdb_index_serialized_size(const fdb_index* index, uint64_t* len) {
    return guarded([&] {
        check_usable(index);
        if (len == nullptr) invalid("NULL argument");
        Writer w;
        w.counting = true;
        serialize_into(index, w);
        *len = w.size;
    });
}

int fdb_index_serialize_to(const fdb_index* index, fdb_write_fn write, void* context) {
    return guarded([&] {
        check_usable(index);
        if (write == nullptr) invalid("NULL argument");
        Writer w;
        w.sink = write;
        w.context = context;
        serialize_into(index, w);
    });
}

void fdb_index_buffer_free(uint8_t* buf) {
    std::free(buf);
}

int fdb_index_deserialize(const uint8_t* buf, size_t len, fdb_index** out) {
    return guarded([&] {
        if (out == nullptr || (buf == nullptr && len > 0)) invalid("NULL argument");
        static const uint8_t empty = 0;
        configure_threads_once();
        try {
            *out = deserialize(buf ? buf : &empty, len).release();
        } catch (const faiss::FaissException& e) {
            // FAISS refused the restored structures: the bytes, not FAISS, are at fault.
            corrupt(e.what());
        }
    });
}

} // extern "C"
