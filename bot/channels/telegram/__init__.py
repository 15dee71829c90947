"""The Telegram glue: context, guards, drafts and keyboards, persistence, the update processor,
the HTTP transport, and the pacer that keeps Telegram's flood limits."""
