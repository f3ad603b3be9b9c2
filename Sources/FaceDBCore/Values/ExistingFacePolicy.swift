/// What a write does with a new face whose caller-chosen id is already stored.
public enum ExistingFacePolicy: Sendable {
    /// Refuse the whole write (the default).
    case fail
    /// Leave the stored face and skip the new one (idempotent re-imports).
    case skip
    /// Replace the stored face with the new one.
    case replace
}
