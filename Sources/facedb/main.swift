import FaceDBCLI
import Foundation
import Logging

// Files this command creates are its owner's only (0600, directories 0700): databases hold
// biometric data, and RocksDB creates its files under the umask (SECURITY.md, "Private files").
umask(0o077)
// Anything logging through swift-log's global factory writes where the command's own messages go:
// standard error (its default, standard output, is for results).
LoggingSystem.bootstrap(CommandLog.handler(label:))
FaceDBCommand.main()
