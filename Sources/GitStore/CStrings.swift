import CLibGit2
import Foundation

/// Lends `strings` to `body` as C strings (`char *`) that live until `body` returns.
func withCStrings<T>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>]) throws -> T) throws -> T {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.compactMap { $0 }
    guard pointers.count == strings.count else {
        throw GitError(code: .other(GIT_ERROR.rawValue), message: "out of memory", operation: "copy strings for libgit2")
    }
    return try body(pointers)
}

/// Lends `strings` to `body` as a libgit2 `git_strarray` that lives until `body` returns.
func withStringArray<T>(_ strings: [String], _ body: (inout git_strarray) throws -> T) throws -> T {
    try withCStrings(strings) { pointers in
        var optionals = pointers.map { Optional($0) }
        return try optionals.withUnsafeMutableBufferPointer { buffer in
            var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
            return try body(&array)
        }
    }
}
