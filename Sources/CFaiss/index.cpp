// index.cpp: making FAISS indexes and growing their vector storage; the operations that create,
// configure and train an index and read it (counts, ids, vectors, memory).

#include "index.hpp"

#include "operations.hpp"
#include "threads.hpp"

#include <faiss/IndexIVFFlat.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/invlists/DirectMap.h>
#include <faiss/invlists/InvertedLists.h>

#include <sys/mman.h>

#include <cstring>
#include <new>
#include <stdexcept>

namespace fdb {

namespace {

/// Faults in the whole pages of `bytes` at `p`, writable, in one call (`MADV_POPULATE_WRITE`,
/// Linux 5.14): much cheaper than a page fault per 4 KiB when a large index is filled. Only a
/// hint; on an older kernel the pages fault in as they are touched.
void populate(const void* p, size_t bytes) {
    const uintptr_t page = 4096;
    const uintptr_t start = (uintptr_t(p) + page - 1) & ~(page - 1);
    const uintptr_t end = (uintptr_t(p) + bytes) & ~(page - 1);
    if (end > start) (void)madvise(reinterpret_cast<void*>(start), end - start, 23 /* MADV_POPULATE_WRITE */);
}

} // namespace

// MARK: - Making indexes

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

void check_usable(const fdb_index* ix) {
    if (ix == nullptr) invalid("the index is NULL");
    if (ix->broken) {
        fail(FDB_ERR_FAISS, "the index is inconsistent after an earlier failure; rebuild it");
    }
}

// MARK: - Vector storage

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

// MARK: - Operations

void create(const fdb_index_params* params, fdb_index** out) {
    if (params == nullptr || out == nullptr) invalid("NULL argument");
    validate_params(*params, FDB_ERR_INVALID_ARGUMENT);
    configure_threads_once();
    auto ix = std::make_unique<fdb_index>();
    ix->params = *params;
    ix->index = make_faiss_index(*params);
    *out = ix.release();
}

void destroy(fdb_index* index) noexcept {
    // Destructors of FAISS indexes do not throw.
    delete index;
}

void get_params(const fdb_index* index, fdb_index_params* out) {
    if (index == nullptr || out == nullptr) invalid("NULL argument");
    *out = index->params;
}

void configure(fdb_index* index, const fdb_index_params* params) {
    check_usable(index);
    if (params == nullptr) invalid("NULL argument");
    const fdb_index_params& now = index->params;
    const fdb_index_params& p = *params;
    if (!same_structure(p, now)) invalid("only ef_construction, ef_search, nprobe and refine_factor can change after creation");
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
}

void is_trained(const fdb_index* index, int* out) {
    check_usable(index);
    if (out == nullptr) invalid("NULL argument");
    *out = index->index->is_trained ? 1 : 0;
}

void train(fdb_index* index, int64_t n, const float* x) {
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
}

void count(const fdb_index* index, int64_t* out) {
    check_usable(index);
    if (out == nullptr) invalid("NULL argument");
    *out = live_count(index);
}

void tombstone_count(const fdb_index* index, int64_t* out) {
    check_usable(index);
    if (out == nullptr) invalid("NULL argument");
    *out = index->tombstones;
}

void list_ids(const fdb_index* index, int64_t* out, int64_t capacity, int64_t* count) {
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
}

void reconstruct(const fdb_index* index, int64_t n, const int64_t* ids, float* out) {
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
}

void memory_usage(const fdb_index* index, int64_t* out) {
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
}

} // namespace fdb
