import CLibGit2

/// A git object id (SHA-1 in the repositories libgit2 1.x creates).
package struct ObjectID: Hashable, Sendable, CustomStringConvertible {
    /// The raw id bytes.
    package let bytes: [UInt8]

    init(_ oid: git_oid) {
        var oid = oid
        bytes = withUnsafeBytes(of: &oid.id) { Array($0) }
    }

    /// Reads the id libgit2 returned for something it has loaded; throws `.corrupt` for
    /// `operation` when libgit2 returned none.
    init(_ pointer: UnsafePointer<git_oid>?, _ operation: @autoclosure () -> String) throws {
        guard let pointer else {
            throw GitError(code: .corrupt, message: "libgit2 returned no object id", operation: operation())
        }
        self.init(pointer.pointee)
    }

    /// Parses a full hexadecimal object id; nil when `hex` is not one.
    package init?(hex: String) {
        var oid = git_oid()
        guard hex.utf8.count == 40, git_oid_fromstr(&oid, hex) == 0 else { return nil }
        self.init(oid)
    }

    /// The id as 40 lowercase hexadecimal digits.
    package var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True for the all-zero id git uses for "no object" (a created or deleted reference).
    package var isZero: Bool { bytes.allSatisfy { $0 == 0 } }

    /// `hex`.
    package var description: String { hex }

    /// The libgit2 form of this id.
    var oid: git_oid {
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid.id) { raw in
            for (index, byte) in bytes.enumerated() where index < raw.count { raw[index] = byte }
        }
        return oid
    }
}
