// params.cpp: the table of parameter limits and the validation that reads it.
//
// The numbers are the FDB_LIMIT_* macros of the public header fdb_faiss.h, the one place they are
// written for C; Swift's IndexConfiguration.Limits (FaceDBCore) holds the same numbers, and
// FaceDBIndexTests' ParameterLimitsTests asserts that the two agree.

#include "params.hpp"

#include "errors.hpp"

#include <algorithm>
#include <string>

namespace fdb {

namespace {

/// Sets of kinds, one bit per fdb_kind.
constexpr unsigned kAllKinds = (1u << FDB_KIND_FLAT) | (1u << FDB_KIND_HNSW) | (1u << FDB_KIND_IVF_FLAT) | (1u << FDB_KIND_IVF_PQ);
constexpr unsigned kHnsw = 1u << FDB_KIND_HNSW;
constexpr unsigned kIvf = (1u << FDB_KIND_IVF_FLAT) | (1u << FDB_KIND_IVF_PQ);
constexpr unsigned kIvfPq = 1u << FDB_KIND_IVF_PQ;

/// How a field is checked.
enum class Rule {
    /// min <= value <= max.
    range,
    /// value >= min and value divides dim.
    divides_dim,
    /// bit `value` of FDB_LIMIT_PQ_BITS_MASK is set.
    bit_mask,
};

/// One row of the limits table: a field, the kinds that check it, and its limits.
struct ParamLimit {
    const char* name;
    int32_t fdb_index_params::*field;
    unsigned kinds;
    Rule rule;
    int32_t min;
    int32_t max;
};

/// The limits of every parameter, in the order they are checked (the first failure is reported).
constexpr ParamLimit kParamLimits[] = {
    {"dim", &fdb_index_params::dim, kAllKinds, Rule::range, FDB_LIMIT_DIM_MIN, FDB_LIMIT_DIM_MAX},
    {"hnsw_m", &fdb_index_params::hnsw_m, kHnsw, Rule::range, FDB_LIMIT_HNSW_M_MIN, FDB_LIMIT_HNSW_M_MAX},
    {"ef_construction", &fdb_index_params::ef_construction, kHnsw, Rule::range, FDB_LIMIT_EF_CONSTRUCTION_MIN,
     FDB_LIMIT_EF_CONSTRUCTION_MAX},
    {"ef_search", &fdb_index_params::ef_search, kHnsw, Rule::range, FDB_LIMIT_EF_SEARCH_MIN, FDB_LIMIT_EF_SEARCH_MAX},
    {"nlist", &fdb_index_params::nlist, kIvf, Rule::range, FDB_LIMIT_NLIST_MIN, FDB_LIMIT_NLIST_MAX},
    {"nprobe", &fdb_index_params::nprobe, kIvf, Rule::range, FDB_LIMIT_NPROBE_MIN, FDB_LIMIT_NPROBE_MAX},
    {"pq_m", &fdb_index_params::pq_m, kIvfPq, Rule::divides_dim, FDB_LIMIT_PQ_M_MIN, 0},
    {"pq_bits", &fdb_index_params::pq_bits, kIvfPq, Rule::bit_mask, 0, 0},
    {"refine_factor", &fdb_index_params::refine_factor, kIvfPq, Rule::range, FDB_LIMIT_REFINE_FACTOR_MIN,
     FDB_LIMIT_REFINE_FACTOR_MAX},
};

} // namespace

bool valid_pq_bits(int32_t bits) {
    return bits >= 0 && bits < 32 && ((uint32_t(FDB_LIMIT_PQ_BITS_MASK) >> bits) & 1u) != 0;
}

void validate_params(const fdb_index_params& p, int status) {
    auto check = [status](bool ok, const std::string& what) {
        if (!ok) fail(status, "invalid index parameter: " + what);
    };
    check(p.kind >= FDB_KIND_FLAT && p.kind <= FDB_KIND_IVF_PQ, "kind " + str(p.kind));
    check(p.metric == FDB_METRIC_L2 || p.metric == FDB_METRIC_INNER_PRODUCT, "metric " + str(p.metric));
    for (const ParamLimit& limit : kParamLimits) {
        if ((limit.kinds & (1u << p.kind)) == 0) continue;
        const int32_t value = p.*(limit.field);
        switch (limit.rule) {
        case Rule::range:
            check(value >= limit.min && value <= limit.max, limit.name + (" " + str(value)));
            break;
        case Rule::divides_dim:
            check(value >= limit.min && p.dim % value == 0,
                  limit.name + (" " + str(value)) + " must divide dim " + str(p.dim));
            break;
        case Rule::bit_mask:
            check(valid_pq_bits(value), limit.name + (" " + str(value)));
            break;
        }
    }
}

bool same_structure(const fdb_index_params& p, const fdb_index_params& now) {
    bool same = p.kind == now.kind && p.metric == now.metric && p.dim == now.dim;
    if (now.kind == FDB_KIND_HNSW) same = same && p.hnsw_m == now.hnsw_m;
    if (is_ivf(now.kind)) same = same && p.nlist == now.nlist;
    if (now.kind == FDB_KIND_IVF_PQ) same = same && p.pq_m == now.pq_m && p.pq_bits == now.pq_bits;
    return same;
}

int64_t minimum_training_points(const fdb_index_params& p) {
    int64_t minimum = p.nlist;
    if (p.kind == FDB_KIND_IVF_PQ) minimum = std::max<int64_t>(minimum, int64_t(1) << p.pq_bits);
    return minimum;
}

faiss::MetricType faiss_metric(const fdb_index_params& p) {
    return p.metric == FDB_METRIC_L2 ? faiss::METRIC_L2 : faiss::METRIC_INNER_PRODUCT;
}

} // namespace fdb
