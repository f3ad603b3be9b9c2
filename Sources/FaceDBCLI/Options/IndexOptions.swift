import ArgumentParser
import FaceDBCore

extension IndexConfiguration.Kind: ExpressibleByArgument {}

/// The index options shared by `create` and `reindex`. Each one left out keeps the value of a base
/// configuration: the defaults for `create`, the database's current index for `reindex` (so that
/// `reindex --ef-search 128` changes efSearch alone, without a rebuild).
struct IndexOptions: ParsableArguments {
    private static let defaults = IndexConfiguration()

    @Option(help: "Index kind: flat (exact), hnsw, ivf or ivfpq. Default: flat at create; the current kind at reindex.")
    var index: IndexConfiguration.Kind?

    @Option(name: .customLong("hnsw-m"), help: "HNSW: neighbours per node (default \(defaults.hnswM)).")
    var hnswM: Int?

    @Option(help: "HNSW: candidate list size while building (default \(defaults.efConstruction)).")
    var efConstruction: Int?

    @Option(
        help: ArgumentHelp(
            "HNSW: candidate list size while searching, or 'auto': tuned to reach --recall-target (the default).",
            valueName: "n|auto"))
    var efSearch: EfSearchSetting?

    @Option(help: "HNSW with automatic efSearch: the recall@10 it is tuned to reach, measured on stored faces (default \(defaults.recallTarget)).")
    var recallTarget: Double?

    @Option(help: "IVF: number of lists; training waits for 39 × nlist faces, searches are exact until then (default \(defaults.nlist)).")
    var nlist: Int?

    @Option(help: "IVF: lists visited per query (default \(defaults.nprobe)).")
    var nprobe: Int?

    @Option(name: .customLong("pq-m"), help: "IVF-PQ: sub-quantizers, which must divide the dimension (default \(defaults.pqM)).")
    var pqM: Int?

    @Option(name: .customLong("pq-bits"), help: "IVF-PQ: bits per code (default \(defaults.pqBits)).")
    var pqBits: Int?

    func validate() throws {
        if let efSearch, efSearch.value != nil, recallTarget != nil {
            throw ValidationError("--recall-target tunes efSearch automatically; it cannot go with a fixed --ef-search.")
        }
    }

    /// Whether any index option was given.
    var isEmpty: Bool {
        index == nil && hnswM == nil && efConstruction == nil && efSearch == nil && recallTarget == nil && nlist == nil
            && nprobe == nil && pqM == nil && pqBits == nil
    }

    /// `base` with the options given replacing its values.
    func configuration(over base: IndexConfiguration = IndexConfiguration()) -> IndexConfiguration {
        var configuration = base
        if let index { configuration.kind = index }
        if let hnswM { configuration.hnswM = hnswM }
        if let efConstruction { configuration.efConstruction = efConstruction }
        if let efSearch {
            if let fixed = efSearch.value {
                configuration.efSearch = fixed  // clears the recall target
            } else {
                configuration.recallTarget = recallTarget ?? base.recallTarget ?? IndexConfiguration.defaultRecallTarget
            }
        } else if let recallTarget {
            configuration.recallTarget = recallTarget
        }
        if let nlist { configuration.nlist = nlist }
        if let nprobe { configuration.nprobe = nprobe }
        if let pqM { configuration.pqM = pqM }
        if let pqBits { configuration.pqBits = pqBits }
        return configuration
    }
}

/// `--ef-search N` or `--ef-search auto`.
struct EfSearchSetting: ExpressibleByArgument {
    /// A fixed efSearch, or nil for automatic tuning.
    var value: Int?

    init?(argument: String) {
        if argument == "auto" {
            value = nil
        } else if let n = Int(argument) {
            value = n
        } else {
            return nil
        }
    }
}
