import Foundation
import PromptRegistry
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One Server-Sent Event (the fields promptreg's `/v1/watch` sends).
struct ServerEvent: Sendable, Equatable {
    var id: String?
    var event = "message"
    var data = ""
}

/// Parses a Server-Sent Events byte stream (WHATWG HTML, "event stream interpretation") into
/// events: `id`, `event` and `data` fields, a blank line ends an event, `:` lines are comments.
struct ServerEventParser {
    private var buffer: [UInt8] = []
    private var pending = ServerEvent()
    private var hasData = false

    /// Feeds bytes; returns the events they complete.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [ServerEvent] {
        buffer.append(contentsOf: bytes)
        var events: [ServerEvent] = []
        while let end = buffer.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) {
            let line = String(decoding: buffer[..<end], as: UTF8.self)
            var next = end + 1
            if buffer[end] == 0x0D {
                if next == buffer.count { break }  // a CR at the end may be half of CRLF
                if buffer[next] == 0x0A { next += 1 }
            }
            buffer.removeSubrange(..<next)
            if let event = take(line) { events.append(event) }
        }
        return events
    }

    /// Applies one line; returns the event a blank line completes.
    private mutating func take(_ line: String) -> ServerEvent? {
        if line.isEmpty {
            defer { pending = ServerEvent(id: pending.id); hasData = false }
            return hasData ? pending : nil
        }
        if line.hasPrefix(":") { return nil }
        let field = line.prefix { $0 != ":" }
        var value = line.dropFirst(field.count).dropFirst()
        if value.hasPrefix(" ") { value = value.dropFirst() }
        switch field {
        case "id": pending.id = String(value)
        case "event": pending.event = String(value)
        case "data":
            pending.data += hasData ? "\n" + value : String(value)
            hasData = true
        default: break
        }
        return nil
    }
}

/// Streams a response body as it arrives (URLSession on Linux has no async byte sequence).
final class StreamingRequest: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    /// Chunks of the body; finishes with the error that ended the stream, if any.
    let chunks: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private var session: URLSession?

    /// Starts `request`; the stream ends when the server closes it or `cancel()` is called.
    init(_ request: URLRequest) {
        (chunks, continuation) = AsyncThrowingStream.makeStream()
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 60  // idle limit; the server sends a keep-alive every 15 s
        configuration.timeoutIntervalForResource = .greatestFiniteMagnitude
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
        self.session = session
        session.dataTask(with: request).resume()
    }

    /// Stops the request.
    func cancel() {
        session?.invalidateAndCancel()
        continuation.finish()
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            continuation.finish(throwing: PromptRegError(.unavailable, "\(response.url.map { RemoteURLs.redacted($0.absoluteString) } ?? "the server") answered HTTP \(status)"))
            completionHandler(.cancel)
            return
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        continuation.yield(data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        if let error {
            continuation.finish(throwing: error)
        } else {
            continuation.finish()
        }
        session.finishTasksAndInvalidate()
    }
}
