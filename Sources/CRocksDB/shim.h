// RocksDB's C API (Debian: librocksdb-dev). Conventions of <rocksdb/c.h>: opaque handles,
// `char** errptr` out-parameters holding a malloc'ed message, `unsigned char` booleans.
#include <rocksdb/c.h>
