import Foundation
import Hummingbird
import PromptRegistry

/// A response computed once and sent many times: status, content type and encoded body. Replies
/// that depend on the registry's state are kept per state commit by `ResponseCache`.
struct Reply: Sendable {
    /// The HTTP status.
    var status: HTTPResponse.Status
    /// The media type of the body.
    var contentType: String
    /// The encoded body.
    var body: ByteBuffer

    /// The one JSON encoder of the server: compact, key-sorted, slashes unescaped (the command
    /// line's encoder without pretty printing), so both say the same thing.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// A 200 reply with `value` as JSON.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Reply {
        do {
            return Reply(status: status, contentType: "application/json", body: ByteBuffer(data: try encoder.encode(value)))
        } catch {
            return problem(PromptRegError(.storage, "cannot encode the answer: \(error)"))
        }
    }

    /// The reply for `error`: problem details with the status its code maps to (or `status`).
    static func problem(_ error: PromptRegError, status: HTTPResponse.Status? = nil, damaged: [DamagedDocument]? = nil) -> Reply {
        let status = status ?? ProblemStatus.status(for: error.code)
        let details = ProblemDetails(error, status: status.code, damaged: damaged)
        let body = (try? encoder.encode(details)) ?? Data("{}".utf8)
        return Reply(status: status, contentType: "application/problem+json", body: ByteBuffer(data: body))
    }

    /// The reply for a read: its answer as JSON, or the problem it failed with.
    static func reading(_ read: () throws -> some Encodable) -> Reply {
        do {
            return json(try read())
        } catch {
            return problem(PromptRegError.wrapping(error))
        }
    }

    /// The reply for a read over many documents: the items as JSON (as the command line's `--json`
    /// prints them) when all could be read, else an integrity problem listing the damage.
    static func reading<Item>(_ read: () throws -> PartialResult<Item>) -> Reply {
        do {
            let result = try read()
            guard result.complete else {
                let error = PromptRegError(
                    .integrity, "\(result.damaged.count) damaged document(s) in the registry", fix: "restore the registry from a clone or backup",
                    remedy: .verify)
                return problem(error, damaged: result.damaged)
            }
            return json(result.items)
        } catch {
            return problem(PromptRegError.wrapping(error))
        }
    }

    /// The HTTP response, read at `head`: with `ETag: "<state commit>"` (and 304 when the request's
    /// `If-None-Match` names it) when the state is known, never cached without revalidation.
    func response(at head: StateHead?, for request: Request) -> Response {
        var headers: HTTPFields = [.cacheControl: "no-cache"]
        if let head {
            let tag = "\"\(head.commit)\""
            headers[.eTag] = tag
            if status == .ok, let match = request.headers[.ifNoneMatch], Self.matches(match, tag) {
                return Response(status: .notModified, headers: headers)
            }
        }
        headers[.contentType] = contentType
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// True when an `If-None-Match` value names `tag` (or is `*`); weak tags compare equal.
    private static func matches(_ header: String, _ tag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            let trimmed = candidate.trimmingCharacters(in: .whitespaces)
            return trimmed == "*" || trimmed == tag || trimmed == "W/" + tag
        }
    }
}
