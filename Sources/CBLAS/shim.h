// OpenBLAS's CBLAS interface (Debian: libopenblas-dev, header /usr/include/x86_64-linux-gnu/cblas.h
// selected by update-alternatives). Besides the standard cblas_* routines it declares OpenBLAS's
// thread controls `openblas_set_num_threads` / `openblas_get_num_threads`, which FaceDBNeural uses
// to keep BLAS from oversubscribing the cores when several embeddings run in parallel.
#include <cblas.h>
