// compact.cpp: dropping the tombstones of HNSW (rebuilding the graph from the live vectors) and
// IVF-PQ (deleting their codes and exact copies, renumbering the rest, no re-encoding).

#include "index.hpp"

#include "hnsw_repair.hpp"
#include "operations.hpp"
#include "threads.hpp"

#include <faiss/invlists/InvertedLists.h>

namespace fdb {

void compact(fdb_index* index) {
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
}

} // namespace fdb
