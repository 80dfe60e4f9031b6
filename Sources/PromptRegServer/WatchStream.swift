import Foundation
import HTTPTypes
import Hummingbird
import PromptRegistry

/// `/v1/watch`: Server-Sent Events, one `state` event per state change (`id` is the state
/// sequence, `data` the head as JSON), the current state first unless the client's
/// `Last-Event-ID` names it already, and a `:` comment as keep-alive. Ends at shutdown.
struct WatchStream: Sendable {
    let watcher: StateWatcher

    /// The streaming response for `request`.
    func response(for request: Request) -> Response {
        let lastSeen = request.headers[Self.lastEventID].flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
        let events = watcher.subscribe()
        let body = ResponseBody { writer in
            var sent = lastSeen
            for await event in events {
                switch event {
                case .state(let head) where head.seq != sent:
                    sent = head.seq
                    try await writer.write(ByteBuffer(string: Self.format(head)))
                case .state:
                    continue
                case .keepAlive:
                    try await writer.write(ByteBuffer(string: ":\n\n"))
                }
            }
            try await writer.finish(nil)
        }
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
        return Response(status: .ok, headers: headers, body: body)
    }

    private static let lastEventID = HTTPField.Name("Last-Event-ID")!

    /// One `state` event.
    static func format(_ head: StateHead) -> String {
        let data = (try? Reply.encoder.encode(head)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "id: \(head.seq)\nevent: state\ndata: \(data)\n\n"
    }
}
