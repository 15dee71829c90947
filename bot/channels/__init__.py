"""Per messenger: the transport, how a question is rendered, the sender. Telegram today."""
