@_exported import FaceDBCalibration
// `import FaceDB` alone gives the whole embedding-level API: the value types its calls take and
// return (NewFace, Face, FaceID, Identity, EmbeddingSpace, IndexConfiguration, Metric, FaceDBError…)
// are declared in FaceDBCore, which is re-exported here; so are FaceDBCalibration (ROC, curves) and
// FaceDBImport (EmbeddingSource, EmbeddingFiles, ExportFormat), whose types the façade's calls take.
@_exported import FaceDBCore
@_exported import FaceDBImport
