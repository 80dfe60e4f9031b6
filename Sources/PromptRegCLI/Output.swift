import Foundation
import PromptRegistry

/// Writing results: JSON exactly as the library's wire types encode, text with every control and
/// bidirectional character escaped (names and messages read from a registry may be hostile).
enum Output {
    /// The one JSON encoder of the command line: pretty, key-sorted, slashes unescaped.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Prints `value` as JSON on standard output.
    static func json(_ value: some Encodable) throws {
        write(String(decoding: try encoder.encode(value), as: UTF8.self) + "\n", to: stdout)
    }

    /// Prints a line of text on standard output, escaped for the terminal.
    static func line(_ text: String) {
        write(Terminal.escape(text) + "\n", to: stdout)
    }

    /// Prints rows as columns padded to their widest cell, every cell escaped.
    static func table(_ header: [String], _ rows: [[String]]) {
        let all = [header] + rows.map { $0.map(Terminal.escape) }
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        for row in all {
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            write(cells.joined(separator: "  ") + "\n", to: stdout)
        }
    }

    /// Writes `text` and a newline to standard error, escaped for the terminal.
    static func error(_ text: String) {
        write(Terminal.escape(text) + "\n", to: stderr)
    }

    /// Writes raw `text` to standard error (JSON errors).
    static func rawError(_ text: String) {
        write(text, to: stderr)
    }

    /// Writes through C's buffered streams, whose error flag `flushFailed` reads at exit: a
    /// failed write (a full disk, a file size limit) must never trap nor pass for success.
    private static func write(_ text: String, to stream: UnsafeMutablePointer<FILE>) {
        _ = text.withCString { fputs($0, stream) }
    }

    /// Flushes standard output and error; true when any write to either failed.
    static func flushFailed() -> Bool {
        let outFailed = fflush(stdout) != 0 || ferror(stdout) != 0
        let errFailed = fflush(stderr) != 0 || ferror(stderr) != 0
        return outFailed || errFailed
    }
}

/// Escaping for text shown on a terminal.
enum Terminal {
    /// `text` with C0 and C1 controls (but newline and tab), DEL, and bidirectional and zero-width
    /// format characters written as `\u{XX}`, so no stored name can move the cursor, clear the
    /// screen or reorder what a reader sees.
    static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: false
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x061C, 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2069, 0xFEFF: true
        default: false
        }
    }
}
