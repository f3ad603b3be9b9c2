// `import FaceDBPhotos` is all an application needs for photos: the embedding-level database
// (FaceDB, which re-exports FaceDBCore) and the embedder with its model files (FaceDBNeural) come with it.
@_exported import FaceDB
@_exported import FaceDBNeural
