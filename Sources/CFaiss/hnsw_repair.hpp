// hnsw_repair.hpp: HNSW graph reachability: finding live nodes that no level-0 link leads to from
// the entry point, and linking them.
#ifndef FDB_HNSW_REPAIR_HPP
#define FDB_HNSW_REPAIR_HPP

#include "index.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fdb {

/// HNSW: fills `reached` from the entry point and returns the live nodes it does not reach.
std::vector<size_t> unreachable_nodes(const fdb_index* ix, std::vector<uint8_t>& reached);

/// HNSW: links every live node that level-0 links do not lead to from the entry point.
///
/// FAISS prunes a node's neighbour list when a new link overflows it (keeping diverse, close
/// neighbours). A node dropped from every list that held it, or a tight group of outliers linked
/// only among themselves, can no longer be reached: no search returns that face, whatever its
/// efSearch. For each such node v, a search for v's own vector finds its nearest reachable nodes
/// u; v takes a free slot in the nearest u's level-0 list that has one, or else replaces, in the
/// nearest u's list, the neighbour farthest from u among those that keep another in-link. Up to
/// three passes, since such a replacement can cut off another node. Tombstones are not linked (no
/// search may return them), but links through them count, since searches walk through tombstones.
/// O(nodes × 2M) per pass plus one search per unreachable node: run after adds of 1% of the graph
/// or more, after a rebuild and on load.
///
/// Best effort: every link it changes leaves a valid graph, so a failure half-way (out of memory)
/// leaves a valid graph too, and the next repair tries again.
void repair_reachability(fdb_index* ix) noexcept;

} // namespace fdb

#endif // FDB_HNSW_REPAIR_HPP
