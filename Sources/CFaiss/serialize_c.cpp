// serialize_c.cpp: the serialization entry points of fdb_faiss.h. Each only passes its arguments
// to the C++ operation (operations.hpp, serialize.cpp) inside FDB_CATCH_AND_HANDLE (errors.hpp).

#include "fdb_faiss.h"

#include "errors.hpp"
#include "operations.hpp"

extern "C" {

int fdb_index_serialize(const fdb_index* index, uint8_t** buf, size_t* len) {
    try {
        fdb::serialize(index, buf, len);
    }
    FDB_CATCH_AND_HANDLE
}

int fdb_index_serialized_size(const fdb_index* index, uint64_t* len) {
    try {
        fdb::serialized_size(index, len);
    }
    FDB_CATCH_AND_HANDLE
}

int fdb_index_serialize_to(const fdb_index* index, fdb_write_fn write, void* context) {
    try {
        fdb::serialize_to(index, write, context);
    }
    FDB_CATCH_AND_HANDLE
}

void fdb_index_buffer_free(uint8_t* buf) {
    fdb::buffer_free(buf);  // noexcept
}

int fdb_index_deserialize(const uint8_t* buf, size_t len, fdb_index** out) {
    try {
        fdb::deserialize(buf, len, out);
    }
    FDB_CATCH_AND_HANDLE
}

} // extern "C"
