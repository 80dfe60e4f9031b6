import PromptRegCLI

PromptRegCommand.runMain()
