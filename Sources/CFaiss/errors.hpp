// errors.hpp: how failures travel inside the C layer, and the one macro that stops them at its edge.
//
// Inside, every failure is a C++ exception: the layer's own `ShimError` (from `fail`, `invalid` and
// `corrupt`, carrying the status it maps to), FAISS's `FaissException`, `std::bad_alloc`, ...
// Every C entry point that returns a status is written
//
//     int fdb_index_something(...) {
//         try {
//             fdb::something(...);
//         }
//         FDB_CATCH_AND_HANDLE
//     }
//
// so that the exception in flight becomes a status code and this thread's last-error message
// (`status_of_current_exception`), and no C++ exception ever reaches the caller (Swift).
#ifndef FDB_ERRORS_HPP
#define FDB_ERRORS_HPP

#include "fdb_faiss.h"

#include <cstdint>
#include <stdexcept>
#include <string>

namespace fdb {

/// A failure raised by the shim itself, with the status it maps to.
struct ShimError : std::runtime_error {
    int status;
    ShimError(int status, const std::string& message) : std::runtime_error(message), status(status) {}
};

/// Throws a `ShimError` with `status`.
[[noreturn]] void fail(int status, const std::string& message);

/// Throws a `ShimError` with FDB_ERR_INVALID_ARGUMENT.
[[noreturn]] void invalid(const std::string& message);

/// Throws a `ShimError` with FDB_ERR_CORRUPT and the message prefixed "corrupt index data: ".
[[noreturn]] void corrupt(const std::string& message);

/// `v` in decimal, for messages.
std::string str(int64_t v);

/// Records `message` as this thread's last error (keeps the previous one if that fails).
void set_last_error(const char* message) noexcept;

/// This thread's last error message ("" if none): what fdb_last_error() returns.
const char* last_error_message() noexcept;

/// Maps the exception being handled to its status code and records its message as this thread's
/// last error. Only to be called inside a `catch` block (FDB_CATCH_AND_HANDLE).
int status_of_current_exception() noexcept;

} // namespace fdb

/// Ends the body of every C entry point that returns a status, after its `try { ... }` block:
/// FDB_OK when the block finished, else the status of the exception (see errors.cpp).
#define FDB_CATCH_AND_HANDLE                              \
    catch (...) {                                         \
        return ::fdb::status_of_current_exception();      \
    }                                                     \
    return FDB_OK;

#endif // FDB_ERRORS_HPP
