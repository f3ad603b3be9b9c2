// hnsw_repair.cpp: HNSW reachability repair (see hnsw_repair.hpp) and fdb_index_hnsw_unreachable.

#include "hnsw_repair.hpp"

#include "operations.hpp"

#include <faiss/impl/DistanceComputer.h>
#include <faiss/impl/HNSW.h>

#include <algorithm>
#include <limits>
#include <memory>

namespace fdb {

namespace {

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

} // namespace

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

void repair_reachability(fdb_index* ix) noexcept {
    try {
        link_unreachable(ix);
    } catch (...) {
    }
}

void hnsw_unreachable(const fdb_index* index, int64_t* out) {
    check_usable(index);
    if (out == nullptr) invalid("NULL argument");
    *out = 0;
    if (index->params.kind != FDB_KIND_HNSW) return;
    std::vector<uint8_t> reached;
    *out = int64_t(unreachable_nodes(index, reached).size());
}

} // namespace fdb
