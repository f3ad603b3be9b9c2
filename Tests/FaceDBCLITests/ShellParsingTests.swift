import FaceDB
import FaceDBCore
import XCTest

@testable import FaceDBCLI

/// The shell's pure parts that read a line: tokenizer, parser, `find` conditions, suggestions, tables.
final class ShellParsingTests: XCTestCase {
    private func words(_ line: String) throws -> [String] { try ShellTokenizer.tokenize(line).map(\.text) }

    func testTokenizerQuotesBracketsCommentsAndUTF8() throws {
        XCTAssertEqual(try words("  show   ada  "), ["show", "ada"])
        XCTAssertEqual(try words("show \"Ada Lovelace\" 'it''s'"), ["show", "Ada Lovelace", "its"])
        XCTAssertEqual(try words(#"show "say \"hi\" \\ \n" 'raw \n'"#), ["show", "say \"hi\" \\ \n", "raw \\n"])
        XCTAssertEqual(try words("identify [0.1, -0.2,  3e-2] k 3"), ["identify", "[0.1, -0.2,  3e-2]", "k", "3"])
        XCTAssertEqual(
            try words(#"add identity x meta {"a b": "}", "n": [1, {"c": 2}]} gallery g"#),
            ["add", "identity", "x", "meta", #"{"a b": "}", "n": [1, {"c": 2}]}"#, "gallery", "g"])
        XCTAssertEqual(try words(#"find @name="Ada L." x\ y"#), ["find", "@name=Ada L.", "x y"])
        XCTAssertEqual(try words("list # all of them"), ["list"])
        XCTAssertEqual(try words("# only a comment"), [])
        XCTAssertEqual(try words("show a#b"), ["show", "a#b"], "# inside a word is not a comment")
        XCTAssertEqual(try words("show \"\""), ["show", ""], "an empty quoted word is a word")
        XCTAssertEqual(try words("show Zoë 北京 👩‍🔬"), ["show", "Zoë", "北京", "👩‍🔬"])
        let tokens = try ShellTokenizer.tokenize("show \"a b\" c")
        XCTAssertEqual(tokens.map(\.start), [0, 5, 11])
        XCTAssertEqual(tokens.map(\.end), [4, 10, 12])
    }

    func testTokenizerRejectsUnclosedQuotesAndBrackets() {
        for line in ["show \"ada", "show 'ada", "identify [0.1, 0.2", #"add identity x meta {"a": "}"#] {
            XCTAssertThrowsError(try ShellTokenizer.tokenize(line), line) { error in
                XCTAssertEqual((error as? FaceDBError)?.code, .invalidArgument, line)
                XCTAssertTrue((error as? FaceDBError)?.message.contains("not closed") ?? false, "\(error)")
            }
        }
    }

    func testQuoteRoundTripsThroughTheTokenizer() throws {
        for word in [
            "ada", "Ada Lovelace", "say \"hi\"", "back\\slash", "it's", "#tag", "[x]", "", "北京 市", "a\rb", "line\nbreak", "\u{0}\u{1}\rs\rsm",
        ] {
            XCTAssertEqual(try words("show " + ShellTokenizer.quote(word)), ["show", word], word)
        }
        XCTAssertEqual(ShellTokenizer.quote("plain"), "plain")
    }

    func testParserBuildsRequests() throws {
        let p = ShellParser()
        XCTAssertEqual(
            try p.parse(try words("identify [1, 2] k 3 fusion mean:2 gallery a gallery b")),
            .identify(.inline([1, 2]), k: 3, fusion: .meanOfBest(2), threshold: nil, margin: nil, galleries: ["a", "b"]))
        XCTAssertEqual(
            try p.parse(try words("IDENTIFY @probes.txt threshold 0.5")),
            .identify(.file("probes.txt"), k: nil, fusion: nil, threshold: 0.5, margin: nil, galleries: []))
        XCTAssertEqual(try p.parse(try words("verify 1,2 ada")), .verifyIdentity(.inline([1, 2]), identity: "ada", fusion: nil, threshold: nil))
        XCTAssertEqual(try p.parse(try words("verify [1,2] 3,4 threshold 1")), .verifyPair(.inline([1, 2]), .inline([3, 4]), threshold: 1))
        XCTAssertEqual(
            try p.parse(try words("verify [1,2] \"1 2\"")), .verifyIdentity(.inline([1, 2]), identity: "1 2", fusion: nil, threshold: nil))
        XCTAssertEqual(try p.parse(try words("list")), .list(prefix: "", limit: nil))
        XCTAssertEqual(try p.parse(try words("ls emp- limit 5")), .list(prefix: "emp-", limit: 5))
        XCTAssertEqual(try p.parse(try words("list limit 5")), .list(prefix: "", limit: 5))
        XCTAssertEqual(
            try p.parse(try words("find team=blue a.b~x limit 2")),
            .find(
                [ShellCondition(key: "team", op: .equals, value: "blue"), ShellCondition(key: "a.b", op: .contains, value: "x")],
                prefix: "", limit: 2))
        XCTAssertEqual(
            try p.parse(try words(#"add identity ada name "Ada L" meta {"t": 1} gallery s"#)),
            .addIdentity("ada", name: "Ada L", metadata: .object(["t": .number(1)]), galleries: ["s"]))
        XCTAssertEqual(try p.parse(try words("add faces bob @f.txt create")), .addFaces(identity: "bob", .file("f.txt"), metadata: nil, create: true))
        XCTAssertEqual(try p.parse(try words("remove face 3 4")), .removeFaces([3, 4]))
        XCTAssertEqual(
            try p.parse(try words(#"update identity ada name "Ada K" gallery s gallery t"#)),
            .updateIdentity("ada", name: "Ada K", metadata: nil, galleries: ["s", "t"]))
        XCTAssertEqual(
            try p.parse(try words(#"update identity ada meta {"t": 2}"#)),
            .updateIdentity("ada", name: nil, metadata: .object(["t": .number(2)]), galleries: nil))
        XCTAssertThrowsError(try p.parse(try words("update identity ada")), "nothing to change")
        XCTAssertEqual(try p.parse(try words("rename identity ada grace")), .renameIdentity("ada", to: "grace"))
        XCTAssertThrowsError(try p.parse(try words("rename identity ada")))
        XCTAssertThrowsError(try p.parse(try words("rename identity ada b c")))
        XCTAssertEqual(try p.parse(try words("search face 17 k 3 gallery s")), .searchFace(17, k: 3, galleries: ["s"]))
        XCTAssertThrowsError(try p.parse(try words("search face ada")))
        XCTAssertEqual(try p.parse(try words("remove identity ada")), .removeIdentity("ada"))
        XCTAssertEqual(try p.parse(try words("erase face 3 4")), .eraseFaces([3, 4]))
        XCTAssertEqual(try p.parse(try words("ERASE identity ada")), .eraseIdentity("ada"))
        XCTAssertThrowsError(try p.parse(try words("erase face")))
        XCTAssertThrowsError(try p.parse(try words("erase face x")))
        XCTAssertEqual(try p.parse(try words("calibrate fmr 1e-4 dry-run")), .calibrate(targetFMR: 1e-4, targetFPIR: nil, seed: nil, dryRun: true))
        XCTAssertEqual(try p.parse(try words("set")), .showSettings)
        XCTAssertEqual(try p.parse(try words("set K 3")), .set("k", "3"))
        XCTAssertEqual(try p.parse(try words("? identify")), .help("identify"))
        XCTAssertEqual(try p.parse(try words("exit")), .quit)
    }

    func testParserExplainsMistakes() throws {
        let p = ShellParser()
        func message(_ line: String) -> String {
            do {
                _ = try p.parse(try words(line))
                return "parsed"
            } catch let e as FaceDBError {
                return e.message + " " + (e.remedy ?? "")
            } catch { return "\(error)" }
        }
        XCTAssertTrue(message("idnetify [1]").contains("Did you mean 'identify'?"), message("idnetify [1]"))
        XCTAssertTrue(message("shwo ada").contains("'show'"))
        XCTAssertTrue(message("xyzzy").contains("Unknown command 'xyzzy'"))
        XCTAssertFalse(message("xyzzy").contains("Did you mean"))
        XCTAssertTrue(message("add").contains("add identity or add face"), message("add"))
        XCTAssertTrue(message("remove person x").contains("'remove person' is not a command"), message("remove person x"))
        XCTAssertTrue(message("show").contains("needs an identity id") && message("show").contains("Usage: show IDENTITY"))
        XCTAssertTrue(message("show a b").contains("Unexpected 'b'"))
        XCTAssertTrue(message("identify [1] k 0").contains("k must be a whole number ≥ 1"))
        XCTAssertTrue(message("identify [1] k").contains("needs a value"))
        XCTAssertTrue(message("identify [1] fast").contains("its options are k, fusion"), message("identify [1] fast"))
        XCTAssertTrue(message("identify [1, x]").contains("non-number 'x'"), message("identify [1, x]"))
        XCTAssertTrue(message("verify [1] [2] fusion best").contains("fusion applies to an identity"))
        XCTAssertTrue(message("add identity a meta [1]").contains("must be a JSON object"), message("add identity a meta [1]"))
        XCTAssertTrue(message("add identity a meta {bad}").contains("not valid JSON"))
        XCTAssertTrue(message("remove face abc").contains("not a face id"))
        XCTAssertTrue(message("find team").contains("not a condition"))
        XCTAssertTrue(message("find =x").contains("no key"))
        XCTAssertTrue(message("calibrate fmr 2").contains("between 0 and 1"))
    }

    func testEveryHelpExampleParsesAsItsOwnCommand() throws {
        let parser = ShellParser()
        for entry in ShellCommandTable.standard.entries {
            XCTAssertFalse(entry.examples.isEmpty, entry.name)
            for example in entry.examples {
                let words = try ShellTokenizer.tokenize(example).map(\.text)
                XCTAssertEqual(Array(words.prefix(entry.words.count)).map { $0.lowercased() }, entry.words, example)
                XCTAssertNoThrow(try parser.parse(words), example)
            }
        }
    }

    func testSettings() throws {
        var s = ShellSettings()
        try s.set("k", to: "7")
        try s.set("format", to: "JSON")
        try s.set("threshold", to: "0.4")
        try s.set("fusion", to: "mean:3")
        try s.set("continue", to: "on")
        XCTAssertEqual(s.k, 7)
        XCTAssertEqual(s.format, .json)
        XCTAssertEqual(s.threshold, 0.4)
        XCTAssertEqual(s.fusion, .meanOfBest(3))
        XCTAssertTrue(s.continueOnError)
        try s.set("threshold", to: "auto")
        XCTAssertNil(s.threshold)
        XCTAssertThrowsError(try s.set("k", to: "0"))
        XCTAssertThrowsError(try s.set("format", to: "xml"))
        XCTAssertThrowsError(try s.set("speed", to: "1"))
        XCTAssertEqual(s.rows.map(\.name), ShellSettings.names)
    }

    func testConditionsMatchMetadata() throws {
        let ada = Identity(
            id: "ada", displayName: "Ada Lovelace",
            metadata: .object([
                "team": .string("blue"), "floor": .number(3), "admin": .bool(true),
                "tags": .array([.string("x"), .string("y")]),
                "address": .object(["city": .string("Paris")]), "a.b": .string("dotted"),
            ]),
            galleries: ["staff"])
        func holds(_ text: String) throws -> Bool { try ShellCondition.parse(text).matches(ada) }
        XCTAssertTrue(try holds("team=blue"))
        XCTAssertFalse(try holds("team=Blue"), "= is exact")
        XCTAssertTrue(try holds("team~BL"), "~ ignores case")
        XCTAssertTrue(try holds("floor=3") && holds("floor=3.0"))
        XCTAssertFalse(try holds("floor=4"))
        XCTAssertTrue(try holds("floor!=4") && holds("missing!=x"))
        XCTAssertFalse(try holds("missing=x"))
        XCTAssertTrue(try holds("admin=true"))
        XCTAssertTrue(try holds("tags=y") && !holds("tags=z"))
        XCTAssertTrue(try holds("address.city=Paris") && holds("address.city~par"))
        XCTAssertTrue(try holds("a.b=dotted"), "a key with a dot is found whole first")
        XCTAssertTrue(try holds("@id=ada") && holds("@name~love") && holds("@gallery=staff") && !holds("@gallery=guests"))
        XCTAssertEqual(try ShellCondition.parse("note~a=b"), ShellCondition(key: "note", op: .contains, value: "a=b"))
        XCTAssertEqual(try ShellCondition.parse("x!=y=z"), ShellCondition(key: "x", op: .notEquals, value: "y=z"))
    }

    func testSuggestionsAndEditDistance() {
        let table = ShellCommandTable.standard
        XCTAssertEqual(ShellCommandTable.editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(ShellCommandTable.editDistance("shwo", "show"), 1, "a transposition is one edit")
        XCTAssertEqual(ShellCommandTable.editDistance("", "abc"), 3)
        XCTAssertEqual(table.suggestions(for: "idnetify"), ["identify"])
        XCTAssertEqual(table.suggestions(for: "ver"), ["verify"], "a prefix suggests its command")
        XCTAssertEqual(table.suggestions(for: "exti"), ["quit"], "an alias suggests its command")
        XCTAssertEqual(table.suggestions(for: "zzzzzz"), [])
        XCTAssertEqual(table.suggestions(for: "xt"), [], "two edits are too many for a four-letter word")
        XCTAssertEqual(table.suggestions(for: "calbirat"), ["calibrate"], "two edits are fine for a long one")
        XCTAssertEqual(table.canonical("EXIT"), "quit")
    }

    func testTableAlignsWideAndCombiningCharacters() {
        XCTAssertEqual(ShellTable.width(of: "abc"), 3)
        XCTAssertEqual(ShellTable.width(of: "北京"), 4)
        XCTAssertEqual(ShellTable.width(of: "e\u{301}"), 1, "e + combining acute is one column")
        XCTAssertEqual(ShellTable.width(of: "😀"), 2)
        let text = ShellTable(header: ["id", "n"], rows: [["北京", "1"], ["ab", "22"], ["x"]]).render()
        XCTAssertEqual(
            text,
            """
            id    n
            ----  --
            北京  1
            ab    22
            x
            """)
        XCTAssertEqual(ShellTable.pairs([("a", "1"), ("long", "line\nbreak")]), #"a     1\#nlong  line\u{a}break"#)
        XCTAssertEqual(ShellTable(header: ["id"], rows: [["e\u{1B}[2Jve\u{9B}"]]).render(), #"id\#n------------------\#ne\u{1b}[2Jve\u{9b}"#)
    }
}
