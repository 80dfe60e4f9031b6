import ArgumentParser
import PromptRegistry

/// `--trust FILE`: what resolve, render and lock refuse to read (README "Verifying signatures").
struct TrustOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Refuse state this allowed_signers file does not trust (exit 68).",
            discussion:
                "The head state commit must be signed by a key the file allows; for a channel answer, so must the state commit that last moved the channel, and the trust policy in force then must have let that signer move it. Write the file with 'promptreg policy show --allowed-signers'. A pinned NAME@VERSION, digest or --lock checks the head's signature only.",
            valueName: "file"))
    var trust: String?

    /// The allowed signers --trust names; nil without --trust.
    func signers() throws -> AllowedSigners? {
        try trust.map { try AllowedSigners(contentsOf: $0) }
    }
}
