// errors.cpp: the shim's failures, the thread-local last error, and the exception-to-status mapping
// behind FDB_CATCH_AND_HANDLE.

#include "errors.hpp"

#include <faiss/impl/FaissException.h>

#include <new>

namespace fdb {

namespace {

thread_local std::string last_error;

} // namespace

[[noreturn]] void fail(int status, const std::string& message) {
    throw ShimError(status, message);
}

[[noreturn]] void invalid(const std::string& message) {
    fail(FDB_ERR_INVALID_ARGUMENT, message);
}

[[noreturn]] void corrupt(const std::string& message) {
    fail(FDB_ERR_CORRUPT, "corrupt index data: " + message);
}

std::string str(int64_t v) {
    return std::to_string(v);
}

void set_last_error(const char* message) noexcept {
    try {
        last_error = message;
    } catch (...) {
        // Out of memory while recording the error: keep the previous message.
    }
}

const char* last_error_message() noexcept {
    return last_error.c_str();
}

int status_of_current_exception() noexcept {
    try {
        throw;
    } catch (const ShimError& e) {
        set_last_error(e.what());
        return e.status;
    } catch (const faiss::FaissException& e) {
        set_last_error(e.what());
        return FDB_ERR_FAISS;
    } catch (const std::bad_alloc&) {
        set_last_error("out of memory");
        return FDB_ERR_OUT_OF_MEMORY;
    } catch (const std::length_error& e) {
        set_last_error(e.what());
        return FDB_ERR_OUT_OF_MEMORY;
    } catch (const std::exception& e) {
        set_last_error(e.what());
        return FDB_ERR_UNKNOWN;
    } catch (...) {
        set_last_error("unknown C++ exception");
        return FDB_ERR_UNKNOWN;
    }
}

} // namespace fdb
