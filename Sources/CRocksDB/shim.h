// RocksDB's C API (Debian: librocksdb-dev). Conventions of <rocksdb/c.h>: opaque handles,
// `char** errptr` out-parameters holding a malloc'ed message, `unsigned char` booleans.
#include <rocksdb/c.h>
// glibc's mallopt, for FaceStore.mapLargeBuffersApart(): memory freed by bulk imports goes back to the system.
#include <malloc.h>
