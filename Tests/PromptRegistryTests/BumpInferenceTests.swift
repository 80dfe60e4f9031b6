import Foundation
import TestSupport
import Testing

@testable import PromptRegistry

/// Each semver rule of the contract, checked on the example support-agent bundle.
@Suite("Bump inference")
struct BumpInferenceTests {
    let base: BundleContent

    init() throws {
        base = try BundleLoader().load(directory: Fixtures.example("support-agent"))
    }

    private func required(_ edit: (inout BundleContent) -> Void) -> (VersionBump, [LayerKind]) {
        var changed = base
        edit(&changed)
        let comparison = BundleComparison(from: base, to: changed)
        return (comparison.requiredBump, comparison.changedLayers)
    }

    private var optionalVariable: VariableSpec {
        VariableSpec(name: "locale", type: .string, required: false, description: nil)
    }

    @Test("no change needs no bump")
    func identical() { #expect(required { _ in }.0 == .none) }

    @Test("a model change is major")
    func model() {
        #expect(required { $0.model.id = "gpt-4o-2024-11-20" } == (.major, [.model]))
        #expect(required { $0.model.provider = "azure" }.0 == .major)
    }

    @Test("a removed tool is major, an added tool minor, a changed input schema major")
    func tools() {
        #expect(required { $0.tools.tools.removeLast() } == (.major, [.tools]))
        #expect(
            required { content in
                var extra = content.tools.tools[0]
                extra.name = "cancel_order"
                content.tools.tools.append(extra)
            } == (.minor, [.tools]))
        #expect(required { $0.tools.tools[0].inputSchema = .object(["type": .string("object")]) } == (.major, [.tools]))
        #expect(required { $0.tools.tools[0].description = "Look an order up." } == (.patch, [.tools]))
    }

    @Test("an output schema added, changed or removed is major")
    func output() {
        #expect(required { $0.output = OutputLayer(schema: .object(["type": .string("object")])) } == (.major, [.output]))
    }

    @Test("variables: removed or new required is major, new optional is minor")
    func variables() {
        #expect(required { $0.prompt.variables.removeLast() }.0 == .major)
        #expect(required { $0.prompt.variables.append(VariableSpec(name: "locale", type: .string, required: true)) }.0 == .major)
        #expect(required { $0.prompt.variables.append(optionalVariable) } == (.minor, [.prompt]))
        #expect(required { $0.prompt.variables[0].type = .object }.0 == .major)
    }

    @Test("any parameter change is at least minor")
    func parameters() {
        #expect(required { $0.parameters.temperature = 0.4 } == (.minor, [.parameters]))
        #expect(required { $0.parameters.limits?.maxSteps = 9 } == (.minor, [.parameters]))
        #expect(required { $0.parameters.stop = ["END"] }.0 == .minor)
    }

    @Test("template wording is patch")
    func wording() {
        #expect(required { $0.prompt.messages[0].template += "\nThank the customer." } == (.patch, [.prompt]))
        #expect(required { $0.description = "Another description." }.0 == .patch)
    }

    @Test("the largest change wins")
    func largestWins() {
        let (bump, layers) = required {
            $0.prompt.messages[0].template += "!"
            $0.parameters.temperature = 0.1
            $0.model.id = "gpt-4o-2024-11-20"
        }
        #expect(bump == .major)
        #expect(layers == [.prompt, .model, .parameters])
    }
}
