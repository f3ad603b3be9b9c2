import FaceDBCalibration
import FaceDBCore
import FaceDBTestSupport
import XCTest

final class PairsFileTests: XCTestCase {
    let lfwSample = """
        2\t2
        Abel_Pacheco\t1\t4
        Akhmed_Zakayev\t1\t3
        Abdel_Madi_Shabneh\t1\tDean_Barker\t1
        Abdel_Madi_Shabneh\t1\tGiancarlo_Fisichella\t1
        Tom_Hanks 2 5
        Zhang_Ziyi   1 2
        Ann_A 1 Bob_B 12
        Carl_C 3 Dora_D 4

        """

    func testLFWSample() throws {
        let pairs = try PairsFile.lfw(lfwSample)
        XCTAssertEqual(pairs.count, 8)
        XCTAssertEqual(pairs.map(\.fold), [0, 0, 0, 0, 1, 1, 1, 1])
        XCTAssertEqual(pairs.map(\.same), [true, true, false, false, true, true, false, false])
        XCTAssertEqual(
            pairs[0],
            LabelledImagePair(
                a: ImageRef(name: "Abel_Pacheco", number: 1),
                b: ImageRef(name: "Abel_Pacheco", number: 4), same: true, fold: 0))
        XCTAssertEqual(pairs[3].b, ImageRef(name: "Giancarlo_Fisichella", number: 1))
        XCTAssertEqual(pairs[6].b, ImageRef(name: "Bob_B", number: 12))
        XCTAssertEqual(pairs[0].b.path(in: "/data/lfw"), "/data/lfw/Abel_Pacheco/Abel_Pacheco_0004.jpg")
        XCTAssertEqual(pairs[6].b.path(in: "lfw/"), "lfw/Bob_B/Bob_B_0012.jpg")
        XCTAssertEqual(ImageRef(name: "X", number: 12345).path(in: "d"), "d/X/X_12345.jpg")
        // Windows line endings parse the same.
        XCTAssertEqual(try PairsFile.lfw(lfwSample.replacingOccurrences(of: "\n", with: "\r\n")), pairs)
    }

    func testLFWErrorsNameTheLine() {
        var lines = lfwSample.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func assertError(_ text: String, line: Int, mentions: String, _ what: String, file: StaticString = #filePath, at: UInt = #line) {
            XCTAssertThrowsError(try PairsFile.lfw(text), what, file: file, line: at) { error in
                guard let e = error as? FaceDBError else { return XCTFail("\(error)", file: file, line: at) }
                XCTAssertEqual(e.code, .invalidArgument, file: file, line: at)
                XCTAssertTrue(e.message.hasPrefix("Line \(line):"), "\(what): \(e.message)", file: file, line: at)
                XCTAssertTrue(e.message.contains(mentions), "\(what): \(e.message)", file: file, line: at)
                XCTAssertNotNil(e.remedy, file: file, line: at)
            }
        }
        assertError("", line: 1, mentions: "empty", "empty file")
        assertError("\n  \n", line: 1, mentions: "empty", "blank file")
        assertError("ten 300\n", line: 1, mentions: "folds pairsPerFold", "bad header")
        assertError("10\n", line: 1, mentions: "folds pairsPerFold", "one-number header")
        assertError("0 3\n", line: 1, mentions: "positive", "zero folds")

        var wrongCount = lines
        wrongCount[3] = "Abdel_Madi_Shabneh 1 2"
        assertError(wrongCount.joined(separator: "\n"), line: 4, mentions: "4 fields", "same-person line among different-person ones")
        var extraField = lines
        extraField[1] = "Abel_Pacheco 1 4 5"
        assertError(extraField.joined(separator: "\n"), line: 2, mentions: "3 fields", "4 fields in a same-person line")
        var nonNumeric = lines
        nonNumeric[5] = "Tom_Hanks two 5"
        assertError(nonNumeric.joined(separator: "\n"), line: 6, mentions: "'two'", "non-numeric index")
        var negative = lines
        negative[7] = "Ann_A 1 Bob_B -3"
        assertError(negative.joined(separator: "\n"), line: 8, mentions: "'-3'", "negative index")

        let truncated = lines.prefix(7).joined(separator: "\n")
        assertError(truncated, line: 8, mentions: "ends", "missing last line")
        lines.append("Extra 1 2")
        assertError(lines.joined(separator: "\n"), line: 11, mentions: "more lines", "extra line")
        assertError("1000000000 1000000000\nA 1 2\n", line: 3, mentions: "ends", "huge header")
    }

