import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// ``OutputFile`` (whole or nothing) and ``OutputPathGuard`` (what may be written) on a real file system.
final class OutputPathTests: XCTestCase {
    func refusal(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            try body()
            XCTFail("not refused", file: file, line: line)
        } catch let error as FaceDBError {
            XCTAssertEqual(error.code, .refusedOutput, file: file, line: line)
            XCTAssertNotNil(error.remedy, file: file, line: line)
            XCTAssertNotNil(error.path, file: file, line: line)
            return error.message
        } catch {
            XCTFail("\(error)", file: file, line: line)
        }
        return ""
    }

    func testOutputFileReplacesWholeOnCommitAndLeavesThePathAloneOtherwise() throws {
        let dir = TemporaryDirectory("output-file")
        let path = dir.path("out.txt")
        try "old".write(toFile: path, atomically: true, encoding: .utf8)
        do {
            let file = try OutputFile(path: path, bufferSize: 2)
            try file.write("new contents")
            XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old", "nothing shows before the commit")
            // Released without commit (an error part-way): discarded.
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out.txt"])
        let file = try OutputFile(path: path)
        try file.write("new")
        try file.overwrite(Array("N".utf8), at: 0)
        XCTAssertTrue(try file.commit())
        XCTAssertFalse(try file.commit(), "a second commit does nothing")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "New")
        XCTAssertThrowsError(try file.write("more"))
        XCTAssertFalse(try OutputFile(path: dir.path("empty.txt")).commit(skipIfEmptyAndNew: true))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("empty.txt")))
        XCTAssertThrowsError(try OutputFile(path: dir.path("missing/out.txt"))) { XCTAssertEqual(($0 as? FaceDBError)?.code, .io) }
        // A rename never goes through a link or over a directory.
        try FileManager.default.createDirectory(atPath: dir.path("sub/inner"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try OutputFile.write([1], to: dir.path("sub")))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.path("sub/inner")))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["out.txt", "sub"])
    }

    func testTheGuardRefusesDirectoriesLinksDatabasesInputsAndExistingFiles() throws {
        let dir = TemporaryDirectory("output-guard")
        let fm = FileManager.default
        try "in".write(toFile: dir.path("input.txt"), atomically: true, encoding: .utf8)
        try "old".write(toFile: dir.path("old.txt"), atomically: true, encoding: .utf8)
        try fm.createDirectory(atPath: dir.path("db/store"), withIntermediateDirectories: true)
        try "MANIFEST-1\n".write(toFile: dir.path("db/store/CURRENT"), atomically: true, encoding: .utf8)
        try fm.createDirectory(atPath: dir.path("other"), withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: dir.path("link"), withDestinationPath: dir.path("old.txt"))
        try fm.createSymbolicLink(atPath: dir.path("dblink"), withDestinationPath: dir.path("db"))
        try fm.linkItem(atPath: dir.path("input.txt"), toPath: dir.path("hard.txt"))
        let strict = OutputPathGuard(inputs: [dir.path("input.txt")], databases: [], force: false)
        let forced = OutputPathGuard(inputs: [dir.path("input.txt")], databases: [], force: true)

        XCTAssertNoThrow(try strict.check(dir.path("new.txt"), what: "The file"))
        XCTAssertTrue(refusal { try forced.check(dir.path("other"), what: "The file") }.contains("existing directory"))
        XCTAssertTrue(refusal { try forced.check(dir.path("other") + "/", what: "The file") }.contains("names a directory"))
        XCTAssertTrue(refusal { try forced.check(dir.path("link"), what: "The file") }.contains("symbolic link"))
        XCTAssertTrue(refusal { try forced.check(dir.path("db/store/CURRENT"), what: "The file") }.contains("inside the FaceDB database"))
        XCTAssertTrue(refusal { try forced.check(dir.path("db/new.txt"), what: "The file") }.contains("inside the FaceDB database"))
        XCTAssertTrue(refusal { try forced.check(dir.path("dblink/new.txt"), what: "The file") }.contains("inside the FaceDB database"))
        XCTAssertTrue(refusal { try forced.check(dir.path("input.txt"), what: "The file") }.contains("same file as the input"))
        XCTAssertTrue(refusal { try forced.check(dir.path("hard.txt"), what: "The file") }.contains("same file as the input"))
        XCTAssertTrue(refusal { try forced.check(dir.path("other/../input.txt"), what: "The file") }.contains("same file as the input"))
        XCTAssertTrue(refusal { try strict.check(dir.path("old.txt"), what: "The file") }.contains("already exists"))
        XCTAssertNoThrow(try forced.check(dir.path("old.txt"), what: "The file"))
        XCTAssertNoThrow(try strict.check(dir.path("old.txt"), what: "The file", mayReplace: true))
        XCTAssertTrue(refusal { try strict.check(dir.path("nowhere/new.txt"), what: "The file") }.contains("does not exist"))
        // A database given to the command, without a store yet.
        let named = OutputPathGuard(databases: [dir.path("other")])
        XCTAssertTrue(refusal { try named.check(dir.path("other/new.txt"), what: "The file") }.contains("inside the FaceDB database"))
        // Directories of output files.
        XCTAssertNoThrow(try strict.checkDirectory(dir.path("milvus"), what: "The directory"))
        XCTAssertNoThrow(try strict.checkDirectory(dir.path("other"), what: "The directory"))
        XCTAssertTrue(refusal { try strict.checkDirectory(dir.path("db"), what: "The directory") }.contains("inside the FaceDB database"))
        XCTAssertTrue(refusal { try strict.checkDirectory(dir.path("dblink"), what: "The directory") }.contains("symbolic link"))
        XCTAssertTrue(refusal { try strict.checkDirectory(dir.path("old.txt"), what: "The directory") }.contains("not a directory"))
        XCTAssertTrue(refusal { try strict.checkDistinct([dir.path("a"), dir.path("other/../a")]) }.contains("two outputs"))
        XCTAssertEqual(try String(contentsOfFile: dir.path("old.txt"), encoding: .utf8), "old")
    }
}
