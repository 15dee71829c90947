"""Developer and test tools: the Bot API emulator and the terminal sandbox built on it. Not part
of the installed package."""
