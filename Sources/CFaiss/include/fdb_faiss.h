/*
 * fdb_faiss.h: a plain C interface over the parts of FAISS that FaceDB uses.
 *
 * Conventions
 * - An index is an opaque `fdb_index*`, made by fdb_index_create() or fdb_index_deserialize()
 *   and released with fdb_index_destroy().
 * - Every call that can fail returns an `int` status: FDB_OK (0) or one of the FDB_ERR_* codes.
 *   On failure, fdb_last_error() returns a message for this thread; output arguments are
 *   then unspecified and the index is unchanged unless the function says otherwise.
 * - No C++ exception ever leaves this interface.
 * - Ids ("labels") are the caller's non-negative 64-bit ids. The result label -1 means
 *   "no result" and pads rows that have fewer than k hits.
 * - Distances are what FAISS computes: SQUARED Euclidean distance for FDB_METRIC_L2, the inner
 *   product for FDB_METRIC_INNER_PRODUCT.
 * - Thread safety: calls that take a `const fdb_index*` may run concurrently with each other;
 *   a call that takes a non-const `fdb_index*` must have the index to itself.
 * - Threads: FAISS parallelizes with OpenMP. Small calls (under 16 rows or 64 Ki floats; training
 *   under 4 Mi floats) run on the calling thread alone, because OpenMP teams of spinning threads
 *   make small operations many times slower when other processes load the CPUs. The first
 *   fdb_index_create() or fdb_index_deserialize() sets OpenBLAS to one thread for the process,
 *   because OpenBLAS's own thread pool inside FAISS's OpenMP threads oversubscribes the CPUs
 *   (FAISS issue #3700). OMP_WAIT_POLICY=passive in the environment helps large calls on busy hosts.
 */
#ifndef FDB_FAISS_H
#define FDB_FAISS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Status codes returned by every fallible call. */
typedef enum fdb_status {
    /** Success. */
    FDB_OK = 0,
    /** An argument is out of range, or the call does not fit the index's state
     *  (duplicate or negative id, untrained IVF index, buffer too small, ...). */
    FDB_ERR_INVALID_ARGUMENT = 1,
    /** FAISS itself reported an error. */
    FDB_ERR_FAISS = 2,
    /** Memory could not be allocated. */
    FDB_ERR_OUT_OF_MEMORY = 3,
    /** Serialized bytes failed validation. */
    FDB_ERR_CORRUPT = 4,
    /** Any other failure. */
    FDB_ERR_UNKNOWN = 5,
    /** Serialized bytes are intact but of an older layout this version cannot load (an IVF-PQ
     *  index of payload version 1, which has no exact copy of the vectors): rebuild the index. */
    FDB_ERR_OUTDATED = 6,
    /** A write callback asked to stop (fdb_index_serialize_to()). */
    FDB_ERR_STOPPED = 7
} fdb_status;

/** Index families. */
typedef enum fdb_kind {
    /** Exact search (IndexFlat). */
    FDB_KIND_FLAT = 0,
    /** HNSW graph over exact vectors (IndexHNSWFlat); removals leave tombstones. */
    FDB_KIND_HNSW = 1,
    /** Inverted file with exact vectors (IndexIVFFlat); needs training before adds. */
    FDB_KIND_IVF_FLAT = 2,
    /** Inverted file with product-quantized vectors, refined exactly: IndexRefineFlat around an
     *  IndexIVFPQ. The PQ codes propose refine_factor * k candidates, which are re-scored against an
     *  exact float copy of the vectors, so returned distances are exact. Needs training before adds;
     *  removals leave tombstones (see fdb_index_compact()). */
    FDB_KIND_IVF_PQ = 3
} fdb_kind;

/** How vectors are compared. */
typedef enum fdb_metric {
    /** Squared Euclidean distance; smaller is nearer. */
    FDB_METRIC_L2 = 0,
    /** Inner product; larger is nearer. */
    FDB_METRIC_INNER_PRODUCT = 1
} fdb_metric;

