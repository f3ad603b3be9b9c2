// operations.hpp: the C++ implementation behind each C entry point of fdb_faiss.h, declared in one
// place. Each takes the entry point's arguments unchanged, checks them, does the work and reports
// failure by throwing (errors.hpp); the entry points in *_c.cpp only call these inside
// FDB_CATCH_AND_HANDLE. The semantics are documented in fdb_faiss.h.
#ifndef FDB_OPERATIONS_HPP
#define FDB_OPERATIONS_HPP

#include "fdb_faiss.h"

#include <cstddef>
#include <cstdint>

namespace fdb {

// MARK: index.cpp: making, configuring, training and reading the index

void create(const fdb_index_params* params, fdb_index** out);
void destroy(fdb_index* index) noexcept;
void get_params(const fdb_index* index, fdb_index_params* out);
void configure(fdb_index* index, const fdb_index_params* params);
void is_trained(const fdb_index* index, int* out);
void train(fdb_index* index, int64_t n, const float* x);
void count(const fdb_index* index, int64_t* out);
void tombstone_count(const fdb_index* index, int64_t* out);
void list_ids(const fdb_index* index, int64_t* out, int64_t capacity, int64_t* count);
void reconstruct(const fdb_index* index, int64_t n, const int64_t* ids, float* out);
void memory_usage(const fdb_index* index, int64_t* out);

// MARK: update.cpp: adding and removing vectors

void add(fdb_index* index, int64_t n, const float* x, const int64_t* ids);
void stage(fdb_index* index, int64_t n, const float* x);
void remove(fdb_index* index, int64_t n, const int64_t* ids, int64_t* removed);

// MARK: compact.cpp: dropping tombstones

void compact(fdb_index* index);

// MARK: hnsw_repair.cpp: graph reachability

void hnsw_unreachable(const fdb_index* index, int64_t* out);

// MARK: search.cpp

void search(
    const fdb_index* index, int64_t nq, const float* queries, int64_t k, const int64_t* allowed, int64_t n_allowed,
    int32_t ef_search, int32_t nprobe, float* distances_out, int64_t* labels_out);
void search_exact(
    const fdb_index* index, int64_t nq, const float* queries, int64_t k, float* distances_out, int64_t* labels_out);
void search_unrefined(
    const fdb_index* index, int64_t nq, const float* queries, int64_t k, int32_t nprobe, float* distances_out,
    int64_t* labels_out);

// MARK: serialize.cpp

void serialize(const fdb_index* index, uint8_t** buf, size_t* len);
void serialized_size(const fdb_index* index, uint64_t* len);
void serialize_to(const fdb_index* index, fdb_write_fn write, void* context);
void buffer_free(uint8_t* buf) noexcept;
void deserialize(const uint8_t* buf, size_t len, fdb_index** out);

} // namespace fdb

#endif // FDB_OPERATIONS_HPP
