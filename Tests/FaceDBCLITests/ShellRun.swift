import FaceDBTestSupport
import Foundation

/// The JSON objects of JSON Lines output, parsed with `JSONSerialization`.
func jsonLines(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map { line in
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw NSError(domain: "ShellRun", code: 1, userInfo: [NSLocalizedDescriptionKey: "not a JSON object: \(line)"])
        }
        return object
    }
}
