"""Telegram bot for Vietnam's study-promotion movement (khuyến học, khuyến tài)."""

import os

# Opt in to PTB's coming behaviour: RetryAfter.retry_after as a timedelta (the engine takes both).
os.environ.setdefault("PTB_TIMEDELTA", "1")
