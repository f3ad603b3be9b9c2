import ArgumentParser
import FaceDBCore

extension IndexConfiguration.Kind: ExpressibleByArgument {}

/// The index options shared by `create` and `reindex`.
struct IndexOptions: ParsableArguments {
    @Option(help: "Index kind: flat (exact), hnsw, ivf or ivfpq.")
    var index: IndexConfiguration.Kind = .flat

    @Option(name: .customLong("hnsw-m"), help: "HNSW: neighbours per node.")
    var hnswM: Int = IndexConfiguration().hnswM

    @Option(help: "HNSW: candidate list size while building.")
    var efConstruction: Int = IndexConfiguration().efConstruction

    @Option(
        help: ArgumentHelp(
            "HNSW: candidate list size while searching. Default: tuned automatically to reach --recall-target.",
            valueName: "n"))
    var efSearch: Int?

    @Option(help: "HNSW without --ef-search: the recall@10 that efSearch is tuned to reach, measured on stored faces.")
    var recallTarget: Double = IndexConfiguration.defaultRecallTarget

    @Option(help: "IVF: number of lists; training waits for 39 × nlist faces, searches are exact until then.")
    var nlist: Int = IndexConfiguration().nlist

    @Option(help: "IVF: lists visited per query.")
    var nprobe: Int = IndexConfiguration().nprobe

    @Option(name: .customLong("pq-m"), help: "IVF-PQ: sub-quantizers (must divide the dimension).")
    var pqM: Int = IndexConfiguration().pqM

    @Option(name: .customLong("pq-bits"), help: "IVF-PQ: bits per code.")
    var pqBits: Int = IndexConfiguration().pqBits

    var configuration: IndexConfiguration {
        IndexConfiguration(
            kind: index, hnswM: hnswM, efConstruction: efConstruction, efSearch: efSearch,
            recallTarget: recallTarget, nlist: nlist, nprobe: nprobe, pqM: pqM, pqBits: pqBits)
    }
}
