import Foundation

/// Writes the SSH wire encoding (RFC 4251 section 5): big-endian `uint32` and length-prefixed
/// `string` values, as OpenSSH's key, signature and SSHSIG formats are built from.
struct SSHWireWriter {
    /// The bytes written so far.
    private(set) var bytes = Data()

    /// Appends `value` as four big-endian bytes.
    mutating func uint32(_ value: UInt32) {
        bytes.append(contentsOf: [UInt8(value >> 24 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)])
    }

    /// Appends `value` as a `string`: its length, then its bytes.
    mutating func string(_ value: Data) {
        uint32(UInt32(value.count))
        bytes.append(value)
    }

    /// Appends the UTF-8 bytes of `value` as a `string`.
    mutating func string(_ value: String) { string(Data(value.utf8)) }

    /// Appends `value` as it is, without a length.
    mutating func raw(_ value: some Sequence<UInt8>) { bytes.append(contentsOf: value) }
}

/// Reads the SSH wire encoding; every malformed or truncated value throws a `PromptRegError` with
/// `code` that names `context` (what is being read, e.g. `SSH signature`) and carries `fix`.
struct SSHWireReader {
    private let bytes: [UInt8]
    private var offset = 0
    private let context: String
    private let code: PromptRegError.Code
    private let fix: String?

    /// A reader of `data`, which is the `context` (for messages).
    init(_ data: Data, context: String, code: PromptRegError.Code, fix: String? = nil) {
        bytes = Array(data)
        self.context = context
        self.code = code
        self.fix = fix
    }

    /// True when every byte has been read.
    var isAtEnd: Bool { offset == bytes.count }

    /// The bytes not read yet.
    var remaining: [UInt8] { Array(bytes[offset...]) }

    /// Reads a big-endian `uint32`; `what` names it in the error when the data ends first.
    mutating func uint32(_ what: String) throws -> UInt32 {
        let four = try raw(4, what)
        return four.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Reads a `string` as bytes.
    mutating func string(_ what: String) throws -> Data {
        let length = try uint32("length of \(what)")
        guard Int(length) <= bytes.count - offset else { throw failure("\(what) is truncated") }
        return Data(try raw(Int(length), what))
    }

    /// Reads a `string` that must be UTF-8 text.
    mutating func text(_ what: String) throws -> String {
        guard let text = String(data: try string(what), encoding: .utf8) else { throw failure("\(what) is not UTF-8 text") }
        return text
    }

    /// Reads `count` bytes as they are.
    mutating func raw(_ count: Int, _ what: String) throws -> [UInt8] {
        guard count >= 0, count <= bytes.count - offset else { throw failure("\(what) is truncated") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Throws unless every byte has been read.
    func expectEnd() throws {
        guard isAtEnd else { throw failure("\(bytes.count - offset) unexpected bytes after the end") }
    }

    /// The error for `problem` in what this reader reads.
    func failure(_ problem: String) -> PromptRegError {
        PromptRegError(code, "\(context): \(problem)", fix: fix)
    }
}
