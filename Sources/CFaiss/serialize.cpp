// serialize.cpp: the payload layout of a serialized index (Schemas/index-snapshot.md): writing it
// to a buffer, to a caller's function or only counting it, and reading it back with every count,
// id, level and link checked before anything is allocated or used.

#include "index.hpp"

#include "hnsw_repair.hpp"
#include "operations.hpp"
#include "threads.hpp"

#include <faiss/IndexIVFPQ.h>
#include <faiss/impl/FaissException.h>
#include <faiss/invlists/DirectMap.h>
#include <faiss/invlists/InvertedLists.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <unordered_set>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "fdb_faiss serializes in host byte order and assumes a little-endian host"
#endif

namespace fdb {

namespace {

const char kMagic[4] = {'F', 'D', 'B', 'F'};
/// The payload version written; versions 1 (no refine_factor, IVF-PQ without its exact copy) and 2 are read.
const uint32_t kVersion = 2;

/// Where serialized bytes go: an append-only buffer in malloc'd memory, handed over to the caller
/// at the end; or, with `sink` set, the caller's function, in order, keeping nothing; or, with
/// `counting` set, nowhere (only `size` counts them).
struct Writer {
    uint8_t* data = nullptr;
    size_t size = 0;
    size_t capacity = 0;
    fdb_write_fn sink = nullptr;
    void* context = nullptr;
    bool counting = false;

    ~Writer() { std::free(data); }

    void reserve(size_t more) {
        if (sink != nullptr || counting) return;
        if (more <= capacity - size) return;
        if (more > std::numeric_limits<size_t>::max() / 2 - size) throw std::bad_alloc();
        size_t grown = std::max(capacity * 2, size + more);
        auto* bigger = static_cast<uint8_t*>(std::realloc(data, grown));
        if (bigger == nullptr) throw std::bad_alloc();
        data = bigger;
        capacity = grown;
    }

    void bytes(const void* p, size_t n) {
        if (n == 0) return;
        if (counting) {
            size += n;
            return;
        }
        if (sink != nullptr) {
            if (sink(context, static_cast<const uint8_t*>(p), n) != 0) fail(FDB_ERR_STOPPED, "the writer stopped");
            size += n;
            return;
        }
        reserve(n);
        std::memcpy(data + size, p, n);
        size += n;
    }

    template <class T>
    void put(T value) {
        bytes(&value, sizeof(T));
    }

    template <class T>
    void array(const T* p, size_t n) {
        bytes(p, n * sizeof(T));
    }
};

/// Reads the serialized layout, failing with FDB_ERR_CORRUPT instead of reading past the end
/// or allocating more than the input could describe.
struct Reader {
    const uint8_t* p;
    size_t left;

    void bytes(void* out, size_t n, const char* what) {
        if (n > left) corrupt(std::string("truncated while reading ") + what);
        if (n) std::memcpy(out, p, n);
        p += n;
        left -= n;
    }

    template <class T>
    T get(const char* what) {
        T value;
        bytes(&value, sizeof(T), what);
        return value;
    }

