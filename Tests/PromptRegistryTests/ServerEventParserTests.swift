@testable import PromptRegistryHTTP
import Testing

// The Server-Sent Events parser the HTTP follower reads `/v1/watch` with: fields, comments,
// CRLF and CR line ends, events split across reads at any byte.

@Suite("Server-Sent Events parsing")
struct ServerEventParserTests {
    private static let stream =
        ": keep-alive\r\nid: 12\r\nevent: state\r\ndata: {\"state_seq\":12}\r\n\r\n"
        + "id:13\nevent:state\ndata:{\"state_seq\":13,\ndata: \"x\":1}\n\n"
        + "data: no id\rretry: 5\r\r"
        + "id: 14\nevent: state\n"  // not finished: no blank line yet

    private static let expected = [
        ServerEvent(id: "12", event: "state", data: "{\"state_seq\":12}"),
        ServerEvent(id: "13", event: "state", data: "{\"state_seq\":13,\n\"x\":1}"),
        ServerEvent(id: "13", event: "message", data: "no id"),
    ]

    @Test("Fields, multi-line data, comments, CRLF, CR and LF")
    func wholeStream() {
        var parser = ServerEventParser()
        #expect(parser.feed(Array(Self.stream.utf8)) == Self.expected)
        // An event without data is not dispatched (the WHATWG rule).
        #expect(parser.feed(Array("\n".utf8)).isEmpty)
    }

    @Test("The same events whatever the reads are split at")
    func splitAnywhere() {
        let bytes = Array(Self.stream.utf8)
        for size in [1, 2, 3, 5, 7, 64] {
            var parser = ServerEventParser()
            var events: [ServerEvent] = []
            var index = 0
            while index < bytes.count {
                events += parser.feed(bytes[index..<min(index + size, bytes.count)])
                index += size
            }
            #expect(events == Self.expected, "reads of \(size) bytes")
        }
    }
}