/* Parameter limits: the one table of the ranges fdb_index_create(), fdb_index_configure() and
 * fdb_index_deserialize() accept (each checks only the fields of the index's kind). FaceDB's Swift
 * side holds the same numbers in IndexConfiguration.Limits; FaceDBIndexTests' ParameterLimitsTests
 * asserts that the two tables are equal. Plain integer macros, so that Swift imports them. */
/** Vector length. */
#define FDB_LIMIT_DIM_MIN 1
#define FDB_LIMIT_DIM_MAX 65536
/** HNSW: neighbours per node. */
#define FDB_LIMIT_HNSW_M_MIN 2
#define FDB_LIMIT_HNSW_M_MAX 512
/** HNSW: candidate list size while building. */
#define FDB_LIMIT_EF_CONSTRUCTION_MIN 1
#define FDB_LIMIT_EF_CONSTRUCTION_MAX 4096
/** HNSW: default candidate list size while searching. */
#define FDB_LIMIT_EF_SEARCH_MIN 1
#define FDB_LIMIT_EF_SEARCH_MAX 4096
/** IVF: number of inverted lists (2^20). */
#define FDB_LIMIT_NLIST_MIN 1
#define FDB_LIMIT_NLIST_MAX 1048576
/** IVF: default number of lists visited per query (2^20). */
#define FDB_LIMIT_NPROBE_MIN 1
#define FDB_LIMIT_NPROBE_MAX 1048576
/** IVF-PQ: the fewest sub-quantizers; pq_m must also divide dim. */
#define FDB_LIMIT_PQ_M_MIN 1
/** IVF-PQ: bits per sub-quantizer code, b allowed when bit b of the mask is set: 4...8, 10, 12, 16. */
#define FDB_LIMIT_PQ_BITS_MASK 0x115F0
/** IVF-PQ: candidates per requested result re-scored exactly. */
#define FDB_LIMIT_REFINE_FACTOR_MIN 1
#define FDB_LIMIT_REFINE_FACTOR_MAX 4096

/** The parameters an index is created with. Only the fields that apply to the kind are checked
 *  and used; the others are kept as given (and serialized) but ignored. */
typedef struct fdb_index_params {
    /** An fdb_kind value. */
    int32_t kind;
    /** An fdb_metric value. */
    int32_t metric;
    /** Vector length, FDB_LIMIT_DIM_MIN...FDB_LIMIT_DIM_MAX (1...65536). */
    int32_t dim;
    /** HNSW: neighbours per node, FDB_LIMIT_HNSW_M_MIN...FDB_LIMIT_HNSW_M_MAX (2...512). */
    int32_t hnsw_m;
    /** HNSW: candidate list size while building, FDB_LIMIT_EF_CONSTRUCTION_MIN...FDB_LIMIT_EF_CONSTRUCTION_MAX (1...4096). */
    int32_t ef_construction;
    /** HNSW: default candidate list size while searching, FDB_LIMIT_EF_SEARCH_MIN...FDB_LIMIT_EF_SEARCH_MAX (1...4096). */
    int32_t ef_search;
    /** IVF: number of inverted lists, FDB_LIMIT_NLIST_MIN...FDB_LIMIT_NLIST_MAX (1...1048576). */
    int32_t nlist;
    /** IVF: default number of lists visited per query, FDB_LIMIT_NPROBE_MIN...FDB_LIMIT_NPROBE_MAX (1...1048576). */
    int32_t nprobe;
    /** IVF-PQ: number of sub-quantizers, >= FDB_LIMIT_PQ_M_MIN; must divide dim. */
    int32_t pq_m;
    /** IVF-PQ: bits per sub-quantizer code: 4...8, 10, 12 or 16 (FDB_LIMIT_PQ_BITS_MASK). */
    int32_t pq_bits;
    /** IVF-PQ: default candidates per requested result that the PQ codes propose and the exact
     *  copy re-scores (FAISS IndexRefine's k_factor), FDB_LIMIT_REFINE_FACTOR_MIN...FDB_LIMIT_REFINE_FACTOR_MAX (1...4096). */
    int32_t refine_factor;
} fdb_index_params;

/** An index: the FAISS index plus the label bookkeeping around it. Opaque. */
typedef struct fdb_index fdb_index;

