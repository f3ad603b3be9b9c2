// `import FaceDB` alone gives the whole embedding-level API: the value types its calls take and
// return (NewFace, Face, FaceID, Identity, EmbeddingSpace, IndexConfiguration, Metric, FaceDBError…)
// are declared in FaceDBCore, which is re-exported here.
@_exported import FaceDBCore
@_exported import FaceDBCalibration
