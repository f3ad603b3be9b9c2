// search_c.cpp: the search entry points of fdb_faiss.h. Each only passes its arguments to the C++
// operation (operations.hpp, search.cpp) inside FDB_CATCH_AND_HANDLE (errors.hpp).

#include "fdb_faiss.h"

#include "errors.hpp"
#include "operations.hpp"

extern "C" {

int fdb_index_search(
    const fdb_index* index, int64_t nq, const float* queries, int64_t k, const int64_t* allowed, int64_t n_allowed,
    int32_t ef_search, int32_t nprobe, float* distances_out, int64_t* labels_out) {
    try {
        fdb::search(index, nq, queries, k, allowed, n_allowed, ef_search, nprobe, distances_out, labels_out);
    }
    FDB_CATCH_AND_HANDLE
}

int fdb_index_search_exact(
    const fdb_index* index, int64_t nq, const float* queries, int64_t k, float* distances_out, int64_t* labels_out) {
    try {
        fdb::search_exact(index, nq, queries, k, distances_out, labels_out);
    }
    FDB_CATCH_AND_HANDLE
}

int fdb_index_search_unrefined(
    const fdb_index* index, int64_t nq, const float* queries, int64_t k, int32_t nprobe, float* distances_out,
    int64_t* labels_out) {
    try {
        fdb::search_unrefined(index, nq, queries, k, nprobe, distances_out, labels_out);
    }
    FDB_CATCH_AND_HANDLE
}

} // extern "C"