    func testCSVEmbeddingsPathsAndQuotes() throws {
        let text = """
            a,b,same
            "[0.1, 0.2, -3e-1]","[0.4,0.5,0.6]",1
            0.1;0.2;0.3, 0.4 0.5 0.6 ,false
            "photos/a, b.jpg","say ""hi"".jpg",yes
            img/x.jpg,"[1,2,3]",NO

            "multi
            line.jpg",y.jpg,True
            """
        let pairs = try PairsFile.csv(text)
        XCTAssertEqual(
            pairs,
            [
                LabelledPair(a: .embedding([0.1, 0.2, -0.3]), b: .embedding([0.4, 0.5, 0.6]), same: true),
                LabelledPair(a: .embedding([0.1, 0.2, 0.3]), b: .embedding([0.4, 0.5, 0.6]), same: false),
                LabelledPair(a: .path("photos/a, b.jpg"), b: .path("say \"hi\".jpg"), same: true),
                LabelledPair(a: .path("img/x.jpg"), b: .embedding([1, 2, 3]), same: false),
                LabelledPair(a: .path("multi\nline.jpg"), b: .path("y.jpg"), same: true),
            ])
        // Columns in another order, extra columns, CRLF.
        let reordered = "same,note,b,a\r\n0,hello,1;2,3 4\r\n"
        XCTAssertEqual(try PairsFile.csv(reordered), [LabelledPair(a: .embedding([3, 4]), b: .embedding([1, 2]), same: false)])
    }

    func testCSVErrorsNameTheLine() {
        func assertError(_ text: String, line: Int, mentions: String, file: StaticString = #filePath, at: UInt = #line) {
            XCTAssertThrowsError(try PairsFile.csv(text), file: file, line: at) { error in
                guard let e = error as? FaceDBError else { return XCTFail("\(error)", file: file, line: at) }
                XCTAssertEqual(e.code, .invalidArgument, file: file, line: at)
                XCTAssertTrue(e.message.hasPrefix("Line \(line):"), e.message, file: file, line: at)
                XCTAssertTrue(e.message.contains(mentions), e.message, file: file, line: at)
                XCTAssertNotNil(e.remedy, file: file, line: at)
            }
        }
        assertError("", line: 1, mentions: "empty")
        assertError("a,b,same\n", line: 1, mentions: "no pairs")
        assertError("left,right,same\nx,y,1\n", line: 1, mentions: "'a'")
        assertError("a,b,same\nx.jpg,y.jpg,1\nx.jpg,y.jpg,maybe\n", line: 3, mentions: "'maybe'")
        assertError("a,b,same\nx.jpg,y.jpg,\n", line: 2, mentions: "same")
        assertError("a,b,same\nx.jpg,[0.1,0.2],1\n", line: 2, mentions: "fields")
        assertError("a,b,same\n\"[0.1, abc]\",y.jpg,1\n", line: 2, mentions: "'abc'")
        assertError("a,b,same\n\"[0.1, 0.2\",y.jpg,1\n", line: 2, mentions: "]")
        assertError("a,b,same\n[],y.jpg,1\n", line: 2, mentions: "empty")
        assertError("a,b,same\n0.1;nan,y.jpg,1\n", line: 2, mentions: "finite")
        assertError("a,b,same\n0.1;zz;0.3,y.jpg,1\n", line: 2, mentions: "'zz'")
        assertError("a,b,same\n,y.jpg,1\n", line: 2, mentions: "empty")
        assertError("a,b,same\nx.jpg,y.jpg,1\n\"open,y.jpg,1\n", line: 3, mentions: "never closed")
        assertError("a,b,same\n\"x\"z,y.jpg,1\n", line: 2, mentions: "closing quote")
        assertError("a,b,same\n1 2 3,4 5 6,1\n1 2,3 4,0\n", line: 3, mentions: "line 2")
    }

    /// Random text made of the characters that matter to the parsers: never a crash, only results or FaceDBError.
    func testParsersNeverCrashOnGarbage() {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let alphabet = Array("ab,;\"[] \t\n\r0123456789.-e\u{FEFF}é")
        for round in 0..<1500 {
            let length = Int(rng.next() % 60)
            var text = String((0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            if round % 3 == 0 { text = "a,b,same\n" + text }
            if round % 3 == 1 { text = "1 1\n" + text }
            for parse in [{ _ = try PairsFile.csv(text) }, { _ = try PairsFile.lfw(text) }] {
                do { try parse() } catch { XCTAssertTrue(error is FaceDBError, "seed \(seed): \(error)") }
            }
        }
    }
}
