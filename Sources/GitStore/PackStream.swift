import CLibGit2
import Crypto

/// A git pack file (version 2) built in memory from whole objects, for libgit2's indexer to store.
///
/// Written here rather than by libgit2's packbuilder, whose every write walks all references
/// (`git_tag_foreach`, to order tagged objects): with 20,000 version refs that walk would cost
/// each write more than the write itself. Objects are stored whole (no deltas) in zlib streams of
/// stored deflate blocks, which every git reads; `gc` recompresses them with the packbuilder.
struct PackStream {
    private var bytes: [UInt8] = []
    private var count: UInt32 = 0

    /// Appends an object of libgit2 type `type` (commit, tree, blob or tag) holding `data`.
    mutating func append(type: git_object_t, data: UnsafeRawBufferPointer) {
        count += 1
        // Type and size: 3 type bits and the low 4 size bits, then 7 size bits per byte.
        var size = data.count
        var first = UInt8(truncatingIfNeeded: (Int(type.rawValue) & 0x7) << 4 | (size & 0x0f))
        size >>= 4
        while size > 0 {
            bytes.append(first | 0x80)
            first = UInt8(truncatingIfNeeded: size & 0x7f)
            size >>= 7
        }
        bytes.append(first)
        appendZlibStored(data)
    }

    /// The whole pack: header, objects, and the SHA-1 trailer; and its name (`pack-<trailer>.pack`,
    /// as libgit2's indexer names it).
    func finished() -> (bytes: [UInt8], name: String) {
        var pack: [UInt8] = Array("PACK".utf8) + [0, 0, 0, 2] + bigEndian(count) + bytes
        let trailer = Array(Insecure.SHA1.hash(data: pack))
        pack += trailer
        var oid = git_oid()
        git_oid_fromraw(&oid, trailer)
        return (pack, "pack-\(ObjectID(oid).hex).pack")
    }

    /// `data` as a zlib stream of stored deflate blocks (at most 65,535 bytes each) and its Adler-32.
    private mutating func appendZlibStored(_ data: UnsafeRawBufferPointer) {
        bytes += [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            let final: UInt8 = offset + length == data.count ? 1 : 0
            bytes += [final, UInt8(length & 0xff), UInt8(length >> 8), UInt8(~length & 0xff), UInt8((~length >> 8) & 0xff)]
            bytes += data[offset..<offset + length]
            offset += length
        } while offset < data.count
        var a: UInt32 = 1
        var b: UInt32 = 0
        for chunk in stride(from: 0, to: data.count, by: 5552) {  // 5552: the most bytes before the sums can overflow
            for byte in data[chunk..<min(chunk + 5552, data.count)] {
                a += UInt32(byte)
                b += a
            }
            a %= 65_521
            b %= 65_521
        }
        bytes += bigEndian(b << 16 | a)
    }

    private func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
    }
}

extension GitRepository {
    /// Stores the objects `ids` (read from the object database, in this order) as one pack and
    /// its index under `objects/pack`, through the database's pack writer (libgit2's indexer,
    /// which checks every object and fsyncs the pack, the index and the directory when fsync is
    /// on). Returns the pack's file name; nothing when `ids` is empty.
    @discardableResult
    func storePack(of ids: [ObjectID], _ operation: String) throws -> String? {
        guard !ids.isEmpty else { return nil }
        var stream = PackStream()
        try withObjectDatabase { odb in
            for id in ids {
                var oid = id.oid
                try withGitObject("read object \(id)", make: { git_odb_read(&$0, odb, &oid) }, free: git_odb_object_free) { object in
                    stream.append(
                        type: git_odb_object_type(object),
                        data: UnsafeRawBufferPointer(start: git_odb_object_data(object), count: git_odb_object_size(object)))
                }
            }
        }
        let pack = stream.finished()
        try withObjectDatabase { odb in
            var made: UnsafeMutablePointer<git_odb_writepack>?
            try check(git_odb_write_pack(&made, odb, nil, nil), operation)
            guard let writer = made else {
                throw GitError(code: .other(0), message: "libgit2 returned no pack writer", operation: operation)
            }
            defer { writer.pointee.free(writer) }
            var progress = git_indexer_progress()
            try pack.bytes.withUnsafeBytes { raw in
                try check(writer.pointee.append(writer, raw.baseAddress, raw.count, &progress), operation)
            }
            try check(writer.pointee.commit(writer, &progress), operation)
        }
        return pack.name
    }
}
