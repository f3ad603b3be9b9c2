// index_c.cpp: the C entry points of fdb_faiss.h that make, configure, train, change and read an
// index. Each only passes its arguments to the C++ operation (operations.hpp) inside
// FDB_CATCH_AND_HANDLE (errors.hpp), so no C++ exception leaves it.

#include "fdb_faiss.h"

#include "errors.hpp"
#include "operations.hpp"

extern "C" {

const char* fdb_last_error(void) {
    return fdb::last_error_message();  // noexcept
}

int fdb_index_create(const fdb_index_params* params, fdb_index** out) {
    try {
        fdb::create(params, out);
    }
    FDB_CATCH_AND_HANDLE
}

void fdb_index_destroy(fdb_index* index) {
    fdb::destroy(index);  // noexcept
}

int fdb_index_get_params(const fdb_index* index, fdb_index_params* out) {
    try {
        fdb::get_params(index, out);
    }
    FDB_CATCH_AND_HANDLE
}

int fdb_index_configure(fdb_index* index, const fdb_index_params* params) {
    try {
        fdb::configure(index, params);
    }
    FDB_CATCH_AND_HANDLE
}

int fdb_index_is_trained(const fdb_index* index, int* out) {
    try {
        fdb::is_trained(index, out);
    }
    FDB_CATCH_AND_HANDLE
}

int fdb_index_train(fdb_index* index, int64_t n, const float* x) {
    try {
        fdb::train(index, n, x);
    }
    FDB_CATCH_AND_HANDLE
}

int fdb_index_add(fdb_index* index, int64_t n, const float* x, const int64_t* ids) {
    try {
        fdb::add(index, n, x, ids);
    }
    FDB_CATCH_AND_HANDLE
}

int fdb_index_stage(fdb_index* index, int64_t n, const float* x) {
    try {
        fdb::stage(index, n, x);
    }
    FDB_CATCH_AND_HANDLE
}

int fdb_index_remove(fdb_index* index, int64_t n, const int64_t* ids, int64_t* removed) {
    try {
        fdb::remove(index, n, ids, removed);
    }
    FDB_CATCH_AND_HANDLE
}

int fdb_index_count(const fdb_index* index, int64_t* out) {
    try {
        fdb::count(index, out);
    }
    FDB_CATCH_AND_HANDLE
}

int fdb_index_tombstone_count(const fdb_index* index, int64_t* out) {
    try {
        fdb::tombstone_count(index, out);
    }
    FDB_CATCH_AND_HANDLE
}

int fdb_index_ids(const fdb_index* index, int64_t* out, int64_t capacity, int64_t* count) {
    try {
        fdb::list_ids(index, out, capacity, count);
    }
    FDB_CATCH_AND_HANDLE
}

int fdb_index_reconstruct(const fdb_index* index, int64_t n, const int64_t* ids, float* out) {
    try {
        fdb::reconstruct(index, n, ids, out);
    }
    FDB_CATCH_AND_HANDLE
}

int fdb_index_compact(fdb_index* index) {
    try {
        fdb::compact(index);
    }
    FDB_CATCH_AND_HANDLE
}

int fdb_index_hnsw_unreachable(const fdb_index* index, int64_t* out) {
    try {
        fdb::hnsw_unreachable(index, out);
    }
    FDB_CATCH_AND_HANDLE
}

int fdb_index_memory_usage(const fdb_index* index, int64_t* out) {
    try {
        fdb::memory_usage(index, out);
    }
    FDB_CATCH_AND_HANDLE
}

} // extern "C"
