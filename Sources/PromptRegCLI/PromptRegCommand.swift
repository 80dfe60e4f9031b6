import ArgumentParser
public struct PromptRegCommand: ParsableCommand { public init() {} }
