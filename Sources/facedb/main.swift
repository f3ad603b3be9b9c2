import FaceDBCLI

FaceDBCommand.main()
