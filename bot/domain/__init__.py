"""The domain's vocabulary and rules: plain Python, no Telegram and no SQL."""
