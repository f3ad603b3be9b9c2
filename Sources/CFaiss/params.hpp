// params.hpp: what an fdb_index_params means: kinds, validation against the limits table, and which
// fields may change after creation.
#ifndef FDB_PARAMS_HPP
#define FDB_PARAMS_HPP

#include "fdb_faiss.h"

#include <faiss/MetricType.h>

#include <cstdint>

namespace fdb {

/// Kinds whose FAISS index numbers rows by position (`labels` / `positions` map them to ids).
inline bool is_positional(int32_t kind) {
    return kind == FDB_KIND_FLAT || kind == FDB_KIND_HNSW || kind == FDB_KIND_IVF_PQ;
}

/// Kinds whose removals leave tombstones until compaction.
inline bool keeps_tombstones(int32_t kind) {
    return kind == FDB_KIND_HNSW || kind == FDB_KIND_IVF_PQ;
}

inline bool is_ivf(int32_t kind) {
    return kind == FDB_KIND_IVF_FLAT || kind == FDB_KIND_IVF_PQ;
}

/// Whether FDB_LIMIT_PQ_BITS_MASK allows `bits`.
bool valid_pq_bits(int32_t bits);

/// Checks the fields that matter for the kind against the limits table (params.cpp, numbers from
/// the FDB_LIMIT_* macros of fdb_faiss.h); the others are kept as given. Fails with `status`
/// (FDB_ERR_INVALID_ARGUMENT for a caller's parameters, FDB_ERR_CORRUPT for deserialized ones).
void validate_params(const fdb_index_params& p, int status);

/// Whether `p` differs from `now` at most in the fields fdb_index_configure() may change
/// (ef_construction, ef_search, nprobe, refine_factor) among those that matter for the kind.
bool same_structure(const fdb_index_params& p, const fdb_index_params& now);

/// The fewest training vectors an IVF index accepts: one per list, and for IVF-PQ one per code.
int64_t minimum_training_points(const fdb_index_params& p);

faiss::MetricType faiss_metric(const fdb_index_params& p);

} // namespace fdb

#endif // FDB_PARAMS_HPP