    /// Reads `n` elements after checking that the input holds that many.
    template <class T>
    void array(std::vector<T>& out, uint64_t n, const char* what) {
        if (n > left / sizeof(T)) {
            corrupt(std::string(what) + " claims " + std::to_string(n) + " entries but only " +
                    std::to_string(left) + " bytes remain");
        }
        out.resize(size_t(n));
        bytes(out.data(), size_t(n) * sizeof(T), what);
    }
};

void check_finite(const float* values, size_t count, const char* what) {
    for (size_t i = 0; i < count; i++) {
        if (!std::isfinite(values[i])) corrupt(std::string(what) + " holds a non-finite value");
    }
}

void write_params(Writer& w, const fdb_index_params& p) {
    for (int32_t v : {p.kind, p.metric, p.dim, p.hnsw_m, p.ef_construction, p.ef_search, p.nlist, p.nprobe, p.pq_m,
                      p.pq_bits, p.refine_factor}) {
        w.put<int32_t>(v);
    }
}

/// Reads the parameters of a payload of `version` (version 1 has no refine_factor).
fdb_index_params read_params(Reader& r, uint32_t version) {
    fdb_index_params p{};
    for (int32_t* field : {&p.kind, &p.metric, &p.dim, &p.hnsw_m, &p.ef_construction, &p.ef_search, &p.nlist,
                           &p.nprobe, &p.pq_m, &p.pq_bits}) {
        *field = r.get<int32_t>("parameters");
    }
    p.refine_factor = version >= 2 ? r.get<int32_t>("parameters") : 1;
    return p;
}

/// The IVF part of a body: trained flag, centroids, PQ codebook, lists (ids and codes).
void write_ivf(const fdb_index* ix, Writer& w) {
    const fdb_index_params& p = ix->params;
    const faiss::IndexIVF* ivf = ivf_of(ix);
    w.put<uint32_t>(ivf->is_trained ? 1 : 0);
    if (!ivf->is_trained) return;
    const auto* quantizer = static_cast<const faiss::IndexFlat*>(ivf->quantizer);
    w.array(quantizer->get_xb(), size_t(p.nlist) * size_t(p.dim));
    if (p.kind == FDB_KIND_IVF_PQ) {
        const auto& pq = static_cast<const faiss::IndexIVFPQ*>(ivf)->pq;
        w.array(pq.centroids.data(), pq.centroids.size());
    }
    const faiss::InvertedLists* lists = ivf->invlists;
    for (size_t list = 0; list < size_t(p.nlist); list++) {
        const size_t size = lists->list_size(list);
        w.put<uint64_t>(size);
        faiss::InvertedLists::ScopedIds ids(lists, list);
        faiss::InvertedLists::ScopedCodes codes(lists, list);
        w.array(ids.get(), size);
        w.array(codes.get(), size * ivf->code_size);
    }
}

void serialize_into(const fdb_index* ix, Writer& w) {
    const fdb_index_params& p = ix->params;
    const size_t d = size_t(p.dim);
    const bool positional = is_positional(p.kind);
    const uint64_t n = positional ? uint64_t(ix->labels.size()) : uint64_t(ix->index->ntotal);
    w.bytes(kMagic, 4);
    w.put<uint32_t>(kVersion);
    write_params(w, p);
    w.put<uint64_t>(n);
    if (positional) {
        w.reserve(n * (sizeof(idx_t) + d * sizeof(float)));
        w.array(ix->labels.data(), ix->labels.size());
        if (n > 0) w.array(stored_vectors(ix), size_t(n) * d);
    }
    if (p.kind == FDB_KIND_HNSW) {
        const faiss::HNSW& graph = hnsw_of(ix)->hnsw;
        w.put<int32_t>(graph.entry_point);
        w.put<int32_t>(graph.max_level);
        w.array(graph.levels.data(), graph.levels.size());
        w.put<uint64_t>(graph.neighbors.size());
        w.array(graph.neighbors.data(), graph.neighbors.size());
    } else if (is_ivf(p.kind)) {
        write_ivf(ix, w);
    }
}

/// Restores the labels and vectors of a positional kind's body (then the HNSW graph for HNSW).
void read_positional(Reader& r, fdb_index* ix, uint64_t n) {
    const fdb_index_params& p = ix->params;
    const size_t d = size_t(p.dim);
    const bool hnsw = p.kind == FDB_KIND_HNSW;
    const bool tombstones = keeps_tombstones(p.kind);
    if (hnsw && n > uint64_t(std::numeric_limits<int32_t>::max())) corrupt("too many HNSW vectors");

    std::vector<idx_t> labels;
    r.array(labels, n, "labels");
    if (n > std::numeric_limits<uint64_t>::max() / (d * sizeof(float))) corrupt("vector count overflows");
    // Flat and IVF-PQ: read the vectors straight into the flat index's own storage (one copy of
    // what may be gigabytes). HNSW adds them to its storage once the graph is checked.
    std::vector<float> vectors;
    if (hnsw) {
        r.array(vectors, n * d, "vectors");
        check_finite(vectors.data(), vectors.size(), "the vectors");
    } else {
        faiss::IndexFlat* flat = vector_storage(ix);
        if (n * d * sizeof(float) > r.left) corrupt("the vectors run past the end of the data");
        reserve_codes(flat, size_t(n * d * sizeof(float)));
        flat->codes.resize(size_t(n * d * sizeof(float)));
        r.bytes(flat->codes.data(), flat->codes.size(), "vectors");
        check_finite(reinterpret_cast<const float*>(flat->codes.data()), size_t(n * d), "the vectors");
    }

    ix->positions.reserve(labels.data(), labels.size(), idx_t(n));
    ix->dead.assign(tombstones ? size_t(n) : 0, 0);
    for (size_t pos = 0; pos < size_t(n); pos++) {
        const idx_t id = labels[pos];
        if (id == -1 && tombstones) {
            ix->dead[pos] = 1;
            ix->tombstones++;
            continue;
        }
        if (id < 0) corrupt("negative id " + str(id));
        if (!ix->positions.insert(id, idx_t(pos))) corrupt("id " + str(id) + " is stored twice");
        ix->id_ceiling = std::max(ix->id_ceiling, id);
    }

    if (!hnsw) {
        vector_storage(ix)->ntotal = idx_t(n);
        ix->index->ntotal = idx_t(n);
        ix->labels = std::move(labels);
        return;
    }

    auto* index = hnsw_of(ix);
    faiss::HNSW& graph = index->hnsw;
    const int32_t entry_point = r.get<int32_t>("entry point");
    const int32_t max_level = r.get<int32_t>("max level");
    std::vector<int> levels;
    r.array(levels, n, "levels");
    const uint64_t n_neighbors = r.get<uint64_t>("neighbour count");
    std::vector<int32_t> neighbors;
    r.array(neighbors, n_neighbors, "neighbours");

    // Levels are 1-based; a node of level L owns cum_nneighbor_per_level[L] link slots.
    const std::vector<int>& cumulative = graph.cum_nneighbor_per_level;
    const int top_level = int(cumulative.size()) - 1;
    std::vector<size_t> offsets(size_t(n) + 1, 0);
    int highest = 0;
    for (size_t i = 0; i < size_t(n); i++) {
        if (levels[i] < 1 || levels[i] > top_level) corrupt("node level " + str(levels[i]) + " out of range");
        highest = std::max(highest, levels[i]);
        offsets[i + 1] = offsets[i] + size_t(cumulative[size_t(levels[i])]);
    }
    if (offsets[size_t(n)] != n_neighbors) corrupt("the link table does not match the node levels");
    if (n == 0) {
        if (entry_point != -1 || max_level != -1) corrupt("an empty graph has an entry point");
    } else {
        if (entry_point < 0 || uint64_t(entry_point) >= n) corrupt("entry point out of range");
        if (max_level != highest - 1 || levels[size_t(entry_point)] != highest) corrupt("inconsistent max level");
    }
    // Every link at level l must point at a node that exists at level l.
    for (size_t i = 0; i < size_t(n); i++) {
        for (int level = 0; level < levels[i]; level++) {
            const size_t begin = offsets[i] + size_t(cumulative[size_t(level)]);
            const size_t end = offsets[i] + size_t(cumulative[size_t(level) + 1]);
            for (size_t j = begin; j < end; j++) {
                const int32_t v = neighbors[j];
                if (v == -1) continue;
                if (v < 0 || uint64_t(v) >= n || levels[size_t(v)] <= level) corrupt("invalid graph link");
            }
        }
    }

    index->storage->add(idx_t(n), vectors.data());
    index->ntotal = idx_t(n);
    graph.levels = std::move(levels);
    graph.offsets = std::move(offsets);
    graph.neighbors = std::move(neighbors);
    graph.entry_point = entry_point;
    graph.max_level = max_level;
    ix->labels = std::move(labels);
    // A snapshot taken between repairs may hold nodes that lost their last in-link.
    repair_reachability(ix);
}

/// Restores the IVF part of a body. IVF-Flat: `n` vectors under the caller's ids. IVF-PQ: the codes
/// of all `n` stored rows (tombstones included), each row's position exactly once.
void read_ivf(Reader& r, fdb_index* ix, uint64_t n) {
    const fdb_index_params& p = ix->params;
    const size_t d = size_t(p.dim);
    const bool refined = p.kind == FDB_KIND_IVF_PQ;
    faiss::IndexIVF* ivf = ivf_of(ix);
    const uint32_t trained = r.get<uint32_t>("trained flag");
    if (trained > 1) corrupt("bad trained flag");
    if (!trained) {
        if (n != 0) corrupt("an untrained IVF index holds vectors");
        return;
    }
    std::vector<float> centroids;
    r.array(centroids, uint64_t(p.nlist) * d, "centroids");
    check_finite(centroids.data(), centroids.size(), "the centroids");
    if (refined) {
        auto* ivfpq = static_cast<faiss::IndexIVFPQ*>(ivf);
        std::vector<float> codebook;
        r.array(codebook, uint64_t(ivfpq->pq.M) * ivfpq->pq.ksub * ivfpq->pq.dsub, "PQ centroids");
        check_finite(codebook.data(), codebook.size(), "the PQ centroids");
        ivfpq->pq.centroids = std::move(codebook);
    }
    ivf->quantizer->add(p.nlist, centroids.data());
    ivf->is_trained = true;
    if (refined) {
        static_cast<faiss::IndexIVFPQ*>(ivf)->precompute_table();
        refine_of(ix)->is_trained = true;
    }

    std::unordered_set<idx_t> seen;  // IVF-Flat's ids
    std::vector<uint8_t> listed;     // IVF-PQ's positions
    if (refined) {
        listed.assign(size_t(n), 0);
    } else {
        seen.reserve(size_t(std::min<uint64_t>(n, r.left / sizeof(idx_t))));
    }
    uint64_t total = 0;
    std::vector<idx_t> ids;
    std::vector<uint8_t> codes;
    for (size_t list = 0; list < size_t(p.nlist); list++) {
        const uint64_t size = r.get<uint64_t>("list size");
        r.array(ids, size, "list ids");
        if (size > std::numeric_limits<uint64_t>::max() / ivf->code_size) corrupt("list size overflows");
        r.array(codes, size * ivf->code_size, "list codes");
        if (p.kind == FDB_KIND_IVF_FLAT) {
            for (size_t i = 0; i < codes.size(); i += sizeof(float)) {
                float v;
                std::memcpy(&v, codes.data() + i, sizeof v);
                if (!std::isfinite(v)) corrupt("a stored vector holds a non-finite value");
            }
        }
        for (idx_t id : ids) {
            if (refined) {
                if (id < 0 || uint64_t(id) >= n) corrupt("list entry " + str(id) + " is not a stored row");
                if (listed[size_t(id)]++) corrupt("row " + str(id) + " is listed twice");
            } else {
                if (id < 0) corrupt("negative id " + str(id));
                if (!seen.insert(id).second) corrupt("id " + str(id) + " is stored twice");
            }
        }
        if (size) ivf->invlists->add_entries(list, size_t(size), ids.data(), codes.data());
        total += size;
    }
    if (total != n) corrupt("the lists hold " + std::to_string(total) + " vectors, the header says " + std::to_string(n));
    ivf->ntotal = idx_t(n);
    if (!refined) {
        // The lists were filled directly: rebuild the id -> (list, offset) map from them.
        ivf->set_direct_map_type(faiss::DirectMap::NoMap);
        ivf->set_direct_map_type(faiss::DirectMap::Hashtable);
    }
}

std::unique_ptr<fdb_index> read_index(const uint8_t* buf, size_t len) {
    Reader r{buf, len};
    char magic[4];
    r.bytes(magic, 4, "magic");
    if (std::memcmp(magic, kMagic, 4) != 0) corrupt("bad magic");
    const uint32_t version = r.get<uint32_t>("version");
    if (version < 1 || version > kVersion) corrupt("unknown payload version " + std::to_string(version));
    const fdb_index_params params = read_params(r, version);
    if (version == 1 && params.kind == FDB_KIND_IVF_PQ) {
        fail(FDB_ERR_OUTDATED,
             "an IVF-PQ index of payload version 1 has no exact copy of its vectors; it must be rebuilt");
    }
    validate_params(params, FDB_ERR_CORRUPT);
    const uint64_t n = r.get<uint64_t>("vector count");
    // FAISS allocates IVF-PQ's codebook (dim x 2^pq_bits floats) as soon as the index is made,
    // before a byte of it is read: 16 GB for dim 65536 and 16 bits. A trained payload carries its
    // codebook, so one larger than the data left (beyond an allowance for untrained payloads, which
    // carry none) means damaged parameters: refuse before allocating (Fuzz/Corpus/snapshot/
    // regression-ivfpq-codebook, an input made for the snapshot fuzz harness).
    if (params.kind == FDB_KIND_IVF_PQ) {
        const uint64_t codebook = uint64_t(params.dim) * (uint64_t(1) << params.pq_bits) * sizeof(float);
        const uint64_t allowance = uint64_t(64) << 20;
        if (codebook > r.left && codebook > allowance) {
            corrupt("the PQ parameters (dim " + str(params.dim) + ", " + str(params.pq_bits) + " bits) call for a " +
                    std::to_string(codebook) + "-byte codebook but only " + std::to_string(r.left) + " bytes follow");
        }
    }

    auto ix = std::make_unique<fdb_index>();
    ix->params = params;
    ix->index = make_faiss_index(params);
    if (is_positional(params.kind)) read_positional(r, ix.get(), n);
    if (is_ivf(params.kind)) read_ivf(r, ix.get(), n);
    if (r.left != 0) corrupt(std::to_string(r.left) + " unexpected bytes after the index");
    return ix;
}

} // namespace

void serialize(const fdb_index* index, uint8_t** buf, size_t* len) {
    check_usable(index);
    if (buf == nullptr || len == nullptr) invalid("NULL argument");
    Writer w;
    serialize_into(index, w);
    if (w.data == nullptr) w.reserve(1);
    *buf = w.data;
    *len = w.size;
    w.data = nullptr;
}

void serialized_size(const fdb_index* index, uint64_t* len) {
    check_usable(index);
    if (len == nullptr) invalid("NULL argument");
    Writer w;
    w.counting = true;
    serialize_into(index, w);
    *len = w.size;
}

void serialize_to(const fdb_index* index, fdb_write_fn write, void* context) {
    check_usable(index);
    if (write == nullptr) invalid("NULL argument");
    Writer w;
    w.sink = write;
    w.context = context;
    serialize_into(index, w);
}

void buffer_free(uint8_t* buf) noexcept {
    std::free(buf);
}

void deserialize(const uint8_t* buf, size_t len, fdb_index** out) {
    if (out == nullptr || (buf == nullptr && len > 0)) invalid("NULL argument");
    static const uint8_t empty = 0;
    configure_threads_once();
    try {
        *out = read_index(buf ? buf : &empty, len).release();
    } catch (const faiss::FaissException& e) {
        // FAISS refused the restored structures: the bytes, not FAISS, are at fault.
        corrupt(e.what());
    }
}

} // namespace fdb
