import FaceDB
import FaceDBCore

/// The options a shell session runs commands with, changed by `set`.
struct ShellSettings: Equatable {
    /// How results are printed.
    enum Format: String, Equatable, CaseIterable {
        /// Aligned tables for people.
        case table
        /// One JSON object per result line (JSON Lines).
        case json
    }

    /// How many identities `identify` returns.
    var k = 5
    /// How results are printed.
    var format = Format.table
    /// A threshold overriding the database's operating point (nil: the operating point).
    var threshold: Float?
    /// How an identity's face scores combine.
    var fusion = ScoreFusion.bestFace
    /// The ambiguity margin of `identify`.
    var margin = IdentificationOptions.defaultMargin
    /// Keep running a script after a failed command.
    var continueOnError = false

    /// The names `set` accepts, in the order `set` shows them.
    static let names = ["k", "format", "threshold", "fusion", "margin", "continue"]

    /// The values offered by completion for a setting.
    static func suggestedValues(for name: String) -> [String] {
        switch name {
        case "format": Format.allCases.map(\.rawValue)
        case "threshold": ["auto"]
        case "fusion": ["best", "mean:2", "mean:3"]
        case "continue": ["on", "off"]
        default: []
        }
    }

    /// Changes the setting `name` to the value written as `value`.
    mutating func set(_ name: String, to value: String) throws {
        func bad(_ expected: String) -> FaceDBError {
            FaceDBError(
                .invalidArgument, "'\(value)' is not a valid value for \(name).",
                remedy: "Give \(expected), e.g. `set \(name) \(Self.example(name))`.")
        }
        switch name {
        case "k":
            guard let n = Int(value), n >= 1 else { throw bad("a whole number ≥ 1") }
            k = n
        case "format":
            guard let f = Format(rawValue: value.lowercased()) else { throw bad("table or json") }
            format = f
        case "threshold":
            if value.lowercased() == "auto" { threshold = nil; return }
            guard let t = Float(value), t.isFinite else { throw bad("a number or auto") }
            threshold = t
        case "fusion":
            guard let f = ScoreFusion(argument: value.lowercased()) else { throw bad("best or mean:M") }
            fusion = f
        case "margin":
            guard let m = Float(value), m.isFinite, m >= 0 else { throw bad("a number ≥ 0") }
            margin = m
        case "continue":
            switch value.lowercased() {
            case "on", "true", "yes", "1": continueOnError = true
            case "off", "false", "no", "0": continueOnError = false
            default: throw bad("on or off")
            }
        default:
            throw FaceDBError(
                .invalidArgument, "There is no setting '\(name)'.",
                remedy: "Settings: \(Self.names.joined(separator: ", ")). Type `set` to see them.")
        }
    }

    /// Each setting's name and current value as `set` shows it.
    var rows: [(name: String, value: String)] {
        [
            ("k", "\(k)"), ("format", format.rawValue), ("threshold", threshold.map { "\($0)" } ?? "auto"),
            ("fusion", Self.fusionText(fusion)), ("margin", "\(margin)"), ("continue", continueOnError ? "on" : "off"),
        ]
    }

    /// `best` or `mean:M`.
    static func fusionText(_ fusion: ScoreFusion) -> String {
        switch fusion {
        case .bestFace: "best"
        case .meanOfBest(let m): "mean:\(m)"
        }
    }

    private static func example(_ name: String) -> String {
        switch name {
        case "k": "3"
        case "format": "json"
        case "threshold": "0.55"
        case "fusion": "mean:3"
        case "margin": "0.05"
        default: "on"
        }
    }
}
