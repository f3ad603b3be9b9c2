// update.cpp: adding vectors (with staging for flat) and removing them: flat and IVF-Flat delete
// at once, HNSW and IVF-PQ mark tombstones (dropped by compact.cpp).

#include "index.hpp"

#include "hnsw_repair.hpp"
#include "operations.hpp"
#include "threads.hpp"

#include <cstring>
#include <limits>
#include <unordered_set>

namespace fdb {

namespace {

/// Checks that `ids` are non-negative, not live and distinct (all or nothing).
void check_new_ids(const fdb_index* index, int64_t n, const int64_t* ids) {
    // New ids ascending above every stored one (the store's usual batch) are new and distinct
    // by construction; any other batch is checked id by id.
    bool fresh = is_positional(index->params.kind) && ids[0] > index->id_ceiling;
    for (int64_t i = 1; fresh && i < n; i++) fresh = ids[i] > ids[i - 1];
    if (fresh) return;
    std::unordered_set<idx_t> batch;
    if (n > 1) batch.reserve(size_t(n));
    for (int64_t i = 0; i < n; i++) {
        const idx_t id = ids[i];
        if (id < 0) invalid("id " + str(id) + " is negative");
        if (contains(index, id)) invalid("id " + str(id) + " is already in the index");
        if (n > 1 && !batch.insert(id).second) invalid("id " + str(id) + " appears twice in the batch");
    }
}

/// HNSW and IVF-PQ: tombstones the live ids among `ids`; returns how many.
int64_t mark_tombstones(fdb_index* index, int64_t n, const int64_t* ids) {
    int64_t removed = 0;
    for (int64_t i = 0; i < n; i++) {
        const idx_t found = index->positions.find(ids[i]);
        if (found < 0) continue;
        const size_t pos = size_t(found);
        index->dead[pos] = 1;
        index->labels[pos] = -1;
        index->positions.erase(ids[i]);
        index->tombstones++;
        removed++;
    }
    return removed;
}

/// Flat: deletes the rows of the live ids among `ids` and renumbers the rest; returns how many.
int64_t remove_flat_rows(fdb_index* index, int64_t n, const int64_t* ids) {
    const size_t stored = index->labels.size();
    std::vector<uint8_t> kill(stored, 0);
    int64_t count = 0;
    for (int64_t i = 0; i < n; i++) {
        const idx_t found = index->positions.find(ids[i]);
        if (found < 0 || kill[size_t(found)]) continue;
        kill[size_t(found)] = 1;
        count++;
    }
    if (count == 0) return 0;
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
    return count;
}

/// IVF-Flat: removes the live ids among `ids` from the lists; returns how many.
int64_t remove_ivf_ids(fdb_index* index, int64_t n, const int64_t* ids) {
    std::vector<idx_t> present;
    std::unordered_set<idx_t> unique;
    for (int64_t i = 0; i < n; i++) {
        if (contains(index, ids[i]) && unique.insert(ids[i]).second) present.push_back(ids[i]);
    }
    if (present.empty()) return 0;
    faiss::IDSelectorArray selector(present.size(), present.data());
    const idx_t before = index->index->ntotal;
    try {
        return int64_t(index->index->remove_ids(selector));
    } catch (...) {
        if (index->index->ntotal != before) index->broken = true;
        throw;
    }
}

} // namespace

void add(fdb_index* index, int64_t n, const float* x, const int64_t* ids) {
    check_usable(index);
    if (n < 0) invalid("negative vector count");
    if (n == 0) return;
    if (x == nullptr || ids == nullptr) invalid("NULL vectors or ids");
    const int32_t kind = index->params.kind;
    if (is_ivf(kind) && !index->index->is_trained) invalid("the IVF index must be trained before vectors are added");
    check_new_ids(index, n, ids);

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
}

void stage(fdb_index* index, int64_t n, const float* x) {
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
}

void remove(fdb_index* index, int64_t n, const int64_t* ids, int64_t* removed) {
    check_usable(index);
    index->staged = 0;
    if (removed == nullptr || n < 0 || (n > 0 && ids == nullptr)) invalid("bad arguments");
    *removed = 0;
    if (n == 0) return;
    const int32_t kind = index->params.kind;
    if (keeps_tombstones(kind)) {
        *removed = mark_tombstones(index, n, ids);
    } else if (kind == FDB_KIND_FLAT) {
        *removed = remove_flat_rows(index, n, ids);
    } else {
        *removed = remove_ivf_ids(index, n, ids);
    }
}

} // namespace fdb