/** The message of the last failed call on this thread ("" if none). The pointer stays valid
 *  until the next failing call on the same thread. Never NULL. */
const char* fdb_last_error(void);

/** Creates an empty index. IVF kinds start untrained.
 *  @param params the parameters; validated.
 *  @param out receives the new index on success.
 *  @return FDB_OK, FDB_ERR_INVALID_ARGUMENT for bad parameters, or another error. */
int fdb_index_create(const fdb_index_params* params, fdb_index** out);

/** Destroys an index made by fdb_index_create() or fdb_index_deserialize(). NULL is ignored. */
void fdb_index_destroy(fdb_index* index);

/** Copies the index's parameters (including the current ef_search / nprobe defaults). */
int fdb_index_get_params(const fdb_index* index, fdb_index_params* out);

/** Changes the tunable parameters ef_construction, ef_search, nprobe and refine_factor. Every other
 *  field of `params` must equal the index's own, else FDB_ERR_INVALID_ARGUMENT. */
int fdb_index_configure(fdb_index* index, const fdb_index_params* params);

/** Sets *out to 1 if vectors can be added (always for flat and HNSW), else 0. */
int fdb_index_is_trained(const fdb_index* index, int* out);

/** Trains an IVF index on `n` row-major vectors (k-means for the lists, plus the product
 *  quantizer for IVF-PQ). A no-op for flat and HNSW. Fails with FDB_ERR_INVALID_ARGUMENT if
 *  the index is already trained or `n` is below the minimum (nlist; for IVF-PQ also 2^pq_bits). */
int fdb_index_train(fdb_index* index, int64_t n, const float* x);

/** Adds `n` row-major vectors with their ids. All or nothing: fails with
 *  FDB_ERR_INVALID_ARGUMENT, adding none, if an id is negative, repeated within the batch or
 *  already live in the index, or if an IVF index is untrained. */
int fdb_index_add(fdb_index* index, int64_t n, const float* x, const int64_t* ids);

/** Flat: copies `n` row-major vectors into the index's storage ahead of an fdb_index_add() of the
 *  same vectors, which then only publishes them (searches never see staged rows). Lets a caller
 *  do the copy while it waits for something else, such as the store's write. The next add of
 *  other vectors, a removal or another staging discards them. A no-op for other kinds. */
int fdb_index_stage(fdb_index* index, int64_t n, const float* x);

/** Removes the live vectors among `ids` (unknown ids are ignored) and sets *removed to how many
 *  were removed. Flat and IVF-Flat delete at once; HNSW and IVF-PQ mark tombstones, which searches
 *  skip (see fdb_index_compact()). */
int fdb_index_remove(fdb_index* index, int64_t n, const int64_t* ids, int64_t* removed);

/** Sets *out to the number of live (searchable) vectors. */
int fdb_index_count(const fdb_index* index, int64_t* out);

/** Sets *out to the number of removed vectors still held as tombstones (HNSW, IVF-PQ; 0 for other kinds). */
int fdb_index_tombstone_count(const fdb_index* index, int64_t* out);

/** Searches `nq` row-major queries for their `k` nearest live vectors.
 *  @param allowed when n_allowed >= 0, only these ids may be returned (unknown ids are ignored);
 *         n_allowed < 0 means no filter.
 *  @param ef_search HNSW candidate list size for this call; <= 0 uses the index's default.
 *  @param nprobe IVF lists visited for this call; <= 0 uses the index's default.
 *  @param distances_out receives nq * k distances, best first per row.
 *  @param labels_out receives nq * k ids; rows with fewer than k hits are padded with -1.
 *  Small filters are answered by an exact scan of the allowed vectors; large ones by FAISS
 *  with an id selector (with ef_search / nprobe widened by the filter's selectivity). */
int fdb_index_search(
    const fdb_index* index, int64_t nq, const float* queries, int64_t k,
    const int64_t* allowed, int64_t n_allowed, int32_t ef_search, int32_t nprobe,
    float* distances_out, int64_t* labels_out);

