import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// schemas/openapi.yaml is a valid OpenAPI 3.1 document, and a running server keeps to it:
// schemathesis (property-based, bounded examples, loopback only) finds no 5xx and no response
// that does not match the document. Both tools come from PyPI (scripts/install-deps.sh).

@Suite("serve: OpenAPI document", .serialized)
struct OpenAPITests {
    static let document = Fixtures.packageRoot + "/schemas/openapi.yaml"

    @Test("openapi-spec-validator accepts schemas/openapi.yaml")
    func valid() throws {
        let result = try Tool.run(["openapi-spec-validator", Self.document], timeout: 60)
        #expect(result.status == 0, "\(result.output)")
    }

    @Test("schemathesis: no server error, every response matches the document")
    func conformance() throws {
        let served = try ServedRegistry()
        defer { served.remove() }
        let server = try RunningServer(registry: served.path)
        let reports = try TemporaryDirectory("promptreg-schemathesis")
        defer { reports.remove() }
        // The watch stream never ends and a long-poll may wait a minute: WatchTests cover both.
        let result = try Tool.run(
            [
                "st", "run", Self.document, "--url", server.url,
                "--checks", "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
                "--exclude-path", "/v1/watch", "--exclude-path", "/v1/state",
                "--phases", "examples,coverage,fuzzing", "--max-examples", "40", "--seed", "20261122",
                "--request-timeout", "10", "--generation-database", "none", "--no-color",
                "--report-dir", reports.path,
            ], timeout: 300, directory: reports.path)
        #expect(result.status == 0, "\(result.output.suffix(4000))")
        #expect(server.process.isRunning)
    }
}

/// Runs a command found on PATH, killing it after `timeout` seconds.
enum Tool {
    static func run(_ arguments: [String], timeout: TimeInterval, directory: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let timer = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        timer.cancel()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
