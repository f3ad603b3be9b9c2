// search.cpp: searching: FAISS's search with per-call parameters and id selectors, the exact scan
// that answers small filters, IVF-PQ's refine step run by hand, and widening of search budgets by a
// filter's selectivity; the search, exact-search and unrefined-search operations.

#include "index.hpp"

#include "operations.hpp"
#include "threads.hpp"

#include <faiss/IndexIVFPQ.h>
#include <faiss/utils/distances.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_set>

namespace fdb {

namespace {

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

/// Positional kinds: turns the positions in `labels` (nq * k of them) into ids (-1 stays -1).
void positions_to_ids(const fdb_index* ix, int64_t count, idx_t* labels) {
    const size_t stored = ix->labels.size();
    for (int64_t i = 0; i < count; i++) {
        const idx_t pos = labels[i];
        labels[i] = (pos >= 0 && size_t(pos) < stored) ? ix->labels[size_t(pos)] : -1;
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
    if (is_positional(ix->params.kind)) positions_to_ids(ix, nq * k, labels);
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

/// Fills the nq * k result slots with "no result": label -1 and the metric's worst distance.
void pad_results(const fdb_index* ix, int64_t nq, int64_t k, float* distances_out, int64_t* labels_out) {
    const bool ip = ix->params.metric == FDB_METRIC_INNER_PRODUCT;
    const float pad = ip ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
    std::fill(distances_out, distances_out + nq * k, pad);
    std::fill(labels_out, labels_out + nq * k, idx_t(-1));
}

/// The checks every search makes of its counts and buffers; false when there is nothing to do (nq 0).
bool check_search_arguments(
    int64_t nq, const float* queries, int64_t k, const float* distances_out, const int64_t* labels_out) {
    if (nq < 0 || k < 1) invalid("nq must be >= 0 and k >= 1");
    if (nq == 0) return false;
    if (queries == nullptr || distances_out == nullptr || labels_out == nullptr) invalid("NULL argument");
    return true;
}

} // namespace

void search(
    const fdb_index* index, int64_t nq, const float* queries, int64_t k, const int64_t* allowed, int64_t n_allowed,
    int32_t ef_search, int32_t nprobe, float* distances_out, int64_t* labels_out) {
    check_usable(index);
    if (!check_search_arguments(nq, queries, k, distances_out, labels_out)) return;
    if (n_allowed > 0 && allowed == nullptr) invalid("NULL allowed ids");
    const fdb_index_params& p = index->params;
    pad_results(index, nq, k, distances_out, labels_out);

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
}

void search_exact(
    const fdb_index* index, int64_t nq, const float* queries, int64_t k, float* distances_out, int64_t* labels_out) {
    check_usable(index);
    if (!check_search_arguments(nq, queries, k, distances_out, labels_out)) return;
    const fdb_index_params& p = index->params;
    pad_results(index, nq, k, distances_out, labels_out);
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
    positions_to_ids(index, nq * k, labels_out);
}

void search_unrefined(
    const fdb_index* index, int64_t nq, const float* queries, int64_t k, int32_t nprobe, float* distances_out,
    int64_t* labels_out) {
    check_usable(index);
    if (index->params.kind != FDB_KIND_IVF_PQ) invalid("only IVF-PQ searches without refinement");
    if (!index->index->is_trained) invalid("the IVF-PQ index is not trained");
    if (!check_search_arguments(nq, queries, k, distances_out, labels_out)) return;
    SingleThreadScope threads(small_rows(nq, index->params.dim));
    ByteMaskSelector not_dead(index->dead, 0);
    faiss::SearchParametersIVF sp;
    sp.sel = index->tombstones > 0 ? &not_dead : nullptr;
    sp.nprobe = size_t(std::min<int64_t>(nprobe > 0 ? nprobe : index->params.nprobe, index->params.nlist));
    refine_of(index)->base_index->search(nq, queries, k, distances_out, labels_out, &sp);
    positions_to_ids(index, nq * k, labels_out);
}

} // namespace fdb
