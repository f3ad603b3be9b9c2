import FaceDBCLI
import Logging

// Anything logging through swift-log's global factory writes where the command's own messages go:
// standard error (its default, standard output, is for results).
LoggingSystem.bootstrap(CommandLog.handler(label:))
FaceDBCommand.main()
