import ArgumentParser
import Testing

@testable import PromptRegCLI

/// The command line parsed in process: which command and which values, without running anything.
@Suite struct ParsingTests {
    @Test func promoteParsesReferenceAndChannel() throws {
        let command = try PromptRegCommand.parseAsRoot(["promote", "support-agent@1.0.0", "prod", "-m", "ship"])
        let promote = try #require(command as? PromoteCommand)
        #expect(promote.source == "support-agent@1.0.0")
        #expect(promote.channel == "prod")
    }
}
