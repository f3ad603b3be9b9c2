import FaceDB
import FaceDBCore

/// The photo calls as `async` overloads, run on FaceDB's own threads like the rest of the async API
/// (see `FaceDatabase+Async.swift` in FaceDB). A cancelled enrolment stops between groups of
/// ``FaceDatabase/enrolmentGroup`` photos, before anything is written.
extension FaceDatabase {
    /// The blocking `enroll(_:identity:pipeline:options:progress:)`, run on FaceDB's threads.
    public func enroll(
        _ photos: [Photo], identity: String, pipeline: FacePipeline, options: EnrollOptions = EnrollOptions(),
        progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> Enrollment {
        try await WorkThreads.run { try self.enroll(photos, identity: identity, pipeline: pipeline, options: options, progress: progress) }
    }

    /// The blocking `identify(_:pipeline:options:pipelineOptions:)`, run on FaceDB's threads.
    public func identify(
        _ photo: Photo, pipeline: FacePipeline, options: IdentificationOptions = IdentificationOptions(),
        pipelineOptions: PipelineOptions = PipelineOptions()
    ) async throws -> PhotoIdentification {
        try await WorkThreads.run { try self.identify(photo, pipeline: pipeline, options: options, pipelineOptions: pipelineOptions) }
    }

    /// The blocking `verify(_:identity:pipeline:pipelineOptions:)`, run on FaceDB's threads.
    public func verify(
        _ photo: Photo, identity: String, pipeline: FacePipeline,
        pipelineOptions: PipelineOptions = PipelineOptions()
    ) async throws -> Verification {
        try await WorkThreads.run { try self.verify(photo, identity: identity, pipeline: pipeline, pipelineOptions: pipelineOptions) }
    }

    /// The blocking `verify(_:_:pipeline:pipelineOptions:)`, run on FaceDB's threads.
    public func verify(
        _ a: Photo, _ b: Photo, pipeline: FacePipeline,
        pipelineOptions: PipelineOptions = PipelineOptions()
    ) async throws -> Verification {
        try await WorkThreads.run { try self.verify(a, b, pipeline: pipeline, pipelineOptions: pipelineOptions) }
    }
}