/** Exact top-k of `nq` row-major queries over the live vectors, by a scan of the stored float
 *  vectors (flat, HNSW's flat storage, IVF-PQ's exact copy) with FAISS's batched (BLAS) search;
 *  IVF-Flat visits every list. Runs on the calling thread alone. Outputs as fdb_index_search(). */
int fdb_index_search_exact(
    const fdb_index* index, int64_t nq, const float* queries, int64_t k, float* distances_out, int64_t* labels_out);

/** IVF-PQ only: the top-k of the product-quantized codes alone, with their approximate distances and
 *  no exact re-scoring (what a bare IndexIVFPQ returns; for benchmarks). `nprobe` <= 0 uses the
 *  default. Outputs as fdb_index_search(). FDB_ERR_INVALID_ARGUMENT for other kinds or an untrained index. */
int fdb_index_search_unrefined(
    const fdb_index* index, int64_t nq, const float* queries, int64_t k, int32_t nprobe,
    float* distances_out, int64_t* labels_out);

/** Lists the live ids. Sets *count to the number of live ids; if `capacity` is smaller,
 *  writes nothing and fails with FDB_ERR_INVALID_ARGUMENT. The order is unspecified. */
int fdb_index_ids(const fdb_index* index, int64_t* out, int64_t capacity, int64_t* count);

/** Writes the stored vectors of `n` live ids into `out` (n * dim floats), exactly as added (IVF-PQ
 *  reads its exact copy). Fails with FDB_ERR_INVALID_ARGUMENT if an id is not live. */
int fdb_index_reconstruct(const fdb_index* index, int64_t n, const int64_t* ids, float* out);

/** Drops every tombstone: HNSW rebuilds the graph from the live vectors; IVF-PQ deletes their codes
 *  and exact copies and renumbers the rest (no re-encoding). A no-op for other kinds. The index is
 *  unchanged if it fails. */
int fdb_index_compact(fdb_index* index);

/** HNSW: sets *out to the number of live nodes that level-0 links do not lead to from the entry
 *  point (searches cannot return them; adds of 1% of the graph or more, compaction and loading
 *  link them). 0 for other kinds. */
int fdb_index_hnsw_unreachable(const fdb_index* index, int64_t* out);

/** Sets *out to an estimate of the index's memory use in bytes. */
int fdb_index_memory_usage(const fdb_index* index, int64_t* out);

/** Serializes the index into a new buffer (*buf, *len) that the caller releases with
 *  fdb_index_buffer_free(). The layout is documented in Schemas/index-snapshot.md. */
int fdb_index_serialize(const fdb_index* index, uint8_t** buf, size_t* len);

/** Receives serialized bytes, in order, in pieces of any size (the largest is a whole array of the
 *  index, e.g. all its vectors). Returns 0 to go on; anything else stops the serialization, which
 *  then fails with FDB_ERR_STOPPED. Must not throw or unwind. */
typedef int (*fdb_write_fn)(void* context, const uint8_t* bytes, size_t count);

/** Sets *len to the number of bytes fdb_index_serialize() and fdb_index_serialize_to() produce for
 *  the index as it is (it walks the index without copying anything). */
int fdb_index_serialized_size(const fdb_index* index, uint64_t* len);

/** Serializes the index (the bytes of fdb_index_serialize()) by passing them to `write` straight
 *  from the index's own memory: no copy of the index is made. FDB_ERR_STOPPED when `write` stops it. */
int fdb_index_serialize_to(const fdb_index* index, fdb_write_fn write, void* context);

/** Releases a buffer returned by fdb_index_serialize(). NULL is ignored. */
void fdb_index_buffer_free(uint8_t* buf);

/** Rebuilds an index from fdb_index_serialize() bytes (payload version 2, or 1 for flat, HNSW and
 *  IVF-Flat). Every length, count, id and graph link is validated; bytes that do not describe a
 *  valid index fail with FDB_ERR_CORRUPT; an IVF-PQ payload of version 1 fails with FDB_ERR_OUTDATED. */
int fdb_index_deserialize(const uint8_t* buf, size_t len, fdb_index** out);

#ifdef __cplusplus
}
#endif

#endif /* FDB_FAISS_H */
