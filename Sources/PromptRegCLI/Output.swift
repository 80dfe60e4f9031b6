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
        write(String(decoding: try encoder.encode(value), as: UTF8.self) + "\n", to: 1)
    }

    /// Prints raw `text` (a JSON line) on standard output.
    static func raw(_ text: String) {
        write(text, to: 1)
    }

    /// Prints a line of text on standard output, escaped for the terminal.
    static func line(_ text: String) {
        write(Terminal.escape(text) + "\n", to: 1)
    }

    /// Prints rows as columns padded to their widest cell, every cell escaped.
    static func table(_ header: [String], _ rows: [[String]]) {
        let all = [header] + rows.map { $0.map(Terminal.escape) }
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        for row in all {
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            write(cells.joined(separator: "  ") + "\n", to: 1)
        }
    }

    /// Writes `text` and a newline to standard error, escaped for the terminal.
    static func error(_ text: String) {
        write(Terminal.escape(text) + "\n", to: 2)
    }

    /// Writes raw `text` to standard error (JSON errors).
    static func rawError(_ text: String) {
        write(text, to: 2)
    }

    /// Set when a write to standard output or error failed; read at exit.
    nonisolated(unsafe) private static var writeFailed = false
    /// Standard output gathered for one write at exit, as stdio would: a reader that stops early
    /// (`| head -1`) then never makes a later line's write fail.
    nonisolated(unsafe) private static var pendingOutput: [UInt8] = []

    /// Queues `text` for standard output (descriptor 1), or writes it to standard error (2) now.
    private static func write(_ text: String, to descriptor: Int32) {
        if descriptor == 1 {
            pendingOutput.append(contentsOf: text.utf8)
        } else {
            writeAll(Array(text.utf8)[...], to: descriptor)
        }
    }

    /// Writes all of `bytes` to `descriptor`, unbuffered: a failed write (a full disk, a file size
    /// limit) is remembered and never traps.
    private static func writeAll(_ bytes: ArraySlice<UInt8>, to descriptor: Int32) {
        var bytes = bytes
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else {
                writeFailed = true
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }

    /// Writes the gathered standard output now: for a command that runs until stopped (`follow`),
    /// whose readers act on each line as it comes.
    static func flush() {
        writeAll(pendingOutput[...], to: 1)
        pendingOutput.removeAll()
    }

    /// Writes the gathered standard output; true when any write to standard output or error failed.
    static func flushFailed() -> Bool {
        flush()
        return writeFailed
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
