// ids.cpp: the out-of-line parts of the id -> position map (growing, deleting).

#include "ids.hpp"

#include <algorithm>

namespace fdb {

bool IdHash::erase(idx_t id) {
    if (count_ == 0) return false;
    size_t i = home(id);
    for (; slots_[i].id != id; i = (i + 1) & mask_) {
        if (slots_[i].id == kEmpty) return false;
    }
    // Shift later entries of the probe run back into the hole, unless their home lies after it.
    for (size_t j = (i + 1) & mask_; slots_[j].id != kEmpty; j = (j + 1) & mask_) {
        const size_t h = home(slots_[j].id);
        const bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
        if (!stays) {
            slots_[i] = slots_[j];
            i = j;
        }
    }
    slots_[i].id = kEmpty;
    count_--;
    return true;
}

void IdHash::grow(size_t n) {
    size_t capacity = std::max<size_t>(16, slots_.size() * 2);
    while (capacity < 2 * n) capacity *= 2;
    std::vector<Slot> old(capacity, Slot{kEmpty, 0});
    old.swap(slots_);
    mask_ = capacity - 1;
    shift_ = 64 - __builtin_ctzll(capacity);
    for (const Slot& slot : old) {
        if (slot.id == kEmpty) continue;
        size_t i = home(slot.id);
        while (slots_[i].id != kEmpty) i = (i + 1) & mask_;
        slots_[i] = slot;
    }
}

void IdPositions::reserve(const idx_t* ids, size_t n, idx_t position_end) {
    const size_t limit = std::max<size_t>(1024, 2 * (size() + n));
    const bool fits = position_end <= idx_t(std::numeric_limits<int32_t>::max()) + 1;
    size_t others = 0;
    idx_t top = -1;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] < 0) continue;
        if (fits && size_t(ids[i]) < limit) {
            top = std::max(top, ids[i]);
        } else {
            others++;
        }
    }
    if (top >= 0 && size_t(top) >= dense_.size()) {
        if (size_t(top) >= dense_.capacity()) dense_.reserve(std::max(size_t(top) + 1, 2 * dense_.capacity()));
        dense_.resize(size_t(top) + 1, -1);
    }
    if (others > 0) hash_.reserve(hash_.size() + others);
}

} // namespace fdb
