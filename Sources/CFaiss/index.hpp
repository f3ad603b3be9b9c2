// index.hpp: the object behind the opaque `fdb_index*`, and the accessors every part uses.
//
// How the pieces fit:
// - Flat, HNSW and IVF-PQ indexes store vectors at positions 0..<ntotal ("positional" kinds).
//   `labels` maps a position to the caller's id and `positions` maps a live id back to its position.
//   Flat removal deletes the rows (FAISS keeps the order) and renumbers; HNSW and IVF-PQ removal
//   marks a tombstone that every search excludes through an IDSelector until fdb_index_compact().
// - IVF-PQ is an IndexRefineFlat around an IndexIVFPQ: FAISS 1.7.3's IndexRefine has no
//   add_with_ids or remove_ids, so both parts hold rows by position (the IVF lists' ids are
//   positions). Its search takes no SearchParameters, so searches with a selector or another nprobe
//   run the same two steps here (search.cpp, refine_search): IVF-PQ candidates, then exact
//   distances from the flat copy.
// - IVF-Flat takes the caller's ids directly and keeps a hashtable direct map (id -> list and
//   offset), which gives duplicate checks, native removal and reconstruction.
// - Serialization is our own little-endian layout (Schemas/index-snapshot.md), not
//   faiss::write_index: FAISS's reader sizes buffers from unchecked counts and does not check
//   graph links or list contents, so a damaged file could exhaust memory or crash a later search.
//   Here every count is checked against the bytes that remain before anything is allocated, and
//   every id, level and link is checked before the index is used.
//
// Where things live (all in Sources/CFaiss; include/fdb_faiss.h is the only public header):
//   errors.hpp/.cpp       ShimError, fail/invalid/corrupt, the last error, FDB_CATCH_AND_HANDLE
//   params.hpp/.cpp       kinds, the limits table and validation, configure's structure check
//   threads.hpp/.cpp      OpenBLAS's thread count, SingleThreadScope for small calls
//   ids.hpp/.cpp          the id -> position map (IdHash, IdPositions), ByteMaskSelector
//   index.hpp/.cpp        this struct, accessors, making FAISS indexes, vector storage growth;
//                         create, configure, train, counts, id listing, reconstruction, memory
//   update.cpp            add, stage, remove (tombstones for HNSW and IVF-PQ)
//   compact.cpp           dropping tombstones
//   hnsw_repair.hpp/.cpp  HNSW reachability: counting and linking unreachable nodes
//   search.cpp            filtered / exact / unrefined search, exact scan, refine, widening
//   serialize.cpp         the payload layout: Writer, Reader, serialize, deserialize
//   operations.hpp        the C++ function behind each C entry point (declared in one place)
//   index_c.cpp, search_c.cpp, serialize_c.cpp
//                         the extern "C" entry points: argument passing only, each in FDB_CATCH_AND_HANDLE
#ifndef FDB_INDEX_HPP
#define FDB_INDEX_HPP

#include "fdb_faiss.h"
#include "errors.hpp"
#include "ids.hpp"
#include "params.hpp"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexRefine.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

/// The object behind the opaque handle.
struct fdb_index {
    /// The parameters the index was made with (ef_search / nprobe: the current defaults).
    fdb_index_params params{};
    /// The FAISS index: IndexFlat, IndexHNSWFlat, IndexIVFFlat or IndexRefineFlat(IndexIVFPQ).
    std::unique_ptr<faiss::Index> index;
    /// Positional kinds (flat, HNSW, IVF-PQ): the id stored at each position (-1 for a tombstone).
    std::vector<fdb::idx_t> labels;
    /// Positional kinds: the position of each live id.
    fdb::IdPositions positions;
    /// HNSW, IVF-PQ: 1 at each tombstoned position.
    std::vector<uint8_t> dead;
    /// HNSW, IVF-PQ: how many positions are tombstones.
    int64_t tombstones = 0;
    /// HNSW: nodes added since the graph's reachability was last repaired (see hnsw_repair.hpp).
    int64_t added_since_repair = 0;
    /// Positional kinds: no id in the index is above this (the largest id ever added or loaded;
    /// removals leave it as it is). A batch of ascending ids above it needs no membership checks.
    fdb::idx_t id_ceiling = -1;
    /// Flat: rows copied past `ntotal` by fdb_index_stage() for the next add (0: none). Searches
    /// read only the first `ntotal` rows, so staged rows are invisible until that add.
    int64_t staged = 0;
    /// Set when a failed FAISS call left FAISS and the bookkeeping out of step; every later call
    /// then fails instead of returning wrong answers.
    bool broken = false;
};

