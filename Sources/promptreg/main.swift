import PromptRegCLI

PromptRegCommand.main()
