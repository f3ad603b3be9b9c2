// ids.hpp: the id bookkeeping of positional kinds (flat, HNSW, IVF-PQ store rows by position):
// the id -> position map, and the byte masks over positions (tombstones, filters) that searches
// pass to FAISS as id selectors.
#ifndef FDB_IDS_HPP
#define FDB_IDS_HPP

#include <faiss/Index.h>
#include <faiss/impl/IDSelector.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace fdb {

using idx_t = faiss::Index::idx_t;

/// An id -> position map as an open-addressing hash table (linear probing, at most half full,
/// deletion by shifting back), so that adding a million ids costs no allocation per id, as
/// `std::unordered_map`'s nodes did. `IdPositions` keeps here only the ids its array does not cover.
class IdHash {
public:
    /// How many ids are mapped.
    size_t size() const { return count_; }
    /// Whether `id` is mapped.
    bool contains(idx_t id) const { return find(id) >= 0; }
    /// The position of `id`, or -1.
    idx_t find(idx_t id) const {
        if (count_ == 0) return -1;
        for (size_t i = home(id);; i = (i + 1) & mask_) {
            const Slot& slot = slots_[i];
            if (slot.id == id) return slot.position;
            if (slot.id == kEmpty) return -1;
        }
    }
    /// Maps `id` (≥ 0) to `position`; false (and nothing changes) when `id` is already mapped.
    bool insert(idx_t id, idx_t position) {
        reserve(count_ + 1);
        size_t i = home(id);
        for (; slots_[i].id != kEmpty; i = (i + 1) & mask_) {
            if (slots_[i].id == id) return false;
        }
        slots_[i] = Slot{id, position};
        count_++;
        return true;
    }
    /// Unmaps `id`; false when it was not mapped.
    bool erase(idx_t id);
    /// Makes room for `n` ids without rehashing; grows at least twofold when it must grow.
    void reserve(size_t n) {
        if (2 * n <= slots_.size()) return;
        grow(n);
    }
    /// Bytes held.
    size_t memory() const { return slots_.capacity() * sizeof(Slot); }

private:
    struct Slot {
        idx_t id;
        idx_t position;
    };
    static constexpr idx_t kEmpty = -1;
    /// Fibonacci hashing: consecutive ids spread over the whole table.
    size_t home(idx_t id) const { return size_t((uint64_t(id) * 0x9E3779B97F4A7C15ull) >> shift_) & mask_; }
    /// `reserve` when the table must grow: rehashes into at least twice the slots.
    void grow(size_t n);

    std::vector<Slot> slots_;
    size_t count_ = 0;
    size_t mask_ = 0;
    int shift_ = 63;
};

/// The position of each live id of a positional index.
///
/// FaceDB numbers faces 0, 1, 2, … unless callers choose ids, so most ids are small and dense: those
/// below twice the number of ids (at least 1024) are kept in an array indexed by id, 4 bytes each
/// (-1: not mapped); other ids go to an `IdHash`. The hash table alone took 16 bytes a slot kept at
/// most half full: 32 MiB (2^21 slots) for a 1M import against 4 MiB for the array. Peak RSS of
/// `facedb import` of 1M × 128-D: 632–636 MiB with this and rows encoded as written, against
/// 659–663 MiB with the latter alone (issue 17; BENCHMARKS.md, "Memory").
class IdPositions {
public:
    /// How many ids are mapped.
    size_t size() const { return dense_count_ + hash_.size(); }
    /// Whether `id` is mapped.
    bool contains(idx_t id) const { return find(id) >= 0; }
    /// The position of `id`, or -1.
    idx_t find(idx_t id) const {
        if (id >= 0 && size_t(id) < dense_.size() && dense_[size_t(id)] >= 0) return dense_[size_t(id)];
        return hash_.size() == 0 ? -1 : hash_.find(id);
    }
    /// Maps `id` (≥ 0) to `position`; false (and nothing changes) when `id` is already mapped. Does
    /// not allocate when `reserve` was called with this id and a position end above `position`.
    bool insert(idx_t id, idx_t position) {
        if (find(id) >= 0) return false;
        if (size_t(id) < dense_.size() && position <= std::numeric_limits<int32_t>::max()) {
            dense_[size_t(id)] = int32_t(position);
            dense_count_++;
            return true;
        }
        return hash_.insert(id, position);
    }
    /// Unmaps `id`; false when it was not mapped.
    bool erase(idx_t id) {
        if (id >= 0 && size_t(id) < dense_.size() && dense_[size_t(id)] >= 0) {
            dense_[size_t(id)] = -1;
            dense_count_--;
            return true;
        }
        return hash_.size() != 0 && hash_.erase(id);
    }
    /// Makes room to insert the `n` ids at `ids` (negative ones are passed over) at positions below
    /// `position_end` without allocating: the array grows (at least twofold) to cover those it may
    /// cover, the hash table to take the others.
    void reserve(const idx_t* ids, size_t n, idx_t position_end);
    /// Bytes held.
    size_t memory() const { return dense_.capacity() * sizeof(int32_t) + hash_.memory(); }

private:
    std::vector<int32_t> dense_;
    size_t dense_count_ = 0;
    IdHash hash_;
};

/// Selects the positions whose byte in `mask` equals `want`: the live rows (`dead` mask, want 0),
/// the tombstones (want 1), or the rows a filter allows.
struct ByteMaskSelector final : faiss::IDSelector {
    const uint8_t* mask;
    size_t size;
    uint8_t want;
    ByteMaskSelector(const std::vector<uint8_t>& mask, uint8_t want) : mask(mask.data()), size(mask.size()), want(want) {}
    bool is_member(idx_t i) const override {
        return i >= 0 && size_t(i) < size && mask[i] == want;
    }
};

} // namespace fdb

#endif // FDB_IDS_HPP