namespace fdb {

/// A new, empty FAISS index for validated parameters.
std::unique_ptr<faiss::Index> make_faiss_index(const fdb_index_params& p);

/// Fails unless `ix` is non-NULL and not broken.
void check_usable(const fdb_index* ix);

inline faiss::IndexHNSW* hnsw_of(const fdb_index* ix) {
    return static_cast<faiss::IndexHNSW*>(ix->index.get());
}

/// IVF-PQ: the IndexRefineFlat (its base_index is the IndexIVFPQ, its refine_index the exact copy).
inline faiss::IndexRefineFlat* refine_of(const fdb_index* ix) {
    return static_cast<faiss::IndexRefineFlat*>(ix->index.get());
}

/// IVF kinds: the IndexIVF (for IVF-PQ, the base of the refine index).
inline faiss::IndexIVF* ivf_of(const fdb_index* ix) {
    if (ix->params.kind == FDB_KIND_IVF_PQ) return static_cast<faiss::IndexIVF*>(refine_of(ix)->base_index);
    return static_cast<faiss::IndexIVF*>(ix->index.get());
}

/// Positional kinds: the flat index that holds the float vectors, one row per position.
inline faiss::IndexFlat* vector_storage(const fdb_index* ix) {
    switch (ix->params.kind) {
    case FDB_KIND_HNSW: return static_cast<faiss::IndexFlat*>(hnsw_of(ix)->storage);
    case FDB_KIND_IVF_PQ: return static_cast<faiss::IndexFlat*>(refine_of(ix)->refine_index);
    default: return static_cast<faiss::IndexFlat*>(ix->index.get());
    }
}

/// Positional kinds: the stored vectors, row-major, one row per position.
inline const float* stored_vectors(const fdb_index* ix) {
    return vector_storage(ix)->get_xb();
}

/// The rows FAISS holds, for detecting a FAISS call that failed half-way (IVF-PQ: base and exact
/// copy are counted separately, since IndexRefine::add adds to one and then the other).
inline std::pair<idx_t, idx_t> faiss_rows(const fdb_index* ix) {
    if (ix->params.kind == FDB_KIND_IVF_PQ) return {refine_of(ix)->base_index->ntotal, refine_of(ix)->refine_index->ntotal};
    return {ix->index->ntotal, ix->index->ntotal};
}

inline int64_t live_count(const fdb_index* ix) {
    return is_positional(ix->params.kind) ? int64_t(ix->positions.size()) : int64_t(ix->index->ntotal);
}

inline bool contains(const fdb_index* ix, idx_t id) {
    if (is_positional(ix->params.kind)) return ix->positions.contains(id);
    return ivf_of(ix)->direct_map.hashtable.count(id) != 0;
}

/// Makes room in a flat vector storage for `extra` more bytes and faults that room in (index.cpp).
void reserve_codes(faiss::IndexFlatCodes* storage, size_t extra);

/// Makes room for `needed` elements, at least doubling the capacity when it grows: reserving exactly
/// what each batch needs would copy (or rehash) everything stored at every add.
template <class T>
void reserve_growing(std::vector<T>& v, size_t needed) {
    if (needed > v.capacity()) v.reserve(std::max(needed, 2 * v.capacity()));
}

} // namespace fdb

#endif // FDB_INDEX_HPP
