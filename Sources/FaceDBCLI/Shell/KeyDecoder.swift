/// Turns the bytes a terminal in raw mode sends into keys: UTF-8 text, control keys and the
/// escape sequences of arrows, Home, End and Delete (both the `ESC [` and `ESC O` forms).
/// Pure and incremental: feed bytes one at a time, as they arrive.
struct KeyDecoder {
    /// A key press.
    enum Key: Equatable {
        /// Text to insert (one character).
        case text(String)
        /// Enter (CR or LF).
        case enter
        /// Tab.
        case tab
        /// Backspace (DEL or Ctrl-H).
        case backspace
        /// Delete (forward).
        case delete
        /// Left arrow or Ctrl-B.
        case left
        /// Right arrow or Ctrl-F.
        case right
        /// Up arrow or Ctrl-P.
        case up
        /// Down arrow or Ctrl-N.
        case down
        /// Home or Ctrl-A.
        case home
        /// End or Ctrl-E.
        case end
        /// Alt-B or Ctrl-Left: a word left.
        case wordLeft
        /// Alt-F or Ctrl-Right: a word right.
        case wordRight
        /// Ctrl-K.
        case killToEnd
        /// Ctrl-U.
        case killToStart
        /// Ctrl-W.
        case killWord
        /// Ctrl-Y.
        case yank
        /// Ctrl-L.
        case clearScreen
        /// Ctrl-C.
        case interrupt
        /// Ctrl-D.
        case endOfFile
        /// A byte or sequence with no meaning here.
        case ignored
    }

    private enum State { case ground, escape, csi, ss3 }
    private var state = State.ground
    private var parameters: [UInt8] = []
    private var utf8: [UInt8] = []
    private var utf8Expected = 0

    /// A decoder in its initial state.
    init() {}

    /// Feeds one byte; returns the key it completes, or nil while a sequence is incomplete.
    mutating func feed(_ byte: UInt8) -> Key? {
        switch state {
        case .escape:
            switch byte {
            case UInt8(ascii: "["): state = .csi; parameters = []; return nil
            case UInt8(ascii: "O"): state = .ss3; return nil
            case UInt8(ascii: "b"): state = .ground; return .wordLeft
            case UInt8(ascii: "f"): state = .ground; return .wordRight
            case 0x7F: state = .ground; return .killWord
            default: state = .ground; return .ignored
            }
        case .ss3:
            state = .ground
            return final(byte)
        case .csi:
            if (0x30...0x3F).contains(byte) {  // parameter bytes: digits and ;
                parameters.append(byte)
                return nil
            }
            state = .ground
            let params = String(decoding: parameters, as: UTF8.self)
            if byte == UInt8(ascii: "~") {
                switch params {
                case "1", "7": return .home
                case "4", "8": return .end
                case "3": return .delete
                default: return .ignored
                }
            }
            if params.hasSuffix(";5") || params.hasSuffix(";3") {  // Ctrl- or Alt-arrow
                if byte == UInt8(ascii: "D") { return .wordLeft }
                if byte == UInt8(ascii: "C") { return .wordRight }
            }
            return final(byte)
        case .ground:
            break
        }
        if utf8Expected > 0 {
            guard byte & 0xC0 == 0x80 else {  // a broken sequence: drop it, decode this byte afresh
                utf8 = []
                utf8Expected = 0
                return feed(byte)
            }
            utf8.append(byte)
            if utf8.count < utf8Expected { return nil }
            defer { utf8 = []; utf8Expected = 0 }
            guard let text = String(validating: utf8, as: UTF8.self) else { return .ignored }
            return .text(text)
        }
        switch byte {
        case 0x1B: state = .escape; return nil
        case 0x0D, 0x0A: return .enter
        case 0x09: return .tab
        case 0x7F, 0x08: return .backspace
        case 0x01: return .home
        case 0x02: return .left
        case 0x03: return .interrupt
        case 0x04: return .endOfFile
        case 0x05: return .end
        case 0x06: return .right
        case 0x0B: return .killToEnd
        case 0x0C: return .clearScreen
        case 0x0E: return .down
        case 0x10: return .up
        case 0x15: return .killToStart
        case 0x17: return .killWord
        case 0x19: return .yank
        case 0x20...0x7E: return .text(String(UnicodeScalar(byte)))
        case 0xC2...0xDF: utf8 = [byte]; utf8Expected = 2; return nil
        case 0xE0...0xEF: utf8 = [byte]; utf8Expected = 3; return nil
        case 0xF0...0xF4: utf8 = [byte]; utf8Expected = 4; return nil
        default: return .ignored
        }
    }

    private func final(_ byte: UInt8) -> Key {
        switch byte {
        case UInt8(ascii: "A"): .up
        case UInt8(ascii: "B"): .down
        case UInt8(ascii: "C"): .right
        case UInt8(ascii: "D"): .left
        case UInt8(ascii: "H"): .home
        case UInt8(ascii: "F"): .end
        default: .ignored
        }
    }
}
