/// Limits a search to part of the gallery. An empty filter searches everything.
public struct SearchFilter: Sendable, Hashable {
    /// Only identities in at least one of these galleries (nil: any).
    public var galleries: [String]?
    /// Only these identities (nil: any).
    public var identities: [String]?

    /// A filter; with no arguments, no restriction.
    public init(galleries: [String]? = nil, identities: [String]? = nil) {
        self.galleries = galleries
        self.identities = identities
    }

    /// No restriction.
    public static let none = SearchFilter()

    /// Whether the filter restricts anything.
    public var isRestricting: Bool { galleries != nil || identities != nil }
}
